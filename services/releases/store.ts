import { requireEnv } from '../../shared/kit/env';
import { type Item, type Key, Store } from '../../shared/kit/store';
import type { Release } from './domain/release';
import type { Strategy } from './domain/strategy';

/**
 * Item layout of the releases table (one table, pk + sk, two GSIs):
 *
 * | item                                  | pk                          | sk                  | gsi1pk / gsi1sk            | gsi2pk / gsi2sk                   |
 * |---------------------------------------|-----------------------------|---------------------|----------------------------|-----------------------------------|
 * | release                               | REL#<id>                    | RELEASE             | RELEASES / <id>            | STATUS#<status> / <id>            |
 * | release history                       | REL#<id>                    | HIST#<ulid>         |                            |                                   |
 * | the deployment flow's waiting token   | REL#<id>                    | TOKEN               |                            |                                   |
 * | number -> id                          | NUM#REL-12                  | NUM                 |                            |                                   |
 * | open release of a pipeline            | PIPEREL#<pipeline>          | OPEN                |                            |                                   |
 * | deployment -> release (flow answers)  | DEP#<deploymentId>          | DEP                 |                            |                                   |
 * | strategy                              | STRATEGY#<id>               | STRATEGY            | STRATEGIES / <id>          |                                   |
 * | copy of a change (from its events)    | CHG#<changeId>              | COPY                |                            |                                   |
 * | change -> release that bundles it     | CHG#<changeId>              | IN#<releaseId>      |                            |                                   |
 * | a released CI in early-life support   | ELS#<ciId>                  | <releaseId>         |                            |                                   |
 *
 * Pipelines, library items and packages have their items described in their use cases.
 */
export const keys = {
  release: (id: string): Key => ({ pk: `REL#${id}`, sk: 'RELEASE' }),
  flowToken: (id: string): Key => ({ pk: `REL#${id}`, sk: 'TOKEN' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  pipelineRelease: (pipeline: string): Key => ({ pk: `PIPEREL#${pipeline}`, sk: 'OPEN' }),
  deployment: (deploymentId: string): Key => ({ pk: `DEP#${deploymentId}`, sk: 'DEP' }),
  strategy: (id: string): Key => ({ pk: `STRATEGY#${id}`, sk: 'STRATEGY' }),
  changeCopy: (changeId: string): Key => ({ pk: `CHG#${changeId}`, sk: 'COPY' }),
  bundled: (changeId: string, releaseId: string): Key => ({ pk: `CHG#${changeId}`, sk: `IN#${releaseId}` }),
  earlyLife: (ciId: string, releaseId: string): Key => ({ pk: `ELS#${ciId}`, sk: releaseId }),
};

const KEY_FIELDS = new Set(['pk', 'sk', 'type', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk']);

export function toRelease(item: Item): Release {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_FIELDS.has(k) && k !== 'releaseType') r[k] = v;
  // The item's `type` says what the item is; the release's own type is kept beside it.
  r.type = item.releaseType;
  r.version = Number(item.version);
  for (const list of [
    'changeIds',
    'ciIds',
    'serviceIds',
    'criteria',
    'evidence',
    'waivers',
    'acceptances',
    'deployments',
  ])
    r[list] ??= [];
  return r as unknown as Release;
}

/** The whole item of a release (replaced as one aggregate, conditional on its version). */
export function releaseItem(r: Release): Item {
  const item: Item = { ...keys.release(r.releaseId), type: 'release' };
  for (const [k, v] of Object.entries(r)) if (v !== undefined && k !== 'type') item[k] = v;
  item.releaseType = r.type;
  item.gsi1pk = 'RELEASES';
  item.gsi1sk = r.releaseId;
  item.gsi2pk = `STATUS#${r.status}`;
  item.gsi2sk = r.releaseId;
  return item;
}

export function toStrategy(item: Item): Strategy {
  const s: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_FIELDS.has(k)) s[k] = v;
  s.version = Number(item.version);
  return s as unknown as Strategy;
}

let store: Store | undefined;
/** The service's table, named by TABLE_NAME. */
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
