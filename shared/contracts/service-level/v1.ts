import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';
import { resyncContracts } from '../resync';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const Summary = str(LIMITS.text);
const ListId = str(LIMITS.id);

/**
 * Service-level events (FitSM PR2), version 1. The service-level service computes each ticket's
 * clocks from the service desk's ticket events and publishes what the others need: the clocks
 * (the service desk keeps deadlines for its "breaching soon" queue), warnings and breaches (the
 * service desk escalates), and violations of an SLA (the customers service tells the customer).
 */
const Iso = instant({ offset: true });
const ClockName = z.enum(['first-response', 'resolution']);

export const ClockSummary = z.object({
  clock: ClockName,
  state: z.enum(['running', 'paused', 'met', 'breached', 'stopped-unmet', 'not-applicable']),
  targetMinutes: z.optional(z.number()),
  elapsedMinutes: z.number(),
  /** While running: when the target will be reached. */
  deadline: z.optional(Iso),
  /** While running: when the warning share will be reached. */
  warnAt: z.optional(Iso),
  breachedAt: z.optional(Iso),
});
export type ClockSummary = z.infer<typeof ClockSummary>;

export const SlaClocksChanged = defineEvent({
  source: 'itsm.service-level',
  detailType: 'SlaClocksChanged',
  version: 1,
  description: "A ticket's SLA clocks were recomputed (new ticket version, new agreement, priority change).",
  data: z.object({
    ticketId: Id,
    number: Id,
    /** The ticket version these clocks reflect; consumers keep the highest. */
    ticketVersion: z.number().check(z.int(), z.gte(1)),
    /**
     * The clocks record's own version, which also moves when the clocks are recomputed for the
     * same ticket version (a deadline passing): consumers that keep the newest clocks keep the
     * highest. Absent in events older than issue 9.
     */
    version: z.optional(z.number().check(z.int(), z.gte(1))),
    /** The agreement in force (`SLA-3`), absent when none applies. */
    agreementId: z.optional(Id),
    clocks: z.array(ClockSummary).check(z.maxLength(4)),
    /** Set when the clocks cannot be computed (e.g. a target its calendar cannot reach); `clocks` is then empty. */
    problem: z.optional(z.object({ code: str(LIMITS.code), detail: str(LIMITS.reason) })),
  }),
});

const Moment = z.object({
  ticketId: Id,
  number: Id,
  clock: ClockName,
  agreementId: Id,
  customerId: z.optional(Id),
  serviceId: z.optional(Id),
  priority: Id,
  targetMinutes: z.number(),
  deadline: Iso,
  /** The moment itself (warning share reached, or target reached). */
  at: Iso,
});

export const SlaWarningReached = defineEvent({
  source: 'itsm.service-level',
  detailType: 'SlaWarningReached',
  version: 1,
  description: "A running clock reached its agreement's warning share (e.g. 75% of the target).",
  data: z.extend(Moment, { share: z.number() }),
});

export const SlaBreached = defineEvent({
  source: 'itsm.service-level',
  detailType: 'SlaBreached',
  version: 1,
  description: 'A running clock reached its target: the agreement is breached for this ticket.',
  data: Moment,
});

export const SlaViolationNoticeIssued = defineEvent({
  source: 'itsm.service-level',
  detailType: 'SlaViolationNoticeIssued',
  version: 1,
  description:
    'A notice of an SLA violation was issued for a customer (FitSM PR2.3); the customers service delivers it.',
  data: z.object({
    noticeId: Id,
    agreementId: Id,
    customerId: Id,
    serviceId: z.optional(Id),
    ticketId: Id,
    number: Id,
    clock: ClockName,
    breachedAt: Iso,
    summary: Summary,
  }),
});

/** A ticket's clocks as `SlaClocksChanged` carries them (and a `ticket-clocks` resync record). */
export const TicketClocks = SlaClocksChanged.data;
export type TicketClocks = z.infer<typeof TicketClocks>;

/** `YYYY-MM-DD`. */
const DateOnly = str(10);

/**
 * An agreement as search needs it (FitSM PR2.2 SLAs, PR2.4 OLAs and UAs): who, what, when valid,
 * which status. Its targets and calendar (the terms clocks measure) are not carried: they are read
 * from the agreement itself.
 */
export const AgreementSnapshot = z.object({
  /** Its readable number, which is its id: `SLA-3`, `OLA-1`, `UA-2`. */
  agreementId: Id,
  kind: z.enum(['sla', 'ola', 'ua']),
  name: str(LIMITS.name),
  description: z.optional(str(4000)),
  /** The agreement owner (a user id). */
  owner: z.optional(Id),
  /** SLA: the customer organisation. */
  customerId: z.optional(Id),
  /** SLA: the portfolio services it covers. */
  serviceIds: z.array(ListId).check(z.maxLength(40)),
  /** SLA: the default for live services without a customer SLA. */
  default: z.boolean(),
  /** OLA: the internal group that supports. */
  supportingGroup: z.optional(Id),
  /** UA: the external supplier. */
  supplierId: z.optional(Id),
  /** OLA/UA: the agreements this one supports. */
  supports: z.array(ListId).check(z.maxLength(40)),
  calendarId: z.optional(Id),
  availabilityTargetPercent: z.optional(z.number()),
  validFrom: z.optional(DateOnly),
  validTo: z.optional(DateOnly),
  reviewDate: DateOnly,
  status: z.enum(['draft', 'active', 'expired']),
  /** Monotonic record version: consumers keep the highest they have seen. */
  version: z.number().check(z.int(), z.gte(1)),
  createdAt: Iso,
  /** When this version was written. */
  updatedAt: Iso,
});
export type AgreementSnapshot = z.infer<typeof AgreementSnapshot>;

export const AgreementCreated = defineEvent({
  source: 'itsm.service-level',
  detailType: 'AgreementCreated',
  version: 1,
  description: 'An SLA, OLA or UA was recorded (as a draft or active).',
  data: AgreementSnapshot,
});

export const AgreementChanged = defineEvent({
  source: 'itsm.service-level',
  detailType: 'AgreementChanged',
  version: 1,
  description: 'An agreement changed: its fields, terms or status (draft, active, expired).',
  data: AgreementSnapshot,
});

/**
 * Resync (ADR 28). Record types: `agreement`, each exactly as `AgreementChanged.data`; and
 * `ticket-clocks`, each ticket's current clocks exactly as `SlaClocksChanged.data` (its
 * `ticketVersion` and `version` may be above the last event's: a ticket version that moved no
 * clock is stored without an event). Agreements come first.
 */
export const serviceLevelResync = resyncContracts('itsm.service-level', {
  agreement: AgreementSnapshot,
  'ticket-clocks': TicketClocks,
});
export const { RecordsResynced, ResyncContinued } = serviceLevelResync;

export const serviceLevelEvents = [
  SlaClocksChanged,
  SlaWarningReached,
  SlaBreached,
  SlaViolationNoticeIssued,
  AgreementCreated,
  AgreementChanged,
  RecordsResynced,
  ResyncContinued,
];
