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
import { configurationEvents } from '../../shared/contracts/configuration/v1';
import { serviceEvents } from '../../shared/contracts/portfolio/v1';
import {
  BaselineRequested as ReleaseBaselineRequested,
  ReleasePackageRecorded,
} from '../../shared/contracts/releases/v1';
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

/** Every change event carrying the change's snapshot: the copy CI changes are checked against (FitSM PR11.4). */
export const changeSnapshotEvents = [
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

/** Who may ask for a baseline by event; each new asker adds its own `BaselineRequested` here. */
export const BASELINE_REQUESTERS = [ReleaseBaselineRequested];

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
      description:
        'Keeps the copies of portfolio services CIs link to and of changes CI updates name; captures requested baselines; records release packages.',
      // A package of 100 items is 100 relationship transactions (each resumable on redelivery).
      timeoutSeconds: 60,
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
      response: { status: 200, schema: s.CiTypePage },
    },
    {
      method: 'POST',
      path: '/v1/ci-types',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a CI type',
      body: s.CreateCiTypeBody,
      response: { status: 201, schema: s.CiTypeView },
    },
    {
      method: 'GET',
      path: '/v1/ci-types/{typeId}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a CI type',
      response: { status: 200, schema: s.CiTypeView },
    },
    {
      method: 'PATCH',
      path: '/v1/ci-types/{typeId}',
      function: 'api',
      roles: ADMINS,
      summary: 'Change a CI type (If-Match)',
      body: s.UpdateCiTypeBody,
      response: { status: 200, schema: s.CiTypeView },
    },
    {
      method: 'GET',
      path: '/v1/relationship-types',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List relationship types',
      response: { status: 200, schema: s.RelationshipTypeList },
    },
    {
      method: 'POST',
      path: '/v1/relationship-types',
      function: 'api',
      roles: ADMINS,
      summary: 'Define a relationship type',
      body: s.CreateRelationshipTypeBody,
      response: { status: 201, schema: s.RelationshipTypeView },
    },
    {
      method: 'GET',
      path: '/v1/cis',
      function: 'api',
      roles: READERS,
      customerScope: 'list',
      summary: 'List CIs (by type with typeId)',
      query: s.ListCisQuery,
      response: { status: 200, schema: s.CiPage },
    },
    {
      method: 'POST',
      path: '/v1/cis',
      function: 'api',
      roles: ADMINS,
      summary: 'Register a CI',
      body: s.CreateCiBody,
      response: { status: 201, schema: s.CiView },
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Get a CI by id or number (CI-1042)',
      response: { status: 200, schema: s.CiView },
    },
    {
      method: 'PATCH',
      path: '/v1/cis/{id}',
      function: 'api',
      roles: WRITERS,
      summary: 'Change a CI (If-Match)',
      body: s.UpdateCiBody,
      response: { status: 200, schema: s.CiView },
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/history',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Full history of a CI',
      query: s.ListQuery,
      response: { status: 200, schema: s.HistoryPage },
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/relationships',
      function: 'api',
      roles: READERS,
      customerScope: 'record',
      summary: 'Relationships of a CI',
      response: { status: 200, schema: s.RelationshipList },
    },
    {
      method: 'POST',
      path: '/v1/cis/{id}/relationships',
      function: 'api',
      roles: WRITERS,
      summary: 'Relate a CI to another',
      body: s.AddRelationshipBody,
      response: { status: 201, schema: s.RelationshipAdded },
    },
    {
      method: 'DELETE',
      path: '/v1/cis/{id}/relationships/{type}/{targetId}',
      function: 'api',
      roles: WRITERS,
      summary: 'Remove a relationship (changeId: the change authorising it)',
      query: s.RemoveRelationshipQuery,
    },
    {
      method: 'GET',
      path: '/v1/cis/{id}/impact',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Impact analysis: what depends on (or what supports) a CI',
      query: s.ImpactQuery,
      response: { status: 200, schema: s.ImpactView },
    },
    {
      method: 'POST',
      path: '/v1/ci-imports',
      function: 'api',
      roles: ADMINS,
      summary: 'Bulk import and reconcile up to 1,000 CIs',
      body: s.ImportBody,
      response: { status: 200, schema: s.ImportReport },
    },
    {
      method: 'GET',
      path: '/v1/baselines',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List baselines',
      query: s.ListQuery,
      response: { status: 200, schema: s.BaselinePage },
    },
    {
      method: 'POST',
      path: '/v1/baselines',
      function: 'api',
      roles: ADMINS,
      summary: 'Capture a baseline',
      body: s.CaptureBaselineBody,
      response: { status: 201, schema: s.BaselineCaptured },
    },
    {
      method: 'GET',
      path: '/v1/baselines/{id}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a baseline and its members',
      response: { status: 200, schema: s.BaselineView },
    },
    {
      method: 'GET',
      path: '/v1/baselines/{id}/diff',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Compare a baseline with now',
      response: { status: 200, schema: s.BaselineDiffView },
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'List verification campaigns',
      query: s.ListQuery,
      response: { status: 200, schema: s.CampaignPage },
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns',
      function: 'api',
      roles: ADMINS,
      summary: 'Plan and open a verification campaign',
      body: s.PlanCampaignBody,
      response: { status: 201, schema: s.CampaignView },
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns/{id}',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Get a campaign with its figures',
      response: { status: 200, schema: s.CampaignView },
    },
    {
      method: 'GET',
      path: '/v1/verification-campaigns/{id}/results',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'Results per CI',
      query: s.ListQuery,
      response: { status: 200, schema: s.CampaignResultPage },
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns/{id}/results',
      function: 'api',
      roles: WRITERS,
      summary: 'Record a verification result for a CI',
      body: s.RecordResultBody,
      response: { status: 201, schema: s.ResultRecorded },
    },
    {
      method: 'POST',
      path: '/v1/verification-campaigns/{id}/closure',
      function: 'api',
      roles: ADMINS,
      summary: 'Close a campaign now',
      body: s.CloseCampaignBody,
      response: { status: 202, schema: s.CampaignView },
    },
    {
      method: 'GET',
      path: '/v1/change-control',
      function: 'api',
      roles: ADMINS,
      summary: 'CI types whose changes must name an authorising change (FitSM PR11.4)',
      response: { status: 200, schema: s.ChangeControlView },
    },
    {
      method: 'PUT',
      path: '/v1/change-control',
      function: 'api',
      roles: ADMINS,
      summary: 'Set the change-controlled CI types (If-Match; "0" before the first save)',
      body: s.ChangeControlBody,
      response: { status: 200, schema: s.ChangeControlView },
    },
    {
      method: 'GET',
      path: '/v1/unauthorised-ci-changes',
      function: 'api',
      roles: STAFF_READERS,
      summary: 'CI changes made without an authorising change, newest first (FitSM PR11.4)',
      query: s.ListQuery,
      response: { status: 200, schema: s.UnauthorisedChangePage },
    },
  ],
  subscriptions: [
    {
      id: 'portfolio-services',
      description: 'Copy of portfolio services (id, name, status) for CI links and impacted services.',
      pattern: { source: ['itsm.portfolio'], 'detail-type': serviceEvents.map((e) => e.detailType) },
      function: 'events',
    },
    {
      id: 'changes',
      description: 'Copy of changes (status, CIs, windows) that CI updates are checked against (FitSM PR11.4).',
      pattern: { source: ['itsm.changes'], 'detail-type': changeSnapshotEvents.map((e) => e.detailType) },
      function: 'events',
    },
    {
      id: 'baseline-requests',
      description:
        'Baselines other services ask for (BaselineRequested), answered with BaselineCaptured (FitSM PR13.5).',
      pattern: { source: BASELINE_REQUESTERS.map((e) => e.source), 'detail-type': ['BaselineRequested'] },
      function: 'events',
    },
    {
      id: 'release-packages',
      description: 'Release packages recorded in the CMDB as CIs related to the CIs they deploy (FitSM PR13).',
      pattern: { source: [ReleasePackageRecorded.source], 'detail-type': [ReleasePackageRecorded.detailType] },
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
