import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { portfolioResync } from '../../../shared/contracts/portfolio/v1';
import {
  continuationsOf,
  pagesOf,
  recordsOf,
  requestResync,
  resyncedRecords,
  withResyncSettings,
} from '../../../test/support/resync';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { portfolio } from '../service';

/** The portfolio answers ResyncRequested with every service, as its live snapshot (ADR 28). */
let rt: Runtime;
let manager: Client;

type Service = { serviceId: string; version: number };

beforeAll(async () => {
  // Small pages, two services per query and no work time: paging and continuations show on a handful of services.
  rt = await testRuntime({
    services: [withResyncSettings(portfolio, { pageBytes: 1500, batchSize: 2, workSeconds: 0 })],
  });
  manager = await as(rt, 'paula', ['portfolio-manager']);
});

afterAll(async () => {
  await rt?.close();
});

/** The last live snapshot of each service, from the events the portfolio published. */
function liveSnapshots(): Map<string, Record<string, unknown>> {
  const latest = new Map<string, Record<string, unknown>>();
  for (const e of rt.bus.published()) {
    if (e.source !== 'itsm.portfolio' || !e['detail-type'].startsWith('Service')) continue;
    const s = (e.detail as { data: Record<string, unknown> }).data;
    const known = latest.get(String(s.serviceId));
    if (!known || Number(known.version) < Number(s.version)) latest.set(String(s.serviceId), s);
  }
  return latest;
}

describe('resync', () => {
  let created: Service[] = [];

  beforeAll(async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await manager.post<Service>('/v1/services', {
        name: `Service ${i}`,
        description: `Service number ${i}, with a description long enough to fill pages`,
        owner: 'user-olivia',
        category: 'Compute',
        customerIds: ['acme'],
        supportingCiIds: [`ci-${i}`],
      });
      expect(res.status).toBe(201);
      created.push(res.body);
    }
    const changed = await manager.patch<Service>(
      `/v1/services/${created[0]!.serviceId}`,
      { status: 'planned' },
      created[0]!.version,
    );
    expect(changed.status).toBe(200);
    created = [changed.body, ...created.slice(1)];
    await rt.drainStreams();
    await rt.bus.drain();
  });

  it('publishes every service exactly as its live snapshot, over several pages ending with last', async () => {
    // Act
    const requestId = await requestResync(rt);
    const pages = await resyncedRecords(rt, portfolioResync, requestId);

    // Assess: every service once, equal to its last live event; more than one page.
    const records = recordsOf(pages, 'service');
    expect(records.map((r) => r.serviceId).sort()).toEqual(created.map((s) => s.serviceId).sort());
    const live = liveSnapshots();
    for (const r of records) expect(r).toEqual(live.get(String(r.serviceId)));
    expect(records.find((r) => r.serviceId === created[0]!.serviceId)).toMatchObject({ status: 'planned', version: 2 });
    expect(pages.get('service')!.length).toBeGreaterThan(1);
    for (const p of pages.get('service')!) expect(JSON.stringify(p.records).length).toBeLessThanOrEqual(1500);
  });

  it('hands a long resync on to the next invocation', async () => {
    // Act: two services per query and no work time: each query's batch ends an invocation.
    const requestId = await requestResync(rt, ['portfolio']);
    await resyncedRecords(rt, portfolioResync, requestId);

    // Assess: 5 services in 3 queries, so 2 continuations.
    expect(continuationsOf(rt, portfolioResync, requestId)).toHaveLength(2);
  });

  it('does nothing when the request names other services', async () => {
    // Act
    const requestId = await requestResync(rt, ['service-desk', 'configuration']);
    await rt.bus.drain();

    // Assess
    expect(pagesOf(rt, portfolioResync, requestId)).toEqual([]);
    expect(rt.bus.deadLetters()).toEqual([]);
  });
});

describe('a record larger than a page', () => {
  let small: Runtime;

  beforeAll(async () => {
    small = await testRuntime({
      services: [withResyncSettings(portfolio, { pageBytes: 200, batchSize: 10, workSeconds: 900 })],
    });
    const res = await (await as(small, 'paula', ['portfolio-manager'])).post('/v1/services', {
      name: 'Too big for the page',
      description: 'A service whose snapshot alone is more than 200 bytes of JSON',
      owner: 'user-olivia',
    });
    expect(res.status).toBe(201);
  });

  afterAll(async () => {
    await small?.close();
  });

  it('fails the invocation (retried, then on-failure), never publishing a page over the limit', async () => {
    // Act
    const requestId = await requestResync(small);

    // Assess
    const failure = await eventually(
      () => small.functions.asyncFailures('itsm-portfolio-resync')[0],
      20_000,
      "the resync's on-failure record",
    );
    expect(failure.responsePayload.errorMessage).toMatch(/exceeds the page/);
    expect(pagesOf(small, portfolioResync, requestId)).toEqual([]);
  });
});
