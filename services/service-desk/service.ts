import { fileURLToPath } from 'node:url';
import {
  ChangeApproved,
  ChangeCancelled,
  ChangeClosed,
  ChangeImplementationStarted,
  ChangeImplemented,
  ChangeRaised,
  ChangeRejected,
  ChangeRescheduled,
  ChangeSubmitted,
  ChangeUpdated,
} from '../../shared/contracts/changes/v1';
import { CustomerRegistered, CustomerUpdated } from '../../shared/contracts/customers/v1';
import { serviceDeskEvents, ticketEvents } from '../../shared/contracts/service-desk/v1';
import { SlaBreached, SlaClocksChanged, SlaWarningReached } from '../../shared/contracts/service-level/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { resyncFunction, resyncSubscriptions } from '../../shared/kit/resync-spec';
import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import { majorIncidentFlow } from './flows/major-incident';
import { PROJECTIONS } from './projections';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The ISRM process manager and owner run the desk and configure it (FitSM-3 ISRM). */
export const ADMINS: readonly Role[] = ['service-desk-manager', 'service-desk-owner'];
/** Agents work tickets: admins and process staff. */
export const AGENTS: readonly Role[] = [...ADMINS, 'process-staff'];
/** Staff who may read every ticket (governance and audit included). */
export const STAFF_READERS: readonly Role[] = [...AGENTS, 'sms-owner', 'sms-manager', 'auditor'];
/** Everyone who may read tickets; customer users only their organisation's (checked per record). */
export const READERS: readonly Role[] = [...STAFF_READERS, 'customer-user'];
/** Who may record tickets, comment, confirm and reopen: agents and customer users (checked per record). */
export const PARTICIPANTS: readonly Role[] = [...AGENTS, 'customer-user'];
/** Who may decide an approval: any staff role (the request model names the role or user; checked per record). */
export const APPROVERS: readonly Role[] = ALL_ROLES.filter((r) => r !== 'customer-user' && r !== 'auditor');

/** Change events carrying the change's snapshot: the desk links those raised from its tickets (PR12.1). */
export const CHANGE_EVENTS = [
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
];

export const serviceDesk = defineService({
  name: 'service-desk',
  title: 'Incident and service request management',
  fitsm: 'PR9',
  table: {
    // Small projections: a ticket change writes ~1 WCU per index entry, SLA clocks none (projections.ts).
    indexes: [
      { name: 'gsi1', projection: PROJECTIONS.gsi1 },
      { name: 'gsi2', projection: PROJECTIONS.gsi2 },
      { name: 'gsi3', projection: PROJECTIONS.gsi3 },
      { name: 'gsi4', projection: PROJECTIONS.gsi4 },
      { name: 'gsi5', projection: PROJECTIONS.gsi5 },
    ],
    timeToLiveAttribute: 'expiresAt',
    // Events leave through the table's stream (ADR 23).
    stream: 'NEW_IMAGE',
  },
  // Attachments (screenshots, logs) are records of the ticket: kept 10 years, the most a
  // definition allows, like the audit trail they belong to; the console uploads straight to it.
  bucket: { expireAfterDays: 3650, consoleUploads: true },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description:
        'Service desk HTTP API: tickets, comments, attachments, queues, escalation, major incidents, request models.',
      memoryMb: 1024,
      timeoutSeconds: 29,
      // The bucket: presigns uploads and downloads, checks an upload (HeadObject), deletes a mismatch.
      access: { table: 'write', publish: true, startFlows: ['major-incident'], bucket: 'write' },
    },
    events: {
      entry: entry('./handlers/events.ts'),
      description:
        'SLA clocks onto tickets (breaching-soon queue); automatic escalation on SLA warnings and breaches; changes raised from tickets linked to them.',
      access: { table: 'write', publish: true },
    },
    notify: {
      entry: entry('./handlers/notify.ts'),
      description: 'Tells callers, coordinators and managers by e-mail what they should know of ticket changes.',
      access: { table: 'write', sendMail: true },
    },
    closer: {
      entry: entry('./handlers/closer.ts'),
      description: 'Closes resolved tickets whose confirmation period has passed.',
      timeoutSeconds: 120,
      access: { table: 'write', publish: true },
    },
    tasks: {
      entry: entry('./handlers/tasks.ts'),
      description: 'Tasks of the major incident flow.',
      timeoutSeconds: 60,
      access: { table: 'write', publish: true },
    },
    uploads: {
      entry: entry('./handlers/uploads.ts'),
      description: 'Deletes uploads asked for and never completed: their objects and pending items.',
      timeoutSeconds: 120,
      access: { table: 'write', bucket: 'write' },
    },
    relay: eventRelayFunction,
    resync: resyncFunction(entry('./handlers/resync.ts')),
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/incidents',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'create',
      summary: 'Record an incident',
      body: s.CreateIncidentBody,
      response: { status: 201, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/requests',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'create',
      summary: 'Record a service request (free or from a request model)',
      body: s.CreateRequestBody,
      response: { status: 201, schema: s.TicketView },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Get a ticket by id or number',
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'PATCH',
      path: '/v1/tickets/{id}',
      function: 'api',
      roles: AGENTS,
      summary: 'Classify, prioritise, assign or move a ticket through its work statuses (If-Match)',
      body: s.UpdateTicketBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/history',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Audit trail of a ticket',
      query: s.ListQuery,
      response: { status: 200, schema: s.HistoryPage },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/children',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Child tickets of a ticket',
      query: s.ListQuery,
      response: { status: 200, schema: s.ChildPage },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/resolve',
      function: 'api',
      roles: AGENTS,
      summary: 'Resolve with a resolution code and summary',
      body: s.ResolveBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/close',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary: 'Close a resolved ticket (the caller confirms, or an agent on their behalf)',
      body: s.CloseBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/reopen',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary: 'Reopen a resolved or closed ticket within the reopen window',
      body: s.ReasonBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/cancel',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary: 'Cancel an open ticket',
      body: s.ReasonBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/comments',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Comments, oldest first (customer users see public ones only)',
      query: s.ListQuery,
      response: { status: 200, schema: s.CommentPage },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/comments',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary: 'Add a public or internal comment',
      body: s.CommentBody,
      response: { status: 201, schema: s.Comment },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/attachments',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary:
        'Ask to upload a file to a ticket or one of its comments: a pending attachment and a presigned PUT (5 minutes)',
      body: s.AttachmentBody,
      response: { status: 201, schema: s.AttachmentUpload },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/attachments/{attachmentId}/completion',
      function: 'api',
      roles: PARTICIPANTS,
      customerScope: 'record',
      summary: 'Record an uploaded file once it is exactly what was declared (else it is deleted)',
      response: { status: 200, schema: s.AttachmentView },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/attachments',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: "A ticket's attachments, oldest first (customer users: public ones only)",
      query: s.ListQuery,
      response: { status: 200, schema: s.AttachmentPage },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/attachments/{attachmentId}/download',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'A download link for an attachment, on the bucket, valid 5 minutes',
      response: { status: 200, schema: s.AttachmentLink },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/work-log',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Work log of a ticket',
      query: s.ListQuery,
      response: { status: 200, schema: s.WorkLogPage },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/work-log',
      function: 'api',
      roles: AGENTS,
      summary: 'Log work done on a ticket',
      body: s.WorkLogBody,
      response: { status: 201, schema: s.WorkLogEntry },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/change-requests',
      function: 'api',
      roles: AGENTS,
      summary:
        'Ask change management for a change (an RFC) from a ticket: ChangeRequested; 202 with the request id (FitSM PR12.1)',
      body: s.ChangeRequestBody,
      response: { status: 202, schema: s.ChangeRequestAccepted },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/changes',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Changes raised from a ticket, as the changes service last announced them',
      query: s.ListQuery,
      response: { status: 200, schema: s.TicketChangePage },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/escalations',
      function: 'api',
      roles: AGENTS,
      summary: 'Escalate functionally (to another group) or hierarchically (to the group manager)',
      body: s.EscalationBody,
      response: { status: 201, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/major',
      function: 'api',
      roles: AGENTS,
      summary: 'Declare a major incident and start its update cadence',
      body: s.DeclareMajorBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/major/updates',
      function: 'api',
      roles: AGENTS,
      summary: 'Publish a stakeholder update of a major incident',
      body: s.MajorUpdateBody,
      response: { status: 201, schema: s.Comment },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/major/review',
      function: 'api',
      roles: AGENTS,
      summary: 'Record the major incident review (required before closure)',
      body: s.MajorReviewBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/approval',
      function: 'api',
      roles: APPROVERS,
      summary: 'Approve or reject a service request that needs approval',
      body: s.ApprovalBody,
      response: { status: 200, schema: s.TicketView },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/tasks',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Fulfilment tasks of a service request',
      response: { status: 200, schema: s.FulfilmentTaskList },
    },
    {
      method: 'POST',
      path: '/v1/tickets/{id}/tasks/{taskId}/completion',
      function: 'api',
      roles: AGENTS,
      summary: 'Mark a fulfilment task done',
      response: { status: 200, schema: s.FulfilmentTask },
    },
    {
      method: 'GET',
      path: '/v1/queues/mine',
      function: 'api',
      roles: AGENTS,
      summary: "The caller's open tickets, by priority then age",
      query: s.ListQuery,
      response: { status: 200, schema: s.QueuePage },
    },
    {
      method: 'GET',
      path: '/v1/queues/groups/{group}',
      function: 'api',
      roles: STAFF_READERS,
      summary: "A group's open tickets, by priority then age",
      query: s.ListQuery,
      response: { status: 200, schema: s.QueuePage },
    },
    {
      method: 'GET',
      path: '/v1/queues/breaching-soon',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Open tickets by nearest SLA deadline',
      query: s.ListQuery,
      response: { status: 200, schema: s.QueuePage },
    },
    {
      method: 'GET',
      path: '/v1/queues/customer',
      function: 'api',
      roles: READERS,
      customerScope: 'list',
      summary: "An organisation's tickets, newest first (customer users: their own organisation)",
      query: s.CustomerQueueQuery,
      response: { status: 200, schema: s.CustomerQueuePage },
    },
    {
      method: 'GET',
      path: '/v1/desk-settings',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Desk settings',
      response: { status: 200, schema: s.Settings },
    },
    {
      method: 'PUT',
      path: '/v1/desk-settings',
      function: 'api',
      roles: ADMINS,
      summary: 'Replace the desk settings (If-Match)',
      body: s.SettingsBody,
      response: { status: 200, schema: s.Settings },
    },
    {
      method: 'GET',
      path: '/v1/groups/{group}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a support group',
      response: { status: 200, schema: s.Group },
    },
    {
      method: 'PUT',
      path: '/v1/groups/{group}',
      function: 'api',
      roles: ADMINS,
      summary: 'Define or change a support group: manager and members (If-Match to change)',
      body: s.GroupBody,
      response: { status: 200, schema: s.Group },
    },
    {
      method: 'GET',
      path: '/v1/request-models',
      function: 'api',
      roles: READERS,
      customerScope: 'shared',
      summary: 'Request models (standard requests)',
      query: s.ListQuery,
      response: { status: 200, schema: s.RequestModelPage },
    },
    {
      method: 'GET',
      path: '/v1/request-models/{id}',
      function: 'api',
      roles: READERS,
      customerScope: 'shared',
      summary: 'Get a request model',
      response: { status: 200, schema: s.RequestModel },
    },
    {
      method: 'PUT',
      path: '/v1/request-models/{id}',
      function: 'api',
      roles: ADMINS,
      summary: 'Define or change a request model (If-Match to change)',
      body: s.RequestModelBody,
      response: { status: 200, schema: s.RequestModel },
    },
  ],
  subscriptions: [
    {
      id: 'sla-clocks',
      description: 'SLA clocks for the breaching-soon queue; warnings and breaches escalate (FitSM PR9.3).',
      pattern: {
        source: ['itsm.service-level'],
        'detail-type': [SlaClocksChanged.detailType, SlaWarningReached.detailType, SlaBreached.detailType],
      },
      function: 'events',
    },
    {
      id: 'customer-services',
      description: 'Customer organisations and the services they use: what a customer user may report against.',
      pattern: {
        source: ['itsm.customers'],
        'detail-type': [CustomerRegistered.detailType, CustomerUpdated.detailType],
      },
      function: 'events',
    },
    {
      id: 'ticket-changes',
      description:
        'Changes raised from tickets (origin service-desk, filtered in code): linked to their ticket by version (FitSM PR12.1).',
      // The origin is checked in code, not in the pattern: the rule stays a plain source/detail-type
      // match that the contract tests can verify.
      pattern: { source: ['itsm.changes'], 'detail-type': CHANGE_EVENTS.map((e) => e.detailType) },
      function: 'events',
    },
    {
      id: 'ticket-notifications',
      description: 'Own ticket events: e-mail the caller, coordinator or manager (FitSM PR9.4).',
      pattern: { source: ['itsm.service-desk'], 'detail-type': ticketEvents.map((e) => e.detailType) },
      function: 'notify',
    },
    ...resyncSubscriptions('service-desk'),
  ],
  flows: [
    {
      id: 'major-incident',
      description: 'Major incident update cadence (FitSM PR9.6)',
      definition: majorIncidentFlow,
      taskFunctions: ['tasks'],
    },
  ],
  schedules: [
    {
      id: 'auto-close',
      description: 'Every hour, close resolved tickets whose confirmation period has passed (FitSM PR9.5).',
      rate: 'rate(1 hour)',
      function: 'closer',
    },
    {
      id: 'abandoned-uploads',
      description: 'Every hour, delete the objects and items of uploads never completed (attachments).',
      rate: 'rate(1 hour)',
      function: 'uploads',
    },
  ],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: serviceDeskEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
