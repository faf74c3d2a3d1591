import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/**
 * A release from planning to handover (FitSM PR13.2-PR13.6), through the API and the real
 * deployment flow on the local Step Functions: only approved changes go in; the gate refuses a
 * deployment without passed criteria or a waiver; the flow asks the CMDB for a baseline by event,
 * deploys two waves, and a failed second verification runs the back-out path, ending rolled back
 * with the changes' results and reviews following it; a successful deployment enters early-life
 * support, where an incident on a released CI is linked and holds the handover.
 */
let rt: Runtime;
let chloe: Client; // changes manager
let rita: Client; // release manager, owns the releases
let remy: Client; // another release manager: waivers, acceptance
let sam: Client; // staff: evidence, deployment, verification
let cmdb: Client;
let agent: Client;
const ci: Record<string, string> = {};
let templateId: string;

type Release = {
  releaseId: string;
  number: string;
  status: string;
  version: number;
  changeIds: string[];
  ciIds: string[];
  criteria: { criterionId: string; name: string }[];
  gate: { passed: boolean; criteria: { criterionId: string; state: string }[] };
  changes: { changeId: string; status?: string }[];
  deployment?: {
    deploymentId: string;
    phase: string;
    baselineId?: string;
    waves: { name: string; status: string; decidedBy?: string; notes?: string }[];
    backout?: { status: string };
    verification?: { baselineId?: string; mismatches: unknown[]; note?: string };
    outcome?: string;
    failedWave?: string;
    executionArn?: string;
  };
  deployments: { outcome?: string }[];
  earlyLife?: { until: string; incidents: { number: string; priority: string }[] };
  outcome?: string;
};
type Change = { changeId: string; number: string; status: string; outcome?: string; reviewReasons: string[] };

const window = (fromMs: number, lengthMs = 3_600_000) => ({
  plannedStart: new Date(Date.now() + fromMs).toISOString(),
  plannedEnd: new Date(Date.now() + fromMs + lengthMs).toISOString(),
});

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

/** A standard change from the template: approved at once, known to releases from its events. */
async function approvedChange(title: string, ciIds: string[]): Promise<Change> {
  const made = await sam.post<Change>('/v1/changes', {
    templateId,
    title,
    description: title,
    ciIds,
    ...window(-60_000, 6 * 3_600_000),
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  expect(made.body.status).toBe('approved');
  await eventually(
    async () => {
      const r = await rita.post('/v1/releases', { title: 'probe', type: 'minor', changeIds: [made.body.changeId] });
      if (r.status === 201) {
        await rita.post(`/v1/releases/${(r.body as Release).releaseId}/cancellation`, { reason: 'probe' });
        return true;
      }
      return false;
    },
    15_000,
    `${made.body.number} copied to releases`,
  );
  return made.body;
}

const PLAN = {
  waves: [
    { name: 'canary', environment: 'production', verification: 'manual' },
    { name: 'everyone', environment: 'production', verification: 'manual' },
  ],
  backoutPlan: 'Redeploy the previous package and restart the service.',
  communication: 'Status page notice one day before.',
  notify: ['ops@example.org'],
};
const CRITERIA = [
  { name: 'Unit tests', stage: 'build', required: true },
  { name: 'Integration tests', stage: 'test', required: true },
];

async function readyRelease(title: string, changes: Change[]): Promise<Release> {
  const made = await rita.post<Release>('/v1/releases', {
    title,
    type: 'minor',
    changeIds: changes.map((c) => c.changeId),
    plan: { ...PLAN, ...window(-30_000) },
    criteria: CRITERIA,
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  for (const c of made.body.criteria) {
    const e = await sam.post(`/v1/releases/${made.body.releaseId}/evidence`, {
      criterionId: c.criterionId,
      result: 'passed',
      summary: `${c.name}: 120 passed`,
      url: 'https://ci.example.org/runs/42',
    });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
  }
  const accepted = await remy.post<Release>(`/v1/releases/${made.body.releaseId}/acceptances`, { stage: 'deployment' });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  expect(accepted.body.status).toBe('accepted');
  return accepted.body;
}

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  chloe = await as(rt, 'chloe', ['changes-manager']);
  rita = await as(rt, 'rita', ['releases-manager']);
  remy = await as(rt, 'remy', ['releases-manager']);
  sam = await as(rt, 'sam', ['process-staff']);
  cmdb = await as(rt, 'cora', ['configuration-manager']);
  agent = await as(rt, 'alice', ['service-desk-manager']);
  const template = await chloe.post<{ templateId: string }>('/v1/change-templates', {
    name: 'Deploy the web shop',
    description: 'A routine deployment of the web shop.',
    implementationPlan: 'Run the pipeline.',
    testPlan: 'Smoke tests.',
    backoutPlan: 'Redeploy the previous version.',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  templateId = template.body.templateId;
  expect(
    (
      await cmdb.post('/v1/ci-types', {
        typeId: 'app',
        name: 'Application',
        attributes: [{ name: 'version', type: 'string' }],
      })
    ).status,
  ).toBe(201);
  for (const name of ['shop-web', 'shop-api', 'shop-db']) {
    const r = await cmdb.post<{ ciId: string }>('/v1/cis', {
      typeId: 'app',
      name,
      status: 'active',
      attributes: { version: '1.0.0' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ci[name] = r.body.ciId;
  }
}, 120_000);

afterAll(async () => {
  await rt?.close();
});

describe('bundling changes (PR13.2)', () => {
  it('takes approved changes only, and says why it refuses the others', async () => {
    const unapproved = await sam.post<Change>('/v1/changes', {
      title: 'Resize the database',
      description: 'More memory',
      type: 'normal',
    });
    expect(unapproved.status).toBe(201);
    const approved = await approvedChange('Deploy shop 1.1', [ci['shop-web']!]);
    // The unapproved change is refused with its reason and field; nothing is recorded.
    // (Until its copy arrives, the change is refused as unknown to release management.)
    const refused = await eventually(
      async () => {
        const r = await rita.post<{ code: string; detail: string }>('/v1/releases', {
          title: 'Shop 1.1',
          type: 'minor',
          changeIds: [approved.changeId, unapproved.body.changeId],
        });
        expect(r.status).toBe(409);
        return r.body.detail.includes('not known') ? undefined : r;
      },
      15_000,
      'the unapproved change copied',
    );
    expect(refused.body.code).toBe('change-not-includable');
    expect(JSON.stringify(refused.body)).toContain(`${unapproved.body.number} is new, not approved`);
    expect(JSON.stringify(refused.body)).toContain('changeIds.1');
    // Adding it to an existing release is refused the same way.
    const rel = await rita.post<Release>('/v1/releases', {
      title: 'Shop 1.1',
      type: 'minor',
      changeIds: [approved.changeId],
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const add = await rita.post(`/v1/releases/${rel.body.releaseId}/changes`, { changeId: unapproved.body.changeId });
    expect(add.status).toBe(409);
    expect((await get(rel.body.releaseId)).changeIds).toEqual([approved.changeId]);
    // The approved change is in one open release at a time.
    const twice = await rita.post('/v1/releases', { title: 'Again', type: 'minor', changeIds: [approved.changeId] });
    expect(twice.status).toBe(409);
    expect(JSON.stringify(twice.body)).toContain('change-in-another-release');
    await rita.post(`/v1/releases/${rel.body.releaseId}/cancellation`, { reason: 'test done' });
  });
});

describe('the gate (PR13.4)', () => {
  it('refuses a deployment without passed criteria or a waiver, and lets a waiver with its approver through', async () => {
    const change = await approvedChange('Deploy shop 1.2', [ci['shop-web']!]);
    const made = await rita.post<Release>('/v1/releases', {
      title: 'Shop 1.2',
      type: 'minor',
      changeIds: [change.changeId],
      plan: { ...PLAN, ...window(-30_000) },
      criteria: CRITERIA,
    });
    expect(made.status).toBe(201);
    const id = made.body.releaseId;
    const [unit, integration] = made.body.criteria;
    // No evidence: deployment refused, each missing criterion named; no deployment started.
    const bare = await sam.post<{ code: string; errors: { field: string }[] }>(`/v1/releases/${id}/deployments`, {});
    expect(bare.status).toBe(409);
    expect(bare.body.code).toBe('release-gate-not-passed');
    expect(bare.body.errors.map((e) => e.field).sort()).toEqual([
      `criteria.${integration!.criterionId}`,
      `criteria.${unit!.criterionId}`,
    ]);
    // Failed evidence does not pass either; acceptance is refused for the same reason.
    await sam.post(`/v1/releases/${id}/evidence`, { criterionId: unit!.criterionId, result: 'passed', summary: 'ok' });
    await sam.post(`/v1/releases/${id}/evidence`, {
      criterionId: integration!.criterionId,
      result: 'failed',
      summary: '3 failed',
    });
    expect((await remy.post(`/v1/releases/${id}/acceptances`, { stage: 'deployment' })).status).toBe(409);
    expect((await sam.post(`/v1/releases/${id}/deployments`, {})).status).toBe(409);
    // Only a release manager waives, and not the release's own owner.
    expect(
      (await sam.post(`/v1/releases/${id}/waivers`, { criterionId: integration!.criterionId, reason: 'x' })).status,
    ).toBe(403);
    expect(
      (await rita.post(`/v1/releases/${id}/waivers`, { criterionId: integration!.criterionId, reason: 'x' })).status,
    ).toBe(403);
    const waived = await remy.post<Release & { waivers: { approverId: string }[] }>(`/v1/releases/${id}/waivers`, {
      criterionId: integration!.criterionId,
      reason: 'Known flaky suite; covered by the canary wave.',
    });
    expect(waived.status).toBe(201);
    expect(waived.body.waivers).toEqual([expect.objectContaining({ approverId: 'user-remy' })]);
    expect(waived.body.gate.passed).toBe(true);
    // The gate passes; the release still needs its acceptance before it deploys.
    const notAccepted = await sam.post<{ code: string }>(`/v1/releases/${id}/deployments`, {});
    expect(notAccepted.body.code).toBe('release-not-accepted');
    expect((await get(id)).deployment).toBeUndefined();
    await rita.post(`/v1/releases/${id}/cancellation`, { reason: 'test done' });
  });
});

describe('a two-wave deployment', () => {
  it('backs out when the second verification fails, ending rolled back with the changes backed out', async () => {
    const a = await approvedChange('Deploy shop web 2.0', [ci['shop-web']!]);
    const b = await approvedChange('Deploy shop api 2.0', [ci['shop-api']!]);
    const ready = await readyRelease('Shop 2.0', [a, b]);
    const started = await sam.post<Release>(`/v1/releases/${ready.releaseId}/deployments`, {});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.status).toBe('deploying');
    // The CMDB's baseline first (BaselineRequested -> configuration -> BaselineCaptured), then wave 1 opens.
    const wave1 = await until(
      ready.releaseId,
      'wave 1 deploying',
      (r) => r.deployment?.waves[0]?.status === 'deploying',
    );
    expect(wave1.deployment!.baselineId).toBeTruthy();
    const captured = rt.bus
      .published()
      .find(
        (e) =>
          e['detail-type'] === 'BaselineCaptured' && JSON.stringify(e.detail).includes(wave1.deployment!.deploymentId),
      );
    expect(captured, 'BaselineCaptured answers the request').toBeTruthy();
    // A wave not yet open cannot be verified.
    expect(
      (await sam.post(`/v1/releases/${ready.releaseId}/deployment/waves/2/verification`, { result: 'passed' })).status,
    ).toBe(409);
    const v1 = await sam.post<Release>(`/v1/releases/${ready.releaseId}/deployment/waves/1/verification`, {
      result: 'passed',
      notes: 'Canary healthy for 10 minutes.',
    });
    expect(v1.status, JSON.stringify(v1.body)).toBe(200);
    await until(ready.releaseId, 'wave 2 deploying', (r) => r.deployment?.waves[1]?.status === 'deploying');
    const v2 = await sam.post(`/v1/releases/${ready.releaseId}/deployment/waves/everyone/verification`, {
      result: 'failed',
      notes: 'Error rate 4% after the switch.',
    });
    expect(v2.status).toBe(200);
    // The back-out path opens; its result ends the deployment rolled back.
    await until(ready.releaseId, 'back-out open', (r) => r.deployment?.backout?.status === 'open');
    const backout = await sam.post(`/v1/releases/${ready.releaseId}/deployment/back-out`, {
      result: 'completed',
      notes: 'Previous package redeployed; error rate back to 0.1%.',
    });
    expect(backout.status).toBe(200);
    const ended = await until(ready.releaseId, 'rolled back', (r) => r.status === 'rolled-back');
    expect(ended).toMatchObject({ outcome: 'rolled-back' });
    expect(ended.deployment).toMatchObject({
      phase: 'ended',
      outcome: 'rolled-back',
      failedWave: 'everyone',
      waves: [
        { name: 'canary', status: 'passed', decidedBy: 'user-sam' },
        { name: 'everyone', status: 'failed', notes: 'Error rate 4% after the switch.' },
      ],
      backout: { status: 'completed' },
    });
    expect(ended.deployments).toEqual([expect.objectContaining({ outcome: 'rolled-back' })]);
    // The flow ended.
    expect((await rt.stepFunctions.waitForExecution(ended.deployment!.executionArn!)).status).toBe('SUCCEEDED');
    // The changes follow: backed out, with a review required (their PIR input is the release's reason).
    for (const c of [a, b]) {
      const change = await eventually(
        async () => {
          const r = (await chloe.get<Change & { outcomeNotes?: string }>(`/v1/changes/${c.changeId}`)).body;
          return r.outcome ? r : undefined;
        },
        20_000,
        `${c.number} outcome`,
      );
      expect(change).toMatchObject({ status: 'implemented', outcome: 'backed-out' });
      expect(change.reviewReasons.length).toBeGreaterThan(0);
      expect(change.outcomeNotes).toContain('everyone');
    }
    // Stakeholders are told.
    await eventually(() =>
      rt.mailbox
        .messages()
        .some((m) => m.subject.includes(`${ended.number} Shop 2.0: deployment failed and was rolled back`)),
    );
  });
});

describe('early-life support (PR13.6)', () => {
  it('links an incident on a released CI and holds the handover until the quiet period passes', async () => {
    const a = await approvedChange('Deploy shop db 3.0', [ci['shop-db']!]);
    const ready = await readyRelease('Shop 3.0', [a]);
    expect((await sam.post(`/v1/releases/${ready.releaseId}/deployments`, {})).status).toBe(202);
    for (const n of [1, 2]) {
      await until(ready.releaseId, `wave ${n} deploying`, (r) => r.deployment?.waves[n - 1]?.status === 'deploying');
      expect(
        (await sam.post(`/v1/releases/${ready.releaseId}/deployment/waves/${n}/verification`, { result: 'passed' }))
          .status,
      ).toBe(200);
    }
    const done = await until(ready.releaseId, 'early-life support', (r) => r.status === 'early-life-support');
    expect(done.outcome).toBe('success');
    // The CMDB still says 1.0.0 and there is no package: verification says what it compared.
    expect(done.deployment!.verification).toBeTruthy();
    const incident = await agent.post<{ number: string }>('/v1/incidents', {
      title: 'Shop checkout fails',
      description: 'Since the database release',
      caller: { id: 'carl', name: 'Carl' },
      impact: 'high',
      urgency: 'high',
      ciIds: [ci['shop-db']],
    });
    expect(incident.status, JSON.stringify(incident.body)).toBe(201);
    const linked = await until(ready.releaseId, 'incident linked', (r) => (r.earlyLife?.incidents.length ?? 0) > 0);
    expect(linked.earlyLife!.incidents[0]).toMatchObject({ number: incident.body.number });
    // Handover is refused now: the period is not over, and a P1/P2 incident is too recent.
    const early = await remy.post<{ code: string; errors: { field: string }[] }>(
      `/v1/releases/${ready.releaseId}/handover`,
      {
        acceptedBy: 'user-olga',
      },
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('early-life-exit-criteria-unmet');
    const priority = linked.earlyLife!.incidents[0]!.priority;
    if (['P1', 'P2'].includes(priority)) expect(early.body.errors.map((e) => e.field)).toContain('earlyLife.incidents');
    // After the period and the quiet days, operations takes it over.
    rt.setTime(Date.parse(linked.earlyLife!.until) + 4 * 86_400_000);
    try {
      const handed = await remy.post<Release>(`/v1/releases/${ready.releaseId}/handover`, { acceptedBy: 'user-olga' });
      expect(handed.status, JSON.stringify(handed.body)).toBe(200);
      expect(handed.body.status).toBe('closed');
    } finally {
      rt.setTime(undefined);
    }
  });
});
