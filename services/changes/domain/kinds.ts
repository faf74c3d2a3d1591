/**
 * The change's kinds, statuses and scales. The event contract (shared/contracts/changes/v1.ts)
 * declares the same lists for other services; domain code stays free of the contracts, and
 * test/domain.test.ts holds the two equal.
 */
export const CHANGE_TYPES = ['standard', 'normal', 'major', 'emergency'] as const;
export const CHANGE_STATUSES = [
  'new',
  'assessed',
  'approval',
  'approved',
  'rejected',
  'implementing',
  'implemented',
  'closed',
  'cancelled',
] as const;
export const OUTCOMES = ['successful', 'partially-successful', 'failed', 'backed-out'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'very-high'] as const;
export const IMPACT_LEVELS = ['minor', 'significant', 'major', 'extensive'] as const;

export type ChangeType = (typeof CHANGE_TYPES)[number];
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type Risk = (typeof RISK_LEVELS)[number];
export type Impact = (typeof IMPACT_LEVELS)[number];
