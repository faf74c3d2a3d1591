import * as z from 'zod/mini';

/** API schemas of the service-level service (FitSM PR2). */
const HHMM = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24:00 ends a day)'));
const Interval = z.strictObject({ start: HHMM, end: HHMM });
const Day = z.array(Interval).check(z.maxLength(12));
const DateOnly = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'));

export const CalendarSchema = z.union([
  z.strictObject({
    timeZone: z.string().check(z.minLength(1), z.maxLength(64)),
    hours: z.strictObject({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day }),
    holidays: z._default(
      z
        .array(z.strictObject({ date: DateOnly, name: z.optional(z.string().check(z.maxLength(200))) }))
        .check(z.maxLength(500)),
      [],
    ),
  }),
  z.strictObject({
    timeZone: z.string().check(z.minLength(1), z.maxLength(64)),
    twentyFourSeven: z.literal(true),
    holidays: z._default(
      z
        .array(z.strictObject({ date: DateOnly, name: z.optional(z.string().check(z.maxLength(200))) }))
        .check(z.maxLength(500)),
      [],
    ),
  }),
]);

export const DefineCalendarBody = z.strictObject({
  calendarId: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and dashes')),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  calendar: CalendarSchema,
});

const Minutes = z.number().check(z.int(), z.gt(0), z.lte(525_600));
const Target = z.strictObject({ firstResponseMinutes: z.optional(Minutes), resolutionMinutes: z.optional(Minutes) });

export const SlaSchema = z.strictObject({
  slaId: z.string().check(z.minLength(1), z.maxLength(100)),
  /** A stored calendar's id, or a calendar given inline. */
  calendarId: z.optional(z.string()),
  calendar: z.optional(CalendarSchema),
  targets: z.record(z.string().check(z.minLength(1), z.maxLength(20)), Target),
  warnAt: z.optional(z.number().check(z.gt(0), z.lt(1))),
});

export const TimelineEvent = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  kind: z.enum(['created', 'status', 'priority', 'sla', 'first-response']),
  status: z.optional(z.string().check(z.minLength(1), z.maxLength(40))),
  priority: z.optional(z.string().check(z.minLength(1), z.maxLength(20))),
  slaId: z.optional(z.string()),
});

const Statuses = z.array(z.string().check(z.minLength(1), z.maxLength(40))).check(z.maxLength(30));
const ClockStatuses = z.strictObject({
  running: Statuses,
  paused: z._default(Statuses, []),
  stopped: z._default(Statuses, []),
  completes: z.optional(Statuses),
});
export const ClockConfigSchema = z.strictObject({ 'first-response': ClockStatuses, resolution: ClockStatuses });

export const EvaluationBody = z.strictObject({
  timeline: z.array(TimelineEvent).check(z.minLength(1), z.maxLength(2000)),
  slas: z.array(SlaSchema).check(z.minLength(1), z.maxLength(10)),
  /** Which statuses run, pause or stop each clock (default: the service desk's lifecycle). */
  clocks: z.optional(ClockConfigSchema),
  /** Evaluate as of this moment (default: now). */
  now: z.optional(z.iso.datetime({ offset: true })),
});

import { ListQuery } from '../../shared/kit/paging';

export { ListQuery };
