import { hasAnyRole, isCustomerBound, type Principal } from '../../shared/kit/auth';
import { ForbiddenError, NotFoundError } from '../../shared/kit/errors';
import { ADMINS } from './service';
import type { Ci } from './store';

/**
 * Record-level rules. Customer users see a CI only when it is linked to their organisation,
 * and are told "not found" otherwise (not "forbidden", which would reveal that it exists).
 * Process staff may change only CIs they own (FitSM-3: the CI owner keeps its data accurate).
 */
export function assertCanSee(p: Principal, ci: Ci, ref: string): void {
  if (isCustomerBound(p) && !(p.customerId && ci.customerIds.includes(p.customerId))) {
    // Word for word what a missing CI answers (cis.ts loadCi): the reference the caller used.
    throw new NotFoundError(`CI ${ref} was not found.`, 'ci-not-found');
  }
}

export function assertCanChange(p: Principal, ci: Ci): void {
  if (hasAnyRole(p, ADMINS)) return;
  if (ci.owner && ci.owner === p.id) return;
  throw new ForbiddenError('Only the configuration manager or the CI owner may change this CI.');
}
