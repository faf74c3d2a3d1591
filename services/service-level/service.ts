import { fileURLToPath } from 'node:url';
import { serviceEvents } from '../../shared/contracts/portfolio/v1';
import { serviceLevelEvents } from '../../shared/contracts/service-level/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { resyncFunction, resyncSubscriptions } from '../../shared/kit/resync-spec';
import type { Role } from '../../shared/kit/roles';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The SLM process manager and owner keep calendars and agreements (FitSM-3 SLM). */
export const ADMINS: readonly Role[] = ['service-level-manager', 'service-level-owner'];
/** Anyone who works with tickets or governs the SMS may read and simulate. */
export const READERS: readonly Role[] = [
  ...ADMINS,
  'process-staff',
  'service-desk-manager',
  'sms-owner',
  'sms-manager',
  'auditor',
];
/** Readers plus customer users, who see only their own organisation's SLAs and notices (access.ts). */
export const CUSTOMER_READERS: readonly Role[] = [...READERS, 'customer-user'];

/** Service-desk events that carry a ticket snapshot; each may move the ticket's clocks. */
export const TICKET_EVENTS: readonly string[] = [
  'TicketCreated',
  'TicketChanged',
  'TicketResolved',
  'TicketReopened',
  'TicketClosed',
  'TicketEscalated',
  'MajorIncidentDeclared',
];

/**
 * Service level management (FitSM PR2): business calendars, agreements (SLA/OLA/UA), ticket
 * clocks driven by service-desk events, warnings and breaches from a sparse due index read every
 * minute, compliance reports and SLA violation notices. `POST /v1/sla-evaluations` simulates.
 */
export const serviceLevel = defineService({
  name: 'service-level',
  title: 'Service level management',
  fitsm: 'PR2',
  // gsi1: lists and compliance outcomes; gsi2: per-customer lists; due: sparse, what is due (tickets, reviews).
  table: {
    // `due` is rewritten whenever a ticket's next moment moves: it holds keys only, so each entry is
    // one small write and a change elsewhere in the clock record does not touch it.
    // `all` lists every ticket's clocks record for a resync (ADR 28); its keys never change after
    // the record is created, so keeping it costs one small write per ticket.
    indexes: [
      { name: 'gsi1' },
      { name: 'gsi2' },
      { name: 'due', projection: 'keys-only' },
      { name: 'all', projection: 'keys-only' },
    ],
    timeToLiveAttribute: 'expiresAt',
    // Events leave through the table's stream (ADR 23).
    stream: 'NEW_IMAGE',
  },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Service-level HTTP API: calendars, agreements, ticket clocks, compliance, violation notices.',
      timeoutSeconds: 29,
      access: { table: 'write' },
    },
    events: {
      entry: entry('./handlers/events.ts'),
      description: 'Ticket events drive the SLA clocks; portfolio events say which services are live.',
      timeoutSeconds: 30,
      access: { table: 'write', publish: true },
    },
    timers: {
      entry: entry('./handlers/timers.ts'),
      description: 'Every minute: announce SLA warnings and breaches that have come due (sparse due index).',
      timeoutSeconds: 60,
      access: { table: 'write', publish: true },
    },
    relay: eventRelayFunction,
    resync: resyncFunction(entry('./handlers/resync.ts')),
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/calendars',
      function: 'api',
      roles: READERS,
      summary: 'List business calendars',
      query: s.ListQuery,
      response: { status: 200, schema: s.CalendarPage },
    },
    {
      method: 'POST',
      path: '/v1/calendars',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a business calendar',
      body: s.DefineCalendarBody,
      response: { status: 201, schema: s.Calendar },
    },
    {
      method: 'GET',
      path: '/v1/calendars/{calendarId}',
      function: 'api',
      roles: READERS,
      summary: 'Get a business calendar',
      response: { status: 200, schema: s.Calendar },
    },
    {
      method: 'POST',
      path: '/v1/sla-evaluations',
      function: 'api',
      roles: READERS,
      summary: 'Evaluate a ticket timeline against SLAs and calendars (stores nothing)',
      body: s.EvaluationBody,
      response: { status: 200, schema: s.Evaluation },
    },
    {
      method: 'GET',
      path: '/v1/agreements',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'list',
      summary: 'List agreements (kind, customerId, reviewDue=true); customer users see their SLAs',
      query: s.ListAgreementsQuery,
      response: { status: 200, schema: s.AgreementPage },
    },
    {
      method: 'POST',
      path: '/v1/agreements',
      function: 'api',
      roles: ADMINS,
      summary: 'Record an SLA, OLA or UA',
      body: s.CreateAgreementBody,
      response: { status: 201, schema: s.Agreement },
    },
    {
      method: 'GET',
      path: '/v1/agreements/{id}',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'record',
      summary: 'Get an agreement by number (SLA-3, OLA-1, UA-2)',
      response: { status: 200, schema: s.Agreement },
    },
    {
      method: 'PATCH',
      path: '/v1/agreements/{id}',
      function: 'api',
      roles: ADMINS,
      summary: 'Change an agreement or move it draft -> active -> expired (If-Match)',
      body: s.UpdateAgreementBody,
      response: { status: 200, schema: s.Agreement },
    },
    {
      method: 'GET',
      path: '/v1/agreements/{id}/history',
      function: 'api',
      roles: READERS,
      summary: 'Audit trail of an agreement',
      query: s.ListQuery,
      response: { status: 200, schema: s.HistoryPage },
    },
    {
      method: 'GET',
      path: '/v1/agreements/{id}/compliance',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'record',
      summary: 'Compliance per clock for a month (period=YYYY-MM) or months (from, to)',
      query: s.ComplianceQuery,
      response: { status: 200, schema: s.Compliance },
    },
    {
      method: 'GET',
      path: '/v1/tickets/{id}/clocks',
      function: 'api',
      roles: READERS,
      summary: "A ticket's SLA clocks as of now, explained span by span",
      response: { status: 200, schema: s.TicketClocks },
    },
    {
      method: 'GET',
      path: '/v1/violation-notices',
      function: 'api',
      roles: CUSTOMER_READERS,
      customerScope: 'list',
      summary: 'SLA violation notices, newest first (customerId); customer users see their own',
      query: s.ListNoticesQuery,
      response: { status: 200, schema: s.ViolationNoticePage },
    },
  ],
  subscriptions: [
    {
      id: 'ticket-events',
      description: "Every ticket event carries the ticket's snapshot: the clocks are rebuilt from them (FitSM PR2.3).",
      pattern: { source: ['itsm.service-desk'], 'detail-type': [...TICKET_EVENTS] },
      function: 'events',
    },
    {
      id: 'portfolio-services',
      description: 'Copy of portfolio service status: the default SLA applies to live services (FitSM PR2.2).',
      pattern: { source: ['itsm.portfolio'], 'detail-type': serviceEvents.map((e) => e.detailType) },
      function: 'events',
    },
    ...resyncSubscriptions('service-level'),
  ],
  flows: [],
  schedules: [
    {
      id: 'sla-timers',
      description: 'Every minute, announce SLA warnings and breaches due by now (sparse due index, no scan).',
      rate: 'rate(1 minute)',
      function: 'timers',
    },
  ],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: serviceLevelEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
