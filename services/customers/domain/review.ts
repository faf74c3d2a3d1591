/** Service reviews with customers at planned intervals (FitSM PR7.4). Pure. */
export const REVIEW_STATUSES = ['planned', 'held', 'cancelled'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface Participant {
  name: string;
  email?: string;
  organisation?: string;
}

export interface ReviewAction {
  text: string;
  owner: string;
  due?: string;
}

export type OutcomeCheck = { ok: true } | { ok: false; reason: 'held' | 'cancelled' };

/** An outcome is recorded once, on a planned review. */
export function canRecordOutcome(status: ReviewStatus): OutcomeCheck {
  if (status === 'planned') return { ok: true };
  return { ok: false, reason: status };
}

/** Sort key of the upcoming-reviews index: the planned date, then the id (ties). */
export const upcomingKey = (scheduledFor: string, reviewId: string) => `${scheduledFor}#${reviewId}`;
