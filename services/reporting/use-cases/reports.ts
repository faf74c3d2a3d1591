import type { Kysely } from 'kysely';
import type * as z from 'zod/mini';
import { ReportDelayed, ReportFailed } from '../../../shared/contracts/reporting/v1';
import { now } from '../../../shared/kit/clock';
import { newId, type OperationContext } from '../../../shared/kit/context';
import { requireEnv } from '../../../shared/kit/env';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import { sendMail } from '../../../shared/kit/mail';
import { presignedGet, putObject } from '../../../shared/kit/objects';
import type { HistoryView, Item, Page, Write } from '../../../shared/kit/store';
import type { ReadModel } from '../db/schema';
import { type Frequency, nextRun, type Period, periodBefore } from '../domain/schedule';
import type {
  CreateReportBody,
  Delivery,
  ReportRun as ReportRunSchema,
  Report as ReportSchema,
  UpdateReportBody,
} from '../schemas';
import { produceContent, render } from './produce';
import { dueIndex, reportIdx, reportKeys, strip, table } from './report-items';

/**
 * Report specifications and their production (FitSM PR3.1 report specifications with identity,
 * purpose, audience, frequency, content, format and delivery, agreed with their audience; PR3.2
 * the register of reports by content type; PR3.3 reports produced and delivered as specified, a
 * late or failed report raised).
 *
 * A specification is a DynamoDB item with If-Match versions and a history. While it is active, a
 * due item holds its next run in the sparse `due` index (ADR 13); the every-minute `reports`
 * schedule reads what has come due and produces it. A run queries the read model, renders CSV
 * and an HTML summary, mails them through SES to the owner and the recipients, and records the
 * run with its delivery log.
 */
export type Report = z.infer<typeof ReportSchema>;
export type ReportRun = z.infer<typeof ReportRunSchema>;
type Db = Kysely<ReadModel>;

/** A scheduled report is late once this long has passed after its time without it being produced. */
export const LATE_AFTER_MS = 60 * 60_000;
/** A failed run is tried again after this long, while its window lasts. */
export const RETRY_AFTER_MS = 5 * 60_000;
/** Run records are kept about 13 months (a year of monthly reports and their predecessor). */
const RUN_TTL_SECONDS = 400 * 86_400;

export const reportNumber = (n: number) => `RPT-${n}`;
const isReportNumber = (s: string) => /^RPT-\d+$/.test(s);

const indexes = (r: Pick<Report, 'contentType' | 'number'>) => {
  // Numbers sort as numbers in the register (RPT-9 before RPT-10).
  const sortable = r.number.replace(/\d+$/, (d) => d.padStart(10, '0'));
  return {
    gsi1pk: reportIdx.byContentType(r.contentType),
    gsi1sk: sortable,
    gsi2pk: reportIdx.allReports,
    gsi2sk: sortable,
  };
};

interface DueItem {
  pk: string;
  version: number;
  /** When the timer should act. */
  dueAt: string;
  /** The scheduled time the run is for (a retry keeps it). */
  scheduledFor: string;
  attempts: number;
}

/** A due item as written whole; `version` restarts when the schedule is set anew (claims compare it). */
export const dueWrite = (pk: string, d: { dueAt: string; scheduledFor: string; attempts: number }) => ({
  ...reportKeys.due(pk),
  type: 'due',
  version: 1,
  ...d,
  ...dueIndex(pk, d.dueAt),
});

function toReport(item: Item, due?: Item): Report {
  const r = strip<Report>(item);
  return { ...r, ...(due && r.status === 'active' ? { nextRunAt: String(due.scheduledFor) } : {}) };
}

export async function createReport(ctx: OperationContext, input: z.infer<typeof CreateReportBody>): Promise<Report> {
  const reportId = newId();
  const number = reportNumber(await table().nextNumber('RPT'));
  const at = new Date().toISOString();
  const status = input.status ?? 'draft';
  const report: Report = { reportId, number, ...input, status, version: 1, createdAt: at, updatedAt: at };
  const { version: _v, createdAt: _c, updatedAt: _u, nextRunAt: _n, ...state } = report;
  const pk = reportKeys.report(reportId).pk;
  const writes: Write[] = [
    { kind: 'create', item: { ...reportKeys.report(reportId), type: 'report', ...state, ...indexes(report) } },
    { kind: 'create', item: { ...reportKeys.number(number), type: 'report-number', reportId } },
  ];
  let nextRunAt: string | undefined;
  if (status === 'active') {
    nextRunAt = new Date(nextRun(input.frequency, now())).toISOString();
    writes.push({ kind: 'upsert', item: dueWrite(pk, { dueAt: nextRunAt, scheduledFor: nextRunAt, attempts: 0 }) });
  }
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk,
        entityType: 'report',
        entityId: reportId,
        action: 'specified',
        changes: { title: { to: input.title }, status: { to: status }, contentType: { to: input.contentType } },
      },
    ],
  });
  return { ...report, ...(nextRunAt ? { nextRunAt } : {}) };
}

async function loadItem(idOrNumber: string, consistent = false): Promise<Item> {
  let id = idOrNumber;
  if (isReportNumber(idOrNumber)) {
    const ref = await table().get(reportKeys.number(idOrNumber));
    if (!ref) throw new NotFoundError(`Report ${idOrNumber} was not found.`, 'report-not-found');
    id = String(ref.reportId);
  }
  const item = await table().get(reportKeys.report(id), consistent);
  if (!item) throw new NotFoundError(`Report ${idOrNumber} was not found.`, 'report-not-found');
  return item;
}

export async function getReport(idOrNumber: string): Promise<Report> {
  const item = await loadItem(idOrNumber);
  const due = await table().get(reportKeys.due(String(item.pk)));
  return toReport(item, due);
}

export async function listReports(q: { contentType?: string; limit: number; cursor?: string }): Promise<Page<Report>> {
  const page = await table().page({
    index: q.contentType ? 'gsi1' : 'gsi2',
    pk: q.contentType ? reportIdx.byContentType(q.contentType) : reportIdx.allReports,
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  // The list shows specifications; the next run is on each report's own page.
  return { ...page, items: page.items.map((i) => toReport(i)) };
}

const FIELDS = [
  'title',
  'purpose',
  'audience',
  'contentType',
  'frequency',
  'content',
  'formats',
  'recipients',
  'owner',
  'agreedWith',
  'agreedOn',
  'status',
] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function updateReport(
  ctx: OperationContext,
  idOrNumber: string,
  expectVersion: number,
  patch: z.infer<typeof UpdateReportBody>,
): Promise<Report> {
  const before = strip<Report>(await loadItem(idOrNumber, true));
  if (before.status === 'retired')
    throw new ConflictError(`Report ${before.number} is retired; specify a new one.`, 'report-retired');
  const changes: Record<string, { from?: unknown; to?: unknown }> = {};
  const set: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const to = patch[f];
    if (to === undefined || same(to, before[f])) continue;
    changes[f] = { from: before[f], to };
    set[f] = to;
  }
  const after: Report = { ...before, ...set } as Report;
  if (set.contentType) Object.assign(set, indexes(after));
  const pk = reportKeys.report(before.reportId).pk;
  const writes: Write[] = [{ kind: 'update', key: reportKeys.report(before.reportId), set, expectVersion }];
  // The schedule follows the status and the frequency: active reports have a due item, others none.
  let nextRunAt: string | undefined;
  if (after.status === 'active' && (before.status !== 'active' || set.frequency)) {
    nextRunAt = new Date(nextRun(after.frequency, now())).toISOString();
    writes.push({ kind: 'upsert', item: dueWrite(pk, { dueAt: nextRunAt, scheduledFor: nextRunAt, attempts: 0 }) });
  } else if (after.status !== 'active' && before.status === 'active') {
    writes.push({ kind: 'delete', key: reportKeys.due(pk) });
  }
  await table().commit(ctx, {
    writes,
    history: [
      {
        pk,
        entityType: 'report',
        entityId: before.reportId,
        action: set.status === 'retired' ? 'retired' : set.status === 'active' ? 'activated' : 'changed',
        changes,
      },
    ],
  });
  return getReport(before.reportId);
}

export async function reportHistory(
  idOrNumber: string,
  q: { limit: number; cursor?: string },
): Promise<Page<HistoryView>> {
  const item = await loadItem(idOrNumber);
  return table().history(String(item.pk), q);
}

export async function listRuns(idOrNumber: string, q: { limit: number; cursor?: string }): Promise<Page<ReportRun>> {
  const item = await loadItem(idOrNumber);
  const page = await table().page({
    pk: String(item.pk),
    skBeginsWith: 'RUN#',
    limit: q.limit,
    descending: true,
    ...(q.cursor ? { cursor: q.cursor } : {}),
  });
  return { ...page, items: page.items.map((i) => strip<ReportRun>(i)) };
}

/** The events and alert mail of a late or failed report go to its owner. */
const ref = (r: Report) => ({ reportId: r.reportId, number: r.number, title: r.title, ownerId: r.owner.id });

/** Send one message per recipient, so each delivery has its own outcome in the log. */
async function deliver(
  r: Report,
  period: Period,
  rendered: { html: string; text: string },
  at: () => string,
): Promise<z.infer<typeof Delivery>[]> {
  const recipients = [...new Set([r.owner.email, ...r.recipients].map((a) => a.toLowerCase()))];
  const out: z.infer<typeof Delivery>[] = [];
  for (const recipient of recipients) {
    try {
      const messageId = await sendMail({
        to: [recipient],
        subject: `${r.number} ${r.title}: ${period.label}`,
        text: rendered.text,
        html: rendered.html,
        tags: { report: r.number, kind: 'report' },
      });
      out.push({ recipient, at: at(), outcome: 'sent', messageId });
    } catch (err) {
      out.push({ recipient, at: at(), outcome: 'failed', error: (err as Error).message.slice(0, 500) });
    }
  }
  return out;
}

async function alert(r: Report, subject: string, text: string): Promise<void> {
  try {
    await sendMail({ to: [r.owner.email], subject, text, tags: { report: r.number, kind: 'report-alert' } });
  } catch (err) {
    // The event is the alert of record; the mail is a courtesy and must not fail the timer.
    logger.warn('report alert mail failed', { report: r.number, error: (err as Error).message });
  }
}

export interface RunRequest {
  trigger: 'schedule' | 'manual';
  /** The scheduled time the run is for (schedule only). */
  scheduledFor?: number;
  late?: boolean;
  now: number;
}

/**
 * Produce, deliver and record one run. A production or delivery failure is recorded as a failed
 * run with a ReportFailed event; it does not throw (the caller decides about retries).
 */
export async function runReport(
  ctx: OperationContext,
  db: Db,
  r: Report,
  req: RunRequest,
  extra: { events?: OutgoingEvent[]; nextRunAt?: string; retryAt?: string } = {},
): Promise<ReportRun> {
  const runId = newId();
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const basis = req.scheduledFor ?? req.now;
  const period = periodBefore(r.frequency.every, basis, r.frequency.timeZone);
  let run: ReportRun;
  const events: OutgoingEvent[] = [...(extra.events ?? [])];
  try {
    const produced = await produceContent(db, r.content, period);
    // The full CSV goes to the bucket; staff fetch it through a 5-minute link, never by mail.
    const csvPath = `/v1/reports/${r.number}/runs/${runId}/csv`;
    const rendered = render(`${r.number} ${r.title}`, period, produced, r.formats, csvPath);
    const csv =
      rendered.csv !== undefined
        ? {
            key: csvKey(r.reportId, runId),
            bytes: await storeCsv(csvKey(r.reportId, runId), rendered.csv),
            rows: produced.table.rows.length,
          }
        : undefined;
    const deliveries = await deliver(r, period, rendered, () => new Date().toISOString());
    const failed = deliveries.filter((d) => d.outcome === 'failed');
    run = {
      runId,
      reportId: r.reportId,
      number: r.number,
      ...(req.scheduledFor !== undefined ? { scheduledFor: new Date(req.scheduledFor).toISOString() } : {}),
      trigger: req.trigger,
      period: periodView(period),
      // Delivered to nobody is a failure; delivered to some is a success with failed lines in its log.
      status: failed.length === deliveries.length ? 'failed' : 'succeeded',
      late: req.late ?? false,
      rows: produced.table.rows.length,
      ...(produced.value !== undefined ? { value: produced.value } : {}),
      startedAt,
      durationMs: Date.now() - started,
      ...(failed.length === deliveries.length
        ? { error: `delivery failed: ${failed[0]?.error ?? 'no recipient'}` }
        : {}),
      ...(csv ? { csv } : {}),
      deliveries,
      ...(extra.nextRunAt ? { nextRunAt: extra.nextRunAt } : {}),
    };
  } catch (err) {
    logger.error('report production failed', { report: r.number, error: (err as Error).message });
    run = {
      runId,
      reportId: r.reportId,
      number: r.number,
      ...(req.scheduledFor !== undefined ? { scheduledFor: new Date(req.scheduledFor).toISOString() } : {}),
      trigger: req.trigger,
      period: periodView(period),
      status: 'failed',
      late: req.late ?? false,
      rows: 0,
      startedAt,
      durationMs: Date.now() - started,
      error: (err as Error).message.slice(0, 1000),
      deliveries: [],
      ...(extra.nextRunAt ? { nextRunAt: extra.nextRunAt } : {}),
    };
  }
  if (run.status === 'failed') {
    events.push(
      buildEvent(
        ReportFailed,
        {
          ...ref(r),
          runId,
          ...(run.scheduledFor ? { scheduledFor: run.scheduledFor } : {}),
          error: run.error ?? 'failed',
          ...(extra.retryAt ? { retryAt: extra.retryAt } : {}),
        },
        ctx,
      ),
    );
    await alert(r, `Report ${r.number} failed`, `${r.title} (${period.label}) failed: ${run.error}`);
  }
  await table().commit(ctx, {
    writes: [
      {
        kind: 'create',
        item: {
          ...reportKeys.run(r.reportId, runId),
          type: 'report-run',
          ...run,
          expiresAt: Math.floor(started / 1000) + RUN_TTL_SECONDS,
        },
      },
    ],
    events,
  });
  return run;
}

async function storeCsv(key: string, csv: string): Promise<number> {
  const bytes = Buffer.from(csv, 'utf8');
  await putObject(requireEnv('BUCKET_NAME'), key, bytes, { contentType: 'text/csv; charset=utf-8' });
  return bytes.length;
}

const csvKey = (reportId: string, runId: string) => `reports/${reportId}/${runId}.csv`;

/** How long a CSV download link works (the export routes' rule: at most 5 minutes). */
export const CSV_LINK_SECONDS = 300;

/** A 5-minute download link to one run's CSV. */
export async function runCsvLink(
  idOrNumber: string,
  runId: string,
  at: number,
): Promise<{ url: string; expiresAt: string; bytes: number }> {
  const item = await loadItem(idOrNumber);
  const r = strip<Report>(item);
  const runItem = await table().get(reportKeys.run(r.reportId, runId));
  const run = runItem ? strip<ReportRun>(runItem) : undefined;
  if (!run?.csv) throw new NotFoundError(`Report ${r.number} has no CSV for run ${runId}.`, 'csv-not-found');
  const url = await presignedGet(requireEnv('BUCKET_NAME'), run.csv.key, {
    expiresInSeconds: CSV_LINK_SECONDS,
    fileName: `${r.number}-${run.period.label}.csv`,
  });
  return { url, expiresAt: new Date(at + CSV_LINK_SECONDS * 1000).toISOString(), bytes: run.csv.bytes };
}

const periodView = (p: Period) => ({
  from: new Date(p.from).toISOString(),
  to: new Date(p.to).toISOString(),
  label: p.label,
});

/** "Run now": the last complete period, delivered at once; the schedule is not moved. */
export async function runReportNow(ctx: OperationContext, db: Db, idOrNumber: string, now: number): Promise<ReportRun> {
  const r = toReport(await loadItem(idOrNumber, true));
  if (r.status === 'retired') throw new ConflictError(`Report ${r.number} is retired.`, 'report-retired');
  return runReport(ctx, db, r, { trigger: 'manual', now });
}

/**
 * The timer's work for one due report: claim the due item (its version), produce the run, and
 * either move the due item to the next scheduled time or, after a failure within the window, to a
 * retry. A run found past its window is still produced (a late report beats none) and raised as
 * ReportDelayed; so is a run whose retries ran out of window.
 */
export async function runDueReport(ctx: OperationContext, db: Db, pk: string, now: number): Promise<'ran' | 'skipped'> {
  const dueItem = await table().get(reportKeys.due(pk), true);
  if (!dueItem || Date.parse(String(dueItem.dueAt)) > now) return 'skipped';
  const due = dueItem as unknown as DueItem;
  const item = await table().get(reportKeys.report(pk.replace(/^RPT#/, '')), true);
  const r = item ? toReport(item) : undefined;
  if (r?.status !== 'active') {
    await table()
      .commit(ctx, { writes: [{ kind: 'delete', key: reportKeys.due(pk), expectVersion: due.version }] })
      .catch(() => {});
    return 'skipped';
  }
  const scheduledFor = Date.parse(due.scheduledFor);
  const windowEnd = scheduledFor + LATE_AFTER_MS;
  const late = now > windowEnd;
  const next = new Date(nextRun(r.frequency as Frequency, Math.max(now, scheduledFor))).toISOString();
  // Claim: move the due item to the next run first, so a crash mid-run never repeats it forever.
  try {
    await table().commit(ctx, {
      writes: [
        {
          kind: 'replace',
          item: dueWrite(pk, { dueAt: next, scheduledFor: next, attempts: 0 }),
          expectVersion: due.version,
        },
      ],
    });
  } catch (err) {
    if (err instanceof ConflictError) return 'skipped'; // another invocation took it
    throw err;
  }
  const retry = now + RETRY_AFTER_MS;
  const canRetry = retry <= windowEnd;
  const lateEvent = (reason: 'missed' | 'failing') =>
    buildEvent(
      ReportDelayed,
      { ...ref(r), scheduledFor: due.scheduledFor, windowEnd: new Date(windowEnd).toISOString(), reason },
      ctx,
    );
  const events = late && due.attempts === 0 ? [lateEvent('missed')] : [];
  if (events.length)
    await alert(
      r,
      `Report ${r.number} is late`,
      `${r.title}, due ${due.scheduledFor}, was not produced within its window.`,
    );
  const run = await runReport(
    ctx,
    db,
    r,
    { trigger: 'schedule', scheduledFor, late, now },
    { events, nextRunAt: next, ...(canRetry ? { retryAt: new Date(retry).toISOString() } : {}) },
  );
  if (run.status === 'failed') {
    if (canRetry) {
      // Back to this run, as a retry, unless someone changed the schedule meanwhile (then theirs wins).
      const current = await table().get(reportKeys.due(pk), true);
      if (current && String(current.scheduledFor) === next) {
        await table()
          .commit(ctx, {
            writes: [
              {
                kind: 'replace',
                item: dueWrite(pk, {
                  dueAt: new Date(retry).toISOString(),
                  scheduledFor: due.scheduledFor,
                  attempts: due.attempts + 1,
                }),
                expectVersion: Number(current.version),
              },
            ],
          })
          .catch((err) =>
            logger.warn('report retry not scheduled', { report: r.number, error: (err as Error).message }),
          );
      }
    } else if (events.length === 0) {
      // No attempt left inside the window (and no ReportDelayed raised for this run yet): the
      // report is late, with nothing produced. A retry the timer reached after the window ends here too.
      await table().commit(ctx, { writes: [], events: [lateEvent('failing')] });
      await alert(r, `Report ${r.number} is late`, `${r.title}, due ${due.scheduledFor}, kept failing: ${run.error}`);
    }
  }
  return 'ran';
}
