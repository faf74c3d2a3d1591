import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allows, type DeployedFunction, deployedFunctions, synthTemplates } from '../infra/aws/synth';
import type { RecordedCall } from '../infra/local/aws-service';
import type { Runtime } from '../infra/local/runtime';
import { DEFAULT_POLICY } from '../services/changes/domain/policy';
import { SERVICES } from '../services/index';
import { defineService } from '../shared/kit/definition';
import { deskValueStream } from './support/desk-scenario';
import { publishEvents } from './support/events';
import { as, type Client, eventually, testRuntime } from './support/runtime';

/**
 * The fidelity proof: nobody here can deploy, so the local runtime shows the deployment would
 * work. Drive every function through its real paths, then check that each AWS call a function
 * made is allowed by its role in the synthesized template, and that every environment variable
 * it read is set on it there.
 */
let rt: Runtime;
let admin: Client;
let deployed: DeployedFunction[];

/** What the Lambda runtime itself sets; a function may read these without the stack setting them. */
const LAMBDA_RUNTIME_ENV = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_FORMAT',
  'TZ',
  '_X_AMZN_TRACE_ID',
]);

async function exercise(): Promise<void> {
  admin = await as(rt, 'conrad', ['configuration-manager']);
  await admin.post('/v1/ci-types', {
    typeId: 'server',
    name: 'Server',
    attributes: [{ name: 'cpu', type: 'number', required: true }],
  });
  await admin.post('/v1/relationship-types', {
    typeId: 'feeds',
    name: 'feeds',
    inverseName: 'is fed by',
    dependency: 'target-depends-on-source',
  });
  const a = (
    await admin.post<{ ciId: string; version: number; number: string }>('/v1/cis', {
      typeId: 'server',
      name: 'f-a',
      attributes: { cpu: 1 },
      customerIds: ['acme'],
    })
  ).body;
  const b = (
    await admin.post<{ ciId: string; version: number }>('/v1/cis', {
      typeId: 'server',
      name: 'f-b',
      attributes: { cpu: 1 },
    })
  ).body;
  await admin.patch(`/v1/cis/${a.ciId}`, { name: 'f-a2', customerIds: [] }, a.version);
  await admin.get(`/v1/cis/${a.number}`);
  await admin.get('/v1/cis?limit=5');
  // A second page: the function reads the cursor key secret to sign and verify the cursor.
  const first = await admin.get<{ nextCursor?: string }>('/v1/cis?limit=1');
  await admin.get(`/v1/cis?limit=1&cursor=${first.body.nextCursor}`);
  await admin.get('/v1/cis?typeId=server');
  await admin.get(`/v1/cis/${a.ciId}/history`);
  await admin.post(`/v1/cis/${a.ciId}/relationships`, { type: 'depends-on', targetCiId: b.ciId });
  await admin.get(`/v1/cis/${b.ciId}/impact?depth=3`);
  await admin.get(`/v1/cis/${a.ciId}/relationships`);
  await admin.del(`/v1/cis/${a.ciId}/relationships/depends-on/${b.ciId}`);
  await admin.post('/v1/ci-imports', {
    source: 'fidelity',
    rows: [{ sourceId: '1', typeId: 'server', name: 'imp', attributes: { cpu: 2 } }],
  });
  const baseline = (await admin.post<{ baselineId: string }>('/v1/baselines', { name: 'b', typeId: 'server' })).body;
  await admin.get(`/v1/baselines/${baseline.baselineId}/diff`);
  await admin.get('/v1/baselines');
  const carol = await as(rt, 'carol', ['customer-user'], 'acme');
  await carol.get('/v1/cis');
  // A campaign completed by results (flow: token registered, released, closed, event out) ...
  const c1 = (
    await admin.post<{ campaignId: string }>('/v1/verification-campaigns', {
      name: 'c1',
      ciIds: [b.ciId],
      dueAt: new Date(Date.now() + 3600_000).toISOString(),
    })
  ).body;
  await admin.post(`/v1/verification-campaigns/${c1.campaignId}/results`, { ciId: b.ciId, result: 'confirmed' });
  // ... and one closed on request.
  const c2 = (
    await admin.post<{ campaignId: string }>('/v1/verification-campaigns', {
      name: 'c2',
      ciIds: [a.ciId],
      dueAt: new Date(Date.now() + 3600_000).toISOString(),
    })
  ).body;
  await eventually(
    async () =>
      (await rt.stepFunctions.handle(
        'ListExecutions',
        { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:itsm-configuration-verification' },
        { caller: 'test' },
      )) as { executions: unknown[] },
    5000,
    'executions',
  );
  await admin.post(`/v1/verification-campaigns/${c2.campaignId}/closure`, {});
  for (const id of [c1.campaignId, c2.campaignId]) {
    await eventually(
      async () =>
        (await admin.get<{ status: string }>(`/v1/verification-campaigns/${id}`)).body.status === 'closed'
          ? true
          : undefined,
      10_000,
      `campaign ${id} closed`,
    );
  }
  await admin.get(`/v1/verification-campaigns/${c1.campaignId}/results`);
  await admin.get('/v1/verification-campaigns');
  // The consumer, through the bus.
  await publishEvents(
    rt,
    [
      {
        source: 'itsm.portfolio',
        detailType: 'ServiceRegistered',
        data: { serviceId: 's1', name: 'S', status: 'live', version: 1 },
      },
    ],
    'test-portfolio',
  );
  await rt.bus.drain();
  // The service-level function: a stored calendar, a listing, and an evaluation that reads it.
  const slm = await as(rt, 'sam', ['service-level-manager']);
  await slm.post('/v1/calendars', {
    calendarId: 'always',
    name: 'Always',
    calendar: { timeZone: 'UTC', twentyFourSeven: true },
  });
  await slm.get('/v1/calendars');
  await slm.post('/v1/sla-evaluations', {
    timeline: [{ at: '2026-01-01T00:00:00Z', kind: 'created', status: 'new', priority: 'P1', slaId: 's' }],
    slas: [{ slaId: 's', calendarId: 'always', targets: { P1: { resolutionMinutes: 60 } } }],
    now: '2026-01-01T00:30:00Z',
  });
  // The portfolio: a service through its lifecycle, the catalogue, and its events on the bus.
  const spm = await as(rt, 'petra', ['portfolio-manager']);
  const svc = (
    await spm.post<{ serviceId: string; number: string }>('/v1/services', {
      name: 'Svc',
      description: 'd',
      owner: 'user-petra',
      status: 'planned',
      customerIds: ['acme'],
      acceptanceCriteria: [{ id: 'ok', text: 't' }],
    })
  ).body;
  const met = (
    await spm.post<{ version: number }>(`/v1/services/${svc.serviceId}/acceptance-criteria/ok/fulfilment`, {
      note: 'n',
    })
  ).body;
  await spm.patch(`/v1/services/${svc.number}`, { status: 'live' }, met.version);
  await spm.get(`/v1/services/${svc.serviceId}/history`);
  await spm.get('/v1/services?status=live');
  await spm.get('/v1/catalogue');
  await carol.get('/v1/catalogue');
  await rt.bus.drain();
  // The service desk value stream across portfolio, customers, service levels and the desk
  // (every function of those services on its real path), then the desk's auto-close schedule.
  await deskValueStream(rt);
  await rt.runSchedule('service-desk', 'auto-close');
  // Attachments: an upload asked for (presigned), put, completed (HeadObject), a download link; the sweep.
  const agent = await as(rt, 'maria', ['service-desk-manager']);
  const inc = (
    await agent.post<{ number: string }>('/v1/incidents', {
      title: 'f',
      caller: { id: 'u', name: 'U' },
      impact: 'low',
      urgency: 'low',
    })
  ).body;
  const asked = (
    await agent.post<{
      attachment: { attachmentId: string };
      upload: { url: string; headers: Record<string, string> };
    }>(`/v1/tickets/${inc.number}/attachments`, { fileName: 'f.txt', contentType: 'text/plain', size: 1 })
  ).body;
  await fetch(asked.upload.url, { method: 'PUT', headers: asked.upload.headers, body: 'f' });
  await agent.post(`/v1/tickets/${inc.number}/attachments/${asked.attachment.attachmentId}/completion`);
  await agent.get(`/v1/tickets/${inc.number}/attachments/${asked.attachment.attachmentId}/download`);
  await rt.runSchedule('service-desk', 'abandoned-uploads');
  await rt.bus.drain();
  // The read model (ADR 25): searched, exported (the link fetched as a browser would), and rebuilt
  // from every owner's records (ADR 28).
  const reporter = await as(rt, 'rita', ['reporting-manager']);
  await reporter.get('/v1/tickets?q=checkout&sort=priority');
  await reporter.get('/v1/search/services?q=svc');
  await reporter.get('/v1/pickers/tickets?prefix=inc');
  await reporter.get('/v1/read-model');
  const job = (await reporter.post<{ exportId: string }>('/v1/exports', { search: 'tickets', format: 'csv' })).body;
  const exported = await eventually(
    async () => {
      const r = (await reporter.get<{ status: string; download?: { url: string } }>(`/v1/exports/${job.exportId}`))
        .body;
      return r.status === 'succeeded' ? r : undefined;
    },
    30_000,
    'the export',
  );
  await fetch(exported.download!.url);
  // Reports and KPIs (FitSM PR3, GR6.1): the register, a run now (read model, mail, the bucket), its
  // CSV link, a KPI value, then the every-minute schedule two days on (runs and KPI periods due).
  const report = (
    await reporter.post<{ reportId: string }>('/v1/reports', {
      title: 'Fidelity report',
      purpose: 'p',
      audience: 'a',
      contentType: 'performance',
      frequency: { every: 'daily', at: '07:00', timeZone: 'UTC' },
      content: { kind: 'search', filters: { type: 'incident' } },
      formats: ['csv', 'html'],
      recipients: [],
      owner: { id: 'rita', email: 'rita@itsm.example' },
      status: 'active',
    })
  ).body;
  const run = (await reporter.post<{ runId: string }>(`/v1/reports/${report.reportId}/runs`)).body;
  await reporter.get(`/v1/reports/${report.reportId}/runs/${run.runId}/csv`);
  await reporter.post('/v1/kpis/backlog/values');
  rt.setTime(Date.now() + 2 * 86_400_000);
  await rt.runSchedule('reporting', 'reports');
  rt.setTime(undefined);
  await rt.bus.drain();
  const rebuild = (await reporter.post<{ rebuildId: string }>('/v1/read-model/rebuilds', {})).body;
  await eventually(
    async () => {
      await rt.bus.drain();
      const r = (await reporter.get<{ status: string }>(`/v1/read-model/rebuilds/${rebuild.rebuildId}`)).body;
      return r.status === 'completed' ? r : undefined;
    },
    60_000,
    'the rebuild',
  );
  // Change management: the API, the flow's tasks (a level opened and decided), the approval mail,
  // the schedule and the calendar feed.
  const chm = await as(rt, 'chloe', ['changes-manager']);
  const rae = await as(rt, 'rae', ['process-staff']);
  await chm.put('/v1/people/user-ann', { email: 'ann@itsm.example' });
  await chm.put(
    '/v1/change-policy',
    {
      ...DEFAULT_POLICY,
      matrix: [
        {
          name: 'one',
          levels: [
            { name: 'L1', approvers: { users: ['user-ann'] }, mode: 'any', timeoutSeconds: 600, onTimeout: 'reject' },
          ],
        },
      ],
    },
    { 'if-match': '"0"' },
  );
  const start = Date.now() + 86_400_000;
  const chg = (
    await rae.post<{ changeId: string; version: number }>('/v1/changes', {
      title: 'Fidelity change',
      description: 'd',
      ciIds: [a.ciId],
      implementationPlan: 'i',
      testPlan: 't',
      backoutPlan: 'b',
      plannedStart: new Date(start).toISOString(),
      plannedEnd: new Date(start + 3_600_000).toISOString(),
    })
  ).body;
  const assessedChg = (
    await rae.post<{ version: number }>(
      `/v1/changes/${chg.changeId}/assessment`,
      { benefit: 'b', effort: 'e', feasibility: 'f' },
      { 'if-match': `"${chg.version}"` },
    )
  ).body;
  await rae.post(`/v1/changes/${chg.changeId}/submission`, undefined, { 'if-match': `"${assessedChg.version}"` });
  const ann = await as(rt, 'ann', ['process-staff']);
  await eventually(
    async () =>
      (await ann.post(`/v1/changes/${chg.changeId}/approvals`, { decision: 'approve', rationale: 'ok' })).status ===
      201,
    30_000,
    'the level to open',
  );
  await rae.get(`/v1/changes/${chg.changeId}/conflicts`);
  const feed = (await rae.post<{ path: string }>('/v1/calendar-feeds', {})).body;
  await fetch(`${rt.apiUrl}${feed.path}`);
  await rae.post(`/v1/changes/${chg.changeId}/cancellation`, { reason: 'fidelity' });
  // Release management: a standard change bundled, accepted, deployed through the flow (the CMDB's
  // baseline by event, a wave failed, the back-out), the outcome mailed.
  const tpl = (
    await chm.post<{ templateId: string }>('/v1/change-templates', {
      name: 'Fidelity deploy',
      description: 'd',
      implementationPlan: 'i',
      testPlan: 't',
      backoutPlan: 'b',
    })
  ).body;
  const std = (
    await rae.post<{ changeId: string }>('/v1/changes', {
      templateId: tpl.templateId,
      title: 'Fidelity release change',
      description: 'd',
      ciIds: [a.ciId],
      plannedStart: new Date(Date.now() - 60_000).toISOString(),
      plannedEnd: new Date(Date.now() + 3_600_000).toISOString(),
    })
  ).body;
  const rdm = await as(rt, 'rita', ['releases-manager']);
  const release = await eventually(
    async () => {
      const r = await rdm.post<{ releaseId: string }>('/v1/releases', {
        title: 'Fidelity release',
        type: 'minor',
        changeIds: [std.changeId],
        plan: {
          waves: [{ name: 'all', verification: 'manual' }],
          backoutPlan: 'b',
          notify: ['ops@itsm.example'],
        },
      });
      return r.status === 201 ? r.body : undefined;
    },
    30_000,
    'the change copied to releases',
  );
  await (await as(rt, 'remy', ['releases-manager'])).post(`/v1/releases/${release.releaseId}/acceptances`, {
    stage: 'deployment',
  });
  await rae.post(`/v1/releases/${release.releaseId}/deployments`, {});
  await eventually(
    async () =>
      (await rae.post(`/v1/releases/${release.releaseId}/deployment/waves/1/verification`, { result: 'failed' }))
        .status === 200,
    30_000,
    'the wave to open',
  );
  await eventually(
    async () =>
      (await rae.post(`/v1/releases/${release.releaseId}/deployment/back-out`, { result: 'completed' })).status === 200,
    30_000,
    'the back-out to open',
  );
  await eventually(
    async () => (await rdm.get<{ status: string }>(`/v1/releases/${release.releaseId}`)).body.status === 'rolled-back',
    30_000,
    'the release rolled back',
  );
  // CI/CD: a pipeline execution and a CodeDeploy deployment put on the default bus as AWS does.
  await rt.emitAwsEvent({
    source: 'aws.codepipeline',
    detailType: 'CodePipeline Pipeline Execution State Change',
    resources: ['arn:aws:codepipeline:us-east-1:000000000000:fidelity-pipeline'],
    detail: { pipeline: 'fidelity-pipeline', 'execution-id': 'fidelity-1', state: 'STARTED', version: 1 },
  });
  await rt.emitAwsEvent({
    source: 'aws.codedeploy',
    detailType: 'CodeDeploy Deployment State-change Notification',
    resources: ['arn:aws:codedeploy:us-east-1:000000000000:deploymentgroup:fidelity/all'],
    detail: {
      region: 'us-east-1',
      application: 'fidelity',
      deploymentId: 'd-FIDELITY1',
      deploymentGroup: 'all',
      state: 'SUCCESS',
      instanceGroupId: 'ig-1',
    },
  });
  await rt.bus.drain();
  // The event relays' upgrade and redrive paths (the stream invoked them all along), and the platform function.
  for (const s of SERVICES) {
    if (!s.functions.relay) continue;
    await rt.functions.invoke(`itsm-${s.name}-relay`, { drainOutbox: true });
    const now = new Date().toISOString();
    await rt.functions.invoke(`itsm-${s.name}-relay`, { redrive: { from: now, to: now } });
  }
  await fetch(`${rt.apiUrl}/v1/openapi.json`);
  await admin.get('/v1/no-such-thing');
}

beforeAll(async () => {
  // Scaled waits, not none: the major incident's update cadence loops until it is resolved.
  rt = await testRuntime({ waitScale: 0.02 });
  const [synth] = await Promise.all([synthTemplates({ services: SERVICES }), exercise()]);
  // Cognito's pre token generation trigger has no local twin: the local OIDC provider issues the
  // claims it adds (infra/aws/test/pre-token.test.ts reads them as the API does).
  deployed = deployedFunctions(synth).filter((d) => d.functionName !== 'itsm-platform-pre-token');
}, 180_000);
afterAll(async () => rt?.close());

/** The calls a function made that its role in the template would not allow (or by an undeployed caller). */
const deniedCalls = (calls: RecordedCall[], functions: DeployedFunction[]) =>
  calls.filter((c) => {
    const fn = functions.find((d) => d.functionName === c.caller);
    return !fn || !allows(fn, c.action, c.resource);
  });

const functionCalls = () =>
  rt
    .recordedCalls()
    .filter((c) => c.caller.startsWith('itsm-') && c.caller !== 'itsm-runtime' && c.caller !== 'itsm-seed');

describe('local runtime versus the synthesized stack', () => {
  it('runs exactly the functions the stack deploys, with the same environment', () => {
    const local = rt.functions
      .specs()
      .map((s) => s.functionName)
      .sort();
    expect(deployed.map((d) => d.functionName).sort()).toEqual(local);
    for (const spec of rt.functions.specs()) {
      const d = deployed.find((x) => x.functionName === spec.functionName)!;
      const {
        POWERTOOLS_LOG_LEVEL: _p,
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: _c,
        NODE_OPTIONS: _n,
        ...deployedEnv
      } = d.environment;
      // The console's URL is each world's own (the CloudFront distribution's, the local console
      // server's): both set it for the same functions, and locally it is the served console.
      const { CONSOLE_URL: deployedConsole, ...deployedRest } = deployedEnv;
      const { CONSOLE_URL: localConsole, ...localRest } = spec.environment;
      expect(deployedConsole !== undefined, `${spec.functionName} CONSOLE_URL`).toBe(localConsole !== undefined);
      if (localConsole !== undefined) expect(localConsole).toBe(rt.consoleUrl);
      expect(deployedRest, spec.functionName).toEqual(localRest);
    }
  });

  it('every AWS call each function made is allowed by its role in the template', () => {
    const calls = functionCalls();
    const callers = new Set(calls.map((c) => c.caller));
    // Every function that may touch AWS did so during the run, so the check is not vacuous.
    for (const s of SERVICES) {
      for (const [fnId, fn] of Object.entries(s.functions)) {
        if (Object.keys(fn.access).length > 0) expect(callers, `${s.name}.${fnId}`).toContain(`itsm-${s.name}-${fnId}`);
      }
    }
    const actions = new Set(calls.map((c) => c.action));
    for (const a of [
      'dynamodb:TransactWriteItems',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'events:PutEvents',
      'states:StartExecution',
      'states:SendTaskSuccess',
      'ses:SendEmail',
      'secretsmanager:GetSecretValue',
    ]) {
      if (a === 'dynamodb:TransactWriteItems') continue; // recorded as the per-item actions IAM checks
      expect(actions, a).toContain(a);
    }
    expect(deniedCalls(calls, deployed)).toEqual([]);
  });

  it('every environment variable a function read is set on it in the template', async () => {
    const reads = await rt.functions.environmentReads();
    let checked = 0;
    for (const [name, vars] of reads) {
      const fn = deployed.find((d) => d.functionName === name)!;
      for (const v of vars) {
        checked++;
        expect(LAMBDA_RUNTIME_ENV.has(v) || v in fn.environment, `${name} reads ${v}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('a function with read-only access could not write (the check has teeth)', async () => {
    // Prepare: no function of ours is read-only today, so deploy one that is, in a probe service.
    const probe = defineService({
      name: 'probe',
      title: 'Probe',
      fitsm: 'PR0',
      table: { indexes: [] },
      functions: {
        reader: {
          entry: fileURLToPath(new URL('../services/portfolio/handlers/api.ts', import.meta.url)),
          description: 'reads its table only',
          access: { table: 'read' },
        },
      },
      routes: [],
      subscriptions: [],
      flows: [],
      schedules: [],
      publishes: [],
    });
    const reader = deployedFunctions(await synthTemplates({ services: [probe] })).find(
      (d) => d.functionName === 'itsm-probe-reader',
    )!;
    const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/itsm-probe';
    const call = (action: string): RecordedCall => ({ caller: reader.functionName, action, resource: table });
    // Act
    const reads = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'].map(call);
    const writes = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'].map(
      call,
    );
    // Assess: its reads pass the check above, each of its writes would have failed it.
    expect(deniedCalls(reads, [reader])).toEqual([]);
    expect(deniedCalls(writes, [reader])).toEqual(writes);
    // And a writer may write its own table only.
    const api = deployed.find((d) => d.functionName === 'itsm-configuration-api')!;
    expect(allows(api, 'dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/itsm-configuration')).toBe(
      true,
    );
    expect(allows(api, 'dynamodb:PutItem', 'arn:aws:dynamodb:us-east-1:000000000000:table/itsm-other')).toBe(false);
    const platform = deployed.find((d) => d.functionName === 'itsm-platform-api')!;
    expect(allows(platform, 'events:PutEvents', 'arn:aws:events:us-east-1:000000000000:event-bus/itsm')).toBe(false);
  }, 60_000);
});
