import { fileURLToPath } from 'node:url';
import { configurationEvents } from '../../shared/contracts/configuration/v1';
import { serviceEvents } from '../../shared/contracts/portfolio/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { resyncFunction, resyncSubscriptions } from '../../shared/kit/resync-spec';
import type { Role } from '../../shared/kit/roles';
import { verificationFlow } from './flows/verification';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The CMDB's process manager and owner configure it (FitSM-3 CONFM). */
export const ADMINS: readonly Role[] = ['configuration-manager', 'configuration-owner'];
/** Who may change CIs: admins, and process staff for CIs they own (checked per record). */
export const WRITERS: readonly Role[] = [...ADMINS, 'process-staff'];
/** Who may read; customer users only see CIs linked to their organisation (checked per record). */
export const READERS: readonly Role[] = [...WRITERS, 'sms-owner', 'sms-manager', 'auditor', 'customer-user'];
const STAFF_READERS: readonly Role[] = [...WRITERS, 'sms-owner', 'sms-manager', 'auditor'];

export const configuration = defineService({
  name: 'configuration',
  title: 'Configuration management (CMDB)',
  fitsm: 'PR11',
  // Events leave through the table's stream (ADR 23).
  table: { indexes: [{ name: 'gsi1' }, { name: 'gsi2' }], timeToLiveAttribute: 'expiresAt', stream: 'NEW_IMAGE' },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'CMDB HTTP API: CI types, CIs, relationships, impact, import, baselines, verification.',
      memoryMb: 1024,
      timeoutSeconds: 29,
      access: { table: 'write', publish: true, startFlows: ['verification'], completeFlowTasks: ['verification'] },
    },
    events: {
      entry: entry('./handlers/events.ts'),
      description: 'Keeps the copy of portfolio services CIs link to.',
      access: { table: 'write' },
    },
    tasks: {
      entry: entry('./handlers/tasks.ts'),
      description: 'Tasks of the verification campaign flow.',
      timeoutSeconds: 60,
      access: { table: 'write', publish: true, completeFlowTasks: ['verification'] },
    },
    relay: eventRelayFunction,
    resync: resyncFunction(entry('./handlers/resync.ts')),
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/ci-types',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List CI types',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: '/v1/ci-types',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a CI type',
      body: s.CreateCiTypeBody,
      response: { status: 201 },
    },
    { method: 'GET', path: '/v1/ci-types/{typeId}', function: 'api', roles: STAFF_READERS, summary: 'Get a CI type' },
    {
      method: 'PATCH',
      path: '/v1/ci-types/{typeId}',
      function: 'api',
      roles: ADMINS,
      summary: 'Change a CI type (If-Match)',
      body: s.UpdateCiTypeBody,
    },
    {
      method: 'GET',
      path: '/v1/relationship-types',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List relationship types',
    },
    {
      method: 'POST',
      path: '/v1/relationship-types',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a relationship type',
      body: s.CreateRelationshipTypeBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/cis',
      function: 'api',
      roles: READERS,
      customerScope: 'list',
      summary: 'List CIs (by type with typeId)',
      query: s.ListCisQuery,
    },
    {
      method: 'POST',
      path: '/v1/cis',
      function: 'api',
      roles: ADMINS,
      summary: 'Register a CI',
      body: s.CreateCiBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Get a CI by id or number (CI-1042)',
    },
    {
      method: 'PATCH',
      path: '/v1/cis/{id}',
      function: 'api',
      roles: WRITERS,
      summary: 'Change a CI (If-Match)',
      body: s.UpdateCiBody,
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/history',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Full history of a CI',
      query: s.ListQuery,
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/relationships',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Relationships of a CI',
    },
    {
      method: 'POST',
      path: '/v1/cis/{id}/relationships',
      function: 'api',
      roles: WRITERS,
      summary: 'Relate a CI to another',
      body: s.AddRelationshipBody,
      response: { status: 201 },
    },
    {
      method: 'DELETE',
      path: '/v1/cis/{id}/relationships/{type}/{targetId}',
      function: 'api',
      roles: WRITERS,
      summary: 'Remove a relationship',
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/impact',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Impact analysis: what depends on (or what supports) a CI',
      query: s.ImpactQuery,
    },
    {
      method: 'POST',
      path: '/v1/ci-imports',
      function: 'api',
      roles: ADMINS,
      summary: 'Bulk import and reconcile up to 1,000 CIs',
      body: s.ImportBody,
    },
    {
      method: 'GET',
      path: '/v1/baselines',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List baselines',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: '/v1/baselines',
      function: 'api',
      roles: ADMINS,
      summary: 'Capture a baseline',
      body: s.CaptureBaselineBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/baselines/{id}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a baseline and its members',
    },
    {
      method: 'GET',
      path: '/v1/baselines/{id}/diff',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Compare a baseline with now',
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List verification campaigns',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns',
      function: 'api',
      roles: ADMINS,
      summary: 'Plan and open a verification campaign',
      body: s.PlanCampaignBody,
      response: { status: 201 },
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns/{id}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a campaign with its figures',
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns/{id}/results',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Results per CI',
      query: s.ListQuery,
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns/{id}/results',
      function: 'api',
      roles: WRITERS,
      summary: 'Record a verification result for a CI',
      body: s.RecordResultBody,
      response: { status: 201 },
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns/{id}/closure',
      function: 'api',
      roles: ADMINS,
      summary: 'Close a campaign now',
      body: s.CloseCampaignBody,
      response: { status: 202 },
    },
  ],
  subscriptions: [
    {
      id: 'portfolio-services',
      description: 'Copy of portfolio services (id, name, status) for CI links and impacted services.',
      pattern: { source: ['itsm.portfolio'], 'detail-type': serviceEvents.map((e) => e.detailType) },
      function: 'events',
    },
    ...resyncSubscriptions('configuration'),
  ],
  flows: [
    {
      id: 'verification',
      description: 'Verification campaign (FitSM PR11.5)',
      definition: verificationFlow,
      taskFunctions: ['tasks'],
    },
  ],
  schedules: [],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: configurationEvents.map((e) => ({
    detailType: e.detailType,
    version: e.version,
    description: e.description,
  })),
});
