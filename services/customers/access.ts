import { hasAnyRole, isCustomerBound, type Principal } from '../../shared/kit/auth';
import { ForbiddenError, NotFoundError } from '../../shared/kit/errors';
import { ADMINS } from './service';

/**
 * Record-level rules.
 * - Customer users see only their own organisation (`custom:customer`); anything else is 404,
 *   so they cannot even learn which customers exist.
 * - A customer is changed by the CRM manager and owner, or by its account manager (PR7.2:
 *   the named relationship manager is accountable for it).
 * - A follow-up is closed by the CRM admins or by its assignee.
 */
export function assertCanSee(
  p: Principal,
  customerId: string,
  what = `Customer ${customerId}`,
  code = 'customer-not-found',
): void {
  if (isCustomerBound(p) && p.customerId !== customerId) throw new NotFoundError(`${what} was not found.`, code);
}

export function assertCanManage(p: Principal, c: { customerId: string; accountManager: string }): void {
  if (hasAnyRole(p, ADMINS)) return;
  if (c.accountManager === p.id) return;
  throw new ForbiddenError(`Only the CRM manager or the account manager of ${c.customerId} may change it.`);
}

export function assertCanCloseFollowUp(p: Principal, f: { assignee: string; number: string }): void {
  if (hasAnyRole(p, ADMINS)) return;
  if (f.assignee === p.id) return;
  throw new ForbiddenError(`Only the CRM manager or the assignee may close ${f.number}.`);
}

export { isCustomerBound };
