import type * as z from 'zod/mini';
import { ifFound, ValidationError } from '../../../shared/kit/errors';
import { unreachableTargets } from '../domain/agreement';
import { type BusinessCalendar, CalendarError, MAX_EVALUATION_YEARS } from '../domain/calendar';
import {
  type ClockConfig,
  ClockError,
  evaluateClocks,
  type SlaDefinition,
  type SlaEvaluation,
  validateClockConfig,
} from '../domain/clock';
import { nextDueMoment } from '../domain/next-due';
import type { EvaluationBody } from '../schemas';
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
export async function evaluate(input: z.infer<typeof EvaluationBody>): Promise<SlaEvaluation & { nextDue?: unknown }> {
  const now = input.now ? Date.parse(input.now) : Date.now();
  const timelineProblems = checkTimeline(input.timeline, now);
  if (timelineProblems.length)
    throw new ValidationError('The timeline cannot be evaluated.', timelineProblems, 'invalid-timeline');
  const firstOf = new Map<string, number>();
  const duplicates = input.slas.flatMap((s, i) => {
    const first = firstOf.get(s.slaId);
    if (first === undefined) firstOf.set(s.slaId, i);
    return first === undefined ? [] : [{ field: `body.slas.${i}.slaId`, message: `repeats body.slas.${first}.slaId` }];
  });
  if (duplicates.length) throw new ValidationError('Each SLA may be given once.', duplicates, 'duplicate-sla');
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
    const unreachable = unreachableTargets(s.targets, calendar, `body.slas.${i}.targets`);
    if (unreachable.length)
      throw new ValidationError('A target cannot be reached on its calendar.', unreachable, 'target-unreachable');
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
    const result = evaluateClocks({ timeline: input.timeline, slas, config, now });
    const due = nextDueMoment(result);
    return { ...result, ...(due ? { nextDue: due } : {}) };
  } catch (err) {
    if (err instanceof ClockError)
      throw new ValidationError(err.message, [{ field: 'body.timeline', message: err.message }], err.code);
    // Reach is checked above; should a deadline still fall beyond the calendar's search, say so.
    if (err instanceof CalendarError)
      throw new ValidationError(err.message, [{ field: 'body.slas', message: err.message }], 'target-unreachable');
    throw err;
  }
}

const YEAR_MS = 365.25 * 86_400_000;

/**
 * What makes a timeline unevaluable, each naming its event: exactly one `created` event, nothing
 * before it, and at most MAX_EVALUATION_YEARS from it to `now` (the walk is per day: a timeline
 * from 1970 to 9999 took 10 s).
 */
function checkTimeline(timeline: readonly { at: string; kind: string }[], now: number) {
  const problems: { field: string; message: string }[] = [];
  const created = timeline.map((e, i) => ({ e, i })).filter(({ e }) => e.kind === 'created');
  if (created.length !== 1) {
    return [{ field: 'body.timeline', message: `must hold exactly one created event (found ${created.length})` }];
  }
  const { e: start, i: startIndex } = created[0]!;
  const startMs = Date.parse(start.at);
  timeline.forEach((e, i) => {
    if (Date.parse(e.at) < startMs)
      problems.push({
        field: `body.timeline.${i}.at`,
        message: `is before the created event (body.timeline.${startIndex}.at, ${start.at})`,
      });
  });
  if (now - startMs > MAX_EVALUATION_YEARS * YEAR_MS)
    problems.push({
      field: 'body.now',
      message: `is more than ${MAX_EVALUATION_YEARS} years after the created event (${start.at}): evaluate a shorter span`,
    });
  return problems;
}
