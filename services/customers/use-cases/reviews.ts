import type * as z from 'zod/mini';
import type { Principal } from '../../../shared/kit/auth';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError, ValidationError } from '../../../shared/kit/errors';
import type { Page } from '../../../shared/kit/store';
import { assertCanSee } from '../access';
import { canRecordOutcome, upcomingKey } from '../domain/review';
import type { PlanReviewBody, ReviewOutcomeBody } from '../schemas';
import { idx, keys, type Review, strip, table } from '../store';
import { customerExists, customerHistoryEntry, loadCustomer, loadForChange } from './customers';

/**
 * Service reviews with customers at planned intervals (FitSM PR7.4): plan (date, services,
 * participants, agenda), then record the outcome (minutes, satisfaction, actions). Planned
 * reviews sit in a sparse index ordered by date, so "what is coming up" is one query.
 */
export const toReview = (item: Record<string, unknown>) => {
  const r = strip<Review>(item);
  return { ...r, actions: r.actions ?? [] };
};

export async function planReview(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  input: z.infer<typeof PlanReviewBody>,
): Promise<Review> {
  await loadForChange(p, customerId);
  const reviewId = newId();
  const scheduledFor = new Date(input.scheduledFor).toISOString();
  const now = new Date().toISOString();
  const review: Review = {
    reviewId,
    customerId,
    status: 'planned',
    scheduledFor,
    serviceIds: [...new Set(input.serviceIds)],
    participants: input.participants,
    ...(input.agenda ? { agenda: input.agenda } : {}),
    actions: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const { version: _v, createdAt: _c, updatedAt: _u, ...state } = review;
  await table().commit(ctx, {
    writes: [
      customerExists(customerId),
      {
        kind: 'create',
        item: {
          ...keys.review(customerId, reviewId),
          type: 'review',
          ...state,
          gsi1pk: idx.plannedReviews,
          gsi1sk: upcomingKey(scheduledFor, reviewId),
        },
      },
    ],
    history: [
      customerHistoryEntry(customerId, 'review', reviewId, `review planned for ${scheduledFor.slice(0, 10)}`, {
        scheduledFor: { to: scheduledFor },
        serviceIds: { to: review.serviceIds },
        participants: { to: review.participants },
      }),
    ],
  });
  return review;
}

async function loadReview(customerId: string, reviewId: string, consistent = false): Promise<Review> {
  const item = await table().get(keys.review(customerId, reviewId), consistent);
  if (!item) throw new NotFoundError(`Review ${reviewId} of ${customerId} was not found.`, 'review-not-found');
  return toReview(item);
}

export async function getReview(p: Principal, customerId: string, reviewId: string): Promise<Review> {
  assertCanSee(p, customerId, `Review ${reviewId}`, 'review-not-found');
  return loadReview(customerId, reviewId);
}

export async function recordOutcome(
  ctx: OperationContext,
  p: Principal,
  customerId: string,
  reviewId: string,
  input: z.infer<typeof ReviewOutcomeBody>,
  version?: number,
): Promise<Review> {
  await loadForChange(p, customerId);
  const before = await loadReview(customerId, reviewId, true);
  if (version !== undefined && before.version !== version) {
    throw new ConflictError(`Review ${reviewId} is at version ${before.version}, not ${version}. Read it again.`);
  }
  const check = canRecordOutcome(before.status);
  if (!check.ok) {
    throw new ConflictError(`Review ${reviewId} is already ${check.reason}.`, `review-${check.reason}`);
  }
  const heldAt = new Date(input.heldAt ?? Date.now()).toISOString();
  if (heldAt > new Date(Date.now() + 60_000).toISOString()) {
    throw new ValidationError('A review outcome is recorded after the meeting.', [
      { field: 'body.heldAt', message: 'must not be in the future' },
    ]);
  }
  const outcome = {
    status: 'held' as const,
    heldAt,
    minutes: input.minutes,
    satisfaction: input.satisfaction,
    actions: input.actions,
  };
  await table().commit(ctx, {
    writes: [
      {
        kind: 'update',
        key: keys.review(customerId, reviewId),
        set: outcome,
        // Held reviews leave the upcoming index.
        remove: ['gsi1pk', 'gsi1sk'],
        expectVersion: before.version,
      },
    ],
    history: [
      customerHistoryEntry(customerId, 'review', reviewId, 'review outcome recorded', {
        status: { from: before.status, to: 'held' },
        heldAt: { to: heldAt },
        satisfaction: { to: input.satisfaction },
        actions: { to: input.actions },
      }),
    ],
  });
  return { ...before, ...outcome, version: before.version + 1, updatedAt: new Date().toISOString() };
}

/** A customer's reviews, newest planned first (key query on the customer's partition). */
export async function listReviews(
  p: Principal,
  customerId: string,
  q: { limit: number; cursor?: string },
): Promise<Page<Review>> {
  assertCanSee(p, customerId);
  await loadCustomer(customerId);
  return table().page({ pk: keys.customer(customerId).pk, skBeginsWith: 'REVIEW#', descending: true, ...q }, toReview);
}

/** Planned reviews of every customer between `from` (default now) and `to`, soonest first: one index query. */
export async function upcomingReviews(q: {
  limit: number;
  cursor?: string;
  from?: string;
  to?: string;
}): Promise<Page<Review>> {
  const from = new Date(q.from ?? Date.now()).toISOString();
  // An empty window is the caller's mistake, not an empty page: DynamoDB refuses BETWEEN upside down.
  if (q.to !== undefined && Date.parse(q.to) < Date.parse(from))
    throw new ValidationError('The window ends before it starts.', [
      {
        field: 'query.to',
        message: `must not be before from (${q.from === undefined ? 'now, when from is absent' : 'query.from'})`,
      },
    ]);
  const to = q.to ? `${new Date(q.to).toISOString()}#~` : '9999';
  return table().page(
    {
      index: 'gsi1',
      pk: idx.plannedReviews,
      skBetween: [from, to],
      limit: q.limit,
      ...(q.cursor ? { cursor: q.cursor } : {}),
    },
    toReview,
  );
}
