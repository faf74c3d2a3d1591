import { hasAnyRole, isCustomerBound, type Principal } from '../../shared/kit/auth';
import { ForbiddenError, NotFoundError } from '../../shared/kit/errors';
import { READERS } from './service';

/**
 * Record-level rules (ARCHITECTURE §7). Staff with a reader role see everything; a customer user
 * sees only their own organisation's SLAs and violation notices, never OLAs or UAs (internal
 * and supplier agreements), and never another organisation's records.
 */
export const isStaff = (p: Principal) => !isCustomerBound(p) && hasAnyRole(p, READERS);

/** The customer a list is scoped to: the caller's own for customer users (403 for another), else the filter asked for. */
export function customerScope(p: Principal, asked: string | undefined): string | undefined {
  if (isStaff(p)) return asked;
  if (!p.customerId) throw new ForbiddenError('Your account is not linked to a customer organisation.');
  if (asked !== undefined && asked !== p.customerId)
    throw new ForbiddenError("Customer users may read only their own organisation's records.");
  return p.customerId;
}

/** A record a customer user may not read looks absent (no leak of other organisations' numbers). */
export function assertMayRead(p: Principal, record: { agreementId: string; kind: string; customerId?: string }): void {
  if (isStaff(p)) return;
  if (!isCustomerBound(p) || record.kind !== 'sla' || !p.customerId || record.customerId !== p.customerId)
    throw new NotFoundError(`Agreement ${record.agreementId} was not found.`, 'agreement-not-found');
}
