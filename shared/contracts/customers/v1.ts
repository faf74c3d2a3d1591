import * as z from 'zod/mini';
import { defineEvent } from '../envelope';

/** Customer relationship events (FitSM PR7), version 1. */
const Iso = z.iso.datetime({ offset: true });

const CustomerSnapshot = z.object({
  customerId: z.string(),
  name: z.string(),
  status: z.enum(['active', 'inactive']),
  /** Portfolio service ids this customer uses. */
  serviceIds: z.array(z.string()),
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
    surveyId: z.string(),
    ticketId: z.string(),
    number: z.string(),
    customerId: z.optional(z.string()),
    serviceId: z.optional(z.string()),
    assignmentGroup: z.optional(z.string()),
    /** 1 (very dissatisfied) to 5 (very satisfied). */
    score: z.number().check(z.int(), z.gte(1), z.lte(5)),
    /** At or below the follow-up threshold: a follow-up was opened. */
    low: z.boolean(),
    answeredAt: Iso,
  }),
});

const ComplaintSnapshot = z.object({
  complaintId: z.string(),
  number: z.string(),
  customerId: z.string(),
  serviceId: z.optional(z.string()),
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
