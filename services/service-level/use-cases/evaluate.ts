import { ifFound, ValidationError } from '../../../shared/kit/errors';
import { parse } from '../../../shared/kit/validation';
import type { BusinessCalendar } from '../domain/calendar';
import {
  type ClockConfig,
  ClockError,
  evaluateClocks,
  type SlaDefinition,
  type SlaEvaluation,
  validateClockConfig,
} from '../domain/clock';
import { nextDueMoment } from '../domain/next-due';
import { EvaluationBody } from '../schemas';
import { checkCalendar, getCalendar } from './calendars';

/**
 * The clock configuration of the service desk's ticket lifecycle (FitSM PR9): which statuses
 * run, pause or stop each clock. First response stops at the first public agent reply (the
 * `first-response` event) or when the ticket is resolved without one.
 */
export const DEFAULT_CLOCKS: ClockConfig = {
  'first-response': {
    running: ['new', 'assigned', 'in-progress'],
    paused: ['pending'],
    stopped: ['resolved', 'closed', 'cancelled'],
    completes: [],
  },
  resolution: {
    running: ['new', 'assigned', 'in-progress'],
    paused: ['pending'],
    stopped: ['resolved', 'closed', 'cancelled'],
    completes: ['resolved', 'closed'],
  },
};

/**
 * Evaluate a timeline against SLAs without storing anything (FitSM PR2.3): users simulate
 * their rules with it, and the clocks explain themselves.
 */
export async function evaluate(body: unknown): Promise<SlaEvaluation & { nextDue?: unknown }> {
  const input = parse(EvaluationBody, body, 'body');
  const slas: Record<string, SlaDefinition> = {};
  for (const [i, s] of input.slas.entries()) {
    let calendar: BusinessCalendar;
    if (s.calendar && !s.calendarId) {
      calendar = s.calendar as BusinessCalendar;
      checkCalendar(calendar, `body.slas.${i}.calendar`);
    } else if (s.calendarId && !s.calendar) {
      const found = await ifFound(getCalendar(s.calendarId));
      if (!found)
        throw new ValidationError('An SLA names a calendar that does not exist.', [
          { field: `body.slas.${i}.calendarId`, message: `calendar ${s.calendarId} does not exist` },
        ]);
      calendar = found.calendar;
    } else {
      throw new ValidationError('Each SLA needs exactly one of calendarId or calendar.', [
        { field: `body.slas.${i}`, message: 'give calendarId or calendar' },
      ]);
    }
    slas[s.slaId] = {
      slaId: s.slaId,
      calendar,
      targets: s.targets,
      ...(s.warnAt !== undefined ? { warnAt: s.warnAt } : {}),
    };
  }
  const config = (input.clocks as ClockConfig | undefined) ?? DEFAULT_CLOCKS;
  const problems = validateClockConfig(config);
  if (problems.length)
    throw new ValidationError(
      'The clock configuration is not valid.',
      problems.map((p) => ({ ...p, field: `body.clocks.${p.field}` })),
    );
  try {
    const result = evaluateClocks({ timeline: input.timeline, slas, config, now: input.now ?? Date.now() });
    const due = nextDueMoment(result);
    return { ...result, ...(due ? { nextDue: due } : {}) };
  } catch (err) {
    if (err instanceof ClockError)
      throw new ValidationError(err.message, [{ field: 'body.timeline', message: err.message }], err.code);
    throw err;
  }
}
