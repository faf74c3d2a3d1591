import * as z from 'zod/mini';
import { changeRequestedBy } from '../changes/v1';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';
import { resyncContracts } from '../resync';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const FieldName = str(LIMITS.code);
const Name = str(LIMITS.name);
const Reason = str(LIMITS.reason);

/**
 * Service desk events (FitSM PR9), version 1. Every ticket event carries the ticket's snapshot
 * at the version it announces, so consumers never need to call back: the service-level service
 * rebuilds each ticket's timeline from these snapshots (ordered by `version`, so duplicates and
 * reordering are harmless), and the customers service sends a survey when a ticket closes.
 */
export const TICKET_STATUSES = [
  'new',
  'assigned',
  'in-progress',
  'pending',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

const Iso = instant({ offset: true });

export const TicketSnapshot = z.object({
  ticketId: Id,
  /** Readable number: `INC-1001` or `REQ-1001`. */
  number: Id,
  type: z.enum(['incident', 'request']),
  /** Monotonic record version: consumers order by it and keep the highest they have seen. */
  version: z.number().check(z.int(), z.gte(1)),
  title: Name,
  status: z.enum(TICKET_STATUSES),
  pendingReason: z.optional(Id),
  /** Priority label from the impact x urgency matrix, e.g. `P1`..`P4`. */
  priority: Id,
  impact: z.optional(Id),
  urgency: z.optional(Id),
  channel: z.optional(Id),
  callerId: Id,
  callerEmail: z.optional(Id),
  customerId: z.optional(Id),
  serviceId: z.optional(Id),
  assignmentGroup: z.optional(Id),
  assigneeId: z.optional(Id),
  major: z.boolean(),
  /** When the ticket was recorded. */
  createdAt: Iso,
  /** When the change this version announces happened: the clock engine's timeline instant. */
  changedAt: Iso,
  /** First public reply by an agent (stops the first-response clock). */
  firstRespondedAt: z.optional(Iso),
  resolvedAt: z.optional(Iso),
  closedAt: z.optional(Iso),
  resolutionCode: z.optional(Id),
  /** How many times the ticket was reopened. */
  reopenCount: z.number().check(z.int(), z.gte(0)),
  // What search filters and keywords need (reporting read model, ADR 28); absent in older events.
  description: z.optional(str(LIMITS.text)),
  /** Category path from the root of the configured tree, e.g. `["hardware", "laptop"]`. */
  category: z.optional(z.array(ListId).check(z.maxLength(6))),
  /** CIs the ticket is about. */
  ciIds: z.optional(z.array(ListId).check(z.maxLength(50))),
  /** Related tickets (ids); children name their parent in `parentId`. */
  relatedIds: z.optional(z.array(ListId).check(z.maxLength(20))),
  parentId: z.optional(ListId),
  /** The request model a service request was raised from. */
  modelId: z.optional(ListId),
  /** The caller's name, as recorded on the ticket. */
  callerName: z.optional(Name),
  /** When this version was written: the same instant as `changedAt`. */
  updatedAt: z.optional(Iso),
});
export type TicketSnapshot = z.infer<typeof TicketSnapshot>;

const Change = z.object({
  ticket: TicketSnapshot,
  /** Names of the fields this version changed (e.g. `status`, `priority`, `assignmentGroup`). */
  changes: z.array(FieldName).check(z.maxLength(32)),
});

export const TicketCreated = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketCreated',
  version: 1,
  description: 'An incident or service request was recorded.',
  data: Change,
});

export const TicketChanged = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketChanged',
  version: 1,
  description:
    'A ticket changed (status, priority, assignment, service, first response, ...). Resolution, closure and reopening have their own events.',
  data: Change,
});

export const TicketResolved = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketResolved',
  version: 1,
  description: 'A ticket was resolved with a resolution code and summary; the caller may confirm or reopen.',
  data: Change,
});

export const TicketReopened = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketReopened',
  version: 1,
  description: 'A resolved ticket was reopened within the reopen window; its clocks continue.',
  data: Change,
});

export const TicketClosed = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketClosed',
  version: 1,
  description: 'A ticket was closed (confirmed by the caller, auto-closed, or cancelled).',
  data: Change,
});

export const TicketEscalated = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketEscalated',
  version: 1,
  description: 'A ticket was escalated: functionally (to another group) or hierarchically (to a manager).',
  data: z.object({
    ticket: TicketSnapshot,
    changes: z.array(FieldName).check(z.maxLength(32)),
    escalation: z.object({
      kind: z.enum(['functional', 'hierarchical']),
      trigger: z.enum(['manual', 'sla-warning', 'sla-breach']),
      reason: Reason,
      from: z.optional(Id),
      to: Id,
    }),
  }),
});

export const MajorIncidentDeclared = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'MajorIncidentDeclared',
  version: 1,
  description: 'An incident was declared major (FitSM PR9.6): a coordinator leads it and stakeholders get updates.',
  data: z.object({
    ticket: TicketSnapshot,
    changes: z.array(FieldName).check(z.maxLength(32)),
    coordinatorId: Id,
    criteria: z.array(ListId).check(z.maxLength(50)),
  }),
});

export const MajorIncidentUpdateRequested = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'MajorIncidentUpdateRequested',
  version: 1,
  description: 'The stakeholder-update cadence of an open major incident came round: the coordinator is reminded.',
  data: z.object({
    ticketId: Id,
    number: Id,
    coordinatorId: Id,
    dueAt: Iso,
    reminder: z.number(),
  }),
});

/**
 * A comment as the desk keeps it. Comments never change: `commentId` is their identity, so a
 * redelivered event or a resync record is an upsert of the same row.
 */
export const TicketComment = z.object({
  ticketId: Id,
  number: Id,
  /** The ticket's customer organisation, if any (who may see the comment). */
  customerId: z.optional(Id),
  comment: z.object({
    commentId: Id,
    /** `internal` comments are for staff only: never shown or searchable for customer users. */
    visibility: z.enum(['public', 'internal']),
    kind: z.enum(['comment', 'stakeholder-update']),
    text: str(LIMITS.text),
    authorId: Id,
    authorName: Name,
    /** Written by the ticket's caller. */
    byCaller: z.boolean(),
    createdAt: Iso,
  }),
});
export type TicketComment = z.infer<typeof TicketComment>;

export const TicketCommented = defineEvent({
  source: 'itsm.service-desk',
  detailType: 'TicketCommented',
  version: 1,
  description:
    'A public or internal comment was added to a ticket (a public one also changes the ticket: TicketChanged with `publicComment`).',
  data: TicketComment,
});

/**
 * A request for change raised from a ticket (FitSM PR12.1): the changes service raises `CHG-n`
 * once per request id. `origin` is `{ source: 'service-desk', ref: <ticket number> }`, and the
 * desk links the change to the ticket when the changes service announces it with that origin.
 */
export const ChangeRequested = changeRequestedBy('itsm.service-desk');

/**
 * Resync (ADR 28). Record types: `ticket`, each exactly as `TicketChanged.data.ticket`; and
 * `ticket-comment`, each exactly as `TicketCommented.data`. Tickets come first.
 */
export const serviceDeskResync = resyncContracts('itsm.service-desk', {
  ticket: TicketSnapshot,
  'ticket-comment': TicketComment,
});
export const { RecordsResynced, ResyncContinued } = serviceDeskResync;

/** The events of a ticket's life (what the desk's notifier reads). */
export const ticketEvents = [
  TicketCreated,
  TicketChanged,
  TicketResolved,
  TicketReopened,
  TicketClosed,
  TicketEscalated,
  MajorIncidentDeclared,
  MajorIncidentUpdateRequested,
];

export const serviceDeskEvents = [...ticketEvents, TicketCommented, ChangeRequested, RecordsResynced, ResyncContinued];
