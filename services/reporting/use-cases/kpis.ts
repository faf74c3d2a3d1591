import { type Kysely, sql } from 'kysely';
import type * as z from 'zod/mini';
import { KpiTargetMissed } from '../../../shared/contracts/reporting/v1';
import type { Principal } from '../../../shared/kit/auth';
import type { OperationContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import type { HistoryView, Item, Page, Write } from '../../../shared/kit/store';
import type { ReadModel } from '../db/schema';
import { type Frequency, nextRun, type Period, periodBefore } from '../domain/schedule';
import type {
  CreateKpiBody,
  KpiMeasure,
  Kpi as KpiSchema,
  KpiValue as KpiValueSchema,
  UpdateKpiBody,
} from '../schemas';
import { AGGREGATE_UNITS, runAggregate } from './aggregates';
import { reportIdx, reportKeys, strip, table } from './report-items';
import { dueWrite } from './reports';
import { ticketWhere } from './tickets';

/**
 * KPIs (FitSM GR6.1, a start: the performance of the SMS and its processes is measured against
 * defined indicators). A catalogue of definitions, each a built-in aggregate or the count of a
 * saved ticket search per period, with a target, a direction (at least / at most), a frequency
 * and an owner. Values are computed per period by the every-minute `reports` schedule (a due item
 * per KPI at each period's end, ADR 13) or on demand, stored per period with the change against
 * the previous period, and a KpiTargetMissed event is raised when a period misses its target.
 */
export type Kpi = z.infer<typeof KpiSchema>;
export type KpiValue = z.infer<typeof KpiValueSchema>;
type Db = Kysely<ReadModel>;

const SEARCHER: Principal = { id: 'system:kpis', name: 'kpis', roles: ['reporting-manager'] };
/** Built-ins belong to the reporting process until an administrator names a person. */
const PROCESS_OWNER = { id: 'reporting-manager' };

type NewKpi = z.infer<typeof CreateKpiBody>;
const builtIn = (k: Omit<NewKpi, 'owner' | 'timeZone'>): NewKpi => ({ ...k, owner: PROCESS_OWNER, timeZone: 'UTC' });

/** What the desk and the service levels produce, measured from the first deploy (targets are starting points). */
export const BUILT_IN_KPIS: NewKpi[] = [
  builtIn({
    kpiId: 'backlog',
    name: 'Open tickets at the end of the day',
    measure: { kind: 'aggregate', aggregate: 'backlog' },
    target: 50,
    direction: 'at-most',
    frequency: 'daily',
  }),
  ...(['P1', 'P2', 'P3', 'P4'] as const).map((p, i) =>
    builtIn({
      kpiId: `mttr-${p.toLowerCase()}`,
      name: `Mean time to resolve ${p} tickets (hours)`,
      measure: { kind: 'aggregate', aggregate: 'mean-time-to-resolve', priority: p },
      target: [4, 8, 24, 72][i]!,
      direction: 'at-most',
      frequency: 'weekly',
    }),
  ),
  builtIn({
    kpiId: 'first-contact-resolution',
    name: 'First-contact resolution (%)',
    measure: { kind: 'aggregate', aggregate: 'first-contact-resolution' },
    target: 70,
    direction: 'at-least',
    frequency: 'monthly',
  }),
  builtIn({
    kpiId: 'sla-compliance',
    name: 'Tickets resolved within their SLA (%)',
    measure: { kind: 'aggregate', aggregate: 'sla-compliance' },
    target: 95,
    direction: 'at-least',
    frequency: 'monthly',
  }),
  builtIn({
    kpiId: 'reopen-rate',
    name: 'Resolved tickets reopened (%)',
    measure: { kind: 'aggregate', aggregate: 'reopen-rate' },
    target: 5,
    direction: 'at-most',
    frequency: 'monthly',
  }),
  builtIn({
    kpiId: 'satisfaction',
    name: 'Customer satisfaction (mean survey score, 1-5)',
    measure: { kind: 'aggregate', aggregate: 'satisfaction' },
    target: 4,
    direction: 'at-least',
    frequency: 'monthly',
  }),
];

const unitOf = (m: KpiMeasure) => (m.kind === 'aggregate' ? AGGREGATE_UNITS[m.aggregate] : 'tickets');

/** A period's end is when its value can be computed: local midnight, Monday 00:00, the 1st 00:00. */
export function kpiSchedule(k: Pick<Kpi, 'frequency' | 'timeZone'>): Frequency {
  switch (k.frequency) {
    case 'daily':
      return { every: 'daily', at: '00:00', timeZone: k.timeZone };
    case 'weekly':
      return { every: 'weekly', weekday: 'monday', at: '00:00', timeZone: k.timeZone };
    case 'monthly':
      return { every: 'monthly', day: 1, at: '00:00', timeZone: k.timeZone };
  }
}

function kpiWrites(k: NewKpi, isBuiltIn: boolean, now: number): Write[] {
  const pk = reportKeys.kpi(k.kpiId).pk;
  const due = new Date(nextRun(kpiSchedule(k), now)).toISOString();
  return [
    {
      kind: 'create',
      item: {
        ...reportKeys.kpi(k.kpiId),
        type: 'kpi',
        ...k,
        builtIn: isBuiltIn,
        active: true,
        unit: unitOf(k.measure),
        gsi2pk: reportIdx.allKpis,
        gsi2sk: k.kpiId,
      },
    },
    { kind: 'upsert', item: dueWrite(pk, { dueAt: due, scheduledFor: due, attempts: 0 }) },
  ];
}

let seeded = false;
/** Seeds the built-in KPIs once (each only if missing; an administrator's changes stay). */
export async function ensureBuiltInKpis(ctx: OperationContext, now: number): Promise<number> {
  if (seeded) return 0;
  const have = await table().batchGet(
    BUILT_IN_KPIS.map((k) => reportKeys.kpi(k.kpiId)),
    ['pk'],
  );
  const present = new Set(have.map((i) => String(i.pk)));
  let created = 0;
  for (const k of BUILT_IN_KPIS) {
    if (present.has(reportKeys.kpi(k.kpiId).pk)) continue;
    try {
      await table().commit(ctx, {
        writes: kpiWrites(k, true, now),
        history: [
          { pk: reportKeys.kpi(k.kpiId).pk, entityType: 'kpi', entityId: k.kpiId, action: 'seeded', changes: {} },
        ],
      });
      created++;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err; // seeded by a concurrent invocation
    }
  }
  seeded = true;
  return created;
}

export async function createKpi(ctx: OperationContext, input: NewKpi, now: number): Promise<Kpi> {
  try {
    await table().commit(ctx, {
      writes: kpiWrites(input, false, now),
      history: [
        {
          pk: reportKeys.kpi(input.kpiId).pk,
          entityType: 'kpi',
          entityId: input.kpiId,
          action: 'defined',
          changes: { name: { to: input.name }, target: { to: input.target }, direction: { to: input.direction } },
        },
      ],
    });
  } catch (err) {
    if (err instanceof ConflictError && err.code === 'already-exists')
      throw new ConflictError(`KPI ${input.kpiId} already exists.`, 'kpi-exists');
    throw err;
  }
  return getKpi(input.kpiId, true);
}

export async function getKpi(kpiId: string, consistent = false): Promise<Kpi> {
  const item = await table().get(reportKeys.kpi(kpiId), consistent);
  if (!item) throw new NotFoundError(`KPI ${kpiId} was not found.`, 'kpi-not-found');
  return strip<Kpi>(item);
}

export async function listKpis(q: { limit: number; cursor?: string }): Promise<Page<Kpi>> {
  const page = await table().page({
    index: 'gsi2',
    pk: reportIdx.allKpis,
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return { ...page, items: page.items.map((i) => strip<Kpi>(i)) };
}

export async function updateKpi(
  ctx: OperationContext,
  kpiId: string,
  expectVersion: number,
  patch: z.infer<typeof UpdateKpiBody>,
  now: number,
): Promise<Kpi> {
  const before = await getKpi(kpiId, true);
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  const set: Record<string, unknown> = {};
  for (const [f, to] of Object.entries(patch)) {
    const from = (before as Record<string, unknown>)[f];
    if (to === undefined || JSON.stringify(to) === JSON.stringify(from)) continue;
    changes[f] = { from, to };
    set[f] = to;
  }
  const after = { ...before, ...set } as Kpi;
  const pk = reportKeys.kpi(kpiId).pk;
  const writes: Write[] = [{ kind: 'update', key: reportKeys.kpi(kpiId), set, expectVersion }];
  if (after.active && (!before.active || set.frequency || set.timeZone)) {
    const due = new Date(nextRun(kpiSchedule(after), now)).toISOString();
    writes.push({ kind: 'upsert', item: dueWrite(pk, { dueAt: due, scheduledFor: due, attempts: 0 }) });
  } else if (!after.active && before.active) {
    writes.push({ kind: 'delete', key: reportKeys.due(pk) });
  }
  await table().commit(ctx, {
    writes,
    history: [{ pk, entityType: 'kpi', entityId: kpiId, action: 'changed', changes }],
  });
  return getKpi(kpiId, true);
}

export function kpiHistory(kpiId: string, q: { limit: number; cursor?: string }): Promise<Page<HistoryView>> {
  return table().history(reportKeys.kpi(kpiId).pk, q);
}

/** The measure's value for one period. */
export async function measure(db: Db, m: KpiMeasure, period: Period): Promise<{ value: number | null; basis: number }> {
  const from = new Date(period.from);
  const to = new Date(period.to);
  if (m.kind === 'aggregate') {
    const { kind: _k, aggregate, customerId, ...params } = m;
    const r = await runAggregate(db, { aggregate, ...params, ...(customerId ? { customerId } : {}) }, from, to);
    return { value: r.value, basis: r.basis };
  }
  // A saved search as a KPI: how many of its tickets were created in the period.
  const filters = { ...m.filters, ...(m.customerId ? { customerId: m.customerId } : {}) };
  const row = await db
    .selectFrom('tickets')
    .select(sql<number>`count(*)::int`.as('n'))
    .where(ticketWhere(filters, SEARCHER))
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return { value: n, basis: n };
}

export const meets = (value: number, target: number, direction: Kpi['direction']) =>
  direction === 'at-least' ? value >= target : value <= target;

function trendOf(
  k: Kpi,
  value: number | null,
  previous: number | null | undefined,
): Pick<KpiValue, 'change' | 'trend'> {
  if (value === null || previous === null || previous === undefined) return { change: null, trend: 'unknown' };
  const change = Math.round((value - previous) * 100) / 100;
  if (change === 0) return { change, trend: 'same' };
  const up = change > 0;
  return { change, trend: up === (k.direction === 'at-least') ? 'better' : 'worse' };
}

/**
 * Compute, store and judge one period's value. Recomputing a period replaces its value; the
 * KpiTargetMissed event is raised when a period first misses (not again for the same miss).
 */
export async function computeKpiValue(ctx: OperationContext, db: Db, k: Kpi, period: Period): Promise<KpiValue> {
  const fromIso = new Date(period.from).toISOString();
  const previousPeriod = periodBefore(k.frequency, period.from, k.timeZone);
  const [{ value, basis }, stored, previous] = await Promise.all([
    measure(db, k.measure, period),
    table().get(reportKeys.kpiValue(k.kpiId, fromIso), true),
    table().get(reportKeys.kpiValue(k.kpiId, new Date(previousPeriod.from).toISOString())),
  ]);
  const met = value === null ? null : meets(value, k.target, k.direction);
  const v: KpiValue = {
    kpiId: k.kpiId,
    period: { from: fromIso, to: new Date(period.to).toISOString(), label: period.label },
    value,
    unit: k.unit,
    basis,
    target: k.target,
    direction: k.direction,
    met,
    ...trendOf(k, value, previous?.value as number | null | undefined),
    computedAt: new Date().toISOString(),
  };
  const missedBefore = stored?.met === false && stored?.target === k.target;
  const events =
    met === false && value !== null && !missedBefore
      ? [
          buildEvent(
            KpiTargetMissed,
            {
              kpiId: k.kpiId,
              name: k.name,
              period: v.period,
              value,
              target: k.target,
              direction: k.direction,
              unit: k.unit,
              ownerId: k.owner.id,
            },
            ctx,
          ),
        ]
      : [];
  await table().commit(ctx, {
    writes: [{ kind: 'upsert', item: { ...reportKeys.kpiValue(k.kpiId, fromIso), type: 'kpi-value', ...v } }],
    events,
  });
  return v;
}

/** On demand: the last complete period before `now`. */
export async function computeKpiNow(ctx: OperationContext, db: Db, kpiId: string, now: number): Promise<KpiValue> {
  const k = await getKpi(kpiId, true);
  return computeKpiValue(ctx, db, k, periodBefore(k.frequency, now, k.timeZone));
}

/** Values newest period first; each carries its change against the period before. */
export async function listKpiValues(kpiId: string, q: { limit: number; cursor?: string }): Promise<Page<KpiValue>> {
  await getKpi(kpiId);
  const page = await table().page({
    pk: reportKeys.kpi(kpiId).pk,
    skBeginsWith: 'VAL#',
    limit: q.limit,
    descending: true,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return { ...page, items: page.items.map((i) => strip<KpiValue>(i as Item)) };
}

/** The timer's work for one due KPI: claim the due item, compute the period that just ended. */
export async function runDueKpi(ctx: OperationContext, db: Db, pk: string, now: number): Promise<'ran' | 'skipped'> {
  const due = await table().get(reportKeys.due(pk), true);
  if (!due || Date.parse(String(due.dueAt)) > now) return 'skipped';
  const item = await table().get(reportKeys.kpi(pk.replace(/^KPI#/, '')), true);
  const k = item ? strip<Kpi>(item) : undefined;
  if (!k?.active) {
    await table()
      .commit(ctx, { writes: [{ kind: 'delete', key: reportKeys.due(pk), expectVersion: Number(due.version) }] })
      .catch(() => {});
    return 'skipped';
  }
  const scheduledFor = Date.parse(String(due.scheduledFor));
  const next = new Date(nextRun(kpiSchedule(k), Math.max(now, scheduledFor))).toISOString();
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'replace',
          item: dueWrite(pk, { dueAt: next, scheduledFor: next, attempts: 0 }),
          expectVersion: Number(due.version),
        },
      ],
    });
  } catch (err) {
    if (err instanceof ConflictError) return 'skipped';
    throw err;
  }
  try {
    // The period that ended at the scheduled time (a late timer still computes that one).
    await computeKpiValue(ctx, db, k, periodBefore(k.frequency, scheduledFor, k.timeZone));
  } catch (err) {
    // The period can be computed again on demand; the next period is scheduled already.
    logger.error('KPI computation failed', { kpi: k.kpiId, error: (err as Error).message });
  }
  return 'ran';
}
