import type * as z from 'zod/mini';
import {
  BaselineCaptured,
  type BaselineRequestData,
  CI_VERSION_LENGTH,
} from '../../../shared/contracts/configuration/v1';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { handled, type Item } from '../../../shared/kit/store';
import { type BaselineMember, diffBaseline } from '../domain/baseline';
import type { CaptureBaselineBody } from '../schemas';
import { type Ci, keys, table, toCi } from '../store';
import { findCis, resolveScope } from './scope';

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
  ...(i.request ? { request: i.request as { source: string; requestId: string } } : {}),
  ...(Array.isArray(i.missingCiIds) && i.missingCiIds.length ? { missingCiIds: i.missingCiIds as string[] } : {}),
});

export async function captureBaseline(ctx: OperationContext, input: z.infer<typeof CaptureBaselineBody>) {
  const cis = await resolveScope(input);
  const scope = input.typeId ? { typeId: input.typeId } : { ciCount: cis.length };
  const { item } = await capture(ctx, cis, {
    name: input.name,
    ...(input.description ? { description: input.description } : {}),
    scope,
  });
  return {
    ...header({ ...item, createdBy: ctx.actor.id }),
    scope: input.typeId ? scope : { ciIds: cis.map((c) => c.ciId) },
  };
}

/**
 * Members first, then the header with its history and `BaselineCaptured` in one transaction; for a
 * requested baseline the request key goes in that transaction too, so two deliveries racing on one
 * request cannot both make a baseline (the loser's members are deleted again, never shown).
 */
async function capture(
  ctx: OperationContext,
  cis: Ci[],
  spec: {
    name: string;
    description?: string;
    scope: Record<string, unknown>;
    request?: { source: string; requestId: string; missingCiIds: string[] };
  },
) {
  const baselineId = newId();
  const capturedAt = new Date().toISOString();
  const memberItems = cis.map((ci) => ({
    pk: keys.baseline(baselineId).pk,
    sk: `CI#${ci.ciId}`,
    type: 'baseline-member',
    ...member(ci),
  }));
  await table().batchPut(memberItems);
  const r = spec.request;
  const item = {
    ...keys.baseline(baselineId),
    type: 'baseline',
    baselineId,
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    scope: spec.scope,
    ciCount: cis.length,
    capturedAt,
    ...(r ? { request: { source: r.source, requestId: r.requestId }, missingCiIds: r.missingCiIds } : {}),
    gsi1pk: 'BASELINES',
    gsi1sk: baselineId,
  };
  const answer = r
    ? {
        request: { source: r.source, requestId: r.requestId },
        members: cis.map(versionOf),
        ...(r.missingCiIds.length ? { missingCiIds: r.missingCiIds } : {}),
      }
    : {};
  try {
    await table().commit(ctx, {
      writes: [
        { kind: 'create', item },
        ...(r
          ? [
              {
                kind: 'create' as const,
                item: { ...keys.baselineRequest(r.source, r.requestId), type: 'baseline-request', baselineId },
              },
            ]
          : []),
      ],
      history: [{ pk: item.pk, entityType: 'baseline', entityId: baselineId, action: 'captured' }],
      events: [
        buildEvent(BaselineCaptured, { baselineId, name: spec.name, ciCount: cis.length, capturedAt, ...answer }, ctx),
      ],
      ...(ctx.inbox ? { handles: handled(ctx) } : {}),
    });
  } catch (err) {
    // Another delivery of the request won (the request key exists): this one's members go again.
    // Only then: after any other error the transaction may yet have been committed.
    if (r && err instanceof ConflictError && err.code === 'already-exists') await deleteMembers(ctx, memberItems);
    throw err;
  }
  return { item };
}

async function deleteMembers(ctx: OperationContext, items: Item[]) {
  for (let i = 0; i < items.length; i += 100) {
    await table().commit(ctx, {
      writes: items.slice(i, i + 100).map((m) => ({ kind: 'delete', key: { pk: String(m.pk), sk: String(m.sk) } })),
    });
  }
}

/** A member as the asker of a requested baseline needs it: the CI's `version` attribute, when it has one. */
const versionOf = (ci: Ci) => {
  const v = ci.attributes.version;
  return {
    ciId: ci.ciId,
    status: ci.status,
    ...(v !== undefined && v !== null && v !== '' ? { version: String(v).slice(0, CI_VERSION_LENGTH) } : {}),
  };
};

/**
 * Another service asks for a baseline by event (FitSM PR13.5: the releases service before a
 * deployment and after it). Captured as `POST /v1/baselines` captures, except that CIs the CMDB
 * does not know do not refuse it: the known ones are captured and the others listed in the answer.
 * One baseline per (source, requestId), however often the request is delivered.
 */
export async function captureRequested(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const r = event.data as z.infer<typeof BaselineRequestData>;
  const source = event.source;
  if (await table().get(keys.baselineRequest(source, r.requestId), true)) return table().recordHandled(ctx);
  const { found, missing } = await findCis(r.ciIds);
  try {
    await capture(ctx, found, {
      name: r.name,
      description: `Requested by ${source} (request ${r.requestId}).`,
      scope: { ciCount: found.length },
      request: { source, requestId: r.requestId, missingCiIds: missing },
    });
  } catch (err) {
    if (!(err instanceof ConflictError && err.code === 'already-exists')) throw err;
    await table().recordHandled(ctx);
  }
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
