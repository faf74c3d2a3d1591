import * as z from 'zod/mini';
import { instant } from '../../shared/contracts/limits';
import { ListQuery } from '../../shared/kit/paging';
import { COMMUNICATION_KINDS } from './domain/communication';
import { COMPLAINT_STATUSES } from './domain/complaint';
import { CONTACT_ROLES, CUSTOMER_ID, CUSTOMER_STATUSES } from './domain/customer';
import { PERIOD } from './domain/survey';

/** API request schemas of the customers service; validation and the OpenAPI document derive from them. */
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
  kind: z.enum(COMMUNICATION_KINDS.filter((k) => k !== 'sla-violation-notice') as ['email', 'phone']),
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

export const CreateComplaintBody = z.strictObject({
  /** Staff name the customer; customer users may leave it out (their organisation is used). */
  customerId: z.optional(CustomerIdSchema),
  serviceId: z.optional(Id),
  subject: Text(300),
  description: Text(8000),
  channel: z._default(z.enum(['portal', 'email', 'phone', 'meeting', 'other']), 'portal'),
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
