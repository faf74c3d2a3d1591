/**
 * Change management's lifecycle figures (issue 11), on an in-process local runtime: a full normal
 * change (raise, assess, submit, two approval levels, the window, implement, close) one at a time,
 * with what it makes AWS do (state transitions, invocations, write units) priced per 1,000 changes;
 * the latency from the deciding vote to `ChangeApproved` on the bus; the impact assessment's latency.
 */
import type { Runtime } from '../infra/local/runtime';
import { DEFAULT_POLICY } from '../services/changes/domain/policy';
import { client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../test/support/runtime';
import { per1000, rounded, settledReading, usageBetween } from './cost';
import { pct, round } from './harness';

const POLICY = {
  ...DEFAULT_POLICY,
  matrix: [
    {
      name: 'two levels',
      levels: [
        {
          name: 'Technical',
          approvers: { users: ['user-ann'] },
          mode: 'any',
          timeoutSeconds: 86_400,
          onTimeout: 'reject',
        },
        {
          name: 'Business',
          approvers: { users: ['user-bob'] },
          mode: 'any',
          timeoutSeconds: 86_400,
          onTimeout: 'reject',
        },
      ],
    },
  ],
};

const ok = <T extends { status: number; body: unknown }>(r: T, what: string): T => {
  if (r.status >= 400) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
};

async function lifecycle(rt: Runtime, users: Record<string, ReturnType<typeof client>>, i: number) {
  const { rae, ann, bob } = users as Record<'rae' | 'ann' | 'bob', ReturnType<typeof client>>;
  type C = { changeId: string; version: number };
  const start = Date.now() + 1500;
  const raised = ok(
    await rae.post<C>('/v1/changes', {
      title: `Bench change ${i}`,
      description: 'Patch the mail relay',
      implementationPlan: 'Apply',
      testPlan: 'Smoke test',
      backoutPlan: 'Roll back',
      ciIds: [`ci-bench-${i % 7}`],
      implementerId: 'user-rae',
      plannedStart: new Date(start).toISOString(),
      plannedEnd: new Date(start + 3_600_000).toISOString(),
    }),
    'raise',
  ).body;
  const assessed = ok(
    await rae.post<C>(
      `/v1/changes/${raised.changeId}/assessment`,
      {
        benefit: 'b',
        effort: 'e',
        feasibility: 'f',
        answers: { tested: 'yes', 'done-before': 'often', downtime: 'none' },
      },
      { 'if-match': `"${raised.version}"` },
    ),
    'assess',
  ).body;
  ok(
    await rae.post(`/v1/changes/${raised.changeId}/submission`, undefined, { 'if-match': `"${assessed.version}"` }),
    'submit',
  );
  // The bench watches the bus (in process), not the API, so its own polling costs nothing in the figures:
  // a level is open once its ChangeApprovalRequested was published.
  const levelOpen = (n: number) =>
    eventually(
      () =>
        rt.bus.published().some((e) => {
          const d = e.detail as { data?: { changeId?: string; level?: number } };
          return (
            e['detail-type'] === 'ChangeApprovalRequested' &&
            d.data?.changeId === raised.changeId &&
            d.data.level === n + 1
          );
        }),
      30_000,
      `level ${n + 1} open`,
    );
  await levelOpen(0);
  ok(await ann.post(`/v1/changes/${raised.changeId}/approvals`, { decision: 'approve', rationale: 'ok' }), 'level 1');
  await levelOpen(1);
  const before = rt.bus.published().length;
  const decided = performance.now();
  ok(await bob.post(`/v1/changes/${raised.changeId}/approvals`, { decision: 'approve', rationale: 'ok' }), 'level 2');
  await eventually(
    () =>
      rt.bus
        .published()
        .slice(before)
        .some((e) => e['detail-type'] === 'ChangeApproved' && JSON.stringify(e.detail).includes(raised.changeId)),
    30_000,
    'ChangeApproved on the bus',
  );
  const approvedMs = performance.now() - decided;
  await new Promise((r) => setTimeout(r, Math.max(0, start - Date.now() + 50)));
  ok(await rae.post(`/v1/changes/${raised.changeId}/implementation`, { event: 'started' }), 'start');
  ok(await rae.post(`/v1/changes/${raised.changeId}/implementation`, { event: 'ended', outcome: 'successful' }), 'end');
  ok(await rae.post(`/v1/changes/${raised.changeId}/closure`, {}), 'close');
  return approvedMs;
}

export async function benchChangeLifecycle(opts: { count: number }) {
  const rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  try {
    const as = async (user: string, roles: string[]) => client(rt, await rt.token({ user, roles: roles as never }));
    const manager = await as('max', ['changes-manager']);
    const users = {
      rae: await as('rae', ['process-staff']),
      ann: await as('ann', ['process-staff']),
      bob: await as('bob', ['process-staff']),
    };
    ok(await manager.put('/v1/change-policy', POLICY, { 'if-match': '"0"' }), 'policy');
    // Warm up every function once, then measure one change at a time, each left to settle.
    await lifecycle(rt, users, 0);
    const reading = () => settledReading(rt.awsUrl, () => 0);
    const a = await reading();
    const latencies: number[] = [];
    for (let i = 1; i <= opts.count; i++) {
      latencies.push(await lifecycle(rt, users, i));
      // The flow ends once the change is closed; let it finish before the next one.
      await new Promise((r) => setTimeout(r, 200));
    }
    const b = await reading();
    const usage = usageBetween(a, b, opts.count);
    // Impact assessment latency on the demo-sized graph copy the runtime holds (graph-heavy figures
    // are in the conflict suite with 10,000 CIs).
    const impact: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      ok(await users.rae.post('/v1/change-impact', { ciIds: [`ci-bench-${i % 7}`] }), 'impact');
      impact.push(performance.now() - t0);
    }
    return {
      changes: opts.count,
      perChange: rounded(usage.usage),
      byFunction: usage.byFunction,
      usdPer1000Changes: per1000(usage.usage),
      decisionToChangeApproved: {
        p50Ms: round(pct(latencies, 50)),
        p99Ms: round(pct(latencies, 99)),
        runs: latencies.length,
      },
      impactApiSmallGraph: { p50Ms: round(pct(impact, 50)), p99Ms: round(pct(impact, 99)) },
      note:
        'One normal change at a time: raise, assess, submit, two approval levels (one approver each), the wait for the window, start, end, close. ' +
        'Logs are not counted (the in-process runtime logs errors only); Lambda GB-seconds are local busy time (an upper bound).',
    };
  } finally {
    await rt.close();
  }
}
