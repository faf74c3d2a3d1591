/**
 * The service desk's figures (issue 3): incident registration, the whole ticket lifecycle, items
 * read per queue page as the table grows, and a cost model: what one incident lifecycle makes AWS
 * do (Lambda invocations and GB-seconds, DynamoDB read and write units with index entries, events,
 * state transitions, API requests, mail), counted by the local runtime's meter, priced with
 * `bench/prices.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys, ticketItem, toTicket } from '../services/service-desk/store';
import { per1000, rounded, settledReading, usageBetween } from './cost';
import { call, load, round, type Sample } from './harness';

const ok = (r: Sample & { body: unknown }, what: string) => {
  if (r.status >= 400) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
};

/** The desk as a deployment would have it: a default SLA on a calendar, a support group. Once per platform. */
export async function setUpDesk() {
  const calendar = await call('POST', '/v1/calendars', {
    calendarId: 'bench-24x7',
    name: 'Around the clock',
    calendar: { timeZone: 'UTC', twentyFourSeven: true },
  });
  // Set up already by an earlier suite of this run.
  if (calendar.status === 409) return;
  ok(calendar, 'calendar');
  ok(
    await call('POST', '/v1/agreements', {
      kind: 'sla',
      name: 'Default SLA',
      default: true,
      calendarId: 'bench-24x7',
      targets: {
        P1: { firstResponseMinutes: 15, resolutionMinutes: 240 },
        P2: { firstResponseMinutes: 30, resolutionMinutes: 480 },
        P3: { firstResponseMinutes: 60, resolutionMinutes: 1440 },
        P4: { firstResponseMinutes: 240, resolutionMinutes: 4320 },
      },
      reviewDate: '2027-06-30',
      status: 'active',
    }),
    'default SLA',
  );
  ok(
    await call('PUT', '/v1/groups/bench-desk', {
      name: 'Bench desk',
      managerId: 'user-lead',
      managerEmail: 'lead@example.org',
      members: ['agent-1'],
    }),
    'group',
  );
}

const caller = (i: number) => ({
  id: `user-${i % 500}`,
  name: `User ${i % 500}`,
  email: `user${i % 500}@example.org`,
});
/** A registration as the bench sends it: varied impact and urgency, 500 callers. */
export const incident = (i: number, group = 'bench-desk') => ({
  title: `Bench incident ${i}`,
  description: 'Cannot reach the web shop',
  channel: 'email',
  caller: caller(i),
  impact: ['high', 'medium', 'low'][i % 3],
  urgency: ['medium', 'low', 'high'][i % 3],
  assignmentGroup: group,
});

export async function benchServiceDesk(opts: {
  awsBase: string;
  quick: boolean;
  tickets: number;
  /** Also measure SLA moments in real time (about 3.5 minutes, mostly waiting). */
  sla: boolean;
  /** Function log bytes the platform has written to its stdout so far. */
  stdoutLogBytes: () => number;
}) {
  const settled = () => settledReading(opts.awsBase, opts.stdoutLogBytes);
  await setUpDesk();

  // 1. Registration at concurrency 8.
  const registerCount = opts.quick ? 300 : 1000;
  const register = await load(registerCount, 8, (i) => call('POST', '/v1/incidents', incident(i)));
  await settled();

  // 2. The lifecycle: create, assign, comment (public), resolve, close; each incident in sequence, 8 at a time.
  const lifecycleCount = opts.quick ? 100 : 200;
  const steps: Record<string, number[]> = { create: [], assign: [], comment: [], resolve: [], close: [] };
  const lifecycle = await load(lifecycleCount, 8, async (i) => {
    const timed = async (step: string, p: Promise<Sample & { body: unknown }>) => {
      const r = ok(await p, step);
      steps[step]!.push(r.ms);
      return r;
    };
    const t0 = performance.now();
    const created = await timed('create', call('POST', '/v1/incidents', incident(i)));
    const id = (created.body as { ticketId: string }).ticketId;
    let version = (created.body as { version: number }).version;
    const assigned = await timed(
      'assign',
      call(
        'PATCH',
        `/v1/tickets/${id}`,
        { assigneeId: 'agent-1', status: 'in-progress' },
        { 'if-match': `"${version}"` },
      ),
    );
    version = (assigned.body as { version: number }).version;
    await timed(
      'comment',
      call('POST', `/v1/tickets/${id}/comments`, { text: 'Looking into it.', visibility: 'public' }),
    );
    await timed(
      'resolve',
      call('POST', `/v1/tickets/${id}/resolve`, { resolutionCode: 'fixed', resolutionSummary: 'Restarted the proxy.' }),
    );
    const closed = await timed('close', call('POST', `/v1/tickets/${id}/close`, {}));
    return { ms: performance.now() - t0, status: closed.status };
  });
  await settled();

  // What one registration makes AWS do (invocations, SDK calls, units): one at a time, each left
  // to settle, as the cost model below does for lifecycles.
  const regCount = opts.quick ? 10 : 15;
  const regBefore = await settled();
  await load(regCount, 1, async (i) => {
    const r = ok(await call('POST', '/v1/incidents', incident(20_000 + i)), 'register');
    await settled();
    return r;
  });
  const perRegistration = usageBetween(regBefore, await settled(), regCount);

  // The cost model: lifecycles one at a time, so Lambda durations are not inflated by queueing
  // behind seven other lifecycles on two cores (AWS runs each invocation on its own share of CPU).
  const costCount = opts.quick ? 20 : 30;
  const costBefore = await settled();
  await load(costCount, 1, async (i) => {
    const created = ok(await call('POST', '/v1/incidents', incident(10_000 + i)), 'create');
    const id = (created.body as { ticketId: string }).ticketId;
    const version = (created.body as { version: number }).version;
    ok(
      await call(
        'PATCH',
        `/v1/tickets/${id}`,
        { assigneeId: 'agent-1', status: 'in-progress' },
        { 'if-match': `"${version}"` },
      ),
      'assign',
    );
    ok(await call('POST', `/v1/tickets/${id}/comments`, { text: 'Looking into it.', visibility: 'public' }), 'comment');
    ok(
      await call('POST', `/v1/tickets/${id}/resolve`, { resolutionCode: 'fixed', resolutionSummary: 'Restarted.' }),
      'resolve',
    );
    const closed = ok(await call('POST', `/v1/tickets/${id}/close`, {}), 'close');
    await settled();
    return { ms: 0, status: closed.status };
  });
  const lifecycleUsage = usageBetween(costBefore, await settled(), costCount);
  const cost = {
    perLifecycle: rounded(lifecycleUsage.usage),
    byFunction: lifecycleUsage.byFunction,
    byTable: lifecycleUsage.byTable,
    usdPer1000Lifecycles: per1000(lifecycleUsage.usage),
    logSource: lifecycleUsage.logSource,
    note:
      'Lambda GB-seconds use busy time measured locally (an upper bound: it includes waiting in the local worker). ' +
      'Functions only schedules invoke are left out (priced at rest). X-Ray: every trace recorded (the default ' +
      "rule's reservoir at a desk's load); SES mail is apart.",
  };

  // 3. SLA moments in real time (`--sla`): a 1-minute first-response and 2-minute resolution target
  // with warnings at half, on the platform's own every-minute timer. Lateness = when the desk
  // recorded the automatic escalation minus the moment itself (end to end: timer, event, consumer).
  const slaLateness = opts.sla ? await measureSlaLateness(settled) : undefined;

  // 4. Queue pages: items read per page at 1,000 and at `tickets` open tickets in one group.
  const queue = async () => {
    const page = await load(30, 4, () => call('GET', '/v1/queues/groups/bench-queue?limit=25'));
    return { itemsRead: page.itemsRead, rcu: page.rcu, p50Ms: page.p50Ms };
  };
  const fill = async (from: number, to: number) => {
    await load(to - from, 8, (i) => call('POST', '/v1/incidents', incident(from + i, 'bench-queue')));
  };
  await fill(0, 1000);
  const at1k = await queue();
  // Up to `tickets`, the table is filled straight through DynamoDB (through the API the platform
  // registers ~20-50 tickets a second here, so 49,000 would take about half an hour): each item is a
  // copy of a ticket the API created, given a new id, number and age and rebuilt with the service's
  // own item builder (`ticketItem`: the same attributes and queue index keys), spread over ten groups
  // of which the measured queue is one.
  const t0 = performance.now();
  await fillDirect(opts.awsBase, 1000, opts.tickets);
  const fillSeconds = round((performance.now() - t0) / 1000, 1);
  const atN = await queue();

  const stepMs = Object.fromEntries(
    Object.entries(steps).map(([k, v]) => {
      const s = [...v].sort((a, b) => a - b);
      return [
        k,
        { p50Ms: round(s[Math.floor(s.length / 2)] ?? 0), p99Ms: round(s[Math.ceil(s.length * 0.99) - 1] ?? 0) },
      ];
    }),
  );
  return {
    registerIncident: register,
    incidentLifecycle: { ...lifecycle, unit: 'lifecycles (5 API calls each)', steps: stepMs },
    queuePage: { at1000: at1k, [`at${opts.tickets}`]: atN, fillSeconds },
    costPerLifecycle: cost,
    perRegistration: { ...rounded(perRegistration.usage), byFunction: perRegistration.byFunction },
    ...(slaLateness ? { slaLateness } : {}),
  };
}

async function measureSlaLateness(settled: () => Promise<unknown>) {
  ok(
    await call('POST', '/v1/agreements', {
      kind: 'sla',
      name: 'Bench fast SLA',
      customerId: 'bench-fast',
      serviceIds: ['SVC-FAST'],
      calendarId: 'bench-24x7',
      targets: { P1: { firstResponseMinutes: 1, resolutionMinutes: 2 } },
      warningShare: 0.5,
      reviewDate: '2027-06-30',
      status: 'active',
    }),
    'fast SLA',
  );
  const tickets: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = ok(
      await call('POST', '/v1/incidents', {
        title: `SLA timing ${i}`,
        caller: { id: 'timing', name: 'Timing' },
        customerId: 'bench-fast',
        serviceId: 'SVC-FAST',
        impact: 'high',
        urgency: 'high',
        assignmentGroup: 'bench-desk',
      }),
      'timing ticket',
    );
    tickets.push((r.body as { ticketId: string }).ticketId);
    await new Promise((r) => setTimeout(r, 7_000)); // spread the moments across the minute
  }
  // Wait until every resolution breach has happened and been handled.
  await new Promise((r) => setTimeout(r, 2 * 60_000 + 75_000));
  await settled();
  const late: number[] = [];
  for (const id of tickets) {
    const t = (await call('GET', `/v1/tickets/${id}`)).body as {
      escalations: Array<{ at: string; trigger: string }>;
    };
    const clocks = (await call('GET', `/v1/tickets/${id}/clocks`)).body as {
      clocks: Record<string, { warnAt?: string; breachedAt?: string }>;
    };
    const moments = Object.values(clocks.clocks)
      .flatMap((c) => [c.warnAt, c.breachedAt])
      .filter((x): x is string => Boolean(x))
      .map(Date.parse)
      .sort((a, b) => a - b);
    const escalations = t.escalations
      .filter((e) => e.trigger === 'sla-warning' || e.trigger === 'sla-breach')
      .map((e) => Date.parse(e.at))
      .sort((a, b) => a - b);
    // Each moment is matched with the first escalation at or after it.
    for (const m of moments) {
      const e = escalations.find((x) => x >= m);
      if (e !== undefined) late.push((e - m) / 1000);
    }
  }
  const sorted = [...late].sort((a, b) => a - b);
  return {
    moments: late.length,
    maxSeconds: round(sorted[sorted.length - 1] ?? Number.NaN, 1),
    p50Seconds: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 1),
    within60s: late.filter((x) => x <= 60).length,
  };
}

async function fillDirect(awsBase: string, from: number, to: number) {
  const ddb = new DynamoDBClient({
    endpoint: awsBase,
    region: 'us-east-1',
    credentials: { accessKeyId: 'itsm-bench-fill', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(ddb);
  const page = (await call('GET', '/v1/queues/groups/bench-queue?limit=1')).body as {
    items: Array<{ ticketId: string }>;
  };
  const sample = await doc.send(
    new GetCommand({ TableName: 'itsm-service-desk', Key: keys.ticket(page.items[0]!.ticketId) }),
  );
  const model = toTicket(sample.Item!);
  const groups = ['bench-queue', ...Array.from({ length: 9 }, (_, i) => `bench-other-${i}`)];
  const base = Date.parse('2026-01-01T00:00:00Z');
  const items = (start: number, n: number) =>
    Array.from({ length: n }, (_, j) => {
      const i = start + j;
      const createdAt = new Date(base + i * 60_000).toISOString();
      const ticketId = `FILL${String(i).padStart(8, '0')}`;
      return {
        ...ticketItem({
          ...model,
          ticketId,
          number: `INC-${900_000 + i}`,
          title: `Filled incident ${i}`,
          assignmentGroup: groups[i % groups.length]!,
          createdAt,
          changedAt: createdAt,
        }),
        version: 1,
        createdAt,
        updatedAt: createdAt,
      };
    });
  let next = from;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < to) {
        const start = next;
        const n = Math.min(25, to - start);
        next += n;
        let request: Record<string, unknown[]> = {
          'itsm-service-desk': items(start, n).map((Item) => ({ PutRequest: { Item } })),
        };
        while (Object.keys(request).length) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: request as never }));
          request = (out.UnprocessedItems ?? {}) as Record<string, unknown[]>;
        }
      }
    }),
  );
  ddb.destroy();
}
