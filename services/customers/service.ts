import { fileURLToPath } from 'node:url';
import { customersEvents } from '../../shared/contracts/customers/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { resyncFunction, resyncSubscriptions } from '../../shared/kit/resync-spec';
import type { Role } from '../../shared/kit/roles';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The CRM process manager and owner keep the customer register (FitSM-3 CRM). */
export const ADMINS: readonly Role[] = ['customers-manager', 'customers-owner'];
/** Who handles complaints, reviews and follow-ups; account managers (process staff) act on their customers. */
export const STAFF: readonly Role[] = [...ADMINS, 'process-staff'];
/** Who may read everything of every customer. */
export const READERS: readonly Role[] = [...STAFF, 'sms-owner', 'sms-manager', 'auditor'];
/** Readers plus customer users, who see only their own organisation (checked per record). */
export const CUSTOMER_READERS: readonly Role[] = [...READERS, 'customer-user'];
/** Who may register a complaint: staff on behalf of a customer, and customer users for their own. */
export const COMPLAINANTS: readonly Role[] = [...STAFF, 'customer-user'];

const CUSTOMER = '/v1/customers/{customerId}';

export const customers = defineService({
  name: 'customers',
  title: 'Customer relationship management',
  fitsm: 'PR7',
  // Events leave through the table's stream (ADR 23).
  table: {
    indexes: [{ name: 'gsi1' }, { name: 'gsi2' }, { name: 'gsi3' }],
    timeToLiveAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Customers HTTP API: customers, contacts, reviews, complaints, surveys, follow-ups.',
      timeoutSeconds: 29,
      access: { table: 'write', publish: true },
    },
    events: {
      entry: entry('./handlers/events.ts'),
      description: 'Sends satisfaction surveys for closed tickets and delivers SLA violation notices.',
      timeoutSeconds: 30,
      access: { table: 'write', sendMail: true },
    },
    relay: eventRelayFunction,
    resync: resyncFunction(entry('./handlers/resync.ts')),
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/customers',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'list',
      summary: 'List customers (all by id, by status or by account manager); customer users get their own',
      query: s.ListCustomersQuery,
    },
    {
      method: 'POST',
      path: '/v1/customers',
      function: 'api',
      roles: ADMINS,
      summary: 'Register a customer with its chosen id (slug)',
      body: s.CreateCustomerBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: CUSTOMER,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: 'Get a customer',
    },
    {
      method: 'PATCH',
      path: CUSTOMER,
      function: 'api',
      roles: STAFF,
      summary: 'Change a customer (If-Match); admins or its account manager',
      body: s.UpdateCustomerBody,
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/history`,
      function: 'api',
      roles: READERS,
      summary: 'Full history of a customer, its contacts and reviews',
      query: s.ListQuery,
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/contacts`,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: "List a customer's contacts",
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: `${CUSTOMER}/contacts`,
      function: 'api',
      roles: STAFF,
      summary: 'Add a contact',
      body: s.CreateContactBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/contacts/{contactId}`,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: 'Get a contact',
    },
    {
      method: 'PATCH',
      path: `${CUSTOMER}/contacts/{contactId}`,
      function: 'api',
      roles: STAFF,
      summary: 'Change a contact (If-Match)',
      body: s.UpdateContactBody,
    },
    {
      method: 'DELETE',
      path: `${CUSTOMER}/contacts/{contactId}`,
      function: 'api',
      roles: STAFF,
      summary: 'Remove a contact (If-Match)',
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/communications`,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: 'Communication log of a customer, newest first',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: `${CUSTOMER}/communications`,
      function: 'api',
      roles: STAFF,
      summary: 'Record a communication with a customer (call, meeting, e-mail)',
      body: s.RecordCommunicationBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/reviews`,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: "A customer's service reviews",
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: `${CUSTOMER}/reviews`,
      function: 'api',
      roles: STAFF,
      summary: 'Plan a service review',
      body: s.PlanReviewBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: `${CUSTOMER}/reviews/{reviewId}`,
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'customer-path',
      summary: 'Get a service review',
    },
    {
      method: 'POST',
      path: `${CUSTOMER}/reviews/{reviewId}/outcome`,
      function: 'api',
      roles: STAFF,
      summary: 'Record the outcome of a review: minutes, satisfaction, actions',
      body: s.ReviewOutcomeBody,
    },
    {
      method: 'GET',
      path: '/v1/upcoming-reviews',
      function: 'api',
      roles: READERS,
      summary: 'Planned service reviews of all customers, soonest first',
      query: s.UpcomingReviewsQuery,
    },
    {
      method: 'GET',
      path: '/v1/complaints',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'list',
      summary: 'List complaints (all, by status or by customer); customer users get their own organisation',
      query: s.ListComplaintsQuery,
    },
    {
      method: 'POST',
      path: '/v1/complaints',
      function: 'api',
      roles: COMPLAINANTS,
      customerScope: 'create',
      summary: 'Register a complaint',
      body: s.CreateComplaintBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/complaints/{id}',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'record',
      summary: 'Get a complaint by id or number (CMP-101)',
    },
    {
      method: 'PATCH',
      path: '/v1/complaints/{id}',
      function: 'api',
      roles: STAFF,
      summary: 'Change owner, service or follow-up actions of a complaint (If-Match)',
      body: s.UpdateComplaintBody,
    },
    {
      method: 'POST',
      path: '/v1/complaints/{id}/response',
      function: 'api',
      roles: STAFF,
      summary: 'Respond to a complaint, with follow-up actions',
      body: s.RespondComplaintBody,
    },
    {
      method: 'POST',
      path: '/v1/complaints/{id}/closure',
      function: 'api',
      roles: STAFF,
      summary: 'Close a complaint (409 while a follow-up action is open)',
      body: s.CloseComplaintBody,
    },
    {
      method: 'GET',
      path: '/v1/complaints/{id}/history',
      function: 'api',
      roles: READERS,
      summary: 'Full history of a complaint',
      query: s.ListQuery,
    },
    {
      method: 'GET',
      path: '/v1/surveys/{token}',
      function: 'api',
      roles: [],
      public: true,
      summary: 'A satisfaction survey by its link token (no login: the token is the key)',
    },
    {
      method: 'POST',
      path: '/v1/surveys/{token}/answers',
      function: 'api',
      roles: [],
      public: true,
      summary: 'Answer a survey once: score 1-5 and a comment (409 twice, 410 expired)',
      body: s.SurveyAnswerBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/survey-results',
      function: 'api',
      roles: READERS,
      summary: 'Satisfaction results per service, agent group or customer, by month or year',
      query: s.SurveyResultsQuery,
    },
    {
      method: 'GET',
      path: '/v1/survey-settings',
      function: 'api',
      roles: READERS,
      summary: 'Survey settings (low-score threshold, expiry, link base URL)',
    },
    {
      method: 'PUT',
      path: '/v1/survey-settings',
      function: 'api',
      roles: ADMINS,
      summary: 'Change survey settings',
      body: s.SurveySettingsBody,
    },
    {
      method: 'GET',
      path: '/v1/follow-ups',
      function: 'api',
      roles: READERS,
      summary: 'Follow-ups of low satisfaction (by status, or open ones by assignee)',
      query: s.ListFollowUpsQuery,
    },
    {
      method: 'GET',
      path: '/v1/follow-ups/{id}',
      function: 'api',
      roles: READERS,
      summary: 'Get a follow-up by id or number (FUP-101)',
    },
    {
      method: 'POST',
      path: '/v1/follow-ups/{id}/closure',
      function: 'api',
      roles: STAFF,
      summary: 'Close a follow-up with a note; admins or its assignee',
      body: s.CloseFollowUpBody,
    },
  ],
  subscriptions: [
    {
      id: 'tickets-closed',
      description: 'Closed tickets (not cancelled): send the caller a satisfaction survey (PR7.6).',
      // Cancelled tickets are skipped in code, not in the pattern: the rule stays a plain
      // source/detail-type match that the contract tests can verify.
      pattern: { source: ['itsm.service-desk'], 'detail-type': ['TicketClosed'] },
      function: 'events',
    },
    {
      id: 'sla-violation-notices',
      description: "SLA violation notices: mail the customer's notice contacts and log it (PR2.3, PR7.3).",
      pattern: { source: ['itsm.service-level'], 'detail-type': ['SlaViolationNoticeIssued'] },
      function: 'events',
    },
    ...resyncSubscriptions('customers'),
  ],
  flows: [],
  schedules: [],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: customersEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
