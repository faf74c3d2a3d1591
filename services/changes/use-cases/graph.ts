import type * as z from 'zod/mini';
import type { CiSnapshot, Relationship } from '../../../shared/contracts/configuration/v1';
import type { ServiceSnapshot } from '../../../shared/contracts/portfolio/v1';
import type { AgreementSnapshot } from '../../../shared/contracts/service-level/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { keepCopy } from '../../../shared/kit/copies';
import { ConflictError } from '../../../shared/kit/errors';
import type { ReceivedEvent } from '../../../shared/kit/events';
import { adjacency, dependencyPairs, type GraphNode, walkFrom } from '../../../shared/kit/graph';
import type { Item, Key, Write } from '../../../shared/kit/store';
import { table } from '../store';

/**
 * The changes service's copy of the CMDB graph, and of the services and agreements the impact
 * assessment names (FitSM PR12.3; ADR 31). Services never read each other's tables: this copy is
 * kept from the configuration, portfolio and service-level events, and walked with the CMDB's own
 * dependency semantics (shared/kit/graph.ts).
 *
 * | item                        | pk                      | sk               |                                            |
 * |-----------------------------|-------------------------|------------------|--------------------------------------------|
 * | CI node                     | GCI#<ciId>              | GCI              | name, number, services, customers, `dependsOn`, `dependents` (string sets) |
 * | relationship                | GEDGE#<source>#<target> | <type>           | present, dependency, atMs (the event's instant) |
 * | service                     | SVC#<serviceId>         | SVC              | name, status, customerIds                  |
 * | agreement                   | AGR#<agreementId>       | AGR              | kind, customerId, serviceIds, status       |
 * | service -> agreement        | SVCAGR#<serviceId>      | <agreementId>    |                                            |
 */
type Dependency = 'source-depends-on-target' | 'target-depends-on-source' | 'mutual' | 'none';

const gkeys = {
  ci: (id: string): Key => ({ pk: `GCI#${id}`, sk: 'GCI' }),
  edge: (source: string, target: string, type: string): Key => ({ pk: `GEDGE#${source}#${target}`, sk: type }),
  service: (id: string): Key => ({ pk: `SVC#${id}`, sk: 'SVC' }),
  agreement: (id: string): Key => ({ pk: `AGR#${id}`, sk: 'AGR' }),
  serviceAgreement: (serviceId: string, agreementId: string): Key => ({
    pk: `SVCAGR#${serviceId}`,
    sk: agreementId,
  }),
};

/** CiRegistered / CiUpdated / CiRetired: the node's own fields; its adjacency is the edges' business. */
export async function applyCi(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const ci = event.data as CiSnapshot;
  await keepCopy(table(), ctx, gkeys.ci(ci.ciId), ci.version, {
    type: 'graph-ci',
    ciId: ci.ciId,
    number: ci.number,
    name: ci.name,
    typeId: ci.typeId,
    status: ci.status,
    serviceIds: ci.serviceIds,
    customerIds: ci.customerIds,
  });
}

/**
 * RelationshipAdded / RelationshipRemoved. Events may come twice or out of order, so each edge
 * keeps the instant of the last event applied and moves only forward; the two nodes' adjacency
 * is then derived again from every edge between them (two types may link the same pair), which
 * is idempotent, so a retry after a crash between the two steps repairs it.
 */
export async function applyRelationship(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const rel = event.data as z.infer<typeof Relationship> & { dependency?: Dependency };
  const present = event.detailType === 'RelationshipAdded';
  const atMs = Date.parse(event.metadata.occurredAt);
  const key = gkeys.edge(rel.sourceCiId, rel.targetCiId, rel.type);
  const current = await table().get(key, true);
  if (!current || Number(current.atMs) < atMs) {
    try {
      await table().commit(ctx, {
        writes: [
          {
            kind: 'update',
            key,
            set: {
              type: 'graph-edge',
              source: rel.sourceCiId,
              target: rel.targetCiId,
              relType: rel.type,
              present,
              // Events before the CMDB published semantics carry none: such an edge implies no dependency.
              dependency: rel.dependency ?? 'none',
              atMs,
            },
            ifBelow: { attribute: 'atMs', value: atMs },
          },
        ],
      });
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // a newer event for the edge won: it stands
    }
  }
  await deriveAdjacency(ctx, rel.sourceCiId, rel.targetCiId);
}

async function deriveAdjacency(ctx: OperationContext, a: string, b: string): Promise<void> {
  const [ab, ba] = await Promise.all([table().all({ pk: `GEDGE#${a}#${b}` }), table().all({ pk: `GEDGE#${b}#${a}` })]);
  const pairs = [...ab, ...ba]
    .filter((e) => e.present === true)
    .flatMap((e) => dependencyPairs(String(e.source), String(e.target), e.dependency as Dependency));
  const depends = (x: string, y: string) => pairs.some((p) => p.dependent === x && p.dependency === y);
  // One update per node (a transaction may touch an item once): x's `dependsOn` and `dependents`
  // toward y, each added or removed as the edges say.
  const nodeWrite = (x: string, y: string): Write => {
    const add: Record<string, string[]> = {};
    const del: Record<string, string[]> = {};
    (depends(x, y) ? add : del).dependsOn = [y];
    (depends(y, x) ? add : del).dependents = [y];
    return {
      kind: 'update',
      key: gkeys.ci(x),
      ...(Object.keys(add).length ? { addToSet: add } : {}),
      ...(Object.keys(del).length ? { deleteFromSet: del } : {}),
    };
  };
  const writes: Write[] = [nodeWrite(a, b), nodeWrite(b, a)];
  // Set additions and removals are commutative; one transaction keeps both ends in step.
  await table().commit(ctx, { writes });
}

export async function applyService(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const s = event.data as ServiceSnapshot;
  await keepCopy(table(), ctx, gkeys.service(s.serviceId), s.version, {
    type: 'graph-service',
    serviceId: s.serviceId,
    name: s.name,
    status: s.status,
    customerIds: s.customerIds ?? [],
  });
}

/** AgreementCreated / AgreementChanged: the copy and its per-service links move together. */
export async function applyAgreement(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const a = event.data as AgreementSnapshot;
  const key = gkeys.agreement(a.agreementId);
  const current = await table().get(key, true);
  if (current && Number(current.sourceVersion) >= a.version) return;
  const before = new Set<string>((current?.serviceIds as string[] | undefined) ?? []);
  const after = new Set(a.serviceIds);
  const writes: Write[] = [
    {
      kind: 'update',
      key,
      set: {
        type: 'graph-agreement',
        agreementId: a.agreementId,
        kind: a.kind,
        name: a.name,
        status: a.status,
        serviceIds: a.serviceIds,
        ...(a.customerId ? { customerId: a.customerId } : {}),
        sourceVersion: a.version,
      },
      ifBelow: { attribute: 'sourceVersion', value: a.version },
    },
    ...[...before]
      .filter((s) => !after.has(s))
      .map((s): Write => ({ kind: 'delete', key: gkeys.serviceAgreement(s, a.agreementId) })),
    ...[...after].map(
      (s): Write => ({
        kind: 'upsert',
        item: { ...gkeys.serviceAgreement(s, a.agreementId), type: 'service-agreement', agreementId: a.agreementId },
      }),
    ),
  ];
  try {
    await table().commit(ctx, { writes });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err; // a newer version was written meanwhile
  }
}

interface NodeCopy extends GraphNode {
  number?: string;
  name?: string;
  serviceIds: string[];
  customerIds: string[];
}

const toNode = (i: Item): NodeCopy => ({
  ciId: String(i.pk).slice('GCI#'.length),
  dependsOn: adjacency(i.dependsOn),
  dependents: adjacency(i.dependents),
  ...(i.number ? { number: String(i.number) } : {}),
  ...(i.name ? { name: String(i.name) } : {}),
  serviceIds: (i.serviceIds as string[] | undefined) ?? [],
  customerIds: (i.customerIds as string[] | undefined) ?? [],
});

/** A loader for the walk that reads each node once (one batch read per level of the walk). */
function nodeLoader() {
  const seen = new Map<string, NodeCopy>();
  const load = async (ids: string[]) => {
    const missing = ids.filter((id) => !seen.has(id));
    if (missing.length > 0) {
      for (const item of await table().batchGet(missing.map(gkeys.ci))) {
        const n = toNode(item);
        seen.set(n.ciId, n);
      }
    }
    return new Map(ids.flatMap((id) => (seen.has(id) ? [[id, seen.get(id)!] as const] : [])));
  };
  return { load, seen };
}

/** How deep the impact walk goes, and how many CIs it reports at most. */
export const IMPACT_MAX_DEPTH = 10;
export const IMPACT_MAX_NODES = 5000;

export interface ImpactAssessment {
  /** The CIs that depend on the changed ones, transitively, with their distance. */
  cis: { ciId: string; number?: string; name?: string; depth: number; via?: string }[];
  ciCount: number;
  services: { serviceId: string; name?: string }[];
  customerIds: string[];
  agreements: { agreementId: string; kind: string; name?: string; customerId?: string }[];
  truncated: boolean;
}

/**
 * The impact of changing these CIs and services (FitSM PR12.3): the CIs that depend on them,
 * transitively, with the CMDB's dependency semantics; the services they support; those services'
 * customers; and the agreements (SLAs, OLAs, UAs) in force on them.
 */
export async function assessImpact(ciIds: readonly string[], serviceIds: readonly string[]): Promise<ImpactAssessment> {
  const { load, seen } = nodeLoader();
  const walked = await walkFrom(ciIds, 'downstream', IMPACT_MAX_DEPTH, load, IMPACT_MAX_NODES);
  await load([...ciIds]);
  const cis = [
    ...ciIds.map((ciId) => ({ ciId, depth: 0 })),
    ...walked.hits.map((h) => ({ ciId: h.ciId, depth: h.depth, via: h.via })),
  ].map((c) => {
    const n = seen.get(c.ciId);
    return { ...c, ...(n?.number ? { number: n.number } : {}), ...(n?.name ? { name: n.name } : {}) };
  });
  // The walk loaded every node it reached except the last level's leaves: read those too.
  await load(cis.map((c) => c.ciId));
  const serviceSet = new Set(serviceIds);
  const customerSet = new Set<string>();
  for (const c of cis) {
    const n = seen.get(c.ciId);
    for (const s of n?.serviceIds ?? []) serviceSet.add(s);
    for (const k of n?.customerIds ?? []) customerSet.add(k);
  }
  const services = await table().batchGet([...serviceSet].map(gkeys.service));
  const names = new Map(services.map((s) => [String(s.serviceId), s]));
  for (const s of services) for (const k of (s.customerIds as string[] | undefined) ?? []) customerSet.add(k);
  const links = (await Promise.all([...serviceSet].map((s) => table().all({ pk: `SVCAGR#${s}` })))).flat();
  const agreements = (
    await table().batchGet([...new Set(links.map((l) => String(l.agreementId)))].map(gkeys.agreement))
  )
    .filter((a) => a.status === 'active')
    .map((a) => ({
      agreementId: String(a.agreementId),
      kind: String(a.kind),
      ...(a.name ? { name: String(a.name) } : {}),
      ...(a.customerId ? { customerId: String(a.customerId) } : {}),
    }))
    .sort((x, y) => x.agreementId.localeCompare(y.agreementId));
  for (const a of agreements) if (a.customerId) customerSet.add(a.customerId);
  return {
    cis,
    ciCount: cis.length,
    services: [...serviceSet].sort().map((serviceId) => {
      const s = names.get(serviceId);
      return { serviceId, ...(s?.name ? { name: String(s.name) } : {}) };
    }),
    customerIds: [...customerSet].sort(),
    agreements,
    truncated: walked.truncated,
  };
}

/** The CIs that depend on the given ones, transitively up to `maxDepth`, with their distance. */
export async function affectedFrom(ciIds: readonly string[], maxDepth: number): Promise<Map<string, number>> {
  const { load } = nodeLoader();
  const walked = await walkFrom(ciIds, 'downstream', maxDepth, load, IMPACT_MAX_NODES);
  return new Map(walked.hits.map((h) => [h.ciId, h.depth]));
}

/**
 * CIs related to the given ones within `depth` hops, in either direction of dependency (a change
 * on a server conflicts with one on the switch it hangs off, and the other way round), with the
 * shortest distance. The given CIs themselves are not included.
 */
export async function relatedWithin(ciIds: readonly string[], depth: number): Promise<Map<string, number>> {
  const { load } = nodeLoader();
  const [down, up] = await Promise.all([
    walkFrom(ciIds, 'downstream', depth, load, IMPACT_MAX_NODES),
    walkFrom(ciIds, 'upstream', depth, load, IMPACT_MAX_NODES),
  ]);
  const out = new Map<string, number>();
  for (const h of [...down.hits, ...up.hits])
    out.set(h.ciId, Math.min(h.depth, out.get(h.ciId) ?? Number.MAX_SAFE_INTEGER));
  return out;
}
