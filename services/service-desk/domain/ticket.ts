/**
 * Ticket lifecycle (FitSM PR9.1, PR9.2, PR9.5): statuses, the transitions between them and what
 * each transition requires. Pure: no I/O. Use cases turn a refusal into a problem document.
 */
import type { TicketStatus } from '../../../shared/contracts/service-desk/v1';
import type { FieldError } from '../../../shared/kit/errors';

export type { TicketStatus };
/** The lifecycle's statuses, as the event contract publishes them (a test checks they agree). */
export const TICKET_STATUSES: readonly TicketStatus[] = [
  'new',
  'assigned',
  'in-progress',
  'pending',
  'resolved',
  'closed',
  'cancelled',
];

export const TICKET_TYPES = ['incident', 'request'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

/** Intake channels (FitSM PR9.1). */
export const CHANNELS = ['portal', 'email', 'phone', 'chat', 'monitoring', 'walk-in'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why a ticket waits; `awaiting-caller` is the one the caller is told about (PR9.4). */
export const PENDING_REASONS = [
  'awaiting-caller',
  'awaiting-supplier',
  'awaiting-change',
  'awaiting-approval',
  'scheduled',
] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

/** Resolution codes (PR9.5: closure codes). */
export const RESOLUTION_CODES = [
  'fixed',
  'workaround',
  'fulfilled',
  'no-fault-found',
  'duplicate',
  'user-error',
  'not-reproducible',
] as const;

/** Statuses in which a ticket is work for the desk: it sits in the agent, group and deadline queues. */
export const OPEN_WORK: readonly TicketStatus[] = ['new', 'assigned', 'in-progress', 'pending'];
export const isOpenWork = (s: TicketStatus) => OPEN_WORK.includes(s);
export const isFinal = (s: TicketStatus) => s === 'closed' || s === 'cancelled';

const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['assigned', 'in-progress', 'pending', 'resolved', 'cancelled'],
  assigned: ['in-progress', 'pending', 'resolved', 'cancelled'],
  'in-progress': ['assigned', 'pending', 'resolved', 'cancelled'],
  pending: ['assigned', 'in-progress', 'resolved', 'cancelled'],
  // Back to work only through reopening (PR9.5), which the reopen rules govern.
  resolved: ['closed', 'assigned', 'in-progress'],
  closed: ['assigned', 'in-progress'],
  cancelled: [],
};

export const allowedTransitions = (from: TicketStatus) => TRANSITIONS[from];
export const canTransition = (from: TicketStatus, to: TicketStatus) => from === to || TRANSITIONS[from].includes(to);

/** A refused change: a stable code, the HTTP status it maps to, and the failing fields. */
export interface Refusal {
  code: string;
  status: 409 | 422;
  message: string;
  fields?: FieldError[];
}

/** What a transition is judged on. */
export interface TransitionInput {
  from: TicketStatus;
  to: TicketStatus;
  assigneeId?: string | undefined;
  pendingReason?: string | undefined;
  resolutionCode?: string | undefined;
  resolutionSummary?: string | undefined;
  /** Approval of a request model still outstanding. */
  approvalPending?: boolean;
}

/**
 * Why a status change is refused, or undefined when it is allowed. Transitions out of the
 * lifecycle are 409 (the record's state forbids it); missing data a transition needs is 422.
 */
export function refuseTransition(t: TransitionInput): Refusal | undefined {
  if (!canTransition(t.from, t.to)) {
    const allowed = allowedTransitions(t.from);
    return {
      code: 'invalid-transition',
      status: 409,
      message: `A ${t.from} ticket cannot become ${t.to}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}.`,
    };
  }
  if (t.approvalPending && t.to !== t.from && t.to !== 'cancelled') {
    return {
      code: 'approval-pending',
      status: 409,
      message: 'This request waits for approval; fulfilment starts once it is approved.',
    };
  }
  if (t.to === 'pending' && !t.pendingReason) {
    return {
      code: 'pending-reason-required',
      status: 422,
      message: 'Say why the ticket is pending.',
      fields: [{ field: 'body.pendingReason', message: 'is required when the status is pending' }],
    };
  }
  if (t.to === 'in-progress' && !t.assigneeId) {
    return {
      code: 'assignee-required',
      status: 422,
      message: 'Someone must be assigned before work is in progress.',
      fields: [{ field: 'body.assigneeId', message: 'is required when the status is in-progress' }],
    };
  }
  // FitSM PR9.5: closure needs a resolution code and a resolution summary.
  if (t.to === 'resolved') {
    const fields: FieldError[] = [];
    if (!t.resolutionCode) fields.push({ field: 'body.resolutionCode', message: 'is required to resolve' });
    if (!t.resolutionSummary?.trim())
      fields.push({ field: 'body.resolutionSummary', message: 'is required to resolve' });
    if (fields.length)
      return {
        code: 'resolution-required',
        status: 422,
        message: 'A resolution code and summary are required.',
        fields,
      };
  }
  return undefined;
}

/**
 * Why a lifecycle action (resolve, cancel) is refused. An action is a status change: keeping the
 * status is only an edit (PATCH), so a resolved ticket cannot be resolved again, nor a cancelled
 * one cancelled again (409 `invalid-transition`); otherwise the transition rules apply. Without
 * this, every concurrent repeat of an action became a new version, history entry, event and
 * caller e-mail (FitSM PR9.5: one resolution, one notification).
 */
export function refuseAction(t: TransitionInput): Refusal | undefined {
  if (t.from === t.to) {
    return { code: 'invalid-transition', status: 409, message: `The ticket is already ${t.from}.` };
  }
  return refuseTransition(t);
}

const DAY_MS = 24 * 3600 * 1000;

/** When a resolved ticket closes by itself (PR9.5: auto-close after N days). */
export const autoCloseAt = (resolvedAt: string, days: number) =>
  new Date(Date.parse(resolvedAt) + days * DAY_MS).toISOString();

/** Whether a ticket may still be reopened (PR9.5): resolved or closed, within the window after resolution. */
export function refuseReopen(
  t: { status: TicketStatus; resolvedAt?: string | undefined },
  windowDays: number,
  now: Date,
): Refusal | undefined {
  if (t.status !== 'resolved' && t.status !== 'closed') {
    return { code: 'invalid-transition', status: 409, message: `A ${t.status} ticket cannot be reopened.` };
  }
  if (!t.resolvedAt || now.getTime() - Date.parse(t.resolvedAt) > windowDays * DAY_MS) {
    return {
      code: 'reopen-window-passed',
      status: 409,
      message: `The ticket can be reopened only within ${windowDays} days of its resolution; open a new ticket and link it.`,
    };
  }
  return undefined;
}

/** The status work resumes in after reopening or approval: in progress with an assignee, else back in the group queue. */
export const resumeStatus = (assigneeId: string | undefined): TicketStatus => (assigneeId ? 'in-progress' : 'assigned');

/** Readable numbers start at 1001 (`INC-1001`, `REQ-1001`). */
export const ticketNumber = (type: TicketType, n: number) => `${type === 'incident' ? 'INC' : 'REQ'}-${1000 + n}`;
export const NUMBER_PATTERN = /^(INC|REQ)-\d+$/;
