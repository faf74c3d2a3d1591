import { hasAnyRole, isCustomerOnly, type Principal } from '../../shared/kit/auth';
import { ForbiddenError, NotFoundError } from '../../shared/kit/errors';
import { ADMINS } from './service';
import type { Ci } from './store';

/**
 * Record-level rules. Customer users see a CI only when it is linked to their organisation,
 * and are told "not found" otherwise (not "forbidden", which would reveal that it exists).
 * Process staff may change only CIs they own (FitSM-3: the CI owner keeps its data accurate).
 */
export function assertCanSee(p: Principal, ci: Ci): void {
  if (isCustomerOnly(p) && !(p.customerId && ci.customerIds.includes(p.customerId))) {
    throw new NotFoundError(`CI ${ci.ciId} was not found.`, 'ci-not-found');
  }
}

export function assertCanChange(p: Principal, ci: Ci): void {
  if (hasAnyRole(p, ADMINS)) return;
  if (ci.owner && ci.owner === p.id) return;
  throw new ForbiddenError('Only the configuration manager or the CI owner may change this CI.');
}
