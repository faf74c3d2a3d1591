/**
 * The next moment an SLA clock changes on its own (FitSM PR2.5). The `GET .../clocks` view shows it;
 * the service's sparse `due` index (use-cases/ticket-clocks.ts) holds the same kind of moment for
 * each open ticket, so no scan of open tickets is ever needed. Pure.
 */
import type { ClockName, SlaEvaluation } from './clock';

export interface DueMoment {
  at: string;
  clock: ClockName;
  kind: 'warning' | 'breach';
}

/**
 * The earliest future warning or breach among running clocks, or undefined when none can happen
 * without a new event (paused, stopped, already breached or without target).
 * @example nextDueMoment(evaluateClocks(input)) // { at: '2026-03-30T09:45:00.000Z', clock: 'resolution', kind: 'warning' }
 */
export function nextDueMoment(evaluation: SlaEvaluation): DueMoment | undefined {
  const now = Date.parse(evaluation.now);
  let next: DueMoment | undefined;
  let nextAt = Number.POSITIVE_INFINITY;
  for (const reading of Object.values(evaluation.clocks)) {
    if (reading.state !== 'running') continue;
    // A breach outranks a warning due at the same instant: one schedule, the stronger signal.
    const candidates: Array<[string | undefined, DueMoment['kind']]> = [
      [reading.deadline, 'breach'],
      [reading.warnAt, 'warning'],
    ];
    for (const [at, kind] of candidates) {
      if (at === undefined) continue;
      const t = Date.parse(at);
      if (t > now && t < nextAt) {
        nextAt = t;
        next = { at, clock: reading.clock, kind };
      }
    }
  }
  return next;
}
