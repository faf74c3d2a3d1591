import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { ActionExecutionStateChange, PipelineExecutionStateChange } from '../../../shared/contracts/aws/codepipeline';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/**
 * Deployments fed by CI/CD (FitSM PR13.4-PR13.5): CodePipeline's events, shaped like the corpus
 * samples (../shared/corpus/events/codepipeline-*), reach the releases service from the account's
 * default bus as CodePipeline puts them there (the runtime plays CodePipeline: PutEvents refuses
 * `aws.` sources). A STARTED execution starts the deployment of the release naming the pipeline
 * (or is refused and recorded when the gate has not passed), a Test action's result becomes
 * evidence, a Deploy action's result verifies its wave, SUCCEEDED passes the open automatic waves
 * and FAILED fails the open one (the back-out path runs); the same event twice, or an event of an
 * older execution, changes nothing.
 */
let rt: Runtime;
let chloe: Client; // changes manager
let rita: Client; // release manager, owns the releases
let remy: Client; // another release manager: acceptance
let sam: Client; // staff: evidence
let templateId: string;
let ciId: string;

type Release = {
  releaseId: string;
  number: string;
  status: string;
  version: number;
  ownerId: string;
  type: string;
  pipeline?: string;
  criteria: { criterionId: string; name: string }[];
  evidence: { criterionId: string; result: string; source: { kind: string; ref: string }; url?: string }[];
  plan: { waves: { name: string; verification: string; pipelineStage?: string }[] };
  changeIds: string[];
  acceptances: { stage: string; by: string }[];
  deployment?: {
    trigger: { kind: string; ref: string };
    phase: string;
    waves: { name: string; status: string; source?: string; notes?: string }[];
    backout?: { status: string };
    outcome?: string;
    failedWave?: string;
  };
  outcome?: string;
};

const get = async (id: string) => (await rita.get<Release>(`/v1/releases/${id}`)).body;
const until = (id: string, what: string, ok: (r: Release) => boolean) =>
  eventually(
    async () => {
      const r = await get(id);
      return ok(r) ? r : undefined;
    },
    20_000,
    `${id}: ${what}`,
  );

/** A pipeline execution's state change, as in codepipeline-pipeline-execution-state-change__*.json. */
const execution = (pipeline: string, executionId: string, state: string) => ({
  source: 'aws.codepipeline',
  detailType: PipelineExecutionStateChange.detailType,
  resources: [`arn:aws:codepipeline:us-east-1:000000000000:${pipeline}`],
  detail: {
    pipeline,
    'execution-id': executionId,
    ...(state === 'STARTED'
      ? {
          'execution-trigger': {
            'trigger-type': 'StartPipelineExecution',
            'trigger-detail': 'arn:aws:sts::000000000000:assumed-role/Admin/ci',
          },
        }
      : {}),
    state,
    version: 1,
  },
});
/** An action's state change, as in codepipeline-action-execution-state-change__FAILED__awsdocs.json. */
const action = (
  pipeline: string,
  executionId: string,
  a: { stage: string; action: string; category: string; state: string },
) => ({
  source: 'aws.codepipeline',
  detailType: ActionExecutionStateChange.detailType,
  resources: [`arn:aws:codepipeline:us-east-1:000000000000:${pipeline}`],
  detail: {
    pipeline,
    'execution-id': executionId,
    stage: a.stage,
    action: a.action,
    state: a.state,
    region: 'us-east-1',
    type: {
      owner: 'AWS',
      provider: a.category === 'Test' ? 'CodeBuild' : 'CodeDeploy',
      category: a.category,
      version: '1',
    },
    ...(a.state === 'STARTED'
      ? {}
      : {
          'execution-result': {
            'external-execution-url': `https://ci.example.org/${a.action}/${executionId}`,
            'external-execution-summary': `${a.action} ${a.state.toLowerCase()}`,
            'external-execution-id': `run-${executionId}`,
          },
        }),
    version: 1,
  },
});

/** A standard change from the template: approved at once, known to releases from its events. */
async function approvedChange(title: string): Promise<string> {
  const made = await sam.post<{ changeId: string; status: string }>('/v1/changes', {
    templateId,
    title,
    description: title,
    plannedStart: new Date(Date.now() - 60_000).toISOString(),
    plannedEnd: new Date(Date.now() + 6 * 3_600_000).toISOString(),
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  expect(made.body.status).toBe('approved');
  await eventually(
    async () => {
      const r = await rita.post<Release>('/v1/releases', {
        title: 'probe',
        type: 'minor',
        changeIds: [made.body.changeId],
      });
      if (r.status !== 201) return false;
      await rita.post(`/v1/releases/${r.body.releaseId}/cancellation`, { reason: 'probe' });
      return true;
    },
    15_000,
    'the change copied to releases',
  );
  return made.body.changeId;
}

const WAVES = [
  { name: 'canary', verification: 'automatic', pipelineStage: 'DeployCanary' },
  { name: 'everyone', verification: 'automatic', pipelineStage: 'DeployAll' },
];

/** A release naming the pipeline, with its gate passed and accepted, unless `accept` is false. */
async function pipelineRelease(pipeline: string, accept = true): Promise<Release> {
  const changeId = await approvedChange(`Deploy ${pipeline}`);
  const made = await rita.post<Release>('/v1/releases', {
    title: `${pipeline} release`,
    type: 'minor',
    pipeline,
    changeIds: [changeId],
    ciIds: [ciId],
    plan: { waves: WAVES, backoutPlan: 'Redeploy the previous revision.' },
    criteria: [{ name: 'Unit tests', stage: 'build', required: true }],
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  if (!accept) return made.body;
  for (const c of made.body.criteria)
    await sam.post(`/v1/releases/${made.body.releaseId}/evidence`, {
      criterionId: c.criterionId,
      result: 'passed',
      summary: 'ok',
    });
  const accepted = await remy.post<Release>(`/v1/releases/${made.body.releaseId}/acceptances`, { stage: 'deployment' });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return accepted.body;
}

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  chloe = await as(rt, 'chloe', ['changes-manager']);
  rita = await as(rt, 'rita', ['releases-manager']);
  remy = await as(rt, 'remy', ['releases-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
  const template = await chloe.post<{ templateId: string }>('/v1/change-templates', {
    name: 'Deploy from the pipeline',
    description: 'A routine deployment.',
    implementationPlan: 'Run the pipeline.',
    testPlan: 'Its tests.',
    backoutPlan: 'Redeploy the previous revision.',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.templateId;
  // The deployment flow baselines the release's CIs in the CMDB before the first wave.
  const cmdb = await as(rt, 'cora', ['configuration-manager']);
  expect((await cmdb.post('/v1/ci-types', { typeId: 'app', name: 'Application' })).status).toBe(201);
  const ci = await cmdb.post<{ ciId: string }>('/v1/cis', { typeId: 'app', name: 'shop', status: 'active' });
  expect(ci.status, JSON.stringify(ci.body)).toBe(201);
  ciId = ci.body.ciId;
}, 120_000);

afterAll(async () => {
  await rt?.close();
});

describe('a pipeline execution of a release naming the pipeline', () => {
  it('deploys on STARTED, verifies waves from Deploy actions and SUCCEEDED, once, and not from an older execution', async () => {
    // Prepare
    const ready = await pipelineRelease('shop-web');

    // Act: the execution starts; the flow takes the CMDB's baseline and opens the first wave.
    await rt.emitAwsEvent(execution('shop-web', 'exec-web-1', 'STARTED'));
    const deploying = await until(
      ready.releaseId,
      'wave 1 deploying',
      (r) => r.deployment?.waves[0]?.status === 'deploying',
    );

    // Assess
    expect(deploying.status).toBe('deploying');
    expect(deploying.deployment!.trigger).toEqual({ kind: 'pipeline', ref: 'exec-web-1' });

    // Act: the canary stage's Deploy action succeeds (delivered twice), then the execution.
    rt.bus.setDeliveryMode({ duplicate: true, shuffle: false });
    try {
      await rt.emitAwsEvent(
        action('shop-web', 'exec-web-1', {
          stage: 'DeployCanary',
          action: 'Deploy',
          category: 'Deploy',
          state: 'SUCCEEDED',
        }),
      );
      await until(ready.releaseId, 'wave 2 deploying', (r) => r.deployment?.waves[1]?.status === 'deploying');
      const succeeded = await rt.emitAwsEvent(execution('shop-web', 'exec-web-1', 'SUCCEEDED'));
      // CodePipeline delivers at least once: the same event again.
      await rt.emitAwsEvent({ ...execution('shop-web', 'exec-web-1', 'SUCCEEDED'), id: succeeded.id });
    } finally {
      rt.bus.setDeliveryMode({ duplicate: false, shuffle: false });
    }
    const ended = await until(ready.releaseId, 'deployed', (r) => r.status === 'early-life-support');

    // Assess
    expect(ended.outcome).toBe('success');
    expect(ended.deployment).toMatchObject({
      outcome: 'success',
      waves: [
        {
          name: 'canary',
          status: 'passed',
          source: 'automatic',
          notes: 'Deploy action DeployCanary/Deploy SUCCEEDED.',
        },
        { name: 'everyone', status: 'passed', source: 'automatic', notes: 'Pipeline execution exec-web-1 SUCCEEDED.' },
      ],
    });

    // Act: an older execution fails after the fact, and the finished one again under a new id.
    await rt.emitAwsEvent(execution('shop-web', 'exec-web-0', 'FAILED'));
    await rt.emitAwsEvent(execution('shop-web', 'exec-web-1', 'FAILED'));
    await rt.bus.drain();

    // Assess: recorded, nothing moved.
    expect((await get(ready.releaseId)).version).toBe(ended.version);
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it('fails the open wave when the execution FAILED, and the back-out path runs', async () => {
    // Prepare
    const ready = await pipelineRelease('shop-api');
    await rt.emitAwsEvent(execution('shop-api', 'exec-api-1', 'STARTED'));
    await until(ready.releaseId, 'wave 1 deploying', (r) => r.deployment?.waves[0]?.status === 'deploying');

    // Act
    await rt.emitAwsEvent(execution('shop-api', 'exec-api-1', 'FAILED'));
    const backingOut = await until(ready.releaseId, 'back-out open', (r) => r.deployment?.backout?.status === 'open');

    // Assess
    expect(backingOut.deployment).toMatchObject({
      phase: 'backing-out',
      failedWave: 'canary',
      waves: [
        { name: 'canary', status: 'failed', source: 'automatic', notes: 'Pipeline execution exec-api-1 FAILED.' },
        { name: 'everyone', status: 'pending' },
      ],
    });
  });
});

describe('a pipeline execution of a release not through its gate', () => {
  it('is refused and recorded on the release; its Test action results become evidence', async () => {
    // Prepare
    const planning = await pipelineRelease('shop-db', false);
    const unit = planning.criteria[0]!;

    // Act
    await rt.emitAwsEvent(execution('shop-db', 'exec-db-1', 'STARTED'));
    await rt.emitAwsEvent(
      action('shop-db', 'exec-db-1', { stage: 'Test', action: unit.criterionId, category: 'Test', state: 'FAILED' }),
    );
    await rt.bus.drain();

    // Assess: no deployment; the refusal is in the history with the execution id.
    const r = await until(planning.releaseId, 'evidence recorded', (x) => x.evidence.length === 1);
    expect(r.status).toBe('planning');
    expect(r.deployment).toBeUndefined();
    expect(r.evidence[0]).toMatchObject({
      criterionId: unit.criterionId,
      result: 'failed',
      source: { kind: 'pipeline', ref: 'exec-db-1' },
      url: `https://ci.example.org/${unit.criterionId}/exec-db-1`,
    });
    const history = await rita.get<{ items: { action: string; reason?: string }[] }>(
      `/v1/releases/${planning.releaseId}/history?limit=10`,
    );
    const refusal = history.body.items.find((h) => h.action === 'deployment refused (pipeline execution exec-db-1)');
    expect(refusal?.reason).toMatch(/Unit tests.*cannot stop a pipeline/s);
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});

describe('a routine execution of a registered pipeline', () => {
  it('gets a release and a standard change, and deploys once the change is approved and its tests pass, with no manual step', async () => {
    // Prepare: the pipeline, its standard change template, its stage wave and its test criterion.
    const registration = {
      templateId,
      ciIds: [ciId],
      stages: [{ stage: 'Deploy', wave: 'production' }],
      tests: [{ action: 'unit', criterionId: 'unit' }],
    };
    expect((await sam.put('/v1/pipelines/routine-web', registration, { 'if-match': '"0"' })).status).toBe(403);
    const put = await rita.put<{ version: number }>('/v1/pipelines/routine-web', registration, { 'if-match': '"0"' });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await rita.put('/v1/pipelines/routine-web', registration, { 'if-match': '"0"' })).status).toBe(409);
    expect((await sam.get('/v1/pipelines/routine-web')).body).toMatchObject({ ...registration, version: 1 });
    expect((await sam.get<{ items: { name: string }[] }>('/v1/pipelines')).body.items.map((p) => p.name)).toContain(
      'routine-web',
    );

    // Act: an execution starts (CodePipeline says so twice, under two ids).
    await rt.emitAwsEvent(execution('routine-web', 'exec-r-1', 'STARTED'));
    await rt.emitAwsEvent(execution('routine-web', 'exec-r-1', 'STARTED'));
    await rt.bus.drain();

    // Assess: one release, planned from the registration, and the standard change asked for.
    const list = await rita.get<{ items: Release[] }>('/v1/releases?limit=50');
    const routine = list.body.items.filter((r) => r.pipeline === 'routine-web');
    expect(routine).toHaveLength(1);
    const release = routine[0]!;
    expect(release).toMatchObject({
      type: 'minor',
      status: 'planning',
      ownerId: 'pipeline:routine-web',
      plan: { waves: [{ name: 'production', verification: 'automatic', pipelineStage: 'Deploy' }] },
      criteria: [{ criterionId: 'unit', name: 'unit' }],
    });
    const requested = rt.bus
      .published()
      .filter((e) => e.source === 'itsm.releases' && e['detail-type'] === 'ChangeRequested')
      .map((e) => (e.detail as { data: Record<string, unknown> }).data);
    expect(requested).toEqual([
      expect.objectContaining({
        requestId: 'exec-r-1',
        requesterId: 'pipeline:routine-web',
        templateId,
        ciIds: [ciId],
        origin: { source: 'releases', ref: 'pipeline:routine-web:exec-r-1' },
      }),
    ]);

    // Act: the changes service raises the standard change from the template, pre-approved; the test passes.
    await rt.emitAwsEvent(
      action('routine-web', 'exec-r-1', { stage: 'Test', action: 'unit', category: 'Test', state: 'SUCCEEDED' }),
    );
    const deploying = await until(
      release.releaseId,
      'wave deploying',
      (r) => r.deployment?.waves[0]?.status === 'deploying',
    );

    // Assess: accepted under the standard change and deploying for the execution, nobody involved.
    expect(deploying.deployment!.trigger).toEqual({ kind: 'pipeline', ref: 'exec-r-1' });
    const change = await sam.get<{ status: string; type: string; templateId?: string; origin?: unknown }>(
      `/v1/changes/${deploying.changeIds[0]}`,
    );
    expect(change.body).toMatchObject({
      type: 'standard',
      templateId,
      origin: { source: 'releases', ref: 'pipeline:routine-web:exec-r-1' },
    });
    expect(deploying).toMatchObject({
      changeIds: [expect.any(String)],
      acceptances: [{ stage: 'deployment', by: 'pipeline:routine-web' }],
      evidence: [{ criterionId: 'unit', result: 'passed', source: { kind: 'pipeline', ref: 'exec-r-1' } }],
    });

    // Act: the deploy stage succeeds.
    await rt.emitAwsEvent(
      action('routine-web', 'exec-r-1', { stage: 'Deploy', action: 'Deploy', category: 'Deploy', state: 'SUCCEEDED' }),
    );

    // Assess
    const ended = await until(release.releaseId, 'deployed', (r) => r.status === 'early-life-support');
    expect(ended.outcome).toBe('success');
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});
