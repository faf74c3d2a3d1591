import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { ReadModel } from '../db/schema';
import type { Cell, Table } from '../domain/render';
import type { AggregateName, AggregateParams, Dimension } from '../schemas';

/**
 * The built-in aggregates a report or KPI can use (FitSM PR3.2 report content, GR6.1 KPIs), each
 * one parameterised query on the read model through Kysely: the parameters choose among fixed
 * columns and values are bound, so no SQL text comes from a specification. Every answer is
 * bounded (grouped rows are capped at MAX_GROUPS).
 *
 * Definitions (what the snapshots in the read model hold, ADR 25):
 * - ticket counts: tickets created in the period, by a dimension;
 * - backlog: tickets open at the period's end (created before it, not resolved or closed before
 *   it; the read model keeps each ticket's latest resolution only, so a ticket resolved, reopened
 *   and resolved again counts from its latest resolution), by age at the period's end;
 * - mean time to resolve: created to (latest) resolution, in hours, of tickets resolved in the
 *   period, by priority (calendar time: business-hours durations are the SLA clocks' business);
 * - SLA compliance: of tickets resolved in the period that had SLA clocks, the share never
 *   breached (no clock breached or stopped unmet);
 * - reopen rate: of tickets resolved in the period, the share reopened at least once;
 * - first-contact resolution: of tickets resolved in the period, the share never reopened whose
 *   resolution was the desk's first public reply (no agent replied before resolving). The
 *   snapshots do not say how many groups a ticket passed through (no reassignment or escalation
 *   count), so a ticket handed on once and resolved without an earlier reply still counts;
 * - satisfaction: survey answers given in the period (1-5), mean score and distribution.
 */
type Db = Kysely<ReadModel>;
type Eb = ExpressionBuilder<ReadModel, 'tickets'>;

export const MAX_GROUPS = 200;
export const OPEN_STATUSES = ['new', 'assigned', 'in-progress', 'pending'] as const;

const DIMENSION_COLUMNS = {
  status: 'status',
  priority: 'priority',
  group: 'assignment_group',
  service: 'service_id',
  customer: 'customer_id',
  category: 'category',
  type: 'type',
} as const satisfies Record<Dimension, string>;

export interface AggregateResult {
  table: Table;
  /** The headline figure (a KPI's value); null when the period has nothing to measure. */
  value: number | null;
  unit: 'tickets' | 'hours' | 'percent' | 'score';
  /** How many records the figure is computed from (its denominator). */
  basis: number;
}

/** The unit of each aggregate's headline figure. */
export const AGGREGATE_UNITS: Record<AggregateName, AggregateResult['unit']> = {
  'ticket-counts': 'tickets',
  backlog: 'tickets',
  'mean-time-to-resolve': 'hours',
  'sla-compliance': 'percent',
  'reopen-rate': 'percent',
  'first-contact-resolution': 'percent',
  satisfaction: 'score',
};

export interface AggregateInput extends AggregateParams {
  aggregate: AggregateName;
  /** A report agreed with one customer covers that customer's tickets only. */
  customerId?: string;
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
const percent = (part: number, whole: number) => (whole === 0 ? null : round((100 * part) / whole, 1));

/** The scope every ticket aggregate shares: customer, type and priorities. */
function scoped(eb: Eb, input: AggregateInput): Expression<SqlBool> {
  const all: Expression<SqlBool>[] = [];
  if (input.customerId) all.push(eb('customer_id', '=', input.customerId));
  if (input.type) all.push(eb('type', '=', input.type));
  const priorities = input.priority ? input.priority.split(',') : [];
  if (priorities.length) all.push(eb('priority', 'in', priorities));
  return eb.and(all);
}

export async function runAggregate(db: Db, input: AggregateInput, from: Date, to: Date): Promise<AggregateResult> {
  switch (input.aggregate) {
    case 'ticket-counts':
      return ticketCounts(db, input, from, to);
    case 'backlog':
      return backlog(db, input, to);
    case 'mean-time-to-resolve':
      return meanTimeToResolve(db, input, from, to);
    case 'sla-compliance':
    case 'reopen-rate':
    case 'first-contact-resolution':
      return resolvedShare(db, input, from, to);
    case 'satisfaction':
      return satisfaction(db, input, from, to);
  }
}

async function ticketCounts(db: Db, input: AggregateInput, from: Date, to: Date): Promise<AggregateResult> {
  const dimension = input.dimension ?? 'status';
  const column = sql.ref(DIMENSION_COLUMNS[dimension]);
  const rows = await db
    .selectFrom('tickets')
    .select([sql<string | null>`${column}`.as('key'), sql<number>`count(*)::int`.as('n')])
    .where((eb) => eb.and([eb('created_at', '>=', from), eb('created_at', '<', to), scoped(eb, input)]))
    .groupBy(sql`1`)
    .orderBy(sql`2`, 'desc')
    .orderBy(sql`1`)
    .limit(MAX_GROUPS)
    .execute();
  const total = rows.reduce((a, r) => a + Number(r.n), 0);
  return {
    table: { columns: [dimension, 'tickets'], rows: rows.map((r) => [r.key ?? '(none)', Number(r.n)]) },
    value: total,
    unit: 'tickets',
    basis: total,
  };
}

const AGE_BUCKETS: { label: string; underDays: number }[] = [
  { label: 'under 1 day', underDays: 1 },
  { label: '1-3 days', underDays: 3 },
  { label: '3-7 days', underDays: 7 },
  { label: '7-30 days', underDays: 30 },
  { label: '30 days or more', underDays: Number.POSITIVE_INFINITY },
];

async function backlog(db: Db, input: AggregateInput, at: Date): Promise<AggregateResult> {
  const age = sql`extract(epoch FROM (${at.toISOString()}::timestamptz - created_at)) / 86400`;
  const buckets = AGE_BUCKETS.map((b, i) =>
    sql<number>`count(*) FILTER (WHERE ${age} < ${Number.isFinite(b.underDays) ? b.underDays : 1e9})::int`.as(`b${i}`),
  );
  const row = await db
    .selectFrom('tickets')
    .select([sql<number>`count(*)::int`.as('n'), ...buckets])
    .where((eb) =>
      eb.and([
        eb('created_at', '<', at),
        eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', at)]),
        eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', at)]),
        // Cancelled tickets carry no resolution; their latest state says they left the backlog.
        eb.or([eb('status', 'in', [...OPEN_STATUSES]), eb('resolved_at', '>=', at), eb('closed_at', '>=', at)]),
        scoped(eb, input),
      ]),
    )
    .executeTakeFirstOrThrow();
  const r = row as Record<string, unknown>;
  // Cumulative counts ("under n days") become per-bucket counts.
  const cumulative = AGE_BUCKETS.map((_, i) => Number(r[`b${i}`] ?? 0));
  const total = Number(r.n ?? 0);
  return {
    table: {
      columns: ['age', 'open tickets'],
      rows: AGE_BUCKETS.map((b, i) => [b.label, cumulative[i]! - (i > 0 ? cumulative[i - 1]! : 0)]),
    },
    value: total,
    unit: 'tickets',
    basis: total,
  };
}

function resolvedIn(eb: Eb, input: AggregateInput, from: Date, to: Date): Expression<SqlBool> {
  return eb.and([eb('resolved_at', '>=', from), eb('resolved_at', '<', to), scoped(eb, input)]);
}

async function meanTimeToResolve(db: Db, input: AggregateInput, from: Date, to: Date): Promise<AggregateResult> {
  const hours = sql`extract(epoch FROM (resolved_at - created_at)) / 3600`;
  const rows = await db
    .selectFrom('tickets')
    .select([
      'priority',
      sql<number>`count(*)::int`.as('n'),
      sql<number>`sum(${hours})::float8`.as('total_hours'),
      sql<number>`avg(${hours})::float8`.as('mean_hours'),
    ])
    .where((eb) => resolvedIn(eb, input, from, to))
    .groupBy(['priority', 'priority_rank'])
    .orderBy('priority_rank')
    .orderBy('priority')
    .limit(MAX_GROUPS)
    .execute();
  const n = rows.reduce((a, r) => a + Number(r.n), 0);
  const sum = rows.reduce((a, r) => a + Number(r.total_hours), 0);
  return {
    table: {
      columns: ['priority', 'resolved', 'mean hours to resolve'],
      rows: rows.map((r) => [r.priority, Number(r.n), round(Number(r.mean_hours), 2)]),
    },
    value: n === 0 ? null : round(sum / n, 2),
    unit: 'hours',
    basis: n,
  };
}

/** The three "share of resolved tickets" measures, by priority. */
async function resolvedShare(db: Db, input: AggregateInput, from: Date, to: Date): Promise<AggregateResult> {
  const hits = {
    'sla-compliance': sql<SqlBool>`NOT sla_breached`,
    'reopen-rate': sql<SqlBool>`reopen_count > 0`,
    'first-contact-resolution': sql<SqlBool>`reopen_count = 0 AND (first_responded_at IS NULL OR first_responded_at >= resolved_at)`,
  }[input.aggregate as 'sla-compliance' | 'reopen-rate' | 'first-contact-resolution'];
  const label = {
    'sla-compliance': 'met SLA',
    'reopen-rate': 'reopened',
    'first-contact-resolution': 'resolved at first contact',
  }[input.aggregate as 'sla-compliance'];
  const rows = await db
    .selectFrom('tickets')
    .select([
      'priority',
      sql<number>`count(*)::int`.as('n'),
      sql<number>`count(*) FILTER (WHERE ${hits})::int`.as('hits'),
    ])
    .where((eb) => {
      const base = resolvedIn(eb, input, from, to);
      // Only tickets an agreement's clocks measured count towards SLA compliance.
      return input.aggregate === 'sla-compliance'
        ? eb.and([
            base,
            eb.exists(
              eb
                .selectFrom('ticket_sla')
                .select(sql`1`.as('one'))
                .whereRef('ticket_sla.ticket_id', '=', 'tickets.ticket_id'),
            ),
          ])
        : base;
    })
    .groupBy(['priority', 'priority_rank'])
    .orderBy('priority_rank')
    .orderBy('priority')
    .limit(MAX_GROUPS)
    .execute();
  const n = rows.reduce((a, r) => a + Number(r.n), 0);
  const h = rows.reduce((a, r) => a + Number(r.hits), 0);
  return {
    table: {
      columns: ['priority', 'resolved', label, 'percent'],
      rows: rows.map((r): Cell[] => [r.priority, Number(r.n), Number(r.hits), percent(Number(r.hits), Number(r.n))]),
    },
    value: percent(h, n),
    unit: 'percent',
    basis: n,
  };
}

async function satisfaction(db: Db, input: AggregateInput, from: Date, to: Date): Promise<AggregateResult> {
  const rows = await db
    .selectFrom('survey_answers')
    .select(['score', sql<number>`count(*)::int`.as('n')])
    .where((eb) =>
      eb.and([
        eb('answered_at', '>=', from),
        eb('answered_at', '<', to),
        ...(input.customerId ? [eb('customer_id', '=', input.customerId)] : []),
      ]),
    )
    .groupBy('score')
    .orderBy('score')
    .execute();
  const counts = new Map(rows.map((r) => [Number(r.score), Number(r.n)]));
  const n = [...counts.values()].reduce((a, b) => a + b, 0);
  const sum = [...counts.entries()].reduce((a, [score, c]) => a + score * c, 0);
  return {
    table: {
      columns: ['score', 'answers', 'percent'],
      rows: [1, 2, 3, 4, 5].map((s) => [s, counts.get(s) ?? 0, percent(counts.get(s) ?? 0, n)]),
    },
    value: n === 0 ? null : round(sum / n, 2),
    unit: 'score',
    basis: n,
  };
}
