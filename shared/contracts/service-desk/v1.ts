import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';

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

export const serviceDeskEvents = [
  TicketCreated,
  TicketChanged,
  TicketResolved,
  TicketReopened,
  TicketClosed,
  TicketEscalated,
  MajorIncidentDeclared,
  MajorIncidentUpdateRequested,
];
