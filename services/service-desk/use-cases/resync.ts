import type { TicketComment, TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import { type TicketType, ticketNumber } from '../domain/ticket';
import { keys, snapshot, type Ticket, table, toTicket } from '../store';
import { commentRecord, toComment } from './comments';

/**
 * What the desk publishes for a resync (ADR 28). Tickets are found by their readable numbers:
 * each type's counter says how many were numbered, and `NUM#INC-1001` items lead to the tickets,
 * so a batch is two BatchGetItem calls (plus one query per ticket for its comments) and no index
 * or scan is needed; numbers burned by failed writes simply have no item.
 */
const TYPES: readonly { type: TicketType; prefix: string }[] = [
  { type: 'incident', prefix: 'INC' },
  { type: 'request', prefix: 'REQ' },
];

/** Where a walk over the numbers stands: the type (index in TYPES) and the next counter value. */
interface NumberCursor {
  t: number;
  n: number;
}

function decode(cursor: string | undefined): NumberCursor {
  if (cursor === undefined) return { t: 0, n: 1 };
  const c = JSON.parse(cursor) as Partial<NumberCursor>;
  if (!Number.isInteger(c.t) || !Number.isInteger(c.n) || c.t! < 0 || c.n! < 1)
    throw new Error('not a ticket resync cursor');
  return { t: c.t!, n: c.n! };
}

/** Up to `limit` tickets in number order from the cursor, and the cursor after them (none at the end). */
async function ticketsFrom(cursor: string | undefined, limit: number): Promise<{ tickets: Ticket[]; next?: string }> {
  let { t, n } = decode(cursor);
  for (; t < TYPES.length; t++, n = 1) {
    const { type, prefix } = TYPES[t]!;
    const counter = await table().get({ pk: 'COUNTER', sk: prefix });
    const numbered = Number(counter?.value ?? 0);
    if (n > numbered) continue;
    const last = Math.min(numbered, n + limit - 1);
    const numbers = Array.from({ length: last - n + 1 }, (_, i) => ticketNumber(type, n + i));
    const refs = await table().batchGet(numbers.map((num) => keys.number(num)));
    const items = await table().batchGet(refs.map((r) => keys.ticket(String(r.ticketId))));
    const tickets = items
      .filter((i) => i.type === 'ticket')
      .map(toTicket)
      .sort((a, b) => numbers.indexOf(a.number) - numbers.indexOf(b.number));
    return { tickets, next: JSON.stringify({ t, n: last + 1 }) };
  }
  return { tickets: [] };
}

/** Every ticket, as the snapshot of its current version. */
export async function readTickets(
  cursor: string | undefined,
  limit: number,
): Promise<{ records: TicketSnapshot[]; nextCursor?: string }> {
  const { tickets, next } = await ticketsFrom(cursor, limit);
  return { records: tickets.map((t) => snapshot(t, t.version)), ...(next ? { nextCursor: next } : {}) };
}

/** Every comment, public and internal, ticket by ticket, oldest first. */
export async function readComments(
  cursor: string | undefined,
  limit: number,
): Promise<{ records: TicketComment[]; nextCursor?: string }> {
  const { tickets, next } = await ticketsFrom(cursor, limit);
  const records: TicketComment[] = [];
  for (const t of tickets) {
    const comments = await table().all({ pk: keys.ticket(t.ticketId).pk, skBeginsWith: 'COMMENT#' }, toComment);
    records.push(...comments.map((c) => commentRecord(t, c)));
  }
  return { records, ...(next ? { nextCursor: next } : {}) };
}
