import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';
import { DEFAULT_POLICY } from '../domain/policy';

/**
 * Change approval as its users live it: through the HTTP API, on the local Step Functions with
 * real task tokens (FitSM PR12.4). The anchors' approval bugs each have a test here.
 */
let rt: Runtime;
let manager: Client; // changes-manager: configures the policy, CABs, people
let requester: Client;
let a1: Client;
let a2: Client;
let a3: Client;
let boss: Client;
let twoLevels: unknown;

type Level = {
  level: number;
  name: string;
  status: string;
  required: number;
  approverIds: string[];
  votes: { userId: string; decision: string; rationale: string; kind: string }[];
  escalations: number;
  role?: string;
  escalationRole?: string;
};
type Change = {
  changeId: string;
  number: string;
  status: string;
  type: string;
  version: number;
  approval?: { levels: Level[]; basis?: string; decidedAt?: string };
  reviewReasons: string[];
  closureCode?: string;
  executionArn?: string;
};

const hour = 3_600_000;
/** The user id the local identity provider gives a user name. */
const id = (name: string) => `user-${name}`;
const window = (fromNowMs: number, lengthMs = hour) => ({
  plannedStart: new Date(Date.now() + fromNowMs).toISOString(),
  plannedEnd: new Date(Date.now() + fromNowMs + lengthMs).toISOString(),
});

const PLANS = {
  implementationPlan: 'Apply the configuration in the maintenance window.',
  testPlan: 'Smoke tests of the service afterwards.',
  backoutPlan: 'Restore the previous configuration from the baseline.',
};

/** A matrix for the tests: level 1 a quorum of 2 of 3 named approvers, level 2 any one (the manager). */
const TWO_LEVELS = {
  ...DEFAULT_POLICY,
  matrix: [
    {
      name: 'emergency: ECAB',
      types: ['emergency'],
      levels: [
        { name: 'ECAB', approvers: { cabId: 'ECAB_ID' }, mode: 'any', timeoutSeconds: 600, onTimeout: 'approve' },
      ],
    },
    {
      name: 'two levels',
      types: ['normal', 'major'],
      levels: [
        {
          name: 'Technical review',
          approvers: { users: [id('ann'), id('bob'), id('cid')] },
          mode: 'quorum',
          quorum: 2,
          timeoutSeconds: 600,
          onTimeout: 'reject',
        },
        {
          name: "Requester's manager",
          approvers: { requesterManager: true },
          mode: 'any',
          timeoutSeconds: 600,
          onTimeout: 'reject',
        },
      ],
    },
  ],
};

async function setPolicy(policy: unknown) {
  const current = await manager.get<{ version: number }>('/v1/change-policy');
  const res = await manager.put('/v1/change-policy', policy, { 'if-match': `"${current.body.version}"` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Raise, assess and submit a normal change; returns it as submitted. */
async function submitted(title: string, extra: Record<string, unknown> = {}, by = requester): Promise<Change> {
  const raised = await by.post<Change>('/v1/changes', {
    title,
    description: `${title}: why and what.`,
    ...PLANS,
    ...window(2 * 24 * hour),
    serviceIds: ['svc-mail'],
    ...extra,
  });
  expect(raised.status, JSON.stringify(raised.body)).toBe(201);
  const assessed = await by.post<Change>(
    `/v1/changes/${raised.body.changeId}/assessment`,
    {
      benefit: 'Fewer outages',
      effort: 'Two hours',
      feasibility: 'Done before',
      answers: { tested: 'yes', 'done-before': 'often', downtime: 'none' },
    },
    { 'if-match': `"${raised.body.version}"` },
  );
  expect(assessed.status, JSON.stringify(assessed.body)).toBe(200);
  const sub = await by.post<Change>(`/v1/changes/${raised.body.changeId}/submission`, undefined, {
    'if-match': `"${assessed.body.version}"`,
  });
  expect(sub.status, JSON.stringify(sub.body)).toBe(202);
  return sub.body;
}

const levelOpen = (id: string, level: number) =>
  eventually(async () => {
    const c = await manager.get<Change>(`/v1/changes/${id}`);
    const l = c.body.approval?.levels.find((x) => x.level === level);
    expect(l?.status).toBe('open');
    return c.body;
  });

const vote = (who: Client, id: string, decision: 'approve' | 'reject', rationale = `${decision}: looks right`) =>
  who.post<{ levels: Level[]; status: string }>(`/v1/changes/${id}/approvals`, { decision, rationale });

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  manager = await as(rt, 'max', ['changes-manager']);
  requester = await as(rt, 'rae', ['process-staff']);
  a1 = await as(rt, 'ann', ['process-staff']);
  a2 = await as(rt, 'bob', ['process-staff']);
  a3 = await as(rt, 'cid', ['process-staff']);
  boss = await as(rt, 'meg', ['process-staff']);
  // Who manages whom: the service keeps it (Formcreator #3599: manager-of-requester levels).
  expect(
    (await manager.put(`/v1/people/${id('rae')}`, { name: 'Rae', email: 'rae@example.org', managerId: id('meg') }))
      .status,
  ).toBe(200);
  for (const u of ['ann', 'bob', 'cid', 'meg'])
    expect((await manager.put(`/v1/people/${id(u)}`, { email: `${u}@example.org` })).status).toBe(200);
  const ecab = await manager.post<{ cabId: string }>('/v1/cabs', {
    name: 'Emergency CAB',
    members: [id('ann'), id('bob')],
    emergency: true,
  });
  expect(ecab.status).toBe(201);
  twoLevels = JSON.parse(JSON.stringify(TWO_LEVELS).replace('ECAB_ID', ecab.body.cabId));
  await setPolicy(twoLevels);
});

afterAll(async () => {
  await rt?.close();
});

describe('a normal change with two sequential levels (quorum 2 of 3, then any one)', () => {
  it('opens level 2 only after level 1 reached its quorum, and ends approved with every decision kept', async () => {
    const c = await submitted('Upgrade the mail relay');
    expect(c.status).toBe('approval');
    expect(c.executionArn).toMatch(/^arn:aws:states:/);
    const open1 = await levelOpen(c.changeId, 1);
    expect(open1.approval!.levels.map((l) => [l.level, l.status, l.required])).toEqual([
      [1, 'open', 2],
      [2, 'pending', 1],
    ]);
    expect(open1.approval!.levels[1]!.approverIds).toEqual([id('meg')]);

    // One approval of a quorum of two decides nothing (GLPI #11949: more than one approver).
    expect((await vote(a1, c.changeId, 'approve')).status).toBe(201);
    const after1 = await manager.get<Change>(`/v1/changes/${c.changeId}`);
    expect(after1.body.approval!.levels[0]!.status).toBe('open');
    // Each person votes once per level.
    const again = await vote(a1, c.changeId, 'approve');
    expect(again.status).toBe(409);
    expect((again.body as unknown as { code: string }).code).toBe('already-decided');
    // Someone not on the level cannot decide it.
    expect((await vote(boss, c.changeId, 'approve')).status).toBe(403);

    expect((await vote(a2, c.changeId, 'approve')).status).toBe(201);
    // Level 2 opens through the flow (GLPI #25571: step 2 never firing).
    await levelOpen(c.changeId, 2);
    // The requester's manager decides level 2.
    expect((await vote(boss, c.changeId, 'approve', 'Business agrees')).status).toBe(201);
    const done = await eventually(async () => {
      const r = await manager.get<Change>(`/v1/changes/${c.changeId}`);
      expect(r.body.status).toBe('approved');
      return r.body;
    });
    expect(done.approval!.basis).toBe('approved by all 2 level(s)');
    expect(done.approval!.levels.map((l) => l.votes.map((v) => [v.userId, v.decision]))).toEqual([
      [
        [id('ann'), 'approve'],
        [id('bob'), 'approve'],
      ],
      [[id('meg'), 'approve']],
    ]);
    // The third approver of level 1 can no longer vote: the level is decided.
    expect((await vote(a3, c.changeId, 'approve')).status).toBe(409);
    // ChangeApproved left through the service's stream like every other event.
    await eventually(() =>
      rt.bus
        .published()
        .some((e) => e['detail-type'] === 'ChangeApproved' && JSON.stringify(e.detail).includes(c.changeId)),
    );
  });
});

describe('a rejection at level 2', () => {
  it('ends the change rejected, with level 1 kept as history and never as the outcome (GLPI #24399)', async () => {
    const c = await submitted('Replace the load balancer');
    await levelOpen(c.changeId, 1);
    expect((await vote(a1, c.changeId, 'approve')).status).toBe(201);
    expect((await vote(a3, c.changeId, 'approve')).status).toBe(201);
    await levelOpen(c.changeId, 2);
    const rejected = await vote(boss, c.changeId, 'reject', 'Not before the quarter closes');
    expect(rejected.status).toBe(201);
    expect(rejected.body.status).toBe('rejected');
    const r = await manager.get<Change>(`/v1/changes/${c.changeId}`);
    expect(r.body.status).toBe('rejected');
    expect(r.body.closureCode).toBe('rejected');
    expect(r.body.approval!.basis).toBe("rejected at level 2 (Requester's manager)");
    expect(r.body.approval!.levels.map((l) => l.status)).toEqual(['approved', 'rejected']);
    expect(r.body.approval!.levels[1]!.votes[0]).toMatchObject({
      userId: id('meg'),
      decision: 'reject',
      rationale: 'Not before the quarter closes',
    });
    // The flow ends: the execution succeeds, waiting on nothing.
    const exec = await rt.stepFunctions.waitForExecution(r.body.executionArn!);
    expect(exec.status).toBe('SUCCEEDED');
    // A rejected change cannot be approved afterwards.
    expect((await vote(a2, c.changeId, 'approve')).status).toBe(409);
  });
});

describe('a level that times out', () => {
  it('escalates: the escalation role may decide, the original approvers are asked again, the clock restarts', async () => {
    await setPolicy({
      ...DEFAULT_POLICY,
      matrix: [
        {
          name: 'quick',
          levels: [
            {
              name: 'Named approver',
              approvers: { users: [id('ann')] },
              mode: 'any',
              timeoutSeconds: 1,
              onTimeout: 'escalate',
              escalateTo: { users: [id('cid')], role: 'changes-owner' },
            },
          ],
        },
      ],
    });
    try {
      const c = await submitted('Rotate the TLS certificates');
      const escalated = await eventually(
        async () => {
          const r = await manager.get<Change>(`/v1/changes/${c.changeId}`);
          expect(r.body.approval!.levels[0]!.escalations).toBeGreaterThanOrEqual(1);
          return r.body;
        },
        15_000,
        'the level to escalate',
      );
      const level = escalated.approval!.levels[0]!;
      expect(level.status).toBe('open');
      expect(level.approverIds).toEqual([id('ann'), id('cid')]);
      expect(level.escalationRole).toBe('changes-owner');
      // The escalation target sees it in the inbox and decides.
      const inbox = await a3.get<{ items: { number: string }[] }>('/v1/approval-inbox');
      expect(inbox.body.items.map((i) => i.number)).toContain(c.number);
      expect((await vote(a3, c.changeId, 'approve', 'Escalated to me; fine')).status).toBe(201);
      await eventually(async () => (await manager.get<Change>(`/v1/changes/${c.changeId}`)).body.status === 'approved');
    } finally {
      await setPolicy(twoLevels);
    }
  });
});
