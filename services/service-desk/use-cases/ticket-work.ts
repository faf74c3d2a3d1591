import type {
  TicketChanged,
  TicketClosed,
  TicketCreated,
  TicketReopened,
  TicketResolved,
} from '../../../shared/contracts/service-desk/v1';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, DomainError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import { sameJson } from '../../../shared/kit/json';
import type { UnitOfWork, Write } from '../../../shared/kit/store';
import type { Refusal } from '../domain/ticket';
import { NUMBER_PATTERN } from '../domain/ticket';
import { keys, snapshot, type Ticket, type TicketState, table, ticketUpdate, toTicket } from '../store';

/**
 * The one way a ticket changes: diff the new state against the stored one, write it with a
 * version check, append the history entry and publish the event carrying the new snapshot, all
 * in one transaction (FitSM GR2.3; no partial writes).
 */
type LifecycleContract =
  | typeof TicketCreated
  | typeof TicketChanged
  | typeof TicketResolved
  | typeof TicketReopened
  | typeof TicketClosed;

export const refusal = (r: Refusal) => new DomainError(r.code, r.status, r.message, r.fields);

/** Find a ticket by id or readable number (`INC-1001`). */
export async function loadTicket(idOrNumber: string, consistent = false): Promise<Ticket> {
  let id = idOrNumber;
  if (NUMBER_PATTERN.test(idOrNumber)) {
    const ref = await table().get(keys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`Ticket ${idOrNumber} was not found.`, 'ticket-not-found');
    id = String(ref.ticketId);
  }
  const item = await table().get(keys.ticket(id), consistent);
  if (item?.type !== 'ticket') throw new NotFoundError(`Ticket ${idOrNumber} was not found.`, 'ticket-not-found');
  return toTicket(item);
}

/** State of a ticket without the bookkeeping attributes. */
export function stateOf(t: Ticket): TicketState {
  const { version: _v, updatedAt: _u, sla: _s, ...state } = t;
  return state;
}

/** Names of the fields that differ (changedAt is the moment, not a change). */
export function changedFields(before: TicketState, after: TicketState): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  names.delete('changedAt');
  return [...names].filter((k) => !sameJson(before[k as keyof TicketState], after[k as keyof TicketState])).sort();
}

export interface ChangeOptions {
  /** The lifecycle event announcing the new version. */
  event: LifecycleContract;
  /** History action, e.g. `updated`, `resolved`. */
  action: string;
  reason?: string | undefined;
  /** Extra names for `changes` (e.g. `publicComment`, which is not a ticket field). */
  extraChanges?: string[];
  writes?: Write[];
  /** Further events for the same version (escalation, major incident declared). */
  events?: (ticket: Ticket, changes: string[]) => OutgoingEvent[];
  /** Check the stored version (API If-Match); otherwise the version read is expected. */
  expectVersion?: number;
  /** The event an `inbox` consumer makes this change for (`handled(ctx)`): recorded with it. */
  handles?: string;
}

/** Build the unit of work of a change; undefined when nothing changed. */
export function changeWork(
  ctx: OperationContext,
  before: Ticket,
  after: TicketState,
  opts: ChangeOptions,
): { ticket: Ticket; work: UnitOfWork } | undefined {
  const fields = changedFields(stateOf(before), after);
  const changes = [...fields, ...(opts.extraChanges ?? [])];
  if (changes.length === 0) return undefined;
  const { set, remove } = ticketUpdate(after, before.sla?.deadline);
  const version = before.version + 1;
  const ticket: Ticket = { ...after, version, updatedAt: after.changedAt, ...(before.sla ? { sla: before.sla } : {}) };
  const history = Object.fromEntries(
    fields.map((f) => [f, { from: before[f as keyof TicketState] ?? null, to: after[f as keyof TicketState] ?? null }]),
  );
  const work: UnitOfWork = {
    writes: [
      { kind: 'update', key: keys.ticket(before.ticketId), set, remove, expectVersion: before.version },
      ...(opts.writes ?? []),
    ],
    history: [
      {
        pk: keys.ticket(before.ticketId).pk,
        entityType: 'ticket',
        entityId: before.ticketId,
        action: opts.action,
        changes: history,
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
    ],
    events: [
      buildEvent(opts.event, { ticket: snapshot(after, version), changes }, ctx),
      ...(opts.events?.(ticket, changes) ?? []),
    ],
  };
  return { ticket, work };
}

/** Commit a change; returns the ticket as stored (the same ticket when nothing changed). */
export async function commitChange(
  ctx: OperationContext,
  before: Ticket,
  after: TicketState,
  opts: ChangeOptions,
): Promise<Ticket> {
  const change = changeWork(ctx, before, after, opts);
  const handles = opts.handles !== undefined ? { handles: opts.handles } : {};
  if (!change) {
    if (opts.handles !== undefined) await table().commit(ctx, { writes: [], ...handles });
    return before;
  }
  await table().commit(ctx, { ...change.work, ...handles });
  return change.ticket;
}

/**
 * Run `fn` on the current ticket. With an If-Match version the caller's view must be current
 * (409 otherwise). Without one (comments, actions) a lost race is retried from a fresh read by
 * the kit (shared/kit/retry.ts), so nobody has to resend a comment because someone else saved first.
 */
export async function withTicket<T>(
  idOrNumber: string,
  ifMatch: number | undefined,
  fn: (t: Ticket) => Promise<T>,
): Promise<T> {
  const t = await loadTicket(idOrNumber, true);
  if (ifMatch !== undefined && t.version !== ifMatch) {
    throw new ConflictError(`Ticket ${t.number} is at version ${t.version}, not ${ifMatch}. Read it again and retry.`);
  }
  return fn(t);
}
