import type * as z from 'zod/mini';
import { BaselineCaptured } from '../../../shared/contracts/configuration/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { NotFoundError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import type { Item } from '../../../shared/kit/store';
import { type BaselineMember, diffBaseline } from '../domain/baseline';
import type { CaptureBaselineBody } from '../schemas';
import { type Ci, keys, table, toCi } from '../store';
import { resolveScope } from './scope';

/**
 * Baselines (FitSM-0 6.14: a documented configuration at a point in time). Members are written
 * first, the header last, so a baseline is either complete or invisible.
 */
const member = (ci: Ci): BaselineMember => ({
  ciId: ci.ciId,
  number: ci.number,
  typeId: ci.typeId,
  name: ci.name,
  attributes: ci.attributes,
  ...(ci.owner ? { owner: ci.owner } : {}),
  status: ci.status,
  serviceIds: ci.serviceIds,
  customerIds: ci.customerIds,
});

const toMember = (i: Item): BaselineMember => {
  const { pk: _p, sk: _s, type: _t, ...rest } = i;
  return rest as BaselineMember;
};

const header = (i: Item) => ({
  baselineId: String(i.baselineId),
  name: String(i.name),
  ...(i.description ? { description: String(i.description) } : {}),
  scope: i.scope,
  ciCount: Number(i.ciCount),
  capturedAt: String(i.capturedAt),
  capturedBy: i.createdBy,
});

export async function captureBaseline(ctx: OperationContext, input: z.infer<typeof CaptureBaselineBody>) {
  const cis = await resolveScope(input);
  const baselineId = newId();
  const capturedAt = new Date().toISOString();
  await table().batchPut(
    cis.map((ci) => ({
      pk: keys.baseline(baselineId).pk,
      sk: `CI#${ci.ciId}`,
      type: 'baseline-member',
      ...member(ci),
    })),
  );
  const scope = input.typeId ? { typeId: input.typeId } : { ciIds: cis.map((c) => c.ciId) };
  const item = {
    ...keys.baseline(baselineId),
    type: 'baseline',
    baselineId,
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    scope: input.typeId ? { typeId: input.typeId } : { ciCount: cis.length },
    ciCount: cis.length,
    capturedAt,
    gsi1pk: 'BASELINES',
    gsi1sk: baselineId,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'baseline', entityId: baselineId, action: 'captured' }],
    events: [buildEvent(BaselineCaptured, { baselineId, name: input.name, ciCount: cis.length, capturedAt }, ctx)],
  });
  return { ...header({ ...item, createdBy: ctx.actor.id }), scope };
}

async function loadHeader(id: string) {
  const item = await table().get(keys.baseline(id));
  if (!item) throw new NotFoundError(`Baseline ${id} was not found.`, 'baseline-not-found');
  return item;
}

export async function getBaseline(id: string) {
  const item = await loadHeader(id);
  const members = await table().all({ pk: keys.baseline(id).pk, skBeginsWith: 'CI#' }, toMember);
  return { ...header(item), members };
}

export async function listBaselines(limit: number, cursor?: string) {
  return table().page(
    { index: 'gsi1', pk: 'BASELINES', limit, descending: true, ...(cursor ? { cursor } : {}) },
    header,
  );
}

export async function baselineDiff(id: string) {
  const item = await loadHeader(id);
  const members = await table().all({ pk: keys.baseline(id).pk, skBeginsWith: 'CI#' }, toMember);
  const now = (await table().batchGet(members.map((m) => keys.ci(m.ciId)))).map((i) => member(toCi(i)));
  const scope = item.scope as { typeId?: string };
  const inScopeNow = scope.typeId
    ? (await table().all({ index: 'gsi2', pk: `TYPE#${scope.typeId}` }, toCi)).map(member)
    : [];
  const diff = diffBaseline(members, new Map(now.map((m) => [m.ciId, m])), inScopeNow);
  return { baseline: header(item), comparedAt: new Date().toISOString(), ...diff };
}
