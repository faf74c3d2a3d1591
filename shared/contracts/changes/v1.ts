import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Code = str(LIMITS.code);
const Name = str(LIMITS.name);
const Iso = instant({ offset: true });

/**
 * Change management events (FitSM PR12), version 1. Published by `services/changes`, except
 * `ChangeRequested`, which any service publishes under its own source to raise an RFC (the desk
 * from an incident; problems, improvement, security, availability and capacity later).
 */
const SOURCE = 'itsm.changes';

export const CHANGE_TYPES = ['standard', 'normal', 'major', 'emergency'] as const;
export const CHANGE_STATUSES = [
  /** Recorded; not yet assessed. */
  'new',
  /** Benefit, risk, impact, effort and feasibility recorded (FitSM PR12.3). */
  'assessed',
  /** In the approval flow, a level at a time. */
  'approval',
  /** Authorised: waits for its window (standard changes start here). */
  'approved',
  /** Ended by the first rejection of any level (never recorded as approval). */
  'rejected',
  'implementing',
  /** The outcome is recorded; a review (PIR) may be due before closure. */
  'implemented',
  'closed',
  'cancelled',
] as const;
export const OUTCOMES = ['successful', 'partially-successful', 'failed', 'backed-out'] as const;
export const RISK_LEVELS = ['low', 'medium', 'high', 'very-high'] as const;
export const IMPACT_LEVELS = ['minor', 'significant', 'major', 'extensive'] as const;

/** A change as other services need it: what, which CIs and services, when, where it stands. */
export const ChangeSnapshot = z.object({
  changeId: Id,
  /** Readable number: `CHG-77`. */
  number: Id,
  type: z.enum(CHANGE_TYPES),
  status: z.enum(CHANGE_STATUSES),
  title: Name,
  requesterId: Id,
  implementerId: z.optional(Id),
  /** The CIs the change works on (not the ones impacted through the graph). */
  ciIds: z.array(ListId).check(z.maxLength(50)),
  /** The services named on the change and those the impact assessment found. */
  serviceIds: z.array(ListId).check(z.maxLength(100)),
  /** Customers of the affected services (FitSM PR12.3 impact; notices go to their contacts). */
  customerIds: z.array(ListId).check(z.maxLength(100)),
  risk: z.optional(z.enum(RISK_LEVELS)),
  impact: z.optional(z.enum(IMPACT_LEVELS)),
  plannedStart: z.optional(Iso),
  plannedEnd: z.optional(Iso),
  implementationStartedAt: z.optional(Iso),
  implementationEndedAt: z.optional(Iso),
  outcome: z.optional(z.enum(OUTCOMES)),
  closureCode: z.optional(Code),
  /** Where the RFC came from: a desk ticket, a problem, another service's record. */
  origin: z.optional(z.object({ source: Id, ref: Id })),
  templateId: z.optional(Id),
  version: z.number().check(z.int(), z.gte(1)),
  createdAt: Iso,
  updatedAt: Iso,
});
export type ChangeSnapshot = z.infer<typeof ChangeSnapshot>;

const changeEvent = (detailType: string, description: string) =>
  defineEvent({ source: SOURCE, detailType, version: 1, description, data: ChangeSnapshot });

export const ChangeRaised = changeEvent('ChangeRaised', 'A request for change was recorded (CHG-n).');
export const ChangeUpdated = changeEvent('ChangeUpdated', 'A change was edited or assessed.');
export const ChangeSubmitted = changeEvent('ChangeSubmitted', 'A change entered its approval flow.');
export const ChangeApproved = changeEvent(
  'ChangeApproved',
  'Every approval level approved (or a standard template pre-approved) the change: it is authorised.',
);
export const ChangeRejected = changeEvent('ChangeRejected', 'An approval level rejected the change; it ends there.');
export const ChangeRescheduled = changeEvent('ChangeRescheduled', 'The planned window of an approved change moved.');
export const ChangeCancelled = changeEvent('ChangeCancelled', 'A change was withdrawn before implementation ended.');
export const ChangeImplementationStarted = changeEvent(
  'ChangeImplementationStarted',
  'The implementer started work on an approved change.',
);
export const ChangeImplemented = changeEvent('ChangeImplemented', 'Implementation ended with an outcome.');
export const ChangeClosed = changeEvent('ChangeClosed', 'A change was closed with a closure code.');

/** Approvers of one level as the mail needs them: the named people the level waits on. */
export const ChangeApprovalRequested = defineEvent({
  source: SOURCE,
  detailType: 'ChangeApprovalRequested',
  version: 1,
  description: 'An approval level opened (or escalated): its approvers are asked to decide (FitSM PR12.4).',
  data: z.object({
    changeId: Id,
    number: Id,
    title: Name,
    level: z.number().check(z.int(), z.gte(1)),
    levelName: Name,
    /** User ids asked by name (named users, CAB members, the requester's manager, escalation). */
    approverIds: z.array(ListId).check(z.maxLength(100)),
    /** A role whose holders may decide, when the level names one. */
    role: z.optional(Id),
    escalated: z.boolean(),
    dueAt: z.optional(Iso),
  }),
});

/**
 * A notice to one affected customer (CMMI-SVC SD SP 3.3): a change or maintenance affecting their
 * services was scheduled, moved or cancelled. The customers service mails its contacts.
 */
export const ChangeNoticeIssued = defineEvent({
  source: SOURCE,
  detailType: 'ChangeNoticeIssued',
  version: 1,
  description: 'A customer is told that a change to its services was scheduled, moved or cancelled.',
  data: z.object({
    noticeId: Id,
    customerId: Id,
    kind: z.enum(['scheduled', 'moved', 'cancelled']),
    changeId: Id,
    number: Id,
    title: Name,
    serviceIds: z.array(ListId).check(z.maxLength(100)),
    plannedStart: Iso,
    plannedEnd: Iso,
    previousStart: z.optional(Iso),
    previousEnd: z.optional(Iso),
  }),
});

/**
 * What a request for change carries, whoever raises it. Each publishing service declares its own
 * `ChangeRequested` with `changeRequestedBy(source)`; the changes service subscribes to all.
 */
export const ChangeRequestData = z.object({
  /** The raising service's own id for this request: the change is raised once per (source, requestId). */
  requestId: Id,
  title: Name,
  description: str(LIMITS.text),
  reason: z.optional(str(LIMITS.text)),
  requesterId: Id,
  ciIds: z.optional(z.array(ListId).check(z.maxLength(50))),
  serviceIds: z.optional(z.array(ListId).check(z.maxLength(40))),
  /** The record that asks for the change, e.g. `{ source: 'service-desk', ref: 'INC-1042' }`. */
  origin: z.object({ source: Id, ref: Id }),
  suggestedType: z.optional(z.enum(['normal', 'major', 'emergency'])),
  /**
   * A standard change template (FitSM PR12.2): the change is made from it, pre-approved, in the
   * window given (from now for an hour when none is), `suggestedType` ignored (additive, ADR 20).
   * A template with required fields of its own cannot be requested by event (no room for their
   * values within EventBridge's 256 KB): the request is refused, dead-lettered.
   */
  templateId: z.optional(Id),
  plannedStart: z.optional(Iso),
  plannedEnd: z.optional(Iso),
});
export const changeRequestedBy = (source: string) =>
  defineEvent({
    source,
    detailType: 'ChangeRequested',
    version: 1,
    description: 'Ask change management for a change (an RFC); it is raised once per request id.',
    data: ChangeRequestData,
  });

export const changesEvents = [
  ChangeRaised,
  ChangeUpdated,
  ChangeSubmitted,
  ChangeApproved,
  ChangeRejected,
  ChangeRescheduled,
  ChangeCancelled,
  ChangeImplementationStarted,
  ChangeImplemented,
  ChangeClosed,
  ChangeApprovalRequested,
  ChangeNoticeIssued,
];
