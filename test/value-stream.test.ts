import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { as, type Client, eventually, testRuntime, WITHOUT_QUERY_STORE } from './support/runtime';

/**
 * Across services, through the bus only: the portfolio announces its services, and the CMDB
 * keeps its copy, so impact analysis names the live services a failing CI takes down.
 */
let rt: Runtime;
let portfolio: Client;
let cmdb: Client;

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  portfolio = await as(rt, 'petra', ['portfolio-manager']);
  cmdb = await as(rt, 'conrad', ['configuration-manager']);
});
afterAll(async () => rt?.close());

type Impact = { services: Array<{ serviceId: string; name: string | null; status: string }> };

describe('portfolio -> configuration', () => {
  it('impact analysis names the affected services, kept current from portfolio events', async () => {
    const svc = (
      await portfolio.post<{ serviceId: string; version: number }>('/v1/services', {
        name: 'Payroll',
        description: 'Monthly payroll',
        owner: 'user-petra',
        status: 'planned',
        acceptanceCriteria: [{ id: 'dr-test', text: 'Disaster recovery tested' }],
      })
    ).body;
    await cmdb.post('/v1/ci-types', { typeId: 'app', name: 'App', attributes: [] });
    await cmdb.post('/v1/ci-types', { typeId: 'db', name: 'Database', attributes: [] });
    const db = (await cmdb.post<{ ciId: string }>('/v1/cis', { typeId: 'db', name: 'payroll-db', status: 'active' }))
      .body;
    const app = (
      await cmdb.post<{ ciId: string }>('/v1/cis', {
        typeId: 'app',
        name: 'payroll-app',
        status: 'active',
        serviceIds: [svc.serviceId],
      })
    ).body;
    await cmdb.post(`/v1/cis/${app.ciId}/relationships`, { type: 'depends-on', targetCiId: db.ciId });

    const impactOfDb = async () => (await cmdb.get<Impact>(`/v1/cis/${db.ciId}/impact`)).body.services;
    expect(
      await eventually(
        async () => {
          const s = await impactOfDb();
          return s[0]?.status === 'planned' ? s : undefined;
        },
        10_000,
        'the planned service in the CMDB copy',
      ),
    ).toEqual([{ serviceId: svc.serviceId, name: 'Payroll', status: 'planned' }]);

    // The service goes live in the portfolio; the CMDB hears of it through the bus.
    const met = await portfolio.post<{ version: number }>(
      `/v1/services/${svc.serviceId}/acceptance-criteria/dr-test/fulfilment`,
      { note: 'DR test 2026-11 passed' },
    );
    expect(met.status).toBeLessThan(300);
    expect((await portfolio.patch(`/v1/services/${svc.serviceId}`, { status: 'live' }, met.body.version)).status).toBe(
      200,
    );
    expect(
      await eventually(
        async () => {
          const s = await impactOfDb();
          return s[0]?.status === 'live' ? s : undefined;
        },
        10_000,
        'the live service in the CMDB copy',
      ),
    ).toEqual([{ serviceId: svc.serviceId, name: 'Payroll', status: 'live' }]);
    await rt.bus.drain();
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});
