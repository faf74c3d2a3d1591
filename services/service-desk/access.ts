import { hasAnyRole, isCustomerBound, type Principal } from '../../shared/kit/auth';
import { ForbiddenError, NotFoundError } from '../../shared/kit/errors';
import { ADMINS } from './service';
import type { Ticket } from './store';

/**
 * Record-level rules (FitSM PR9.4 portal view). Customer users see only their organisation's
 * tickets and are told "not found" otherwise (not "forbidden", which would reveal that a ticket
 * exists). They never see internal comments or internal fields, and only the caller may confirm,
 * reopen or cancel a ticket on the customer side.
 */
export function assertCanSee(p: Principal, t: Ticket, ref: string): void {
  if (isCustomerBound(p) && !(p.customerId && t.customerId === p.customerId)) {
    // Word for word what a missing ticket answers (ticket-work.ts loadTicket): the reference the
    // caller used, never the ticket's id or number.
    throw new NotFoundError(`Ticket ${ref} was not found.`, 'ticket-not-found');
  }
}

/** Customer users act on a ticket (confirm, reopen, cancel) only as its caller. */
export function assertCallerOrStaff(p: Principal, t: Ticket, ref: string): void {
  assertCanSee(p, t, ref);
  if (isCustomerBound(p) && t.caller.id !== p.id) {
    throw new ForbiddenError('Only the caller of this ticket or the service desk may do this.');
  }
}

/** The major incident coordinator and the desk managers lead a major incident (PR9.6). */
export function assertCanLeadMajor(p: Principal, t: Ticket): void {
  if (hasAnyRole(p, ADMINS) || t.coordinatorId === p.id) return;
  throw new ForbiddenError('Only the major incident coordinator or a service desk manager may do this.');
}

export const isAgent = (p: Principal) => !isCustomerBound(p);
