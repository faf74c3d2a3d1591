import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/**
 * Impact from the CI graph (FitSM PR12.3): the changes service walks its own copy of the CMDB's
 * graph, kept from the CMDB's events with the CMDB's dependency semantics (ADR 31).
 */
let rt: Runtime;
let cmdb: Client;
let staff: Client;

type Impact = {
  cis: { ciId: string; depth: number }[];
  ciCount: number;
  services: { serviceId: string }[];
  customerIds: string[];
  impact: string;
};

const ci = async (name: string, extra: Record<string, unknown> = {}) => {
  const r = await cmdb.post<{ ciId: string }>('/v1/cis', {
    typeId: 'node',
    name,
    attributes: {},
    status: 'active',
    ...extra,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.ciId;
};
const relate = async (source: string, type: string, target: string) =>
  expect((await cmdb.post(`/v1/cis/${source}/relationships`, { type, targetCiId: target })).status).toBe(201);

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  cmdb = await as(rt, 'conrad', ['configuration-manager']);
  staff = await as(rt, 'rae', ['process-staff']);
  expect((await cmdb.post('/v1/ci-types', { typeId: 'node', name: 'Node', attributes: [] })).status).toBe(201);
});

afterAll(async () => {
  await rt?.close();
});

describe('impact on the graph copy', () => {
  it('finds what depends on a switch transitively, the services and customers, and follows removals', async () => {
    const sw = await ci('core-switch');
    const srv = await ci('server-1', { serviceIds: ['svc-mail'], customerIds: ['acme'] });
    const app = await ci('mail-app', { serviceIds: ['svc-mail'] });
    const other = await ci('unrelated');
    await relate(srv, 'depends-on', sw); // server depends on the switch
    await relate(app, 'runs-on', srv); // the app runs on the server
    await relate(sw, 'depends-on', other); // the switch's own dependency: upstream, not impacted

    const impact = await eventually(
      async () => {
        const r = await staff.post<Impact>('/v1/change-impact', { ciIds: [sw] });
        return r.body.ciCount === 3 ? r.body : undefined;
      },
      10_000,
      'the graph copy to hold both relationships',
    );
    expect(impact.cis.map((c) => [c.ciId, c.depth])).toEqual([
      [sw, 0],
      [srv, 1],
      [app, 2],
    ]);
    expect(impact.services.map((s) => s.serviceId)).toEqual(['svc-mail']);
    expect(impact.customerIds).toEqual(['acme']);
    expect(impact.impact).toBe('significant'); // one customer reaches the default policy's threshold

    // Removing the app's relationship takes it out of the impact.
    expect((await cmdb.del(`/v1/cis/${app}/relationships/runs-on/${srv}`)).status).toBe(204);
    await eventually(async () => (await staff.post<Impact>('/v1/change-impact', { ciIds: [sw] })).body.ciCount === 2);
  });
});
