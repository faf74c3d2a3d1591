import * as z from 'zod/mini';
import { boundedRecord, fanOut, instant, limitsRegistry } from '../../shared/contracts/limits';
import { CLOCKS } from './domain/clock';

/** API schemas of the service-level service (FitSM PR2). */
const HHMM = z
  .string()
  .check(z.maxLength(5), z.regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM (24:00 ends a day)'));
const Interval = z.strictObject({ start: HHMM, end: HHMM });
const Day = z.array(Interval).check(z.maxLength(12));
const DateOnly = z.string().check(z.maxLength(10), z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'));

export const CalendarSchema = z.union([
  z.strictObject({
    timeZone: z.string().check(z.minLength(1), z.maxLength(64)),
    hours: z.strictObject({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day }),
    holidays: z._default(
      z
        .array(z.strictObject({ date: DateOnly, name: z.optional(z.string().check(z.maxLength(100))) }))
        .check(z.maxLength(200)),
      [],
    ),
  }),
  z.strictObject({
    timeZone: z.string().check(z.minLength(1), z.maxLength(64)),
    twentyFourSeven: z.literal(true),
    holidays: z._default(
      z
        .array(z.strictObject({ date: DateOnly, name: z.optional(z.string().check(z.maxLength(100))) }))
        .check(z.maxLength(200)),
      [],
    ),
  }),
]);

export const DefineCalendarBody = z.strictObject({
  calendarId: z
    .string()
    .check(z.maxLength(63), z.regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and dashes')),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  calendar: CalendarSchema,
});

const Minutes = z.number().check(z.int(), z.gt(0), z.lte(525_600));
const Target = z.strictObject({ firstResponseMinutes: z.optional(Minutes), resolutionMinutes: z.optional(Minutes) });

export const SlaSchema = z.strictObject({
  slaId: z.string().check(z.minLength(1), z.maxLength(100)),
  /** A stored calendar's id, or a calendar given inline. */
  calendarId: z.optional(z.string().check(z.minLength(1), z.maxLength(63))),
  calendar: z.optional(CalendarSchema),
  targets: boundedRecord(z.string().check(z.minLength(1), z.maxLength(20)), Target, 10),
  warnAt: z.optional(z.number().check(z.gt(0), z.lt(1))),
});

const At = instant({ offset: true });
const Status = z.string().check(z.minLength(1), z.maxLength(40));
const PriorityLabel = z.string().check(z.minLength(1), z.maxLength(20));
const SlaRef = z.string().check(z.minLength(1), z.maxLength(100));
/** One timeline event; each kind carries what it changes (a `priority` event without a priority is refused, not a silent clear). */
export const TimelineEvent = z.discriminatedUnion('kind', [
  z.strictObject({
    at: At,
    kind: z.literal('created'),
    status: z.optional(Status),
    priority: z.optional(PriorityLabel),
    slaId: z.optional(SlaRef),
  }),
  z.strictObject({ at: At, kind: z.literal('status'), status: Status }),
  z.strictObject({ at: At, kind: z.literal('priority'), priority: PriorityLabel }),
  /** Without `slaId` (or with an empty one), the SLA in force is removed. */
  z.strictObject({ at: At, kind: z.literal('sla'), slaId: z.optional(z.string().check(z.maxLength(100))) }),
  z.strictObject({ at: At, kind: z.literal('first-response') }),
]);

const Statuses = z.array(z.string().check(z.minLength(1), z.maxLength(40))).check(z.maxLength(30));
const ClockStatuses = z.strictObject({
  running: Statuses,
  paused: z._default(Statuses, []),
  stopped: z._default(Statuses, []),
  completes: z.optional(Statuses),
});
export const ClockConfigSchema = z.strictObject({ 'first-response': ClockStatuses, resolution: ClockStatuses });

/** Computed and answered; nothing is stored. */
export const EvaluationBody = z.strictObject({
  timeline: z.array(TimelineEvent).check(z.minLength(1), z.maxLength(2000)),
  slas: z.array(SlaSchema).check(z.minLength(1), z.maxLength(10)),
  /** Which statuses run, pause or stop each clock (default: the service desk's lifecycle). */
  clocks: z.optional(ClockConfigSchema),
  /** Evaluate as of this moment (default: now). */
  now: z.optional(instant({ offset: true })),
});
limitsRegistry.add(EvaluationBody, { notStored: true });

import { HistoryPage, ListQuery, pageOf } from '../../shared/kit/paging';

export { HistoryPage, ListQuery };

/* ---------- Agreements (FitSM PR2.2, PR2.4) ---------- */

const Id = z.string().check(z.minLength(1), z.maxLength(100));
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const CalendarId = z.string().check(z.maxLength(63), z.regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be a calendar id'));
const Priority = z.string().check(z.minLength(1), z.maxLength(20));
/** At most 10 priorities, as the desk's priority matrix. */
const Targets = boundedRecord(Priority, Target, 10);
/** Each covered service is a coverage item: a change replacing all 40 removes 40 and adds 40 in one transaction. */
const ServiceIds = fanOut(z.array(Id).check(z.maxLength(40)), 2);
const Percent = z.number().check(z.gt(0), z.lte(100));
const Share = z.number().check(z.gt(0), z.lt(1));

export const AGREEMENT_KINDS = ['sla', 'ola', 'ua'] as const;
export const AGREEMENT_STATUSES = ['draft', 'active', 'expired'] as const;

export const CreateAgreementBody = z.strictObject({
  kind: z.enum(AGREEMENT_KINDS),
  name: Text(200),
  description: z.optional(z.string().check(z.maxLength(4000))),
  /** The agreement owner (FitSM-3 SLM: accountable for the agreement). */
  owner: z.optional(Id),
  /** SLA: the customer organisation. */
  customerId: z.optional(Id),
  /** SLA: the portfolio services it covers. */
  serviceIds: z._default(ServiceIds, []),
  /** SLA only: the default SLA for live services without a customer SLA (at most one active). */
  default: z._default(z.boolean(), false),
  /** OLA: the internal group that supports. */
  supportingGroup: z.optional(Id),
  /** UA: the external supplier. */
  supplierId: z.optional(Id),
  /** OLA/UA: the agreements this one supports (the chain view, PR2.4). */
  supports: z._default(z.array(Id).check(z.maxLength(40)), []),
  calendarId: CalendarId,
  targets: Targets,
  availabilityTargetPercent: z.optional(Percent),
  warningShare: z._default(Share, 0.75),
  validFrom: z.optional(DateOnly),
  validTo: z.optional(DateOnly),
  reviewDate: DateOnly,
  status: z._default(z.enum(['draft', 'active']), 'draft'),
});
export type CreateAgreementInput = z.infer<typeof CreateAgreementBody>;

export const UpdateAgreementBody = z.strictObject({
  name: z.optional(Text(200)),
  description: z.optional(z.nullable(z.string().check(z.maxLength(4000)))),
  owner: z.optional(z.nullable(Id)),
  serviceIds: z.optional(ServiceIds),
  supportingGroup: z.optional(Id),
  supplierId: z.optional(Id),
  supports: z.optional(z.array(Id).check(z.maxLength(40))),
  calendarId: z.optional(CalendarId),
  targets: z.optional(Targets),
  availabilityTargetPercent: z.optional(z.nullable(Percent)),
  warningShare: z.optional(Share),
  validFrom: z.optional(z.nullable(DateOnly)),
  validTo: z.optional(z.nullable(DateOnly)),
  reviewDate: z.optional(DateOnly),
  status: z.optional(z.enum(AGREEMENT_STATUSES)),
  /** Why (kept in the audit trail). */
  reason: z.optional(z.string().check(z.maxLength(1000))),
});
export type UpdateAgreementInput = z.infer<typeof UpdateAgreementBody>;

export const ListAgreementsQuery = z.object({
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
  kind: z.optional(z.enum(AGREEMENT_KINDS)),
  customerId: z.optional(Id),
  /** `true`: agreements not expired whose review date is on or before `asOf` (default today). */
  reviewDue: z.optional(z.enum(['true', 'false'])),
  asOf: z.optional(DateOnly),
});

const Month = z.string().check(z.maxLength(7), z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM'));
export const ComplianceQuery = z.object({
  /** One month, or `from`..`to` (months, at most 12). */
  period: z.optional(Month),
  from: z.optional(Month),
  to: z.optional(Month),
});

export const ListNoticesQuery = z.object({
  limit: ListQuery.shape.limit,
  cursor: ListQuery.shape.cursor,
  customerId: z.optional(Id),
});

// ---- Responses (documentation and the console's types; they validate nothing) ----

const TimeWindow = z.object({ start: z.string(), end: z.string() });
const Hours = z.array(TimeWindow);
const Holiday = z.object({ date: z.string(), name: z.optional(z.string()) });
/** A business calendar: weekly hours by weekday, or open around the clock; holidays are closed. */
export const BusinessCalendar = z.union([
  z.object({
    timeZone: z.string(),
    hours: z.object({ mon: Hours, tue: Hours, wed: Hours, thu: Hours, fri: Hours, sat: Hours, sun: Hours }),
    holidays: z.array(Holiday),
  }),
  z.object({ timeZone: z.string(), twentyFourSeven: z.literal(true), holidays: z.optional(z.array(Holiday)) }),
]);
export const Calendar = z.object({
  calendarId: z.string(),
  name: z.string(),
  calendar: BusinessCalendar,
  version: z.number(),
});
export const CalendarPage = pageOf(Calendar);

const SlaTarget = z.object({ firstResponseMinutes: z.optional(z.number()), resolutionMinutes: z.optional(z.number()) });

/** An SLA, OLA or UA (PR2.2, PR2.4); its version is also the ETag. */
export const Agreement = z.object({
  agreementId: z.string(),
  kind: z.enum(AGREEMENT_KINDS),
  name: z.string(),
  description: z.optional(z.string()),
  owner: z.optional(z.string()),
  customerId: z.optional(z.string()),
  serviceIds: z.array(z.string()),
  default: z.boolean(),
  supportingGroup: z.optional(z.string()),
  supplierId: z.optional(z.string()),
  supports: z.array(z.string()),
  calendarId: z.string(),
  /** Targets by priority label. */
  targets: z.record(z.string(), SlaTarget),
  availabilityTargetPercent: z.optional(z.number()),
  warningShare: z.number(),
  validFrom: z.optional(z.string()),
  validTo: z.optional(z.string()),
  reviewDate: z.string(),
  status: z.enum(AGREEMENT_STATUSES),
  /** Which immutable terms snapshot (targets, calendar, warning share) is current. */
  termsVersion: z.number(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const AgreementPage = pageOf(Agreement);

/** One span of a clock's explanation: what ran, paused or stopped it, and the business minutes it added. */
const ExplanationEntry = z.object({
  from: z.string(),
  to: z.string(),
  status: z.string(),
  priority: z.optional(z.string()),
  slaId: z.optional(z.string()),
  phase: z.enum(['running', 'paused', 'stopped', 'no-sla']),
  counted: z.boolean(),
  businessMinutes: z.number(),
});
export const ClockReading = z.object({
  clock: z.enum(CLOCKS),
  state: z.enum(['running', 'paused', 'met', 'breached', 'stopped-unmet', 'not-applicable']),
  targetMinutes: z.optional(z.number()),
  elapsedMinutes: z.number(),
  pausedMinutes: z.number(),
  remainingMinutes: z.optional(z.number()),
  deadline: z.optional(z.string()),
  warnAt: z.optional(z.string()),
  breachedAt: z.optional(z.string()),
  metAt: z.optional(z.string()),
  stoppedAt: z.optional(z.string()),
  explanation: z.array(ExplanationEntry),
});
/** The earliest warning or breach ahead, absent when none can come without a new event. */
const DueMoment = z.object({ at: z.string(), clock: z.enum(CLOCKS), kind: z.enum(['warning', 'breach']) });

export const Evaluation = z.object({
  now: z.string(),
  clocks: z.object({ 'first-response': ClockReading, resolution: ClockReading }),
  nextDue: z.optional(DueMoment),
});

/** A ticket's clocks as of now; when they cannot be computed, `clocks` is empty and `problem` says why. */
export const TicketClocks = z.object({
  ticketId: z.string(),
  number: z.string(),
  ticketVersion: z.number(),
  agreementId: z.optional(z.string()),
  /** The agreement terms in force (`SLA-3@2`). */
  terms: z.optional(z.string()),
  priority: z.string(),
  status: z.string(),
  customerId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  now: z.optional(z.string()),
  clocks: z.object({ 'first-response': z.optional(ClockReading), resolution: z.optional(ClockReading) }),
  nextDue: z.optional(DueMoment),
  problem: z.optional(z.object({ code: z.string(), detail: z.string() })),
  /** Warnings and breaches already announced (`<clock>:<kind>`, e.g. `resolution:warning`). */
  announced: z.array(z.string()),
  /** Ticket versions whose snapshots the clocks were computed from. */
  versionsReceived: z.array(z.number()),
});

const ClockCompliance = z.object({
  counted: z.number(),
  met: z.number(),
  breached: z.number(),
  unmet: z.number(),
  /** met / (met + breached) × 100, two decimals; absent with nothing measured. */
  percentage: z.optional(z.number()),
});
export const Compliance = z.object({
  agreementId: z.string(),
  kind: z.enum(AGREEMENT_KINDS),
  from: z.string(),
  to: z.string(),
  clocks: z.object({ 'first-response': ClockCompliance, resolution: ClockCompliance }),
});

export const ViolationNotice = z.object({
  noticeId: z.string(),
  agreementId: z.string(),
  customerId: z.string(),
  serviceId: z.optional(z.string()),
  ticketId: z.string(),
  number: z.string(),
  clock: z.string(),
  breachedAt: z.string(),
  issuedAt: z.string(),
  summary: z.string(),
});
export const ViolationNoticePage = pageOf(ViolationNotice);

/** Names in the OpenAPI document (`components.schemas`), so the console's generated client has them by name. */
for (const [id, schema] of Object.entries({
  BusinessCalendar,
  Calendar,
  CalendarPage,
  Agreement,
  AgreementPage,
  ClockReading,
  SlaEvaluation: Evaluation,
  TicketClocks,
  Compliance,
  ViolationNotice,
  ViolationNoticePage,
})) {
  z.globalRegistry.add(schema, { id });
}
