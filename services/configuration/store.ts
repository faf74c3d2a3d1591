import { requireEnv } from '../../shared/kit/env';
import { adjacency } from '../../shared/kit/graph';
import { type Item, type Key, Store } from '../../shared/kit/store';
import type { CiState, CiStatus } from './domain/ci';
import type { CiType, RelationshipType } from './domain/ci-types';

/**
 * Item layout of the configuration table (one table, pk + sk, two GSIs):
 *
 * | item                | pk                        | sk                     | gsi1pk / gsi1sk        | gsi2pk / gsi2sk              |
 * |---------------------|---------------------------|------------------------|------------------------|------------------------------|
 * | CI                  | CI#<ciId>                 | CI                     | CI / <ciId>            | TYPE#<typeId> / <name>#<id>  |
 * | CI history          | CI#<ciId>                 | HIST#<ulid>            |                        |                              |
 * | relationship (out)  | CI#<source>               | REL#OUT#<type>#<tgt>   |                        |                              |
 * | relationship (in)   | CI#<target>               | REL#IN#<type>#<src>    |                        |                              |
 * | number -> id        | NUM#CI-1042               | NUM                    |                        |                              |
 * | external key -> id  | EXT#<source>#<sourceId>   | EXT                    |                        |                              |
 * | customer link       | CUST#<customerId>         | CI#<ciId>              |                        |                              |
 * | CI type             | TYPE#<typeId>             | TYPE                   | TYPES / <typeId>       |                              |
 * | relationship type   | RELTYPE#<typeId>          | RELTYPE                | RELTYPES / <typeId>    |                              |
 * | service copy        | SVC#<serviceId>           | SVC                    |                        |                              |
 * | baseline / member   | BASELINE#<id>             | BASELINE / CI#<ciId>   | BASELINES / <id>       |                              |
 * | baseline request    | REQ#<source>#<requestId>  | REQ                    |                        |                              |
 * | campaign / member   | CAMPAIGN#<id>             | CAMPAIGN / CI#<ciId>   | CAMPAIGNS / <id>       |                              |
 * | change copy         | CHG#<changeId>            | CHG                    |                        |                              |
 * | change number -> id | CHGNUM#CHG-77             | CHGNUM                 |                        |                              |
 * | change control      | SETTINGS                  | CHANGE-CONTROL         |                        |                              |
 * | unauthorised change | UNAUTH#<id>               | UNAUTH                 | UNAUTHORISED / <at>#id |                              |
 *
 * Adjacency for impact analysis lives on the CI item as string sets (`dependsOn`,
 * `dependents`), so one batch read serves a whole level of the walk. Only unauthorised-change
 * items carry `gsi1pk = UNAUTHORISED`: the report reads that partition newest first, never a scan.
 */
export const keys = {
  ci: (id: string): Key => ({ pk: `CI#${id}`, sk: 'CI' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  external: (source: string, sourceId: string): Key => ({ pk: `EXT#${source}#${sourceId}`, sk: 'EXT' }),
  customerLink: (customerId: string, ciId: string): Key => ({ pk: `CUST#${customerId}`, sk: `CI#${ciId}` }),
  type: (typeId: string): Key => ({ pk: `TYPE#${typeId}`, sk: 'TYPE' }),
  relType: (typeId: string): Key => ({ pk: `RELTYPE#${typeId}`, sk: 'RELTYPE' }),
  service: (id: string): Key => ({ pk: `SVC#${id}`, sk: 'SVC' }),
  baseline: (id: string): Key => ({ pk: `BASELINE#${id}`, sk: 'BASELINE' }),
  /** One baseline per (source, requestId) of a `BaselineRequested`. */
  baselineRequest: (source: string, requestId: string): Key => ({ pk: `REQ#${source}#${requestId}`, sk: 'REQ' }),
  campaign: (id: string): Key => ({ pk: `CAMPAIGN#${id}`, sk: 'CAMPAIGN' }),
  change: (id: string): Key => ({ pk: `CHG#${id}`, sk: 'CHG' }),
  changeNumber: (n: string): Key => ({ pk: `CHGNUM#${n}`, sk: 'CHGNUM' }),
  changeControl: (): Key => ({ pk: 'SETTINGS', sk: 'CHANGE-CONTROL' }),
  unauthorised: (id: string): Key => ({ pk: `UNAUTH#${id}`, sk: 'UNAUTH' }),
  edgeOut: (source: string, type: string, target: string): Key => ({
    pk: `CI#${source}`,
    sk: `REL#OUT#${type}#${target}`,
  }),
  edgeIn: (target: string, type: string, source: string): Key => ({
    pk: `CI#${target}`,
    sk: `REL#IN#${type}#${source}`,
  }),
};

export interface Ci extends CiState {
  ciId: string;
  number: string;
  source?: string;
  sourceId?: string;
  lastVerifiedAt?: string;
  lastVerificationResult?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  dependsOn: string[];
  dependents: string[];
}

export function toCi(item: Item): Ci {
  return {
    ciId: String(item.ciId),
    number: String(item.number),
    typeId: String(item.typeId),
    name: String(item.name),
    attributes: (item.attributes ?? {}) as Record<string, unknown>,
    ...(item.owner ? { owner: String(item.owner) } : {}),
    status: item.status as CiStatus,
    serviceIds: (item.serviceIds ?? []) as string[],
    customerIds: (item.customerIds ?? []) as string[],
    ...(item.source ? { source: String(item.source), sourceId: String(item.sourceId) } : {}),
    ...(item.lastVerifiedAt ? { lastVerifiedAt: String(item.lastVerifiedAt) } : {}),
    ...(item.lastVerificationResult ? { lastVerificationResult: String(item.lastVerificationResult) } : {}),
    version: Number(item.version),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    dependsOn: adjacency(item.dependsOn),
    dependents: adjacency(item.dependents),
  };
}

/** The CI as the API shows it (adjacency sets are internal; relationships have their own route). */
export function ciView(ci: Ci) {
  const { dependsOn: _d, dependents: _e, ...rest } = ci;
  return rest;
}

export function ciItem(ci: Omit<Ci, 'version' | 'createdAt' | 'updatedAt' | 'dependsOn' | 'dependents'>): Item {
  return {
    ...keys.ci(ci.ciId),
    type: 'ci',
    ...ci,
    gsi1pk: 'CI',
    gsi1sk: ci.ciId,
    ...indexOfName(ci.typeId, ci.name, ci.ciId),
  };
}

export const indexOfName = (typeId: string, name: string, ciId: string) => ({
  gsi2pk: `TYPE#${typeId}`,
  gsi2sk: `${name.toLowerCase()}#${ciId}`,
});

export const toCiType = (i: Item): CiType => ({
  typeId: String(i.typeId),
  name: String(i.name),
  ...(i.description ? { description: String(i.description) } : {}),
  attributes: (i.attributes ?? []) as CiType['attributes'],
  version: Number(i.version),
});

export const toRelType = (i: Item): RelationshipType => ({
  typeId: String(i.typeId),
  name: String(i.name),
  inverseName: String(i.inverseName),
  dependency: i.dependency as RelationshipType['dependency'],
  builtIn: false,
});

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
