/**
 * SLA clock engine (FitSM PR2.3 service targets, PR2.5 monitoring of service levels): computes every
 * clock of a ticket from its append-only timeline, never from stored counters, so a change of
 * priority, SLA or calendar can neither lose nor double-count time (glpi #6902, #15605).
 * Pure: `now` is passed in.
 */
import type { FieldError } from '../../../shared/kit/errors';
import { addBusinessMillis, type BusinessCalendar, businessMillisBetween } from './calendar';

export const CLOCKS = ['first-response', 'resolution'] as const;
export type ClockName = (typeof CLOCKS)[number];

export interface TimelineEvent {
  at: string;
  kind: 'created' | 'status' | 'priority' | 'sla' | 'first-response';
  status?: string;
  priority?: string;
  /** On `sla`: the SLA now in force; absent or empty removes the SLA. */
  slaId?: string;
}

export interface SlaTarget {
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
}

export interface SlaDefinition {
  slaId: string;
  calendar: BusinessCalendar;
  /** Targets by priority; a priority without a target makes the clock not applicable. */
  targets: Record<string, SlaTarget>;
  /** Share of the target at which to warn, default 0.75. */
  warnAt?: number;
}

/** Which statuses run, pause or stop one clock. Statuses listed nowhere run (time is never silently lost). */
export interface ClockStatuses {
  running: string[];
  paused: string[];
  stopped: string[];
  /** Stopped statuses that fulfil the clock (met); default all of `stopped`. Others end it unmet (e.g. cancelled). */
  completes?: string[];
}

export type ClockConfig = Record<ClockName, ClockStatuses>;

export type ClockState = 'running' | 'paused' | 'met' | 'breached' | 'stopped-unmet' | 'not-applicable';
export type Phase = 'running' | 'paused' | 'stopped' | 'no-sla';

export interface ExplanationEntry {
  from: string;
  to: string;
  status: string;
  priority?: string;
  slaId?: string;
  phase: Phase;
  /** True when this span added to the elapsed time. */
  counted: boolean;
  /** Business minutes of the span in the calendar of the SLA then in force. */
  businessMinutes: number;
}

export interface ClockReading {
  clock: ClockName;
  state: ClockState;
  /** Target in force now (from the current SLA and priority). */
  targetMinutes?: number;
  /** The timer: business time counted so far. Minutes, possibly fractional (exact to the ms). */
  elapsedMinutes: number;
  /** Business time spent in paused statuses (never counted). */
  pausedMinutes: number;
  /** Target minus elapsed; negative once overrun. */
  remainingMinutes?: number;
  /** The date by which the clock reaches its target; only while running (glpi #17186: a date, not the timer). */
  deadline?: string;
  /** When the warning share was or, while running, will be reached. */
  warnAt?: string;
  /** The instant elapsed reached the target in force while the clock was open; kept after it stops. */
  breachedAt?: string;
  metAt?: string;
  /** When the clock stopped, for met, stopped-unmet and stopped breached clocks. */
  stoppedAt?: string;
  explanation: ExplanationEntry[];
}

export interface SlaEvaluation {
  now: string;
  clocks: Record<ClockName, ClockReading>;
}

export interface EvaluateInput {
  timeline: TimelineEvent[];
  slas: Record<string, SlaDefinition>;
  config: ClockConfig;
  /** Evaluation instant: ISO string or epoch ms. Events after it are ignored. */
  now: string | number;
}

/** Raised for a timeline or reference the engine cannot read; `code` is stable. */
export class ClockError extends Error {
  constructor(
    readonly code: 'invalid-timeline' | 'unknown-sla',
    message: string,
  ) {
    super(message);
    this.name = 'ClockError';
  }
}

const MINUTE = 60_000;
const DEFAULT_WARN_SHARE = 0.75;
const TARGET_FIELD = { 'first-response': 'firstResponseMinutes', resolution: 'resolutionMinutes' } as const;

/** Overlapping status sets and `completes` outside `stopped`, per clock. */
export function validateClockConfig(config: ClockConfig): FieldError[] {
  const errors: FieldError[] = [];
  for (const clock of CLOCKS) {
    const c = config[clock];
    const seen = new Map<string, string>();
    for (const set of ['running', 'paused', 'stopped'] as const) {
      for (const s of c[set]) {
        const other = seen.get(s);
        if (other) errors.push({ field: `${clock}.${set}`, message: `status ${s} is also in ${other}` });
        seen.set(s, set);
      }
    }
    for (const s of c.completes ?? []) {
      if (!c.stopped.includes(s))
        errors.push({ field: `${clock}.completes`, message: `status ${s} is not a stopped status` });
    }
  }
  return errors;
}

interface Span {
  from: number;
  to: number;
  status: string;
  priority?: string;
  slaId?: string;
  /** Instant of the first `first-response` event, once there was one. */
  respondedAt?: number;
}

const parseInstant = (at: string | number, what: string): number => {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(t)) throw new ClockError('invalid-timeline', `${what} is not an ISO 8601 instant`);
  return t;
};

/** The ticket's state between consecutive events, up to `now`; the last span always ends at `now`. */
function spansOf(timeline: TimelineEvent[], now: number): Span[] {
  const events = timeline
    .map((e, i) => ({ e, t: parseInstant(e.at, `timeline.${i}.at`), i }))
    .sort((a, b) => a.t - b.t || a.i - b.i); // stable: same-instant events keep log order
  const created = events[0];
  if (created?.e.kind !== 'created') {
    throw new ClockError('invalid-timeline', 'the timeline must start with a created event');
  }
  const state = {
    status: created.e.status ?? 'new',
    priority: created.e.priority,
    slaId: created.e.slaId || undefined,
    respondedAt: undefined as number | undefined,
  };
  const spans: Span[] = [];
  let from = created.t;
  for (const { e, t } of events.slice(1)) {
    if (t > now) break;
    if (t > from) spans.push({ from, to: t, ...state });
    from = Math.max(from, t);
    switch (e.kind) {
      case 'status':
        if (e.status) state.status = e.status;
        break;
      case 'priority':
        state.priority = e.priority;
        break;
      case 'sla':
        state.slaId = e.slaId || undefined;
        break;
      case 'first-response':
        state.respondedAt ??= t;
        break;
      case 'created':
        throw new ClockError('invalid-timeline', 'a timeline has exactly one created event');
    }
  }
  spans.push({ from, to: Math.max(from, now), ...state });
  return spans;
}

function phaseOf(clock: ClockName, statuses: ClockStatuses, span: Span): { phase: Phase; completes: boolean } {
  // First response is met once and for all by the first agent response (zammad #5177: no other
  // event resets it).
  if (clock === 'first-response' && span.respondedAt !== undefined) return { phase: 'stopped', completes: true };
  if (statuses.paused.includes(span.status)) return { phase: 'paused', completes: false };
  if (statuses.stopped.includes(span.status)) {
    return { phase: 'stopped', completes: (statuses.completes ?? statuses.stopped).includes(span.status) };
  }
  return { phase: 'running', completes: false };
}

const iso = (t: number) => new Date(t).toISOString();

/** The instant at which `need` more business ms have run from `from`; `from` itself once already reached. */
const crossing = (cal: BusinessCalendar, from: number, need: number) =>
  need <= 0 ? from : addBusinessMillis(cal, from, need);

function evaluateClock(
  clock: ClockName,
  spans: Span[],
  slas: Record<string, SlaDefinition>,
  statuses: ClockStatuses,
): ClockReading {
  let elapsed = 0;
  let paused = 0;
  let breachedAt: number | undefined;
  let warnedAt: number | undefined;
  let stoppedSince: number | undefined;
  let previousStopKind: string | undefined;
  let projectedDeadline: number | undefined;
  let projectedWarning: number | undefined;
  const explanation: ExplanationEntry[] = [];
  const last = spans[spans.length - 1]!;
  let current: { phase: Phase; completes: boolean } = { phase: 'no-sla', completes: false };
  let targetNow: number | undefined;

  for (const span of spans) {
    const sla = span.slaId === undefined ? undefined : slas[span.slaId];
    if (span.slaId !== undefined && !sla) throw new ClockError('unknown-sla', `SLA ${span.slaId} is not defined`);
    const { phase, completes } = sla ? phaseOf(clock, statuses, span) : { phase: 'no-sla' as const, completes: false };
    const minutes = sla?.targets[span.priority ?? '']?.[TARGET_FIELD[clock]];
    const target = minutes === undefined ? undefined : minutes * MINUTE;
    const business = sla ? businessMillisBetween(sla.calendar, span.from, span.to) : 0;
    const isLast = span === last;

    if (sla && phase === 'running' && target !== undefined) {
      // Each moment is judged against the target in force at that moment: raising the priority
      // while elapsed already exceeds the new target breaches at the change, never retroactively.
      // An event stamped exactly at the deadline is in time; with nothing done by `now`, reaching
      // the target at `now` is the breach (so a schedule firing at the deadline sees it).
      const reached = (at: number) => at < span.to || (isLast && at <= span.to);
      const share = sla.warnAt ?? DEFAULT_WARN_SHARE;
      const warnInstant = crossing(sla.calendar, span.from, Math.round(target * share) - elapsed);
      const breachInstant = crossing(sla.calendar, span.from, target - elapsed);
      if (warnedAt === undefined && reached(warnInstant)) warnedAt = warnInstant;
      if (breachedAt === undefined && reached(breachInstant)) breachedAt = breachInstant;
      if (isLast) {
        projectedWarning = warnInstant;
        projectedDeadline = breachInstant;
      }
    }
    if (phase === 'running') elapsed += business;
    if (phase === 'paused') paused += business;
    // The stop instant is where the current run of stopped spans of the same kind began; for a
    // first response it is the response itself, even if the SLA arrived later.
    const stopKind = phase === 'stopped' ? String(completes) : undefined;
    if (stopKind !== previousStopKind) stoppedSince = undefined;
    previousStopKind = stopKind;
    if (phase === 'stopped') {
      stoppedSince ??=
        clock === 'first-response' && completes && span.respondedAt !== undefined ? span.respondedAt : span.from;
    }
    if (isLast) {
      current = { phase, completes };
      targetNow = target;
    }
    if (span.to > span.from) {
      explanation.push({
        from: iso(span.from),
        to: iso(span.to),
        status: span.status,
        ...(span.priority === undefined ? {} : { priority: span.priority }),
        ...(span.slaId === undefined ? {} : { slaId: span.slaId }),
        phase,
        counted: phase === 'running',
        businessMinutes: business / MINUTE,
      });
    }
  }

  const reading: ClockReading = {
    clock,
    state: 'not-applicable',
    elapsedMinutes: elapsed / MINUTE,
    pausedMinutes: paused / MINUTE,
    explanation,
  };
  if (breachedAt !== undefined) reading.breachedAt = iso(breachedAt);
  if (warnedAt !== undefined) reading.warnAt = iso(warnedAt);
  if (current.phase === 'stopped' && stoppedSince !== undefined) reading.stoppedAt = iso(stoppedSince);
  // A breach is a fact once it happened: lowering the priority to one without a target (or
  // removing the SLA) afterwards leaves the clock breached, so compliance keeps counting it.
  // FitSM PR2.5: the customer was told of the breach; the report must agree.
  if (breachedAt !== undefined && (targetNow === undefined || current.phase === 'no-sla')) {
    reading.state = 'breached';
    return reading;
  }
  if (targetNow === undefined || current.phase === 'no-sla') return reading;

  reading.targetMinutes = targetNow / MINUTE;
  reading.remainingMinutes = (targetNow - elapsed) / MINUTE;
  if (current.phase === 'running') {
    reading.deadline = iso(breachedAt ?? projectedDeadline!);
    if (warnedAt === undefined && projectedWarning !== undefined) reading.warnAt = iso(projectedWarning);
  }
  if (breachedAt !== undefined) reading.state = 'breached';
  else if (current.phase === 'stopped') reading.state = current.completes ? 'met' : 'stopped-unmet';
  else reading.state = current.phase;
  if (reading.state === 'met') reading.metAt = reading.stoppedAt;
  return reading;
}

/**
 * Every SLA clock of one ticket at `now`, each with the spans that explain it.
 * @example evaluateClocks({ timeline, slas: { gold }, config, now: '2026-03-30T09:00:00Z' }).clocks.resolution.state
 */
export function evaluateClocks(input: EvaluateInput): SlaEvaluation {
  const now = parseInstant(input.now, 'now');
  const spans = spansOf(input.timeline, now);
  const clocks = Object.fromEntries(
    CLOCKS.map((clock) => [clock, evaluateClock(clock, spans, input.slas, input.config[clock])]),
  ) as Record<ClockName, ClockReading>;
  return { now: iso(now), clocks };
}
