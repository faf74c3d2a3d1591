import type * as z from 'zod/mini';
import { VerificationCompleted } from '../../../shared/contracts/configuration/v1';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { completeTaskIfWaiting, startFlow } from '../../../shared/kit/flows';
import { logger } from '../../../shared/kit/logger';
import type { Item } from '../../../shared/kit/store';
import { assertCanChange } from '../access';
import { campaignFigures, counterDelta, type VerificationResult } from '../domain/verification';
import type { CloseCampaignBody, PlanCampaignBody, RecordResultBody } from '../schemas';
import { keys, table, toCi } from '../store';
import { resolveScope } from './scope';

/**
 * Verification campaigns (FitSM PR11.5): plan a scope, record a result per CI, keep each CI's
 * last-verified date, and give an accuracy figure when the campaign closes. The campaign runs
 * as a flow that waits on a task token until all results are in, or until the due date.
 */
const MIN_LEAD_SECONDS = 60;

const view = (i: Item) => {
  const figures = campaignFigures({
    scopeSize: Number(i.scopeSize),
    confirmed: Number(i.confirmed),
    discrepancies: Number(i.discrepancies),
  });
  return {
    campaignId: String(i.campaignId),
    name: String(i.name),
    status: String(i.status),
    dueAt: String(i.dueAt),
    openedAt: String(i.createdAt),
    ...(i.closedAt ? { closedAt: String(i.closedAt), closedBecause: String(i.closedBecause) } : {}),
    ...(i.executionArn ? { executionArn: String(i.executionArn) } : {}),
    ...figures,
    version: Number(i.version),
  };
};

async function loadCampaign(id: string, consistent = false) {
  const item = await table().get(keys.campaign(id), consistent);
  if (!item) throw new NotFoundError(`Verification campaign ${id} was not found.`, 'campaign-not-found');
  return item;
}

export async function planCampaign(ctx: OperationContext, input: z.infer<typeof PlanCampaignBody>) {
  const timeoutSeconds = Math.floor((Date.parse(input.dueAt) - Date.now()) / 1000);
  if (timeoutSeconds < MIN_LEAD_SECONDS) {
    throw new ValidationError('The due date must be at least a minute from now.', [
      { field: 'body.dueAt', message: 'must be in the future' },
    ]);
  }
  const cis = await resolveScope(input);
  const campaignId = newId();
  await table().batchPut(
    cis.map((ci) => ({
      pk: keys.campaign(campaignId).pk,
      sk: `CI#${ci.ciId}`,
      type: 'campaign-member',
      ciId: ci.ciId,
      number: ci.number,
      name: ci.name,
      result: 'pending',
      version: 1,
    })),
  );
  const item = {
    ...keys.campaign(campaignId),
    type: 'campaign',
    campaignId,
    name: input.name,
    status: 'open',
    dueAt: input.dueAt,
    scopeSize: cis.length,
    confirmed: 0,
    discrepancies: 0,
    gsi1pk: 'CAMPAIGNS',
    gsi1sk: campaignId,
  };
  await table().commit(ctx, {
    writes: [{ kind: 'create', item }],
    history: [{ pk: item.pk, entityType: 'campaign', entityId: campaignId, action: 'opened' }],
  });
  // The execution name is the campaign id, so a retried start cannot run two flows.
  const executionArn = await startFlow('verification', campaignId, {
    campaignId,
    timeoutSeconds,
    correlationId: ctx.correlationId,
  });
  await table().commit(ctx, { writes: [{ kind: 'update', key: keys.campaign(campaignId), set: { executionArn } }] });
  return view({ ...item, executionArn, createdAt: new Date().toISOString(), version: 1 });
}

export const getCampaign = async (id: string) => view(await loadCampaign(id));

export const listCampaigns = (limit: number, cursor?: string) =>
  table().page({ index: 'gsi1', pk: 'CAMPAIGNS', limit, descending: true, ...(cursor ? { cursor } : {}) }, view);

export async function listResults(id: string, limit: number, cursor?: string) {
  await loadCampaign(id);
  return table().page({ pk: keys.campaign(id).pk, skBeginsWith: 'CI#', limit, ...(cursor ? { cursor } : {}) }, (i) => ({
    ciId: String(i.ciId),
    number: String(i.number),
    name: String(i.name),
    result: String(i.result),
    ...(i.notes ? { notes: String(i.notes) } : {}),
    ...(i.verifiedAt ? { verifiedAt: String(i.verifiedAt), verifiedBy: i.verifiedBy } : {}),
  }));
}

export async function recordResult(
  ctx: OperationContext,
  p: Principal,
  id: string,
  input: z.infer<typeof RecordResultBody>,
) {
  const campaign = await loadCampaign(id, true);
  if (campaign.status !== 'open')
    throw new ConflictError('The campaign is closed; results can no longer be recorded.', 'campaign-closed');
  const memberKey = { pk: keys.campaign(id).pk, sk: `CI#${input.ciId}` };
  const [memberItem, ciItem] = await Promise.all([
    table().get(memberKey, true),
    table().get(keys.ci(input.ciId), true),
  ]);
  if (!memberItem || !ciItem) {
    throw new ValidationError('That CI is not in the campaign scope.', [
      { field: 'body.ciId', message: 'is not in scope' },
    ]);
  }
  assertCanChange(p, toCi(ciItem));
  const previous = memberItem.result === 'pending' ? undefined : (memberItem.result as VerificationResult);
  const delta = counterDelta(previous, input.result);
  const verifiedAt = new Date().toISOString();
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: memberKey,
        set: { result: input.result, notes: input.notes ?? null, verifiedAt, verifiedBy: ctx.actor },
        // Versioned so two people recording at once cannot double count.
        expectVersion: Number(memberItem.version),
      },
      { kind: 'update', key: keys.campaign(id), increment: delta, mustExist: true },
      {
        kind: 'update',
        key: keys.ci(input.ciId),
        set: { lastVerifiedAt: verifiedAt, lastVerificationResult: input.result },
        mustExist: true,
      },
    ],
    history: [
      {
        pk: keys.ci(input.ciId).pk,
        entityType: 'ci',
        entityId: input.ciId,
        action: `verified: ${input.result}`,
        ...(input.notes ? { reason: input.notes } : {}),
      },
    ],
  });
  const after = await loadCampaign(id, true);
  if (Number(after.confirmed) + Number(after.discrepancies) >= Number(after.scopeSize))
    await release(after, 'all CIs verified');
  return { ciId: input.ciId, result: input.result, verifiedAt };
}

/** Let the flow go on to closing, if it is waiting. */
async function release(campaign: Item, because: string) {
  if (!campaign.taskToken) return;
  // The flow may already have moved on (closed by someone else or timed out): nothing to release.
  if (!(await completeTaskIfWaiting(String(campaign.taskToken), { because })))
    logger.info('campaign flow was not waiting');
}

export async function requestClosure(ctx: OperationContext, id: string, input: z.infer<typeof CloseCampaignBody>) {
  const campaign = await loadCampaign(id, true);
  if (campaign.status !== 'open') throw new ConflictError('The campaign is already closed.', 'campaign-closed');
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: keys.campaign(id),
        set: { closeRequested: input?.reason ?? 'closed on request' },
        mustExist: true,
      },
    ],
    history: [
      {
        pk: keys.campaign(id).pk,
        entityType: 'campaign',
        entityId: id,
        action: 'closure requested',
        ...(input?.reason ? { reason: input.reason } : {}),
      },
    ],
  });
  if (campaign.taskToken) await release(campaign, 'closed on request');
  return view({ ...campaign, closeRequested: true });
}

/** Flow task: remember the token the flow waits on; release at once if the campaign is already done. */
export async function registerWaitToken(ctx: OperationContext, campaignId: string, taskToken: string) {
  await table().commit(ctx, {
    writes: [{ kind: 'update', key: keys.campaign(campaignId), set: { taskToken }, mustExist: true }],
  });
  const after = await loadCampaign(campaignId, true);
  const complete = Number(after.confirmed) + Number(after.discrepancies) >= Number(after.scopeSize);
  if (complete || after.closeRequested)
    await release(after, complete ? 'all CIs verified' : String(after.closeRequested));
  return { registered: true };
}

/** Flow task: close the campaign and publish its figures. Idempotent: a retried close changes nothing. */
export async function closeCampaign(ctx: OperationContext, campaignId: string) {
  const campaign = await loadCampaign(campaignId, true);
  if (campaign.status === 'closed') return view(campaign);
  const figures = campaignFigures({
    scopeSize: Number(campaign.scopeSize),
    confirmed: Number(campaign.confirmed),
    discrepancies: Number(campaign.discrepancies),
  });
  const because = campaign.closeRequested
    ? String(campaign.closeRequested)
    : figures.unverified === 0
      ? 'all CIs verified'
      : 'due date reached';
  const closedAt = new Date().toISOString();
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: keys.campaign(campaignId),
        set: { status: 'closed', closedAt, closedBecause: because },
        remove: ['taskToken'],
        expectVersion: Number(campaign.version),
      },
    ],
    history: [
      { pk: keys.campaign(campaignId).pk, entityType: 'campaign', entityId: campaignId, action: `closed: ${because}` },
    ],
    events: [
      buildEvent(
        VerificationCompleted,
        {
          campaignId,
          name: String(campaign.name),
          scopeSize: figures.scopeSize,
          confirmed: figures.confirmed,
          discrepancies: figures.discrepancies,
          unverified: figures.unverified,
          accuracy: figures.accuracy,
        },
        ctx,
      ),
    ],
  });
  return view({
    ...campaign,
    status: 'closed',
    closedAt,
    closedBecause: because,
    version: Number(campaign.version) + 1,
  });
}
