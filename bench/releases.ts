/**
 * Release and deployment figures (issue 12), on an in-process local runtime:
 * - CodePipeline event to deployment record: a pipeline execution's STARTED put on the default bus
 *   (as CodePipeline puts it) until the release's deployment shows it through the API, p50/p99;
 * - a release lifecycle with two changes and two waves, one at a time, through the API and the
 *   deployment flow (create, include two approved changes, plan, evidence, accept, deploy, the
 *   CMDB's baselines, two wave verifications, the outcome), with what it makes AWS do (state
 *   transitions, invocations, write units) priced per 1,000 releases, measured as the change-flow
 *   suite measures its lifecycle: a warm-up, then meter readings around the runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_REGION, tableName } from '../infra/local/names';
import type { Runtime } from '../infra/local/runtime';
import { PipelineExecutionStateChange } from '../shared/contracts/aws/codepipeline';
import { client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../test/support/runtime';
import { per1000, rounded, settledReading, usageBetween } from './cost';
import { pct, round } from './harness';

type Client = ReturnType<typeof client>;
type Release = {
  releaseId: string;
  version: number;
  criteria: { criterionId: string }[];
  status: string;
  deployment?: { trigger: { ref: string }; waves: { status: string }[]; backout?: unknown };
};

const ok = <T extends { status: number; body: unknown }>(r: T, what: string): T => {
  if (r.status >= 400) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
};

interface Users {
  chloe: Client;
  rita: Client;
  remy: Client;
  sam: Client;
}

/** A standard change from the template (approved when made), once releases holds its copy. */
async function approvedChange(users: Users, templateId: string, title: string): Promise<string> {
  const made = ok(
    await users.sam.post<{ changeId: string }>('/v1/changes', {
      templateId,
      title,
      description: title,
      plannedStart: new Date(Date.now() - 60_000).toISOString(),
      plannedEnd: new Date(Date.now() + 6 * 3_600_000).toISOString(),
    }),
    'change',
  ).body;
  return made.changeId;
}

/** Wait until releases holds the copies (a release naming them is accepted), then withdraw the probe. */
async function copied(users: Users, changeIds: string[]) {
  await eventually(
    async () => {
      const r = await users.rita.post<Release>('/v1/releases', { title: 'probe', type: 'minor', changeIds });
      if (r.status !== 201) return false;
      ok(await users.rita.post(`/v1/releases/${r.body.releaseId}/cancellation`, { reason: 'probe' }), 'probe');
      return true;
    },
    30_000,
    'change copies',
  );
}

const PLAN = (waves: { name: string; verification: string; pipelineStage?: string }[]) => ({
  waves,
  backoutPlan: 'Redeploy the previous package.',
});

/** Create, bundle, plan, evidence and accept: a release ready to deploy. */
async function readyRelease(
  users: Users,
  ciId: string,
  changeIds: string[],
  extra: { pipeline?: string; waves: { name: string; verification: string; pipelineStage?: string }[] },
) {
  const made = ok(
    await users.rita.post<Release>('/v1/releases', {
      title: 'Bench release',
      type: 'minor',
      ...(extra.pipeline ? { pipeline: extra.pipeline } : {}),
      ciIds: [ciId],
      criteria: [{ name: 'Unit tests', stage: 'build', required: true }],
    }),
    'create',
  ).body;
  for (const changeId of changeIds)
    ok(await users.rita.post(`/v1/releases/${made.releaseId}/changes`, { changeId }), 'include');
  const planned = ok(
    await users.rita.patch<Release>(
      `/v1/releases/${made.releaseId}`,
      { plan: PLAN(extra.waves) },
      (await users.rita.get<Release>(`/v1/releases/${made.releaseId}`)).body.version,
    ),
    'plan',
  ).body;
  for (const c of planned.criteria)
    ok(
      await users.sam.post(`/v1/releases/${made.releaseId}/evidence`, {
        criterionId: c.criterionId,
        result: 'passed',
        summary: '120 passed',
      }),
      'evidence',
    );
  ok(await users.remy.post(`/v1/releases/${made.releaseId}/acceptances`, { stage: 'deployment' }), 'accept');
  return made.releaseId;
}

/** Poll the release through the API every `pollMs` until `test` holds (60 s at most). */
async function until(users: Users, id: string, what: string, test: (r: Release) => boolean, pollMs = 20) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = (await users.rita.get<Release>(`/v1/releases/${id}`)).body;
    if (test(r)) return r;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`timed out waiting for ${id}: ${what}`);
}

/**
 * Wait on the release's own item, read from the table beside the platform rather than through the
 * API, so the bench's waiting adds no request and no invocation to the figures (only a few read
 * units: eventually consistent reads every 100 ms).
 */
async function itemUntil(db: DynamoDBDocumentClient, id: string, what: string, test: (r: Release) => boolean) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const out = await db.send(
      new GetCommand({ TableName: tableName('releases'), Key: { pk: `REL#${id}`, sk: 'RELEASE' } }),
    );
    if (out.Item && test(out.Item as unknown as Release)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${id}: ${what}`);
}

/** One release through its whole lifecycle, two changes and two manual waves, through the API. */
async function lifecycle(users: Users, db: DynamoDBDocumentClient, ciId: string, changeIds: string[]) {
  const id = await readyRelease(users, ciId, changeIds, {
    waves: [
      { name: 'canary', verification: 'manual' },
      { name: 'everyone', verification: 'manual' },
    ],
  });
  ok(await users.sam.post(`/v1/releases/${id}/deployments`, {}), 'deploy');
  for (const [i, wave] of ['canary', 'everyone'].entries()) {
    await itemUntil(db, id, `wave ${wave} open`, (r) => r.deployment?.waves[i]?.status === 'deploying');
    ok(
      await users.sam.post(`/v1/releases/${id}/deployment/waves/${wave}/verification`, {
        result: 'passed',
        notes: 'healthy',
      }),
      `verify ${wave}`,
    );
  }
  await itemUntil(db, id, 'deployed', (r) => r.status === 'early-life-support');
}

/** A pipeline execution's STARTED, as CodePipeline puts it on the default bus. */
const started = (pipeline: string, executionId: string) => ({
  source: 'aws.codepipeline',
  detailType: PipelineExecutionStateChange.detailType,
  resources: [`arn:aws:codepipeline:us-east-1:000000000000:${pipeline}`],
  detail: { pipeline, 'execution-id': executionId, state: 'STARTED', version: 1 },
});

export async function benchReleases(opts: { lifecycles: number; events: number }) {
  const rt: Runtime = await testRuntime({ services: WITHOUT_QUERY_STORE });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'bench-reader', secretAccessKey: 'x' },
    }),
  );
  try {
    const as = async (user: string, roles: string[]) => client(rt, await rt.token({ user, roles: roles as never }));
    const users: Users = {
      chloe: await as('chloe', ['changes-manager']),
      rita: await as('rita', ['releases-manager']),
      remy: await as('remy', ['releases-manager']),
      sam: await as('sam', ['process-staff']),
    };
    const templateId = ok(
      await users.chloe.post<{ templateId: string }>('/v1/change-templates', {
        name: 'Deploy the shop',
        description: 'A routine deployment.',
        implementationPlan: 'Run the pipeline.',
        testPlan: 'Its tests.',
        backoutPlan: 'Redeploy the previous version.',
      }),
      'template',
    ).body.templateId;
    const cmdb = await as('cora', ['configuration-manager']);
    ok(await cmdb.post('/v1/ci-types', { typeId: 'app', name: 'Application' }), 'ci type');
    const ciId = ok(
      await cmdb.post<{ ciId: string }>('/v1/cis', { typeId: 'app', name: 'shop', status: 'active' }),
      'ci',
    ).body.ciId;

    // The lifecycle: its changes made (and copied) before the meter reads, so only release work counts.
    const changes: string[][] = [];
    for (let i = 0; i <= opts.lifecycles; i++)
      changes.push([
        await approvedChange(users, templateId, `Bench web ${i}`),
        await approvedChange(users, templateId, `Bench api ${i}`),
      ]);
    await copied(users, changes[0]!);
    await copied(users, changes.at(-1)!);
    // Warm up every function once, then measure one release at a time, each left to settle.
    await lifecycle(users, db, ciId, changes[0]!);
    const reading = () => settledReading(rt.awsUrl, () => 0);
    const a = await reading();
    for (let i = 1; i <= opts.lifecycles; i++) await lifecycle(users, db, ciId, changes[i]!);
    const b = await reading();
    const usage = usageBetween(a, b, opts.lifecycles);

    // CodePipeline STARTED to the deployment record, one release (and pipeline) per event.
    const latencies: number[] = [];
    for (let i = 0; i < opts.events; i++) {
      const changeId = await approvedChange(users, templateId, `Bench pipeline ${i}`);
      await copied(users, [changeId]);
      const pipeline = `bench-${i}`;
      const id = await readyRelease(users, ciId, [changeId], {
        pipeline,
        waves: [{ name: 'all', verification: 'automatic', pipelineStage: 'Deploy' }],
      });
      const t0 = performance.now();
      await rt.emitAwsEvent(started(pipeline, `exec-${i}`));
      await until(users, id, 'deployment recorded', (r) => r.deployment?.trigger.ref === `exec-${i}`, 5);
      latencies.push(performance.now() - t0);
    }
    return {
      releases: opts.lifecycles,
      perRelease: rounded(usage.usage),
      byFunction: usage.byFunction,
      usdPer1000Releases: per1000(usage.usage),
      pipelineEventToDeployment: {
        p50Ms: round(pct(latencies, 50)),
        p99Ms: round(pct(latencies, 99)),
        runs: latencies.length,
      },
      note:
        'One release at a time: create, include two approved changes, plan (two manual waves), evidence, accept, deploy, the CMDB baseline before and after, two verifications, the outcome into early-life support. ' +
        'The bench waits on the release item read from the table (a few read units), not through the API. ' +
        "The changes are made before the meter's first reading (their cost is change management's). " +
        'Pipeline latency: STARTED put on the default bus as CodePipeline puts it, until GET /v1/releases/{id} shows the deployment of that execution (polled every 5 ms). ' +
        'Logs are not counted (the in-process runtime logs errors only); Lambda GB-seconds are local busy time (an upper bound).',
    };
  } finally {
    db.destroy();
    await rt.close();
  }
}
