import * as z from 'zod/mini';
import { instant } from '../../shared/contracts/limits';
import { ListQuery } from '../../shared/kit/paging';
import { COMMUNICATION_KINDS, NOTICE_KINDS } from './domain/communication';
import { COMPLAINT_STATUSES } from './domain/complaint';
import { CONTACT_ROLES, CUSTOMER_ID, CUSTOMER_STATUSES } from './domain/customer';
import { REVIEW_STATUSES } from './domain/review';
import { DIMENSIONS, PERIOD } from './domain/survey';

/** API schemas of the customers service; validation and the OpenAPI document derive from them. */
const Text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const Name = Text(200);
const Id = Text(100);
const UserId = Text(200);
const Email = z.string().check(z.maxLength(320), z.regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address'));
const DateOnly = z.string().check(z.maxLength(10), z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)'));
const Instant = instant({ offset: true });
const Score = z.number().check(z.int(), z.gte(1), z.lte(5));
const ActionId = z
  .string()
  .check(z.maxLength(63), z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be letters, digits, _ or - (at most 63)'));

export const CustomerIdSchema = z.string().check(
  z.maxLength(63),
  z.regex(CUSTOMER_ID, 'must be a slug: lower-case letters, digits and single hyphens, 1-63 characters'),
  z.refine((s) => !s.includes('--'), 'must not contain "--"'),
);

/** A portfolio service the customer uses (PR7.1). At most 50, so a change (old and new) fits one item. */
export const ServiceUseSchema = z.strictObject({
  serviceId: Id,
  since: DateOnly,
  notes: z.optional(Text(500)),
});
const ServiceUses = z.array(ServiceUseSchema).check(z.maxLength(50));

/** Agreed channels (PR7.3): portal ordering, e-mail, phone, escalation path, complaint submission. */
export const ChannelsSchema = z.strictObject({
  portal: z.optional(z.boolean()),
  email: z.optional(Email),
  phone: z.optional(Text(50)),
  escalation: z.optional(Text(1000)),
  complaints: z.optional(Text(1000)),
});

export const CreateCustomerBody = z.strictObject({
  customerId: CustomerIdSchema,
  name: Name,
  /** User id of the customer relationship manager (PR7.2). */
  accountManager: UserId,
  status: z._default(z.enum(CUSTOMER_STATUSES), 'active'),
  services: z._default(ServiceUses, []),
  channels: z._default(ChannelsSchema, {}),
  /** Internal notes: never shown to customer users. */
  notes: z.optional(Text(4000)),
});

export const UpdateCustomerBody = z.strictObject({
  name: z.optional(Name),
  accountManager: z.optional(UserId),
  status: z.optional(z.enum(CUSTOMER_STATUSES)),
  services: z.optional(ServiceUses),
  channels: z.optional(ChannelsSchema),
  notes: z.optional(z.nullable(Text(4000))),
  /** Why the change was made; kept in the history (FitSM GR2.3). */
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

export const ListCustomersQuery = z.extend(ListQuery, {
  status: z.optional(z.enum(CUSTOMER_STATUSES)),
  accountManager: z.optional(UserId),
});

export const CreateContactBody = z.strictObject({
  name: Name,
  email: Email,
  phone: z.optional(Text(50)),
  role: z._default(z.enum(CONTACT_ROLES), 'other'),
  receivesServiceLevelNotices: z._default(z.boolean(), false),
  portalUser: z._default(z.boolean(), false),
});

export const UpdateContactBody = z.strictObject({
  name: z.optional(Name),
  email: z.optional(Email),
  phone: z.optional(z.nullable(Text(50))),
  role: z.optional(z.enum(CONTACT_ROLES)),
  receivesServiceLevelNotices: z.optional(z.boolean()),
  portalUser: z.optional(z.boolean()),
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

export const RecordCommunicationBody = z.strictObject({
  kind: z.enum(COMMUNICATION_KINDS.filter((k) => !NOTICE_KINDS.includes(k)) as ['email', 'phone']),
  subject: Text(300),
  summary: Text(4000),
  /** When it happened; now when absent. */
  at: z.optional(Instant),
});

const ActionSchema = z.strictObject({
  id: ActionId,
  text: Text(1000),
  owner: UserId,
  due: z.optional(DateOnly),
  done: z.optional(z.boolean()),
});
const Actions = z.array(ActionSchema).check(z.maxLength(20));

/** How a complaint reached us. */
const COMPLAINT_CHANNELS = ['portal', 'email', 'phone', 'meeting', 'other'] as const;

export const CreateComplaintBody = z.strictObject({
  /** Staff name the customer; customer users may leave it out (their organisation is used). */
  customerId: z.optional(CustomerIdSchema),
  serviceId: z.optional(Id),
  subject: Text(300),
  description: Text(8000),
  channel: z._default(z.enum(COMPLAINT_CHANNELS), 'portal'),
});

export const RespondComplaintBody = z.strictObject({
  response: Text(8000),
  actions: z._default(Actions, []),
});

export const UpdateComplaintBody = z.strictObject({
  owner: z.optional(UserId),
  serviceId: z.optional(z.nullable(Id)),
  actions: z.optional(Actions),
  reason: z.optional(z.string().check(z.maxLength(1000))),
});

export const CloseComplaintBody = z.strictObject({ note: Text(4000) });

export const ListComplaintsQuery = z.extend(ListQuery, {
  status: z.optional(z.enum(COMPLAINT_STATUSES)),
  customerId: z.optional(CustomerIdSchema),
});

const ParticipantSchema = z.strictObject({
  name: Name,
  email: z.optional(Email),
  organisation: z.optional(Text(200)),
});

export const PlanReviewBody = z.strictObject({
  scheduledFor: Instant,
  serviceIds: z._default(z.array(Id).check(z.maxLength(100)), []),
  participants: z.array(ParticipantSchema).check(z.minLength(1), z.maxLength(30)),
  /** Inputs to discuss: service reports, SLA results, complaints, survey results. */
  agenda: z.optional(Text(8000)),
});

export const ReviewOutcomeBody = z.strictObject({
  heldAt: z.optional(Instant),
  minutes: Text(20000),
  /** The customer's satisfaction with the services reviewed, 1-5 (PR7.6). */
  satisfaction: Score,
  actions: z._default(
    z.array(z.strictObject({ text: Text(1000), owner: UserId, due: z.optional(DateOnly) })).check(z.maxLength(20)),
    [],
  ),
});

export const UpcomingReviewsQuery = z.extend(ListQuery, {
  from: z.optional(Instant),
  to: z.optional(Instant),
});

export const SurveyAnswerBody = z.strictObject({
  score: Score,
  comment: z.optional(z.string().check(z.maxLength(4000))),
});

export const SurveyResultsQuery = z.extend(ListQuery, {
  serviceId: z.optional(Id),
  group: z.optional(Id),
  customerId: z.optional(CustomerIdSchema),
  period: z.optional(z.string().check(z.maxLength(7), z.regex(PERIOD, 'must be a year (2026) or a month (2026-11)'))),
});

export const SurveySettingsBody = z.strictObject({
  lowScoreThreshold: z.optional(z.number().check(z.int(), z.gte(1), z.lte(4))),
  expiryDays: z.optional(z.number().check(z.int(), z.gte(1), z.lte(90))),
  publicBaseUrl: z.optional(
    z.string().check(z.maxLength(500), z.regex(/^(https?:\/\/[^\s]+)?$/, 'must be an http(s) URL or empty')),
  ),
});

export const ListFollowUpsQuery = z.extend(ListQuery, {
  status: z.optional(z.enum(['open', 'closed'])),
  assignee: z.optional(UserId),
});

export const CloseFollowUpBody = z.strictObject({ note: Text(4000) });

export { ListQuery };

// ---- Responses ----
// What the routes answer, read from the use cases: the OpenAPI document (and so the console's
// generated client) types every success body with these. Objects are not strict: a field added
// later must not break an older client.

/** A page of a list: pass `nextCursor` as `cursor` for the next one; absent on the last page. */
const pageOf = <T extends z.core.$ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.string()) });

/** The fields every kept record carries: its version (the ETag) and when it was made and last changed. */
const Stamps = { version: z.number(), createdAt: z.string(), updatedAt: z.string() };

/** A field's change: `from` is absent when it was set, `to` when it was cleared. */
const Changes = z.record(z.string(), z.object({ from: z.optional(z.unknown()), to: z.optional(z.unknown()) }));

export const HistoryPage = pageOf(
  z.object({
    at: z.string(),
    /** A person or API client (`user`), or a consumer, flow or schedule (`system`). */
    actor: z.object({ id: z.string(), name: z.string(), kind: z.enum(['user', 'system']) }),
    action: z.string(),
    changes: z.optional(Changes),
    reason: z.optional(z.string()),
    correlationId: z.string(),
  }),
);

export const CustomerView = z.object({
  customerId: z.string(),
  name: z.string(),
  status: z.enum(CUSTOMER_STATUSES),
  accountManager: z.string(),
  services: z.array(z.object({ serviceId: z.string(), since: z.string(), notes: z.optional(z.string()) })),
  channels: z.object({
    portal: z.optional(z.boolean()),
    email: z.optional(z.string()),
    phone: z.optional(z.string()),
    escalation: z.optional(z.string()),
    complaints: z.optional(z.string()),
  }),
  /** Internal notes: never shown to customer users. */
  notes: z.optional(z.string()),
  ...Stamps,
});
export const CustomerPage = pageOf(CustomerView);

export const ContactView = z.object({
  contactId: z.string(),
  customerId: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.optional(z.string()),
  role: z.enum(CONTACT_ROLES),
  receivesServiceLevelNotices: z.boolean(),
  portalUser: z.boolean(),
  ...Stamps,
});
export const ContactPage = pageOf(ContactView);

export const CommunicationView = z.object({
  communicationId: z.string(),
  customerId: z.string(),
  kind: z.enum(COMMUNICATION_KINDS),
  at: z.string(),
  subject: z.string(),
  summary: z.string(),
  /** Addresses a mail went to. */
  to: z.array(z.string()),
  delivered: z.boolean(),
  /** Why it was not delivered (no contact flagged for notices, unknown customer). */
  note: z.optional(z.string()),
  /** Set on SLA violation and change notices. */
  noticeId: z.optional(z.string()),
  agreementId: z.optional(z.string()),
  ticketNumber: z.optional(z.string()),
  /** Set on change notices: the change (`CHG-77`). */
  changeNumber: z.optional(z.string()),
  /** The user id of who recorded it (`system:...` for notices). */
  recordedBy: z.string(),
  // The log's entries carry their stamps; the answer to recording one does not.
  version: z.optional(z.number()),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
});
export const CommunicationPage = pageOf(CommunicationView);

export const ReviewView = z.object({
  reviewId: z.string(),
  customerId: z.string(),
  status: z.enum(REVIEW_STATUSES),
  scheduledFor: z.string(),
  serviceIds: z.array(z.string()),
  participants: z.array(
    z.object({ name: z.string(), email: z.optional(z.string()), organisation: z.optional(z.string()) }),
  ),
  agenda: z.optional(z.string()),
  /** The outcome, once held. */
  heldAt: z.optional(z.string()),
  minutes: z.optional(z.string()),
  satisfaction: z.optional(z.number()),
  actions: z.array(z.object({ text: z.string(), owner: z.string(), due: z.optional(z.string()) })),
  ...Stamps,
});
export const ReviewPage = pageOf(ReviewView);

export const ComplaintView = z.object({
  complaintId: z.string(),
  /** `CMP-101`. */
  number: z.string(),
  customerId: z.string(),
  serviceId: z.optional(z.string()),
  subject: z.string(),
  description: z.string(),
  channel: z.enum(COMPLAINT_CHANNELS),
  status: z.enum(COMPLAINT_STATUSES),
  raisedBy: z.object({ id: z.string(), name: z.string() }),
  owner: z.optional(z.string()),
  response: z.optional(z.string()),
  respondedAt: z.optional(z.string()),
  /** Follow-up actions; every one must be done before the complaint closes. */
  actions: z.array(
    z.object({
      id: z.string(),
      text: z.string(),
      owner: z.string(),
      due: z.optional(z.string()),
      done: z.boolean(),
      doneAt: z.optional(z.string()),
    }),
  ),
  closedAt: z.optional(z.string()),
  closureNote: z.optional(z.string()),
  ...Stamps,
});
export const ComplaintPage = pageOf(ComplaintView);

/** What the holder of a survey link sees: the ticket, never the caller's address. */
export const SurveyView = z.object({
  /** The ticket's number. */
  number: z.string(),
  title: z.string(),
  serviceId: z.optional(z.string()),
  dueBy: z.string(),
  answered: z.boolean(),
  answeredAt: z.optional(z.string()),
  score: z.optional(z.number()),
});

export const SurveyAnswered = z.object({
  number: z.string(),
  score: z.number(),
  answeredAt: z.string(),
  /** The follow-up a low score opened (`FUP-101`). */
  followUp: z.optional(z.string()),
});

export const SurveyResultPage = pageOf(
  z.object({
    dimension: z.enum(DIMENSIONS),
    key: z.string(),
    /** A year (`2026`) or a month (`2026-11`). */
    period: z.string(),
    count: z.number(),
    /** Null when nobody answered in the period. */
    average: z.nullable(z.number()),
    /** Answers per score. */
    distribution: z.object({ 1: z.number(), 2: z.number(), 3: z.number(), 4: z.number(), 5: z.number() }),
    /** Answers at or below the low-score threshold. */
    low: z.number(),
  }),
);

export const SurveySettingsView = z.object({
  lowScoreThreshold: z.number(),
  expiryDays: z.number(),
  publicBaseUrl: z.string(),
  /** 0 while the defaults were never changed. */
  version: z.number(),
});

export const FollowUpView = z.object({
  followUpId: z.string(),
  /** `FUP-101`. */
  number: z.string(),
  status: z.enum(['open', 'closed']),
  surveyId: z.string(),
  ticketNumber: z.string(),
  customerId: z.optional(z.string()),
  serviceId: z.optional(z.string()),
  assignmentGroup: z.optional(z.string()),
  score: z.number(),
  comment: z.optional(z.string()),
  /** The customer's account manager; `unassigned` when the customer is unknown. */
  assignee: z.string(),
  closedAt: z.optional(z.string()),
  closedBy: z.optional(z.string()),
  note: z.optional(z.string()),
  ...Stamps,
});
export const FollowUpPage = pageOf(FollowUpView);
