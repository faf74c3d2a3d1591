import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';
import { resyncContracts } from '../resync';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Name = str(LIMITS.name);

/** Customer relationship events (FitSM PR7), version 1. */
const Iso = instant({ offset: true });

export const CustomerSnapshot = z.object({
  customerId: Id,
  name: Name,
  status: z.enum(['active', 'inactive']),
  /** Portfolio service ids this customer uses. */
  serviceIds: z.array(ListId).check(z.maxLength(100)),
  version: z.number().check(z.int(), z.gte(1)),
  // What search filters on (reporting read model, ADR 28); absent in older events.
  /** The customer relationship manager (a user id). */
  accountManager: z.optional(Id),
  createdAt: z.optional(Iso),
  /** When this version was written. */
  updatedAt: z.optional(Iso),
});
export type CustomerSnapshot = z.infer<typeof CustomerSnapshot>;

export const CustomerRegistered = defineEvent({
  source: 'itsm.customers',
  detailType: 'CustomerRegistered',
  version: 1,
  description: 'A customer organisation was registered.',
  data: CustomerSnapshot,
});

export const CustomerUpdated = defineEvent({
  source: 'itsm.customers',
  detailType: 'CustomerUpdated',
  version: 1,
  description: 'A customer organisation changed (name, status, services used).',
  data: CustomerSnapshot,
});

export const SurveyAnswered = defineEvent({
  source: 'itsm.customers',
  detailType: 'SurveyAnswered',
  version: 1,
  description: 'A caller answered the satisfaction survey of a closed ticket.',
  data: z.object({
    surveyId: Id,
    ticketId: Id,
    number: Id,
    customerId: z.optional(Id),
    serviceId: z.optional(Id),
    assignmentGroup: z.optional(Id),
    /** 1 (very dissatisfied) to 5 (very satisfied). */
    score: z.number().check(z.int(), z.gte(1), z.lte(5)),
    /** At or below the follow-up threshold: a follow-up was opened. */
    low: z.boolean(),
    answeredAt: Iso,
  }),
});

export const ComplaintSnapshot = z.object({
  complaintId: Id,
  number: Id,
  customerId: Id,
  serviceId: z.optional(Id),
  status: z.enum(['registered', 'responded', 'closed']),
  version: z.number().check(z.int(), z.gte(1)),
  // What search filters and keywords need (reporting read model, ADR 28); absent in older events.
  subject: z.optional(str(300)),
  description: z.optional(str(8000)),
  /** How it reached us: portal, email, phone, meeting, other. */
  channel: z.optional(Id),
  /** Who handles it (a user id); the account manager until someone takes it over. */
  owner: z.optional(Id),
  /** Who raised it (a user id). */
  raisedById: z.optional(Id),
  /** The response to the customer, once addressed. */
  response: z.optional(str(8000)),
  respondedAt: z.optional(Iso),
  closedAt: z.optional(Iso),
  createdAt: z.optional(Iso),
  /** When this version was written. */
  updatedAt: z.optional(Iso),
});
export type ComplaintSnapshot = z.infer<typeof ComplaintSnapshot>;

export const ComplaintRegistered = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintRegistered',
  version: 1,
  description: 'A customer complaint was registered (FitSM PR7.5).',
  data: ComplaintSnapshot,
});

export const ComplaintResponded = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintResponded',
  version: 1,
  description: 'A complaint was addressed: the response to the customer and the follow-up actions agreed.',
  data: ComplaintSnapshot,
});

export const ComplaintChanged = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintChanged',
  version: 1,
  description: 'An open complaint changed (owner, service, follow-up actions).',
  data: ComplaintSnapshot,
});

export const ComplaintClosed = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintClosed',
  version: 1,
  description: 'A customer complaint was closed after a response and its follow-up actions.',
  data: ComplaintSnapshot,
});

/**
 * Resync (ADR 28). Record types: `customer`, each exactly as `CustomerUpdated.data`; `complaint`,
 * each exactly as `ComplaintChanged.data`. Customers come first.
 */
export const customersResync = resyncContracts('itsm.customers', {
  customer: CustomerSnapshot,
  complaint: ComplaintSnapshot,
});
export const { RecordsResynced, ResyncContinued } = customersResync;

export const customersEvents = [
  CustomerRegistered,
  CustomerUpdated,
  SurveyAnswered,
  ComplaintRegistered,
  ComplaintResponded,
  ComplaintChanged,
  ComplaintClosed,
  RecordsResynced,
  ResyncContinued,
];
