import type * as z from 'zod/mini';
import { RelationshipAdded, RelationshipRemoved } from '../../../shared/contracts/configuration/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, ifFound, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { dependencyPairs, type GraphNode, type ImpactDirection, walkImpact } from '../../../shared/kit/graph';
import type { HistoryEntry, Write } from '../../../shared/kit/store';
import { assertCanChange, assertCanSee } from '../access';
import type { AddRelationshipBody } from '../schemas';
import { type Ci, keys, table, toCi } from '../store';
import { authorise } from './changes';
import { getRelationshipType } from './ci-types';
import { loadCi, underChange } from './cis';

/** Relationships between CIs and impact analysis over them (FitSM PR11.2). */
export interface RelationshipView {
  direction: 'outgoing' | 'incoming';
  type: string;
  ciId: string;
  createdAt: string;
}

/** Adjacency set updates an edge adds (or removes) on the two CI items. */
function adjacencyWrites(
  source: string,
  target: string,
  dependency: Parameters<typeof dependencyPairs>[2],
  op: 'add' | 'delete',
): Write[] {
  const bySet = new Map<string, { dependsOn: string[]; dependents: string[] }>();
  const slot = (id: string) => {
    const known = bySet.get(id);
    if (known) return known;
    const fresh = { dependsOn: [] as string[], dependents: [] as string[] };
    bySet.set(id, fresh);
    return fresh;
  };
  for (const pair of dependencyPairs(source, target, dependency)) {
    slot(pair.dependent).dependsOn.push(pair.dependency);
    slot(pair.dependency).dependents.push(pair.dependent);
  }
  // Both CIs must exist: the update carries the existence condition even when no set changes.
  return [source, target].map((id): Write => {
    const sets = bySet.get(id);
    // A type of no dependency (`none`) changes no set: an update with nothing to do is refused by
    // DynamoDB (empty ExpressionAttributeNames), so only the existence is checked.
    if (!sets) return { kind: 'check', key: keys.ci(id), exists: true };
    return {
      kind: 'update',
      key: keys.ci(id),
      mustExist: true,
      ...(op === 'add' ? { addToSet: sets } : { deleteFromSet: sets }),
    };
  });
}

/** The audit entries of a relationship change: one on each CI, each read from its own side (FitSM GR2.3). */
function edgeHistory(source: Ci, target: Ci, type: string, verb: 'added' | 'removed', reason?: string): HistoryEntry[] {
  const entry = (ci: Ci, action: string): HistoryEntry => ({
    pk: keys.ci(ci.ciId).pk,
    entityType: 'ci',
    entityId: ci.ciId,
    action,
    ...(reason ? { reason } : {}),
  });
  return [
    entry(source, `relationship ${verb}: ${type} ${target.number}`),
    entry(target, `relationship ${verb}: ${source.number} ${type} this`),
  ];
}

export async function addRelationship(
  ctx: OperationContext,
  p: Principal,
  sourceRef: string,
  input: z.infer<typeof AddRelationshipBody>,
) {
  const [source, target, type] = await Promise.all([
    loadCi(sourceRef),
    ifFound(loadCi(input.targetCiId)),
    ifFound(getRelationshipType(input.type)),
  ]);
  const fields = [];
  if (!target) fields.push({ field: 'body.targetCiId', message: `CI ${input.targetCiId} does not exist` });
  if (!type) fields.push({ field: 'body.type', message: `relationship type ${input.type} does not exist` });
  if (target && target.ciId === source.ciId)
    fields.push({ field: 'body.targetCiId', message: 'a CI cannot be related to itself' });
  if (target?.status === 'retired' || source.status === 'retired') {
    fields.push({ field: 'body.targetCiId', message: 'retired CIs cannot get new relationships' });
  }
  if (fields.length || !target || !type) throw new ValidationError('The relationship is not valid.', fields);
  assertCanSee(p, source, sourceRef);
  assertCanChange(p, source);
  const createdAt = new Date().toISOString();
  const edge = { sourceCiId: source.ciId, targetCiId: target.ciId, type: type.typeId, dependency: type.dependency };
  // FitSM PR11.4: the edge is a change of the route's CI (the source), checked like a field change.
  const authorisation = await authorise(ctx, source, input.changeId, ['relationships'], createdAt);
  const edgeItem = {
    type: 'relationship',
    sourceCiId: source.ciId,
    targetCiId: target.ciId,
    relType: type.typeId,
    relatedAt: createdAt,
  };
  try {
    await table().commit(ctx, {
      ...underChange(
        {
          writes: [
            { kind: 'create', item: { ...keys.edgeOut(source.ciId, type.typeId, target.ciId), ...edgeItem } },
            { kind: 'create', item: { ...keys.edgeIn(target.ciId, type.typeId, source.ciId), ...edgeItem } },
            ...adjacencyWrites(source.ciId, target.ciId, type.dependency, 'add'),
          ],
          history: edgeHistory(source, target, type.typeId, 'added', input.reason),
          events: [buildEvent(RelationshipAdded, edge, ctx)],
        },
        authorisation,
      ),
      at: createdAt,
    });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'already-exists') {
      throw new ConflictError(`${source.number} already ${type.name} ${target.number}.`, 'relationship-exists');
    }
    throw err;
  }
  return { ...edge, relatedAt: createdAt };
}

export async function removeRelationship(
  ctx: OperationContext,
  p: Principal,
  sourceRef: string,
  typeId: string,
  targetRef: string,
  changeId?: string,
) {
  const source = await loadCi(sourceRef);
  assertCanSee(p, source, sourceRef);
  assertCanChange(p, source);
  const target = await loadCi(targetRef);
  const type = await getRelationshipType(typeId);
  const edgeKey = keys.edgeOut(source.ciId, type.typeId, target.ciId);
  const at = new Date().toISOString();
  const authorisation = await authorise(ctx, source, changeId, ['relationships'], at);
  try {
    await table().commit(ctx, {
      ...underChange(
        {
          writes: [
            { kind: 'delete', key: edgeKey, mustExist: true },
            { kind: 'delete', key: keys.edgeIn(target.ciId, type.typeId, source.ciId) },
            ...adjacencyWrites(source.ciId, target.ciId, type.dependency, 'delete'),
          ],
          history: edgeHistory(source, target, type.typeId, 'removed'),
          events: [
            buildEvent(
              RelationshipRemoved,
              { sourceCiId: source.ciId, targetCiId: target.ciId, type: type.typeId, dependency: type.dependency },
              ctx,
            ),
          ],
        },
        authorisation,
      ),
      at,
    });
  } catch (err) {
    if (err instanceof ConflictError)
      throw new NotFoundError(
        `${source.number} has no ${type.typeId} relationship to ${target.number}.`,
        'relationship-not-found',
      );
    throw err;
  }
}

export async function listRelationships(p: Principal, ref: string): Promise<RelationshipView[]> {
  const ci = await loadCi(ref);
  assertCanSee(p, ci, ref);
  const items = await table().all({ pk: keys.ci(ci.ciId).pk, skBeginsWith: 'REL#' });
  return items.map((i) => {
    const outgoing = String(i.sk).startsWith('REL#OUT#');
    return {
      direction: outgoing ? 'outgoing' : 'incoming',
      type: String(i.relType),
      ciId: String(outgoing ? i.targetCiId : i.sourceCiId),
      createdAt: String(i.relatedAt),
    };
  });
}

const NODE_ATTRIBUTES = ['ciId', 'number', 'name', 'typeId', 'status', 'serviceIds', 'dependsOn', 'dependents'];

/**
 * Impact analysis. `downstream`: everything that depends on the CI, transitively (what breaks
 * if it fails). `upstream`: everything it depends on (where a cause may lie). One batch read per
 * level of the walk; never a scan.
 */
export async function impact(ref: string, direction: ImpactDirection, depth: number) {
  const root = await loadCi(ref);
  const details = new Map<string, Ci>([[root.ciId, root]]);
  const loadLevel = async (ids: string[]) => {
    const missing = ids.filter((id) => !details.has(id));
    if (missing.length) {
      for (const item of await table().batchGet(missing.map(keys.ci), NODE_ATTRIBUTES)) {
        const ci = toCi({ ...item, attributes: {}, customerIds: [] });
        details.set(ci.ciId, ci);
      }
    }
    const nodes = new Map<string, GraphNode>();
    for (const id of ids) {
      const ci = details.get(id);
      if (ci) nodes.set(id, { ciId: id, dependsOn: ci.dependsOn, dependents: ci.dependents });
    }
    return nodes;
  };
  const result = await walkImpact(root.ciId, direction, depth, loadLevel);
  // The last level was reached but not loaded: fetch its display fields in one more batch.
  await loadLevel(result.hits.filter((h) => !details.has(h.ciId)).map((h) => h.ciId));
  const serviceIds = new Set<string>(root.serviceIds);
  const hits = result.hits.map((h) => {
    const ci = details.get(h.ciId);
    for (const s of ci?.serviceIds ?? []) serviceIds.add(s);
    return {
      ciId: h.ciId,
      number: ci?.number,
      name: ci?.name,
      typeId: ci?.typeId,
      status: ci?.status,
      depth: h.depth,
      via: h.via,
    };
  });
  const services = await table().batchGet([...serviceIds].map(keys.service), ['serviceId', 'name', 'status']);
  const known = new Map(services.map((s) => [String(s.serviceId), s]));
  return {
    root: { ciId: root.ciId, number: root.number, name: root.name },
    direction,
    depth,
    truncated: result.truncated,
    count: hits.length,
    cis: hits,
    services: [...serviceIds]
      .sort()
      .map((id) => ({ serviceId: id, name: known.get(id)?.name ?? null, status: known.get(id)?.status ?? 'unknown' })),
  };
}
