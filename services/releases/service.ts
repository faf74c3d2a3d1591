import { fileURLToPath } from 'node:url';
import { DeploymentStateChange } from '../../shared/contracts/aws/codedeploy';
import { ActionExecutionStateChange, PipelineExecutionStateChange } from '../../shared/contracts/aws/codepipeline';
import { changesEvents } from '../../shared/contracts/changes/v1';
import { BaselineCaptured } from '../../shared/contracts/configuration/v1';
import { ReleaseDeploymentEnded, releasesEvents } from '../../shared/contracts/releases/v1';
import { defineService } from '../../shared/kit/definition';
import { drainOutboxOnDeploy, eventRelayFunction, eventRelayStream } from '../../shared/kit/relay';
import { ALL_ROLES, type Role } from '../../shared/kit/roles';
import { deploymentFlow } from './flows/deployment';
import { pipelineRoutes } from './routes-pipelines';
import * as s from './schemas';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** The release process's owner and manager: strategies, waivers, acceptance, handover (FitSM-3 RDM). */
export const MANAGERS: readonly Role[] = ['releases-manager', 'releases-owner'];
/** Staff plan releases, record evidence, deploy accepted releases and verify waves. */
export const STAFF: readonly Role[] = ALL_ROLES.filter((r) => r !== 'customer-user' && r !== 'auditor');
export const READERS: readonly Role[] = [...STAFF, 'auditor'];
/** Who puts artifacts into the definitive media library: release managers and process staff. */
export const LIBRARIANS: readonly Role[] = ['releases-manager', 'releases-owner', 'process-staff'];

/** Change events that carry the whole change (every one but the approval request and the notice). */
export const CHANGE_COPY_EVENTS = changesEvents.filter(
  (e) => e.detailType !== 'ChangeApprovalRequested' && e.detailType !== 'ChangeNoticeIssued',
);

export const releases = defineService({
  name: 'releases',
  title: 'Release and deployment management',
  fitsm: 'PR13',
  // Events leave through the table's stream (ADR 23); early-life markers expire.
  table: { indexes: [{ name: 'gsi1' }, { name: 'gsi2' }], timeToLiveAttribute: 'expiresAt', stream: 'NEW_IMAGE' },
  // The definitive media library: every version kept, none deletable for a year (GOVERNANCE: only a
  // principal holding s3:BypassGovernanceRetention, which no function has); uploads from the console.
  bucket: { versioned: true, objectLock: { mode: 'GOVERNANCE', days: 365 }, consoleUploads: true },
  functions: {
    api: {
      entry: entry('./handlers/api.ts'),
      description: 'Release HTTP API: strategies, releases, gate, deployments, waves, back-out, handover.',
      memoryMb: 1024,
      timeoutSeconds: 29,
      access: {
        table: 'write',
        publish: true,
        startFlows: ['deployment'],
        completeFlowTasks: ['deployment'],
        // Presigns uploads into the library (s3:PutObject) and reads its versions to verify packages.
        bucket: 'write',
      },
    },
    tasks: {
      entry: entry('./handlers/tasks.ts'),
      description: 'Tasks of the deployment flow: the next step, baseline requests, waits, the outcome.',
      timeoutSeconds: 60,
      access: { table: 'write', publish: true, completeFlowTasks: ['deployment'] },
    },
    events: {
      entry: entry('./handlers/events.ts'),
      description: 'Copy of changes; the CMDB baselines asked for; incidents during early-life support.',
      timeoutSeconds: 60,
      // A routine pipeline release deploys as soon as its standard change is approved: the start
      // checks the package against the library (a versioned read) and starts the flow.
      access: {
        table: 'write',
        publish: true,
        startFlows: ['deployment'],
        completeFlowTasks: ['deployment'],
        bucket: 'read',
      },
    },
    notify: {
      entry: entry('./handlers/notify.ts'),
      description: "Mails a release's stakeholders how its deployment ended.",
      access: { table: 'write', sendMail: true, consoleLinks: true },
    },
    cicd: {
      entry: entry('./handlers/cicd.ts'),
      description:
        "CodePipeline and CodeDeploy events from the default bus: deployments, evidence, waves' verification.",
      timeoutSeconds: 60,
      // A pipeline's start checks the release's package against the library (a versioned read).
      access: {
        table: 'write',
        publish: true,
        startFlows: ['deployment'],
        completeFlowTasks: ['deployment'],
        bucket: 'read',
      },
    },
    relay: eventRelayFunction,
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/releases',
      function: 'api',
      roles: READERS,
      summary: 'List releases, newest first (by status with status=)',
      query: s.ListReleasesQuery,
      response: { status: 200, schema: s.ReleasePage },
    },
    {
      method: 'POST',
      path: '/v1/releases',
      function: 'api',
      roles: STAFF,
      summary: 'Record a release (REL-n) bundling approved changes, with its plan and acceptance criteria',
      body: s.CreateReleaseBody,
      response: { status: 201, schema: s.ReleaseView },
    },
    {
      method: 'GET',
      path: '/v1/releases/{id}',
      function: 'api',
      roles: READERS,
      summary: 'Get a release by id or number (REL-12), with its gate and its deployment',
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'PATCH',
      path: '/v1/releases/{id}',
      function: 'api',
      roles: STAFF,
      summary: 'Edit a release: plan, waves, criteria, CIs, pipeline (If-Match)',
      body: s.UpdateReleaseBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'GET',
      path: '/v1/releases/{id}/history',
      function: 'api',
      roles: READERS,
      summary: 'Full history of a release',
      query: s.ListQuery,
      response: { status: 200, schema: s.HistoryPage },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/changes',
      function: 'api',
      roles: STAFF,
      summary: 'Bundle an approved change into the release (refused with the reason otherwise)',
      body: s.IncludeChangeBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'DELETE',
      path: '/v1/releases/{id}/changes/{changeId}',
      function: 'api',
      roles: STAFF,
      summary: 'Take a change out of a release that is not deployed',
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/evidence',
      function: 'api',
      roles: STAFF,
      summary: 'Record build or test evidence against an acceptance criterion',
      body: s.EvidenceBody,
      response: { status: 201, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/waivers',
      function: 'api',
      roles: MANAGERS,
      summary: "Waive a criterion, with the reason; the caller is recorded as the waiver's approver",
      body: s.WaiverBody,
      response: { status: 201, schema: s.ReleaseView },
    },
    {
      method: 'GET',
      path: '/v1/releases/{id}/gate',
      function: 'api',
      roles: READERS,
      summary: 'The gate before deployment: each criterion passed, failed, waived or missing',
      response: { status: 200, schema: s.GateView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/acceptances',
      function: 'api',
      roles: MANAGERS,
      summary: 'Accept the release into a stage (test, deployment): its entry criteria must hold',
      body: s.AcceptanceBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'PUT',
      path: '/v1/releases/{id}/package',
      function: 'api',
      roles: STAFF,
      summary:
        'Record the release package: exactly the CI versions it deploys, each from the definitive media library (a library item, an ECR digest or a CodeArtifact version) with its SHA-256',
      body: s.PackageBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'GET',
      path: '/v1/media',
      function: 'api',
      roles: READERS,
      summary: 'List the items of the definitive media library, newest first',
      query: s.ListMediaQuery,
      response: { status: 200, schema: s.MediaPage },
    },
    {
      method: 'POST',
      path: '/v1/media',
      function: 'api',
      roles: LIBRARIANS,
      summary:
        'Start an upload into the definitive media library: a presigned PUT bound to the declared length, type and SHA-256',
      body: s.MediaUploadBody,
      response: { status: 201, schema: s.MediaUploadView },
    },
    {
      method: 'GET',
      path: '/v1/media/{id}',
      function: 'api',
      roles: READERS,
      summary: 'Read one library item: its key, the S3 version packages pin, size and SHA-256',
      response: { status: 200, schema: s.MediaItemView },
    },
    {
      method: 'POST',
      path: '/v1/media/{id}/confirmation',
      function: 'api',
      roles: LIBRARIANS,
      summary: "Record a finished upload: the S3 version it made and S3's SHA-256, which must be the declared one",
      response: { status: 200, schema: s.MediaItemView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/deployments',
      function: 'api',
      roles: STAFF,
      summary: 'Start the deployment of an accepted release (the gate and the package are checked first)',
      body: s.DeployBody,
      response: { status: 202, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/deployment/waves/{wave}/verification',
      function: 'api',
      roles: STAFF,
      summary: "Record a wave's verification: passed, or failed (the back-out path runs)",
      body: s.VerificationBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/deployment/back-out',
      function: 'api',
      roles: STAFF,
      summary: 'Record how the back-out of a failed deployment went',
      body: s.BackoutBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/handover',
      function: 'api',
      roles: MANAGERS,
      summary: 'Hand a release over to operations when early-life support meets its exit criteria',
      body: s.HandoverBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'POST',
      path: '/v1/releases/{id}/cancellation',
      function: 'api',
      roles: STAFF,
      summary: 'Withdraw a release before deployment (its owner or a release manager)',
      body: s.CancelBody,
      response: { status: 200, schema: s.ReleaseView },
    },
    {
      method: 'GET',
      path: '/v1/release-strategies',
      function: 'api',
      roles: READERS,
      summary: 'List release and deployment strategies',
      query: s.ListQuery,
      response: { status: 200, schema: s.StrategyPage },
    },
    {
      method: 'POST',
      path: '/v1/release-strategies',
      function: 'api',
      roles: MANAGERS,
      summary: 'Define a release and deployment strategy for a group of CIs and services',
      body: s.StrategyBody,
      response: { status: 201, schema: s.StrategyView },
    },
    {
      method: 'GET',
      path: '/v1/release-strategies/{id}',
      function: 'api',
      roles: READERS,
      summary: 'Get a release strategy',
      response: { status: 200, schema: s.StrategyView },
    },
    {
      method: 'PUT',
      path: '/v1/release-strategies/{id}',
      function: 'api',
      roles: MANAGERS,
      summary: 'Replace a release strategy (If-Match)',
      body: s.StrategyBody,
      response: { status: 200, schema: s.StrategyView },
    },
    ...pipelineRoutes,
  ],
  subscriptions: [
    // AWS service events arrive on the account's default bus (ARCHITECTURE §6).
    {
      id: 'codepipeline',
      description:
        'CodePipeline pipeline and action executions: deployments started and ended, test evidence, wave results.',
      bus: 'default',
      pattern: {
        source: ['aws.codepipeline'],
        'detail-type': [PipelineExecutionStateChange.detailType, ActionExecutionStateChange.detailType],
      },
      function: 'cicd',
    },
    {
      id: 'codedeploy',
      description: "CodeDeploy deployments of a wave's deployment group: the wave's automatic verification.",
      bus: 'default',
      pattern: { source: ['aws.codedeploy'], 'detail-type': [DeploymentStateChange.detailType] },
      function: 'cicd',
    },
    {
      id: 'changes',
      description: 'Copy of changes: only approved ones are bundled into releases.',
      pattern: { source: ['itsm.changes'], 'detail-type': CHANGE_COPY_EVENTS.map((e) => e.detailType) },
      function: 'events',
    },
    {
      id: 'baselines',
      description: 'The CMDB answers the baselines the deployment flow asked for.',
      pattern: { source: ['itsm.configuration'], 'detail-type': [BaselineCaptured.detailType] },
      function: 'events',
    },
    {
      id: 'incidents',
      description: 'Incidents on CIs in early-life support are linked to the release.',
      pattern: { source: ['itsm.service-desk'], 'detail-type': ['TicketCreated'] },
      function: 'events',
    },
    {
      id: 'outcome-mail',
      description: "Mail a release's stakeholders how its deployment ended.",
      pattern: { source: ['itsm.releases'], 'detail-type': [ReleaseDeploymentEnded.detailType] },
      function: 'notify',
    },
  ],
  flows: [
    {
      id: 'deployment',
      description: 'Release deployment: baseline, waves, verification, back-out, outcome (FitSM PR13.5-PR13.6)',
      definition: deploymentFlow,
      taskFunctions: ['tasks'],
    },
  ],
  schedules: [],
  streamConsumers: [eventRelayStream('relay')],
  onDeploy: [drainOutboxOnDeploy('relay')],
  publishes: releasesEvents.map((e) => ({ detailType: e.detailType, version: e.version, description: e.description })),
});
