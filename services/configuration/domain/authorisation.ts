import type { UNAUTHORISED_REASONS } from '../../../shared/contracts/configuration/v1';

/**
 * Authorised CI changes (FitSM PR11.4: changes to CIs are made under change management). A CI
 * change names the change that authorises it; the CMDB checks it against its copy of that change.
 * An unauthorised change is recorded and reported, never refused: the CMDB must stay truthful
 * about what happened, and refusing would only push people to edit around it.
 */
export type UnauthorisedReason = (typeof UNAUTHORISED_REASONS)[number];

/** What the CMDB keeps of a change (from the changes service's events). */
export interface ChangeCopy {
  changeId: string;
  number: string;
  status: string;
  ciIds: string[];
  plannedStart?: string;
  plannedEnd?: string;
  implementationStartedAt?: string;
  implementationEndedAt?: string;
}

export type Verdict =
  /** Named a change that covers this CI now. */
  | { authorised: true }
  /** Named no change, on a CI whose type is not change-controlled: nothing to check. */
  | { authorised: 'not-controlled' }
  | { authorised: false; reason: UnauthorisedReason };

/** The statuses in which a change authorises work on its CIs. */
const AUTHORISING = new Set(['approved', 'implementing']);

const within = (at: number, start?: string, end?: string) =>
  start !== undefined && Date.parse(start) <= at && (end === undefined || at <= Date.parse(end));

/**
 * Is a change to `ciId` at `at` authorised? `named` says whether the update named a change;
 * `change` is the copy found for it (undefined when unknown). The window is the planned one, or
 * the implementation's own (started and not yet ended counts as open): work that starts late or
 * overruns under an implementing change is still the change's work.
 */
export function assessChange(input: {
  ciId: string;
  controlled: boolean;
  named: boolean;
  change: ChangeCopy | undefined;
  at: Date;
}): Verdict {
  if (!input.named)
    return input.controlled ? { authorised: false, reason: 'no-change-named' } : { authorised: 'not-controlled' };
  const c = input.change;
  if (!c) return { authorised: false, reason: 'unknown-change' };
  if (!AUTHORISING.has(c.status)) return { authorised: false, reason: 'change-not-authorised' };
  if (!c.ciIds.includes(input.ciId)) return { authorised: false, reason: 'ci-not-in-change' };
  const at = input.at.getTime();
  const planned = c.plannedEnd !== undefined && within(at, c.plannedStart, c.plannedEnd);
  const implementing =
    within(at, c.implementationStartedAt, c.implementationEndedAt) &&
    (c.implementationEndedAt !== undefined || c.status === 'implementing');
  return planned || implementing ? { authorised: true } : { authorised: false, reason: 'outside-window' };
}
