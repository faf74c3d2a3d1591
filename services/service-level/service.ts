import { fileURLToPath } from 'node:url';
import { defineService } from '../../shared/kit/definition';
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

/**
 * Service level management (FitSM PR2). This first slice holds business calendars and the SLA
 * clock engine, exposed as a simulator: `POST /v1/sla-evaluations` evaluates a ticket timeline
 * against SLAs and calendars without storing anything. Agreements, ticket clocks driven by
 * service-desk events, scheduled warnings and compliance follow.
 */
export const serviceLevel = defineService({
  name: 'service-level',
  title: 'Service level management',
  fitsm: 'PR2',
  table: { indexes: [{ name: 'gsi1' }] },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Service-level HTTP API: business calendars and SLA clock evaluation.',
      timeoutSeconds: 29,
      access: { table: 'write' },
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/calendars',
      function: 'api',
      roles: READERS,
      summary: 'List business calendars',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: '/v1/calendars',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a business calendar',
      body: s.DefineCalendarBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/calendars/{calendarId}',
      function: 'api',
      roles: READERS,
      summary: 'Get a business calendar',
    },
    {
      method: 'POST',
      path: '/v1/sla-evaluations',
      function: 'api',
      roles: READERS,
      summary: 'Evaluate a ticket timeline against SLAs and calendars (stores nothing)',
      body: s.EvaluationBody,
    },
  ],
  subscriptions: [],
  flows: [],
  schedules: [],
  publishes: [],
});
