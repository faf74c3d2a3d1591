import * as z from 'zod/mini';
import { defineEvent } from '../envelope';
import { instant, LIMITS, str } from '../limits';

/** Field limits (ADR 20): at least the API's own, so every legal request makes a legal event. */
const Id = str(LIMITS.ref);
const ListId = str(LIMITS.id);
const Name = str(LIMITS.name);

/** Customer relationship events (FitSM PR7), version 1. */
const Iso = instant({ offset: true });

const CustomerSnapshot = z.object({
  customerId: Id,
  name: Name,
  status: z.enum(['active', 'inactive']),
  /** Portfolio service ids this customer uses. */
  serviceIds: z.array(ListId).check(z.maxLength(100)),
  version: z.number().check(z.int(), z.gte(1)),
});

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

const ComplaintSnapshot = z.object({
  complaintId: Id,
  number: Id,
  customerId: Id,
  serviceId: z.optional(Id),
  status: z.enum(['registered', 'responded', 'closed']),
  version: z.number().check(z.int(), z.gte(1)),
});

export const ComplaintRegistered = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintRegistered',
  version: 1,
  description: 'A customer complaint was registered (FitSM PR7.5).',
  data: ComplaintSnapshot,
});

export const ComplaintClosed = defineEvent({
  source: 'itsm.customers',
  detailType: 'ComplaintClosed',
  version: 1,
  description: 'A customer complaint was closed after a response and its follow-up actions.',
  data: ComplaintSnapshot,
});

export const customersEvents = [
  CustomerRegistered,
  CustomerUpdated,
  SurveyAnswered,
  ComplaintRegistered,
  ComplaintClosed,
];
