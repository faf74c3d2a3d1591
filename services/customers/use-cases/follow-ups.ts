import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { Page } from '../../../shared/kit/store';
import { assertCanCloseFollowUp } from '../access';
import { isFollowUpNumber } from '../domain/complaint';
import type { CloseFollowUpBody } from '../schemas';
import { type FollowUp, idx, keys, strip, table } from '../store';

/**
 * Follow-ups of low satisfaction (FitSM PR7.6): opened when a survey answer is at or below the
 * threshold, assigned to the customer's account manager, closed with a note.
 */
export const toFollowUp = (item: Record<string, unknown>) => strip<FollowUp>(item);

export async function loadFollowUp(idOrNumber: string, consistent = false): Promise<FollowUp> {
  let id = idOrNumber;
  if (isFollowUpNumber(idOrNumber)) {
    const ref = await table().get(keys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`Follow-up ${idOrNumber} was not found.`, 'follow-up-not-found');
    id = String(ref.followUpId);
  }
  const item = await table().get(keys.followUp(id), consistent);
  if (!item) throw new NotFoundError(`Follow-up ${idOrNumber} was not found.`, 'follow-up-not-found');
  return toFollowUp(item);
}

export async function closeFollowUp(
  ctx: OperationContext,
  p: Principal,
  idOrNumber: string,
  input: z.infer<typeof CloseFollowUpBody>,
  version?: number,
): Promise<FollowUp> {
  const before = await loadFollowUp(idOrNumber, true);
  assertCanCloseFollowUp(p, before);
  if (before.status === 'closed') throw new ConflictError(`${before.number} is already closed.`, 'follow-up-closed');
  if (version !== undefined && version !== before.version) {
    throw new ConflictError(`${before.number} is at version ${before.version}, not ${version}. Read it again.`);
  }
  const closedAt = new Date().toISOString();
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: keys.followUp(before.followUpId),
        set: {
          status: 'closed',
          closedAt,
          closedBy: p.id,
          note: input.note,
          gsi2pk: idx.followUpsByStatus('closed'),
        },
        // A closed follow-up leaves its assignee's open queue.
        remove: ['gsi1pk', 'gsi1sk'],
        expectVersion: before.version,
      },
    ],
    history: [
      {
        pk: keys.followUp(before.followUpId).pk,
        entityType: 'follow-up',
        entityId: before.followUpId,
        action: 'closed',
        changes: { status: { from: 'open', to: 'closed' } },
        reason: input.note,
      },
    ],
  });
  return { ...before, status: 'closed', closedAt, closedBy: p.id, note: input.note, version: before.version + 1 };
}

/** Open ones of an assignee (gsi1), or all by status (gsi2, default open); oldest first. */
export async function listFollowUps(q: {
  limit: number;
  cursor?: string;
  status?: 'open' | 'closed';
  assignee?: string;
}): Promise<Page<FollowUp>> {
  const paging = { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) };
  if (q.assignee) {
    if (q.status === 'closed') {
      throw new ValidationError('Assignee queues hold open follow-ups only.', [
        { field: 'query.status', message: 'must be open (or left out) with assignee' },
      ]);
    }
    return table().page({ index: 'gsi1', pk: idx.openFollowUps(q.assignee), ...paging }, toFollowUp);
  }
  return table().page({ index: 'gsi2', pk: idx.followUpsByStatus(q.status ?? 'open'), ...paging }, toFollowUp);
}
