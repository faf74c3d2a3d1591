/**
 * A ticket's clocks from the service desk's snapshots (FitSM PR2.3, PR2.5). The service keeps
 * every snapshot it received, keyed by ticket version, and rebuilds the timeline from all of them
 * on each change: a duplicate is the same key, a late one falls into place, so neither can lose
 * or double-count time. Pure.
 */
import type { ClockName, ClockReading, SlaEvaluation, TimelineEvent } from './clock';

/** What the clocks need of one ticket version (a compact copy of the service desk's snapshot). */
export interface TicketVersion {
  version: number;
  status: string;
  priority: string;
  createdAt: string;
  changedAt: string;
  firstRespondedAt?: string;
  customerId?: string;
  serviceId?: string;
  /** The agreement terms in force for this version (`SLA-3@2`), resolved when it was received. */
  slaRef?: string;
}

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * The engine's timeline from the versions received so far, in version order: the first known
 * version opens the ticket at `createdAt`; each later one adds a status, priority or agreement
 * change at its `changedAt`; the first `firstRespondedAt` adds the response. Instants before
 * `createdAt` (clock skew between functions) are moved to it, never dropped.
 * @example buildTimeline([{ version: 1, status: 'new', priority: 'P2', createdAt, changedAt: createdAt, slaRef: 'SLA-1@1' }])
 */
export function buildTimeline(versions: TicketVersion[]): TimelineEvent[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const first = sorted[0];
  if (!first) return [];
  const created = first.createdAt;
  const at = (t: string) => later(t, created);
  const events: TimelineEvent[] = [
    {
      at: created,
      kind: 'created',
      status: first.status,
      priority: first.priority,
      ...(first.slaRef ? { slaId: first.slaRef } : {}),
    },
  ];
  let prev = first;
  let responded = false;
  for (const v of sorted) {
    if (v !== first) {
      if (v.status !== prev.status) events.push({ at: at(v.changedAt), kind: 'status', status: v.status });
      if (v.priority !== prev.priority) events.push({ at: at(v.changedAt), kind: 'priority', priority: v.priority });
      if ((v.slaRef ?? '') !== (prev.slaRef ?? ''))
        events.push({ at: at(v.changedAt), kind: 'sla', slaId: v.slaRef ?? '' });
    }
    if (v.firstRespondedAt && !responded) {
      responded = true;
      events.push({ at: at(v.firstRespondedAt), kind: 'first-response' });
    }
    prev = v;
  }
  return events;
}

/** The latest version (highest number). */
export const latestOf = (versions: TicketVersion[]) =>
  versions.reduce<TicketVersion | undefined>((m, v) => (!m || v.version > m.version ? v : m), undefined);

/** `SLA-3@2` → `SLA-3`. */
export const agreementOfRef = (ref: string | undefined) => (ref ? ref.split('@')[0] : undefined);

/** A clock as SlaClocksChanged carries it (no explanation). */
export interface ClockSummary {
  clock: ClockName;
  state: ClockReading['state'];
  targetMinutes?: number;
  elapsedMinutes: number;
  deadline?: string;
  warnAt?: string;
  breachedAt?: string;
}

export function summarise(r: ClockReading): ClockSummary {
  return {
    clock: r.clock,
    state: r.state,
    ...(r.targetMinutes !== undefined ? { targetMinutes: r.targetMinutes } : {}),
    elapsedMinutes: r.elapsedMinutes,
    ...(r.deadline ? { deadline: r.deadline } : {}),
    ...(r.warnAt ? { warnAt: r.warnAt } : {}),
    ...(r.breachedAt ? { breachedAt: r.breachedAt } : {}),
  };
}

/**
 * What a consumer of SlaClocksChanged acts on: states, targets and moments, not the timer
 * (elapsed grows every millisecond, so it would make every recomputation a change).
 */
export const fingerprint = (agreementId: string | undefined, clocks: ClockSummary[]) =>
  JSON.stringify([
    agreementId ?? '',
    clocks.map((c) => [c.clock, c.state, c.targetMinutes ?? '', c.deadline ?? '', c.warnAt ?? '', c.breachedAt ?? '']),
  ]);

export type MomentKind = 'warning' | 'breach';
export interface Moment {
  clock: ClockName;
  kind: MomentKind;
  at: string;
}
export const momentKey = (m: Pick<Moment, 'clock' | 'kind'>) => `${m.clock}:${m.kind}`;

/**
 * Every warning and breach not yet announced, past or future (FitSM PR2.3 breach and near-breach
 * detection). Each is announced once per clock and ticket, whatever happens after (a breach is a
 * fact; a reopened ticket does not warn twice). A breach makes its warning moot.
 */
export function pendingMoments(evaluation: SlaEvaluation, announced: ReadonlySet<string>): Moment[] {
  const out: Moment[] = [];
  for (const r of Object.values(evaluation.clocks)) {
    if (!announced.has(momentKey({ clock: r.clock, kind: 'breach' }))) {
      if (r.breachedAt) out.push({ clock: r.clock, kind: 'breach', at: r.breachedAt });
      else if (r.state === 'running' && r.deadline) out.push({ clock: r.clock, kind: 'breach', at: r.deadline });
    }
    if (
      !r.breachedAt &&
      r.state === 'running' &&
      r.warnAt &&
      !announced.has(momentKey({ clock: r.clock, kind: 'warning' }))
    )
      out.push({ clock: r.clock, kind: 'warning', at: r.warnAt });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** A stopped clock's result, counted in the compliance report of its agreement and month. */
export interface Outcome {
  clock: ClockName;
  outcome: 'met' | 'breached' | 'unmet';
  stoppedAt: string;
  /** UTC month of the stop, `YYYY-MM`. */
  period: string;
  agreementId: string;
}

/** Outcomes of the clocks that are stopped now; a reopened (running again) clock has none. */
export function outcomesOf(evaluation: SlaEvaluation, agreementId: string | undefined): Outcome[] {
  if (!agreementId) return [];
  const out: Outcome[] = [];
  for (const r of Object.values(evaluation.clocks)) {
    // A clock breached once stays counted as breached, whatever its target is now.
    if (!r.stoppedAt || (r.state === 'not-applicable' && !r.breachedAt)) continue;
    out.push({
      clock: r.clock,
      outcome: r.breachedAt ? 'breached' : r.state === 'met' ? 'met' : 'unmet',
      stoppedAt: r.stoppedAt,
      period: r.stoppedAt.slice(0, 7),
      agreementId,
    });
  }
  return out;
}
