/**
 * Change management's figures (issue 11): the conflict check of a change on a core switch against
 * 10,000 scheduled changes and a 10,000-CI graph (the core switch with 350 dependents), p50/p99
 * and items read per check. The schedule and the graph copy are written straight into the
 * changes table (batch writes, as the other suites seed their volume); the checked changes are
 * raised through the API and checked through `GET /v1/changes/{id}/conflicts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { call, load, round } from './harness';

const TABLE = 'itsm-changes';
const DAY_MS = 86_400_000;

export async function benchChanges(opts: { awsBase: string; graphCis: number; scheduled: number; checks: number }) {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: opts.awsBase,
      region: 'us-east-1',
      credentials: { accessKeyId: 'itsm-bench-fill', secretAccessKey: 'local' },
    }),
  );
  const put = async (items: Record<string, unknown>[]) => {
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          let pending = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
          while (pending.length > 0) {
            const out = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
            pending = (out.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
          }
        }
      }),
    );
  };

  // The graph copy: cores (switches) <- 50 servers each <- 6 VMs per server: 350 dependents per core.
  const nodes = new Map<string, { dependsOn: Set<string>; dependents: Set<string> }>();
  const node = (id: string) => {
    const n = nodes.get(id) ?? { dependsOn: new Set<string>(), dependents: new Set<string>() };
    nodes.set(id, n);
    return n;
  };
  const edge = (dependent: string, dependency: string) => {
    node(dependent).dependsOn.add(dependency);
    node(dependency).dependents.add(dependent);
  };
  const perCore = 1 + 50 + 50 * 6;
  const cores = Math.max(1, Math.floor(opts.graphCis / perCore));
  for (let c = 0; c < cores; c++) {
    node(`core-${c}`);
    for (let s = 0; s < 50; s++) {
      edge(`srv-${c}-${s}`, `core-${c}`);
      for (let v = 0; v < 6; v++) edge(`vm-${c}-${s}-${v}`, `srv-${c}-${s}`);
    }
  }
  for (let i = nodes.size; i < opts.graphCis; i++) node(`spare-${i}`);
  const ids = [...nodes.keys()];
  const t0 = performance.now();
  await put(
    ids.map((ciId, i) => {
      const n = nodes.get(ciId)!;
      return {
        pk: `GCI#${ciId}`,
        sk: 'GCI',
        type: 'graph-ci',
        ciId,
        number: `CI-${i + 1}`,
        name: ciId,
        serviceIds: [],
        customerIds: [],
        sourceVersion: 1,
        ...(n.dependsOn.size ? { dependsOn: n.dependsOn } : {}),
        ...(n.dependents.size ? { dependents: n.dependents } : {}),
      };
    }),
  );

  // The schedule: changes of 1-8 hours over the next 90 days on CIs drawn from the whole graph.
  const base = Date.parse(new Date(Date.now() + DAY_MS).toISOString().slice(0, 10));
  const days = 90;
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const dayItems: Record<string, unknown>[] = [];
  for (let i = 0; i < opts.scheduled; i++) {
    const start = base + Math.floor(random() * days * 24) * 3_600_000;
    const end = start + (1 + Math.floor(random() * 8)) * 3_600_000;
    const ciId = ids[Math.floor(random() * ids.length)]!;
    const entry = {
      type: 'schedule-day',
      changeId: `bench-${i}`,
      number: `CHG-B${i}`,
      title: `Bench change ${i}`,
      changeType: 'normal',
      status: 'approved',
      risk: 'low',
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      ciIds: [ciId],
      serviceIds: [`svc-${i % 40}`],
      customerIds: [],
      version: 3,
    };
    for (let d = Math.floor(start / DAY_MS) * DAY_MS; d < end; d += DAY_MS)
      dayItems.push({ pk: `DAY#${new Date(d).toISOString().slice(0, 10)}`, sk: `CHG#bench-${i}`, ...entry });
  }
  await put(dayItems);
  const seedMs = performance.now() - t0;

  // The checked changes: on core-0 (350 dependents), 4-hour windows on different days.
  const checked: string[] = [];
  for (let k = 0; k < 5; k++) {
    const start = base + (10 + k * 7) * DAY_MS + 20 * 3_600_000;
    const r = await call('POST', '/v1/changes', {
      title: `Replace core switch ${k}`,
      description: 'Bench: conflict check on a core switch.',
      ciIds: ['core-0'],
      serviceIds: ['svc-1'],
      plannedStart: new Date(start).toISOString(),
      plannedEnd: new Date(start + 4 * 3_600_000).toISOString(),
    });
    if (r.status !== 201) throw new Error(`raising a change failed: ${r.status} ${JSON.stringify(r.body)}`);
    checked.push((r.body as { changeId: string }).changeId);
  }
  const found: number[] = [];
  const check = await load(opts.checks, 1, async (i) => {
    const r = await call('GET', `/v1/changes/${checked[i % checked.length]}/conflicts`);
    found.push(((r.body as { items?: unknown[] }).items ?? []).length);
    return r;
  });
  // Impact assessment of a change on the core switch: its 350 dependents, transitively, with their
  // services and customers (FitSM PR12.3), on the same 10,000-CI graph copy.
  const impact = await load(opts.checks, 1, async () => {
    const r = await call('POST', '/v1/change-impact', { ciIds: ['core-0'] });
    const n = (r.body as { ciCount?: number }).ciCount;
    if (n !== 351) throw new Error(`impact of core-0 found ${n} CIs, expected 351`);
    return r;
  });
  return {
    graphCis: ids.length,
    impactOfCore: impact,
    coreDependents: 350,
    scheduledChanges: opts.scheduled,
    dayItems: dayItems.length,
    seedSeconds: round(seedMs / 1000, 1),
    conflictCheck: check,
    conflictsPerCheck: round(found.reduce((a, b) => a + b, 0) / found.length, 1),
  };
}
