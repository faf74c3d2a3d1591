import type { TicketSnapshot } from '../../../shared/contracts/service-desk/v1';
import {
  SlaBreached,
  SlaClocksChanged,
  SlaViolationNoticeIssued,
  SlaWarningReached,
} from '../../../shared/contracts/service-level/v1';
import { newId, type OperationContext, systemContext } from '../../../shared/kit/context';
import { ConflictError, NotFoundError } from '../../../shared/kit/errors';
import { buildEvent, type OutgoingEvent, type ReceivedEvent } from '../../../shared/kit/events';
import { logger } from '../../../shared/kit/logger';
import type { HistoryEntry, Item, Write } from '../../../shared/kit/store';
import { type BusinessCalendar, CalendarError } from '../domain/calendar';
import { evaluateClocks, type SlaDefinition, type SlaEvaluation, type SlaTarget } from '../domain/clock';
import { nextDueMoment } from '../domain/next-due';
import {
  agreementOfRef,
  buildTimeline,
  type ClockSummary,
  fingerprint,
  latestOf,
  type Moment,
  momentKey,
  type Outcome,
  outcomesOf,
  pendingMoments,
  summarise,
  type TicketVersion,
} from '../domain/ticket-clocks';
import { ALL_CLOCKS_PK, compliancePk, DUE_PK, DUE_SHARDS, dueShard, keys, table } from '../store';
import { DEFAULT_CLOCKS } from './evaluate';

/**
 * Ticket clocks driven by the service desk's events (FitSM PR2.3 targets evaluated, PR2.5
 * monitoring): one record per ticket holds every snapshot received (by version), the clocks
 * last computed, the moments already announced, the stopped clocks' outcomes and, while a
 * warning or breach is ahead, the ticket's entry in the sparse `due` index. Every change to it
 * is one transaction with a version condition, so the event consumer and the schedule can race
 * on a ticket and still announce each moment exactly once.
 */

interface Terms {
  agreementId: string;
  kind: string;
  customerId?: string;
  calendar: BusinessCalendar;
  targets: Record<string, SlaTarget>;
  warningShare: number;
}

/** Terms snapshots are immutable, so a function instance may keep every one it has read. */
const termsCache = new Map<string, Terms>();

async function loadTerms(refs: string[]): Promise<Map<string, Terms>> {
  const missing = [...new Set(refs)].filter((r) => !termsCache.has(r));
  if (missing.length) {
    const items = await table().batchGet(
      missing.map((r) => {
        const [id, n] = r.split('@') as [string, string];
        return keys.terms(id, Number(n));
      }),
    );
    for (const i of items) {
      termsCache.set(`${i.agreementId}@${i.termsVersion}`, {
        agreementId: String(i.agreementId),
        kind: String(i.kind),
        ...(i.customerId ? { customerId: String(i.customerId) } : {}),
        calendar: i.calendar as BusinessCalendar,
        targets: i.targets as Record<string, SlaTarget>,
        warningShare: Number(i.warningShare),
      });
    }
  }
  return new Map(refs.flatMap((r) => (termsCache.has(r) ? [[r, termsCache.get(r)!] as const] : [])));
}

/**
 * The agreement in force for a (customer, service) pair, as a terms reference `SLA-3@2`:
 * the customer's active SLA for the service, else the active default SLA when the service is
 * live in the portfolio (or not yet named on the ticket). At most four GetItems, never a scan.
 */
export async function agreementFor(customerId?: string, serviceId?: string): Promise<string | undefined> {
  let cover: Item | undefined;
  if (customerId && serviceId) cover = await table().get(keys.coverage(customerId, serviceId));
  if (!cover) {
    if (serviceId) {
      const copy = await table().get(keys.serviceCopy(serviceId));
      if (copy?.status !== 'live') return undefined;
    }
    cover = await table().get(keys.defaultCoverage());
  }
  if (!cover) return undefined;
  const agreement = await table().get(keys.agreement(String(cover.agreementId)));
  if (agreement?.status !== 'active') return undefined;
  return `${agreement.agreementId}@${agreement.termsVersion}`;
}

/** The compact copy of a snapshot the clocks need. */
export const versionOf = (t: TicketSnapshot, slaRef: string | undefined): TicketVersion => ({
  version: t.version,
  status: t.status,
  priority: t.priority,
  createdAt: t.createdAt,
  changedAt: t.changedAt,
  ...(t.firstRespondedAt ? { firstRespondedAt: t.firstRespondedAt } : {}),
  ...(t.customerId ? { customerId: t.customerId } : {}),
  ...(t.serviceId ? { serviceId: t.serviceId } : {}),
  ...(slaRef ? { slaRef } : {}),
});

interface StoredOutcome {
  outcome: Outcome['outcome'];
  period: string;
  agreementId: string;
  stoppedAt: string;
}

interface TicketClocks {
  ticketId: string;
  number: string;
  versions: Record<string, TicketVersion>;
  ticketVersion: number;
  agreementId?: string;
  clocks: ClockSummary[];
  fingerprint: string;
  announced: string[];
  outcomes: Record<string, StoredOutcome>;
  dueAt?: string;
  version: number;
}

const toClocks = (i: Item): TicketClocks => ({
  ticketId: String(i.ticketId),
  number: String(i.number),
  versions: (i.versions ?? {}) as Record<string, TicketVersion>,
  ticketVersion: Number(i.ticketVersion),
  ...(i.agreementId ? { agreementId: String(i.agreementId) } : {}),
  clocks: (i.clocks ?? []) as ClockSummary[],
  fingerprint: String(i.fingerprint ?? ''),
  announced: (i.announced ?? []) as string[],
  outcomes: (i.outcomes ?? {}) as Record<string, StoredOutcome>,
  ...(i.dueAt ? { dueAt: String(i.dueAt) } : {}),
  version: Number(i.version),
});

/** Evaluate a ticket's versions as of `now` (never before its newest change: functions' clocks differ by a few ms). */
async function evaluateTicket(versions: TicketVersion[], now: number) {
  const latest = latestOf(versions)!;
  const refs = versions.flatMap((v) => (v.slaRef ? [v.slaRef] : []));
  const terms = await loadTerms(refs);
  const slas: Record<string, SlaDefinition> = {};
  for (const [ref, t] of terms)
    slas[ref] = { slaId: ref, calendar: t.calendar, targets: t.targets, warnAt: t.warningShare };
  const timeline = buildTimeline(versions);
  const newest = Math.max(...timeline.map((e) => Date.parse(e.at)));
  const evaluation = evaluateClocks({ timeline, slas, config: DEFAULT_CLOCKS, now: Math.max(now, newest) });
  return { evaluation, latest, terms: latest.slaRef ? terms.get(latest.slaRef) : undefined };
}

const MAX_ATTEMPTS = 5;

/**
 * Bring one ticket's clocks up to date as of `now`, with a newly received version if any:
 * store it, recompute from every version, announce warnings and breaches whose moment has come
 * (once each), record outcomes of stopped clocks, move the ticket's due entry. Returns how many
 * moments were announced.
 */
export async function refreshTicket(
  ctx: OperationContext,
  ticketId: string,
  opts: { incoming?: TicketSnapshot; now: number },
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await refreshOnce(ctx, ticketId, opts);
    } catch (err) {
      // Someone else (the schedule, a concurrent delivery) changed the ticket first: read again.
      if (!(err instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw err;
      logger.debug('ticket clocks changed concurrently; retrying', { ticketId, attempt });
    }
  }
}

async function refreshOnce(
  ctx: OperationContext,
  ticketId: string,
  opts: { incoming?: TicketSnapshot; now: number },
): Promise<number> {
  const item = await table().get(keys.ticket(ticketId), true);
  const before = item ? toClocks(item) : undefined;
  const incoming = opts.incoming;
  if (incoming && before?.versions[String(incoming.version)]) {
    // A duplicate (or a redelivery after a crash): the version is stored, so nothing is new.
    return 0;
  }
  if (!before && !incoming) return 0;
  const versions: Record<string, TicketVersion> = { ...before?.versions };
  if (incoming)
    versions[String(incoming.version)] = versionOf(
      incoming,
      await agreementFor(incoming.customerId, incoming.serviceId),
    );
  const list = Object.values(versions);
  let evaluated: Awaited<ReturnType<typeof evaluateTicket>>;
  try {
    evaluated = await evaluateTicket(list, opts.now);
  } catch (err) {
    if (!(err instanceof CalendarError)) throw err;
    return recordUnmeasurable(ctx, { ticketId, item, before, versions, incoming, error: err });
  }
  const { evaluation, latest, terms } = evaluated;
  const agreementId = agreementOfRef(latest.slaRef);
  const clocks = Object.values(evaluation.clocks).map(summarise);
  const print = fingerprint(agreementId, clocks);
  const number = incoming?.number ?? before!.number;
  const ticketVersion = Math.max(before?.ticketVersion ?? 0, incoming?.version ?? 0);

  // Moments whose instant has come are announced now; the earliest later one is the due entry.
  const announced = new Set(before?.announced ?? []);
  const moments = pendingMoments(evaluation, announced);
  const nowMs = Date.parse(evaluation.now);
  const toAnnounce = terms ? moments.filter((m) => Date.parse(m.at) <= nowMs) : [];
  const ahead = moments.filter((m) => Date.parse(m.at) > nowMs);
  const dueAt = ahead[0]?.at;

  const events: OutgoingEvent[] = [];
  const writes: Write[] = [];
  const history: HistoryEntry[] = [];
  const pk = keys.ticket(ticketId).pk;
  const changed = print !== before?.fingerprint;
  if (changed) {
    events.push(
      buildEvent(
        SlaClocksChanged,
        {
          ticketId,
          number,
          ticketVersion,
          // The record version this write makes (a create is 1, a replace the next).
          version: (before?.version ?? 0) + 1,
          ...(agreementId ? { agreementId } : {}),
          clocks,
        },
        ctx,
      ),
    );
    history.push({
      pk,
      entityType: 'ticket-clocks',
      entityId: ticketId,
      action: 'clocks recomputed',
      changes: {
        agreementId: { from: before?.agreementId, to: agreementId },
        clocks: {
          from: before?.clocks.map((c) => `${c.clock}:${c.state}`),
          to: clocks.map((c) => `${c.clock}:${c.state}`),
        },
      },
    });
  }
  for (const m of toAnnounce) {
    announced.add(momentKey(m));
    writes.push(...announce(ctx, m, { ticketId, number, latest, terms: terms!, evaluation, events, history }));
  }

  const outcomes = Object.fromEntries(
    outcomesOf(evaluation, agreementId).map((o) => [
      o.clock,
      { outcome: o.outcome, period: o.period, agreementId: o.agreementId, stoppedAt: o.stoppedAt },
    ]),
  ) as Record<string, StoredOutcome>;
  writes.push(...outcomeWrites(ticketId, before?.outcomes ?? {}, outcomes));

  const nothingNew = !incoming && !changed && toAnnounce.length === 0 && dueAt === before?.dueAt && writes.length === 0;
  if (nothingNew) return 0;

  const record: Item = {
    ...recordHead({ ticketId, number, versions, ticketVersion, agreementId, latest }),
    clocks,
    fingerprint: print,
    announced: [...announced].sort(),
    outcomes,
    evaluatedAt: evaluation.now,
    // FitSM PR2.3 near-breach and breach detection: the sparse index of what is due next.
    ...(dueAt ? { dueAt, duepk: DUE_PK(dueShard(ticketId)), duesk: `${dueAt}#${ticketId}` } : {}),
  };
  writes.unshift(...recordWrites(record, item, before));
  await table().commit(ctx, { writes, history, events });
  return toAnnounce.length;
}

/** What every clocks record says of its ticket, with clocks or without. */
function recordHead(r: {
  ticketId: string;
  number: string;
  versions: Record<string, TicketVersion>;
  ticketVersion: number;
  agreementId: string | undefined;
  latest: TicketVersion;
}): Item {
  return {
    ...keys.ticket(r.ticketId),
    allpk: ALL_CLOCKS_PK(dueShard(r.ticketId)),
    allsk: r.ticketId,
    type: 'ticket-clocks',
    ticketId: r.ticketId,
    number: r.number,
    versions: r.versions,
    ticketVersion: r.ticketVersion,
    ...(r.agreementId ? { agreementId: r.agreementId } : {}),
    ...(r.latest.customerId ? { customerId: r.latest.customerId } : {}),
    ...(r.latest.serviceId ? { serviceId: r.latest.serviceId } : {}),
    priority: r.latest.priority,
    status: r.latest.status,
  };
}

/**
 * Store a clocks record: replace the one read (keeping who created it), or create it together
 * with the readable number's alias (`GET /v1/tickets/INC-1001/clocks`).
 */
function recordWrites(record: Item, item: Item | undefined, before: TicketClocks | undefined): Write[] {
  if (before)
    return [
      {
        kind: 'replace',
        item: { ...record, createdAt: item!.createdAt, createdBy: item!.createdBy },
        expectVersion: before.version,
      },
    ];
  return [
    { kind: 'create', item: record },
    {
      kind: 'upsert',
      item: { ...keys.ticketNumber(String(record.number)), type: 'ticket-number', ticketId: record.ticketId },
    },
  ];
}

/**
 * Terms whose calendar cannot give a deadline (stored before targets were checked against their
 * calendar, ADR 20): the ticket's clocks are never dropped silently. The version is kept, the
 * problem logged as an error, stored on the record (the clocks answer shows it) and announced in
 * `SlaClocksChanged`, once; the next version under reachable terms clears it.
 */
async function recordUnmeasurable(
  ctx: OperationContext,
  p: {
    ticketId: string;
    item: Item | undefined;
    before: TicketClocks | undefined;
    versions: Record<string, TicketVersion>;
    incoming: TicketSnapshot | undefined;
    error: CalendarError;
  },
): Promise<number> {
  const latest = latestOf(Object.values(p.versions))!;
  const agreementId = agreementOfRef(latest.slaRef);
  const problem = { code: 'target-unreachable', detail: `Clocks cannot be computed: ${p.error.message}.` };
  logger.error('ticket clocks cannot be computed', { ticketId: p.ticketId, agreementId, error: p.error });
  const print = `problem:${problem.code}:${agreementId ?? ''}`;
  const number = p.incoming?.number ?? p.before!.number;
  const ticketVersion = Math.max(p.before?.ticketVersion ?? 0, p.incoming?.version ?? 0);
  const changed = print !== p.before?.fingerprint;
  if (!p.incoming && !changed) return 0;
  const record: Item = {
    ...recordHead({ ticketId: p.ticketId, number, versions: p.versions, ticketVersion, agreementId, latest }),
    clocks: [],
    fingerprint: print,
    announced: p.before?.announced ?? [],
    outcomes: p.before?.outcomes ?? {},
    problem,
  };
  const writes = recordWrites(record, p.item, p.before);
  const events = changed
    ? [
        buildEvent(
          SlaClocksChanged,
          {
            ticketId: p.ticketId,
            number,
            ticketVersion,
            version: (p.before?.version ?? 0) + 1,
            ...(agreementId ? { agreementId } : {}),
            clocks: [],
            problem,
          },
          ctx,
        ),
      ]
    : [];
  const history: HistoryEntry[] = changed
    ? [
        {
          pk: keys.ticket(p.ticketId).pk,
          entityType: 'ticket-clocks',
          entityId: p.ticketId,
          action: 'clocks cannot be computed',
          reason: problem.detail,
        },
      ]
    : [];
  await table().commit(ctx, { writes, history, events });
  return 0;
}

/** The writes and events announcing one warning or breach; the marker's create condition makes it once only. */
function announce(
  ctx: OperationContext,
  m: Moment,
  t: {
    ticketId: string;
    number: string;
    latest: TicketVersion;
    terms: Terms;
    evaluation: SlaEvaluation;
    events: OutgoingEvent[];
    history: HistoryEntry[];
  },
): Write[] {
  const reading = t.evaluation.clocks[m.clock];
  const base = {
    ticketId: t.ticketId,
    number: t.number,
    clock: m.clock,
    agreementId: t.terms.agreementId,
    ...(t.latest.customerId ? { customerId: t.latest.customerId } : {}),
    ...(t.latest.serviceId ? { serviceId: t.latest.serviceId } : {}),
    priority: t.latest.priority,
    targetMinutes: reading.targetMinutes ?? 0,
    deadline: reading.deadline ?? reading.breachedAt ?? m.at,
    at: m.at,
  };
  const writes: Write[] = [
    {
      kind: 'create',
      item: {
        ...keys.marker(t.ticketId, m.clock, m.kind),
        type: 'announcement',
        at: m.at,
        agreementId: base.agreementId,
      },
    },
  ];
  t.history.push({
    pk: keys.ticket(t.ticketId).pk,
    entityType: 'ticket-clocks',
    entityId: t.ticketId,
    action: m.kind === 'warning' ? `${m.clock} warning reached` : `${m.clock} breached`,
    changes: { [m.clock]: { to: { at: m.at, agreementId: base.agreementId, priority: base.priority } } },
  });
  if (m.kind === 'warning') {
    t.events.push(buildEvent(SlaWarningReached, { ...base, share: t.terms.warningShare }, ctx));
    return writes;
  }
  t.events.push(buildEvent(SlaBreached, base, ctx));
  // FitSM PR2.3: a breached customer SLA is a violation the customer is told about.
  if (t.terms.kind === 'sla' && t.terms.customerId) {
    const noticeId = newId();
    const summary =
      `${t.number}: the ${m.clock} target of ${base.targetMinutes} business minutes (${base.priority}) ` +
      `agreed in ${base.agreementId} was missed at ${m.at}.`;
    const notice = {
      noticeId,
      agreementId: base.agreementId,
      customerId: t.terms.customerId,
      ...(base.serviceId ? { serviceId: base.serviceId } : {}),
      ticketId: t.ticketId,
      number: t.number,
      clock: m.clock,
      breachedAt: m.at,
      summary,
    };
    writes.push({
      kind: 'create',
      item: {
        ...keys.notice(noticeId),
        type: 'violation-notice',
        ...notice,
        issuedAt: new Date().toISOString(),
        gsi1pk: 'NOTICES',
        gsi1sk: `${m.at}#${noticeId}`,
        gsi2pk: `CUSTNOTICES#${notice.customerId}`,
        gsi2sk: `${m.at}#${noticeId}`,
      },
    });
    t.history.push({
      pk: keys.notice(noticeId).pk,
      entityType: 'violation-notice',
      entityId: noticeId,
      action: 'issued',
      changes: { notice: { to: notice } },
    });
    t.events.push(buildEvent(SlaViolationNoticeIssued, notice, ctx));
  }
  return writes;
}

/** Outcome records under agreement + month (gsi1), so a compliance report is an index query (FitSM PR2.5). */
function outcomeWrites(
  ticketId: string,
  before: Record<string, StoredOutcome>,
  after: Record<string, StoredOutcome>,
): Write[] {
  const writes: Write[] = [];
  for (const [clock, o] of Object.entries(after)) {
    const b = before[clock];
    if (
      b &&
      b.outcome === o.outcome &&
      b.period === o.period &&
      b.agreementId === o.agreementId &&
      b.stoppedAt === o.stoppedAt
    )
      continue;
    writes.push({
      kind: 'upsert',
      item: {
        ...keys.outcome(ticketId, clock),
        type: 'clock-outcome',
        ticketId,
        clock,
        ...o,
        gsi1pk: compliancePk(o.agreementId, o.period),
        gsi1sk: `${clock}#${ticketId}`,
      },
    });
  }
  // A reopened ticket's clock runs again: its outcome is not final any more.
  for (const clock of Object.keys(before))
    if (!after[clock]) writes.push({ kind: 'delete', key: keys.outcome(ticketId, clock) });
  return writes;
}

/** Consumer of every ticket event: each carries the ticket's snapshot at the version it announces. */
export async function applyTicketEvent(event: ReceivedEvent, ctx: OperationContext): Promise<void> {
  const { ticket } = event.data as { ticket: TicketSnapshot };
  await refreshTicket(ctx, ticket.ticketId, { incoming: ticket, now: Date.now() });
}

/** `GET /v1/tickets/{id}/clocks` (id or number): the clocks as of now, each explained span by span (glpi #17186: deadline and timer apart). */
export async function explainTicketClocks(idOrNumber: string) {
  // A readable number (INC-1001) names the ticket through its alias item, written with the first clocks.
  const alias = /^[A-Z]+-\d+$/.test(idOrNumber) ? await table().get(keys.ticketNumber(idOrNumber)) : undefined;
  const ticketId = alias ? String(alias.ticketId) : idOrNumber;
  const item = await table().get(keys.ticket(ticketId));
  if (!item) throw new NotFoundError(`No clocks are known for ticket ${ticketId}.`, 'ticket-clocks-not-found');
  const t = toClocks(item);
  // What every answer says, with clocks or without.
  const explained = (latest: { slaRef?: string; priority: unknown; status: unknown }) => ({
    ticketId,
    number: t.number,
    ticketVersion: t.ticketVersion,
    ...(latest.slaRef ? { agreementId: agreementOfRef(latest.slaRef), terms: latest.slaRef } : {}),
    priority: latest.priority,
    status: latest.status,
  });
  const received = {
    announced: t.announced,
    versionsReceived: Object.keys(t.versions)
      .map(Number)
      .sort((a, b) => a - b),
  };
  let evaluated: Awaited<ReturnType<typeof evaluateTicket>>;
  try {
    evaluated = await evaluateTicket(Object.values(t.versions), Date.now());
  } catch (err) {
    if (!(err instanceof CalendarError)) throw err;
    // The ticket has no clocks, and says why (never a 500, never silence).
    const latest = latestOf(Object.values(t.versions))!;
    return {
      ...explained(latest),
      clocks: {},
      problem: { code: 'target-unreachable', detail: `Clocks cannot be computed: ${err.message}.` },
      ...received,
    };
  }
  const { evaluation, latest } = evaluated;
  const due = nextDueMoment(evaluation);
  return {
    ...explained(latest),
    ...(latest.customerId ? { customerId: latest.customerId } : {}),
    ...(latest.serviceId ? { serviceId: latest.serviceId } : {}),
    now: evaluation.now,
    clocks: evaluation.clocks,
    ...(due ? { nextDue: due } : {}),
    ...received,
  };
}

/** At most this many due tickets per shard per run; the rest are taken the next minute. */
const MAX_PER_SHARD = 500;

/**
 * The every-minute schedule (FitSM PR2.3 breach and near-breach detection, ADR in README): read
 * only the due entries at or before `now` from each shard of the sparse `due` index, refresh
 * those tickets as of `now` (announcing what has come), which moves or removes their entries.
 */
export async function runDueTimers(now: number): Promise<{ read: number; tickets: number; announced: number }> {
  const ctx = systemContext('service-level-timers');
  const upper = `${new Date(now).toISOString()}#~`;
  const ticketIds = new Set<string>();
  let read = 0;
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    let cursor: string | undefined;
    let taken = 0;
    do {
      const page = await table().page({
        index: 'due',
        pk: DUE_PK(shard),
        skBetween: ['0', upper],
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      read += page.items.length;
      taken += page.items.length;
      // Keys only: the ticket id is in the base key (TKT#<id>).
      for (const i of page.items) ticketIds.add(String(i.pk).replace(/^TKT#/, ''));
      cursor = page.nextCursor;
    } while (cursor && taken < MAX_PER_SHARD);
  }
  let announced = 0;
  const ids = [...ticketIds];
  for (let i = 0; i < ids.length; i += 10) {
    const counts = await Promise.all(ids.slice(i, i + 10).map((id) => refreshTicket(ctx, id, { now })));
    announced += counts.reduce((a, b) => a + b, 0);
  }
  return { read, tickets: ids.length, announced };
}
