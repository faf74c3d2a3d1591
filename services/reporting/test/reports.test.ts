import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { reporting } from '../service';

/** The report register (FitSM PR3.1, PR3.2) as its users use it: over HTTP on the local runtime. */
let rt: Runtime;
let manager: Client;
let agent: Client;
let customer: Client;

type Report = {
  reportId: string;
  number: string;
  title: string;
  status: string;
  contentType: string;
  nextRunAt?: string;
  version: number;
};
type Page<T> = { items: T[]; nextCursor?: string };
type Problem = { code: string; errors?: { field: string; message: string }[] };

const spec = (over: Record<string, unknown> = {}) => ({
  title: 'Weekly P1 incidents',
  purpose: 'Show the customer how major disruptions were handled',
  audience: 'Acme service review board',
  contentType: 'performance',
  frequency: { every: 'weekly', weekday: 'monday', at: '08:00', timeZone: 'Europe/Berlin' },
  content: {
    kind: 'search',
    filters: { priority: 'P1', type: 'incident' },
    periodField: 'created',
    customerId: 'acme',
  },
  formats: ['csv', 'html'],
  recipients: ['board@acme.example'],
  owner: { id: 'rita', email: 'rita@itsm.example' },
  agreedWith: 'acme',
  agreedOn: '2026-11-20',
  ...over,
});

beforeAll(async () => {
  rt = await testRuntime({ services: [reporting] });
  manager = await as(rt, 'rita', ['reporting-manager']);
  agent = await as(rt, 'alex', ['process-staff']);
  customer = await as(rt, 'carl', ['customer-user'], 'acme');
});

afterAll(async () => {
  await rt?.close();
});

describe('report specifications', () => {
  it('specifies a report with a readable number, and schedules it once active', async () => {
    // Prepare
    rt.setTime('2026-12-03T10:00:00Z');
    // Act
    const draft = await manager.post<Report>('/v1/reports', spec());
    const active = await manager.patch<Report>(`/v1/reports/${draft.body.number}`, { status: 'active' }, 1);
    // Assess
    expect(draft.status).toBe(201);
    expect(draft.body.number).toMatch(/^RPT-\d+$/);
    expect(draft.body.status).toBe('draft');
    expect(draft.body.nextRunAt).toBeUndefined();
    expect(active.status).toBe(200);
    expect(active.body.version).toBe(2);
    // Monday 2026-12-07 08:00 in Berlin (CET) is 07:00 UTC.
    expect(active.body.nextRunAt).toBe('2026-12-07T07:00:00.000Z');
    const history = await manager.get<Page<{ action: string }>>(`/v1/reports/${draft.body.reportId}/history`);
    expect(history.body.items.map((h) => h.action)).toEqual(['activated', 'specified']);
  });

  it('refuses a stale version, SQL-shaped content, an unknown time zone and non-administrators', async () => {
    // Prepare
    const r = await manager.post<Report>('/v1/reports', spec({ title: 'Stale test' }));
    await manager.patch(`/v1/reports/${r.body.reportId}`, { title: 'Changed once' }, 1);
    // Act
    const stale = await manager.patch<Problem>(`/v1/reports/${r.body.reportId}`, { title: 'Changed twice' }, 1);
    const sql = await manager.post<Problem>(
      '/v1/reports',
      spec({ content: { kind: 'sql', query: 'SELECT * FROM tickets' } }),
    );
    const zone = await manager.post<Problem>(
      '/v1/reports',
      spec({ frequency: { every: 'daily', at: '08:00', timeZone: 'Mars/Olympus' } }),
    );
    const byAgent = await agent.post('/v1/reports', spec());
    const byCustomer = await customer.get('/v1/reports');
    // Assess
    expect(stale.status).toBe(409);
    expect(sql.status).toBe(400);
    expect(zone.status).toBe(400);
    expect(zone.body.errors?.some((e) => e.field.includes('timeZone'))).toBe(true);
    expect(byAgent.status).toBe(403);
    expect(byCustomer.status).toBe(403);
  });

  it('keeps a register by content type that staff can read', async () => {
    // Prepare
    await manager.post('/v1/reports', spec({ title: 'Major incident review', contentType: 'significant-events' }));
    await manager.post('/v1/reports', spec({ title: 'Audit findings', contentType: 'nonconformities' }));
    // Act
    const events = await agent.get<Page<Report>>('/v1/reports?contentType=significant-events');
    const all = await agent.get<Page<Report>>('/v1/reports?limit=100');
    // Assess
    expect(events.status).toBe(200);
    expect(events.body.items.map((r) => r.title)).toEqual(['Major incident review']);
    expect(all.body.items.map((r) => r.contentType)).toEqual(
      expect.arrayContaining(['performance', 'significant-events', 'nonconformities']),
    );
    // In number order.
    const numbers = all.body.items.map((r) => Number(r.number.slice(4)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('stops scheduling a retired report and refuses to change it after', async () => {
    // Prepare
    const r = await manager.post<Report>('/v1/reports', spec({ title: 'To retire', status: 'active' }));
    expect(r.body.nextRunAt).toBeDefined();
    // Act
    const retired = await manager.patch<Report>(`/v1/reports/${r.body.reportId}`, { status: 'retired' }, 1);
    const again = await manager.patch<Problem>(`/v1/reports/${r.body.reportId}`, { title: 'x' }, 2);
    // Assess
    expect(retired.body.status).toBe('retired');
    expect(retired.body.nextRunAt).toBeUndefined();
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('report-retired');
  });
});

type Kpi = { kpiId: string; builtIn: boolean; target: number; direction: string; unit: string; version: number };

describe('KPI catalogue', () => {
  it('has the built-ins for the desk and service levels', async () => {
    // Act
    const page = await agent.get<Page<Kpi>>('/v1/kpis?limit=100');
    // Assess
    expect(page.status).toBe(200);
    const ids = page.body.items.map((k) => k.kpiId);
    expect(ids).toEqual(
      expect.arrayContaining([
        'backlog',
        'mttr-p1',
        'mttr-p4',
        'first-contact-resolution',
        'sla-compliance',
        'reopen-rate',
        'satisfaction',
      ]),
    );
    expect(page.body.items.every((k) => k.builtIn)).toBe(true);
    expect(page.body.items.find((k) => k.kpiId === 'sla-compliance')?.unit).toBe('percent');
  });

  it('defines a KPI over a saved search and changes a target with If-Match and history', async () => {
    // Act
    const created = await manager.post<Kpi>('/v1/kpis', {
      kpiId: 'acme-p1',
      name: 'Acme P1 incidents per week',
      measure: { kind: 'search', filters: { priority: 'P1' }, customerId: 'acme' },
      target: 2,
      direction: 'at-most',
      frequency: 'weekly',
      timeZone: 'Europe/Berlin',
      owner: { id: 'rita', email: 'rita@itsm.example' },
    });
    const twice = await manager.post<Problem>('/v1/kpis', {
      kpiId: 'acme-p1',
      name: 'again',
      measure: { kind: 'aggregate', aggregate: 'backlog' },
      target: 1,
      direction: 'at-most',
      frequency: 'daily',
      timeZone: 'UTC',
      owner: { id: 'rita' },
    });
    const changed = await manager.patch<Kpi>('/v1/kpis/backlog', { target: 80 }, 1);
    const history =
      await manager.get<Page<{ action: string; changes?: Record<string, unknown> }>>('/v1/kpis/backlog/history');
    // Assess
    expect(created.status).toBe(201);
    expect(created.body.unit).toBe('tickets');
    expect(twice.status).toBe(409);
    expect(changed.body.target).toBe(80);
    expect(history.body.items[0]).toMatchObject({ action: 'changed', changes: { target: { from: 50, to: 80 } } });
  });
});
