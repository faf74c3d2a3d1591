import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import { isCustomerBound, type Principal } from '../../../shared/kit/auth';
import { ValidationError } from '../../../shared/kit/errors';
import type { PageRequest } from '../../../shared/kit/paging';
import type { ReadModel } from '../db/schema';
import type { TicketFilters, TicketLine } from '../schemas';
import { decodeKeyset, encodeKeyset } from './keyset';
import { escapeLike } from './pickers';

/**
 * Ticket search and lists (FitSM PR9, PR3): every filter of `GET /v1/tickets` becomes part of one
 * parameterised query on the read model's indexes (db/migrations.ts), with keyset paging on the
 * sort key plus the ticket id, so page 1,000 costs what page 1 does. Customer users see their own
 * organisation's tickets only, whatever they ask, and their keywords never match internal
 * comments (ADR 15).
 */
type Db = Kysely<ReadModel>;
type Eb = ExpressionBuilder<ReadModel, 'tickets'>;

/** Counting stops here: beyond it the total is "at least" (`relation: 'gte'`). */
export const COUNT_CAP = 10_000;

const SORT_KEYS = {
  updated: ['updated_at', 'ticket_id'],
  created: ['created_at', 'ticket_id'],
  priority: ['priority_rank', 'created_at', 'ticket_id'],
  deadline: ['sla_deadline', 'ticket_id'],
} as const;
const CASTS: Record<string, string> = {
  updated_at: 'timestamptz',
  created_at: 'timestamptz',
  sla_deadline: 'timestamptz',
  priority_rank: 'smallint',
  ticket_id: 'text',
};
/** Newest first for dates; most urgent first for priority and deadline. */
const DEFAULT_ORDER = { updated: 'desc', created: 'desc', priority: 'asc', deadline: 'asc' } as const;

/** Filters that show what customers do not see (ADR 15: the customer view has no routing or SLA internals). */
const STAFF_ONLY: (keyof TicketFilters)[] = ['assignmentGroup', 'assigneeId', 'sla'];

const list = (v: string | undefined) => (v ? v.split(',') : []);

/** The WHERE clause of a ticket search for this caller: the filters, the keyword and the caller's scope. */
export function ticketWhere(filters: TicketFilters, principal: Principal) {
  const customer = isCustomerBound(principal);
  if (customer) {
    const refused = STAFF_ONLY.filter((f) => filters[f] !== undefined);
    if (filters.sort === 'deadline') refused.push('sort');
    if (refused.length > 0) {
      throw new ValidationError(
        'Customer accounts cannot filter or sort on routing and SLA fields.',
        refused.map((f) => ({ field: `query.${f}`, message: 'is not available to customer accounts' })),
        'filter-not-allowed',
      );
    }
  }
  return (eb: Eb) => {
    const all: Expression<SqlBool>[] = [];
    const push = (x: Expression<SqlBool>) => all.push(x);
    // The caller's organisation, first and always (a `customerId` filter cannot widen it).
    if (customer) push(eb('customer_id', '=', principal.customerId!));
    if (filters.type) push(eb('type', '=', filters.type));
    const statuses = list(filters.status);
    if (statuses.length) push(eb('status', 'in', statuses));
    const priorities = list(filters.priority);
    if (priorities.length) push(eb('priority', 'in', priorities));
    if (filters.assignmentGroup) push(eb('assignment_group', '=', filters.assignmentGroup));
    if (filters.assigneeId)
      push(eb('assignee_id', '=', filters.assigneeId === 'me' ? principal.id : filters.assigneeId));
    if (filters.callerId) push(eb('caller_id', '=', filters.callerId === 'me' ? principal.id : filters.callerId));
    if (filters.customerId) push(eb('customer_id', '=', filters.customerId));
    if (filters.serviceId) push(eb('service_id', '=', filters.serviceId));
    if (filters.ciId) push(sql<SqlBool>`ci_ids @> ARRAY[${filters.ciId}]::text[]`);
    // A category and everything under it (`hardware` finds `hardware/laptop`).
    if (filters.category)
      push(eb.or([eb('category', '=', filters.category), eb('category', 'like', `${escapeLike(filters.category)}/%`)]));
    if (filters.major) push(eb('major', '=', filters.major === 'true'));
    if (filters.sla === 'breached') push(sql<SqlBool>`(sla_breached OR sla_deadline <= now())`);
    if (filters.sla === 'warning')
      push(sql<SqlBool>`(NOT sla_breached AND sla_warn_at <= now() AND sla_deadline > now())`);
    const range = (col: 'created_at' | 'updated_at' | 'resolved_at', from?: string, to?: string) => {
      if (from) push(eb(col, '>=', new Date(from)));
      if (to) push(eb(col, '<', new Date(to)));
    };
    range('created_at', filters.createdFrom, filters.createdTo);
    range('updated_at', filters.updatedFrom, filters.updatedTo);
    range('resolved_at', filters.resolvedFrom, filters.resolvedTo);
    if (filters.q) {
      const column = customer ? sql.ref('search_public') : sql.ref('search_staff');
      push(sql<SqlBool>`${column} @@ websearch_to_tsquery('english', ${filters.q})`);
    }
    return eb.and(all);
  };
}

export interface TicketSort {
  sort: keyof typeof SORT_KEYS;
  order: 'asc' | 'desc';
}

export function ticketSort(filters: TicketFilters): TicketSort {
  const sort = filters.sort ?? 'updated';
  return { sort, order: filters.order ?? DEFAULT_ORDER[sort] };
}

/** The keyset condition: rows strictly after the cursor's sort values in the page's order. */
function after(sort: TicketSort, values: string[]): RawBuilder<SqlBool> {
  const cols = SORT_KEYS[sort.sort];
  if (values.length !== cols.length)
    throw new ValidationError(
      'The cursor does not fit this sort.',
      [{ field: 'cursor', message: 'is invalid' }],
      'invalid-cursor',
    );
  const left = sql.join(cols.map((c) => sql.ref(c)));
  const right = sql.join(values.map((v, i) => sql`${v}::${sql.raw(CASTS[cols[i]!]!)}`));
  return sort.order === 'asc' ? sql<SqlBool>`(${left}) > (${right})` : sql<SqlBool>`(${left}) < (${right})`;
}

/** The columns a ticket line needs (never the unbounded description: pages stay far under 1 MiB). */
export function lineQuery(db: Db) {
  return db
    .selectFrom('tickets')
    .select([
      'ticket_id',
      'number',
      'type',
      'title',
      'status',
      'priority',
      'category',
      'caller_id',
      'customer_id',
      'service_id',
      'assignment_group',
      'assignee_id',
      'major',
      'ci_ids',
      'created_at',
      'updated_at',
      'resolved_at',
      'closed_at',
      'version',
      'agreement_id',
      'sla_breached',
      sql<string | null>`nullif(sla_deadline, 'infinity')::text`.as('deadline'),
      sql<string | null>`nullif(sla_warn_at, 'infinity')::text`.as('warn_at'),
      sql<string>`(sla_breached OR sla_deadline <= now())`.as('breached_now'),
      sql<string>`(sla_warn_at <= now())`.as('warned_now'),
    ]);
}

type LineRow = Awaited<ReturnType<ReturnType<typeof lineQuery>['execute']>>[number];

const iso = (v: Date | string | null | undefined): string | undefined => {
  if (v === null || v === undefined) return undefined;
  const d = v instanceof Date ? v : new Date(v.includes('T') ? v : `${v.replace(' ', 'T')}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};
const truthy = (v: unknown) => v === true || v === 'true' || v === 't';

/** A read-model row as the caller may see it. */
export function toLine(row: LineRow, principal: Principal): TicketLine {
  const customer = isCustomerBound(principal);
  const deadline = iso(row.deadline ? pgTimestamp(row.deadline) : null);
  const warnAt = iso(row.warn_at ? pgTimestamp(row.warn_at) : null);
  const breached = truthy(row.breached_now);
  const state = breached ? 'breached' : deadline ? (truthy(row.warned_now) ? 'warning' : 'ok') : 'none';
  return {
    ticketId: row.ticket_id,
    number: row.number,
    type: row.type,
    title: row.title,
    status: row.status,
    priority: row.priority,
    ...(row.category ? { category: row.category } : {}),
    callerId: row.caller_id,
    ...(row.customer_id ? { customerId: row.customer_id } : {}),
    ...(row.service_id ? { serviceId: row.service_id } : {}),
    ...(!customer && row.assignment_group ? { assignmentGroup: row.assignment_group } : {}),
    ...(!customer && row.assignee_id ? { assigneeId: row.assignee_id } : {}),
    major: truthy(row.major),
    ciIds: Array.isArray(row.ci_ids) ? row.ci_ids : [],
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    ...(row.resolved_at ? { resolvedAt: iso(row.resolved_at)! } : {}),
    ...(row.closed_at ? { closedAt: iso(row.closed_at)! } : {}),
    version: Number(row.version),
    ...(customer
      ? {}
      : {
          sla: {
            state,
            ...(deadline ? { deadline } : {}),
            ...(warnAt ? { warnAt } : {}),
            ...(row.agreement_id ? { agreementId: row.agreement_id } : {}),
          },
        }),
  } as TicketLine;
}

/** `2026-12-03 06:00:00.123+00` (PostgreSQL's text form) as an ISO instant. */
export function pgTimestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}${m[3]}:${m[4] ?? '00'}`;
}

export interface SearchAnswer<T> {
  items: T[];
  total: { value: number; relation: 'eq' | 'gte' };
  nextCursor?: string;
  asOf: string | null;
}

/**
 * Up to `limit` ticket lines after a keyset position, in the search's order, and the keyset of the
 * last one: what a page shows and what an export reads chunk by chunk.
 */
export async function ticketChunk(
  db: Db,
  principal: Principal,
  filters: TicketFilters,
  start: string[] | undefined,
  limit: number,
): Promise<{ lines: TicketLine[]; more: boolean; last?: string[] }> {
  const where = ticketWhere(filters, principal);
  const sort = ticketSort(filters);
  const cols = SORT_KEYS[sort.sort];
  let query = lineQuery(db)
    .select(cols.map((c, i) => sql<string>`${sql.ref(c)}::text`.as(`sk${i}`)))
    .where(where);
  if (start) query = query.where(after(sort, start));
  for (const c of cols) query = query.orderBy(c, sort.order);
  const rows = await query.limit(limit + 1).execute();
  const shown = rows.slice(0, limit);
  const last = shown.at(-1) as Record<string, unknown> | undefined;
  return {
    lines: shown.map((r) => toLine(r, principal)),
    more: rows.length > limit,
    ...(last ? { last: cols.map((_, i) => String(last[`sk${i}`])) } : {}),
  };
}

/** The number of sort values in a search's keyset (what its cursors hold). */
export const keysetLength = (filters: TicketFilters) => SORT_KEYS[ticketSort(filters).sort].length;

/** One page of a ticket search, its total and the read model's `asOf`. */
export async function searchTickets(
  db: Db,
  principal: Principal,
  filters: TicketFilters,
  page: PageRequest,
): Promise<SearchAnswer<TicketLine>> {
  const where = ticketWhere(filters, principal);
  const start = page.cursor ? decodeKeyset(page.cursor, keysetLength(filters)) : undefined;
  const [chunk, counted] = await Promise.all([
    ticketChunk(db, principal, filters, start, page.limit),
    countAndAsOf(db, db.selectFrom('tickets').select(sql`1`.as('one')).where(where)),
  ]);
  return {
    items: chunk.lines,
    total: counted.total,
    ...(chunk.more && chunk.last ? { nextCursor: encodeKeyset(chunk.last) } : {}),
    asOf: counted.asOf,
  };
}

/**
 * The capped count of a query's rows and the read model's `asOf`, in one statement (one Data API
 * call): `count(*)` over at most COUNT_CAP + 1 rows, so a broad search never counts the table.
 */
export async function countAndAsOf<TB extends keyof ReadModel>(
  db: Db,
  rows: SelectQueryBuilder<ReadModel, TB, { one: unknown }>,
): Promise<{ total: { value: number; relation: 'eq' | 'gte' }; asOf: string | null }> {
  const inner = rows.limit(COUNT_CAP + 1);
  const row = await sql<{ n: number; as_of: string | null }>`SELECT
      (SELECT count(*)::int FROM (${inner}) AS capped) AS n,
      (SELECT max(occurred_at)::text FROM watermarks) AS as_of`.execute(db);
  const n = Number(row.rows[0]?.n ?? 0);
  const asOf = row.rows[0]?.as_of ?? null;
  return {
    total: n > COUNT_CAP ? { value: COUNT_CAP, relation: 'gte' } : { value: n, relation: 'eq' },
    asOf: asOf ? new Date(pgTimestamp(asOf)).toISOString() : null,
  };
}

/** The newest change the read model reflects, on its own (pickers answer it beside their lookup). */
export async function readModelAsOf(db: Db): Promise<string | null> {
  const row = await sql<{ as_of: string | null }>`SELECT max(occurred_at)::text AS as_of FROM watermarks`.execute(db);
  const asOf = row.rows[0]?.as_of;
  return asOf ? new Date(pgTimestamp(asOf)).toISOString() : null;
}

/** The read model's state, for operators: what is applied, how much it holds, how fresh each source is. */
export async function readModelStatus(db: Db) {
  const [migrations, counts, sources] = await Promise.all([
    db.selectFrom('schema_migrations').select('id').orderBy('id').execute(),
    sql<{ kind: string; n: number }>`SELECT 'ticket' AS kind, count(*)::int AS n FROM tickets
      UNION ALL SELECT 'ticket-comment', count(*)::int FROM ticket_comments
      UNION ALL SELECT 'ticket-clocks', count(*)::int FROM ticket_sla
      UNION ALL SELECT kind, count(*)::int FROM records GROUP BY kind`.execute(db),
    sql<{
      source: string;
      occurred_at: string;
      applied_at: string;
    }>`SELECT source, occurred_at::text, applied_at::text FROM watermarks ORDER BY source`.execute(db),
  ]);
  const at = (t: string) => new Date(pgTimestamp(t)).toISOString();
  const newest =
    sources.rows
      .map((r) => at(r.occurred_at))
      .sort()
      .at(-1) ?? null;
  return {
    migrations: migrations.map((m) => m.id),
    counts: Object.fromEntries(counts.rows.map((r) => [r.kind, Number(r.n)])),
    sources: sources.rows.map((r) => ({
      source: r.source,
      newestChange: at(r.occurred_at),
      appliedAt: at(r.applied_at),
    })),
    asOf: newest,
  };
}
