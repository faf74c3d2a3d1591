import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { SERVICES } from '../../index';
import { reporting } from '../service';

/**
 * Reports produced and delivered (FitSM PR3.3) and KPI values (GR6.1) end to end on the local
 * runtime: tickets raised through the desk's API reach the read model (the Data API on PGlite),
 * a report runs now and on its schedule (the runtime's clock), its mail lands in the local
 * mailbox, its run and delivery log are readable, a late run raises ReportDelayed, and a KPI
 * missing its target raises KpiTargetMissed.
 */
/** The desk, from the platform's list (a service never imports another's code). */
const serviceDesk = SERVICES.find((d) => d.name === 'service-desk')!;

let rt: Runtime;
let manager: Client;
let alice: Client;
let carl: Client;

type Run = {
  runId: string;
  trigger: string;
  status: string;
  late: boolean;
  rows: number;
  csv?: { key: string; bytes: number; rows: number };
  period: { from: string; to: string; label: string };
  deliveries: { recipient: string; outcome: string; messageId?: string }[];
  nextRunAt?: string;
  scheduledFor?: string;
};
type Report = { reportId: string; number: string; nextRunAt?: string; version: number };
type Page<T> = { items: T[] };

const EVIL = '=HYPERLINK("http://evil.example","click")';

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceDesk, reporting] });
  // Deploy hooks run only with a data folder; in memory the test applies the read model's schema.
  await rt.functions.invoke(names.functionName('reporting', 'migrate'), {});
  manager = await as(rt, 'rita', ['reporting-manager']);
  alice = await as(rt, 'alice', ['process-staff']);
  carl = await as(rt, 'carl', ['customer-user'], 'acme');
  for (const title of [EVIL, 'VPN drops every hour']) {
    expect((await carl.post('/v1/incidents', { title })).status).toBe(201);
  }
  // The read model catches up within seconds (ADR 25).
  await eventually(
    async () => ((await alice.get<Page<unknown>>('/v1/tickets?customerId=acme')).body.items?.length ?? 0) >= 2,
    30_000,
    'tickets in the read model',
  );
});

afterAll(async () => {
  await rt?.close();
});

const events = (type: string) =>
  rt.bus.published().filter((e) => e['detail-type'] === type) as unknown as {
    detail: { data: Record<string, unknown> };
  }[];

describe('report runs', () => {
  let report: Report;

  it('runs a report now: CSV with formulas neutralised, HTML summary mailed to owner and recipients, delivery log', async () => {
    // Prepare
    report = (
      await manager.post<Report>('/v1/reports', {
        title: 'Acme incidents',
        purpose: 'Daily list of incidents for the Acme account',
        audience: 'Acme account team',
        contentType: 'performance',
        frequency: { every: 'daily', at: '07:00', timeZone: 'Europe/Berlin' },
        content: { kind: 'search', filters: { type: 'incident' }, customerId: 'acme' },
        formats: ['csv', 'html'],
        recipients: ['team@acme.example'],
        owner: { id: 'rita', email: 'rita@itsm.example' },
        status: 'active',
      })
    ).body;
    // Act
    const run = await manager.post<Run>(`/v1/reports/${report.number}/runs`);
    // Assess
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ trigger: 'manual', status: 'succeeded', rows: 2, late: false });
    expect(run.body.csv).toMatchObject({ rows: 2 });
    const link = await alice.get<{ url: string; expiresAt: string }>(
      `/v1/reports/${report.number}/runs/${run.body.runId}/csv`,
    );
    expect(link.status).toBe(200);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    const download = await fetch(link.body.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain(`${report.number}-`);
    const csv = await download.text();
    expect(csv.split('\r\n')[0]).toMatch(/^number,type,title,/);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(Buffer.byteLength(csv)).toBe(run.body.csv!.bytes);
    // Customer users never get report data.
    expect((await carl.get(`/v1/reports/${report.number}/runs/${run.body.runId}/csv`)).status).toBe(403);
    expect(run.body.deliveries.map((d) => [d.recipient, d.outcome]).sort()).toEqual([
      ['rita@itsm.example', 'sent'],
      ['team@acme.example', 'sent'],
    ]);
    const mail = rt.mailbox.messages('team@acme.example');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toContain(report.number);
    expect(mail[0]!.html).toContain('VPN drops every hour');
    expect(mail[0]!.html).not.toContain('<script');
    const runs = await alice.get<Page<Run>>(`/v1/reports/${report.reportId}/runs`);
    expect(runs.body.items.map((r) => r.runId)).toEqual([run.body.runId]);
  });

  it('runs on its schedule when the clock reaches the next run, then moves the next run on', async () => {
    // Prepare
    const due = Date.parse(report.nextRunAt!);
    rt.setTime(due + 30_000);
    // Act
    await rt.runSchedule('reporting', 'reports');
    // Assess
    const runs = (await alice.get<Page<Run>>(`/v1/reports/${report.reportId}/runs`)).body.items;
    const scheduled = runs.find((r) => r.trigger === 'schedule');
    expect(scheduled).toMatchObject({ status: 'succeeded', late: false, scheduledFor: report.nextRunAt });
    expect(Date.parse(scheduled!.nextRunAt!) - due).toBe(86_400_000);
    const after = (await alice.get<Report>(`/v1/reports/${report.reportId}`)).body;
    expect(after.nextRunAt).toBe(scheduled!.nextRunAt);
    // A second invocation in the same minute produces nothing more.
    await rt.runSchedule('reporting', 'reports');
    const again = (await alice.get<Page<Run>>(`/v1/reports/${report.reportId}/runs`)).body.items;
    expect(again.filter((r) => r.trigger === 'schedule')).toHaveLength(1);
  });

  it('produces a run missed by more than its window late, and raises ReportDelayed', async () => {
    // Prepare: the schedule did not run for three hours after the next run.
    const current = (await alice.get<Report>(`/v1/reports/${report.reportId}`)).body;
    rt.setTime(Date.parse(current.nextRunAt!) + 3 * 3_600_000);
    // Act
    await rt.runSchedule('reporting', 'reports');
    // Assess
    const runs = (await alice.get<Page<Run>>(`/v1/reports/${report.reportId}/runs`)).body.items;
    expect(runs[0]).toMatchObject({ trigger: 'schedule', late: true, status: 'succeeded' });
    await rt.bus.drain();
    const delayed = await eventually(() => {
      const found = events('ReportDelayed');
      return found.length > 0 ? found : undefined;
    });
    expect(delayed[0]!.detail.data).toMatchObject({ number: report.number, reason: 'missed' });
    expect(rt.mailbox.messages('rita@itsm.example').some((m) => m.subject.includes('is late'))).toBe(true);
  });
});

describe('failed runs', () => {
  const failing = async (title: string) =>
    (
      await manager.post<Report>('/v1/reports', {
        title,
        purpose: 'Backlog by age for the desk lead',
        audience: 'Service desk lead',
        contentType: 'performance',
        frequency: { every: 'daily', at: '09:00', timeZone: 'UTC' },
        content: { kind: 'aggregate', aggregate: 'backlog' },
        formats: ['html'],
        recipients: [],
        owner: { id: 'fred', email: `fred.${title.length}@itsm.example` },
        status: 'active',
      })
    ).body;

  afterAll(() => {
    rt.mailbox.rejects = undefined;
  });

  it('records a run nobody received as failed, raises ReportFailed and retries within the window', async () => {
    // Prepare: SES refuses the only recipient.
    rt.setTime(Date.now());
    const r = await failing('Backlog A');
    const owner = `fred.${'Backlog A'.length}@itsm.example`;
    rt.mailbox.rejects = (to) => (to.includes(owner) ? 'Email address is not verified.' : undefined);
    const due = Date.parse(r.nextRunAt!);
    rt.setTime(due + 60_000);
    // Act
    await rt.runSchedule('reporting', 'reports');
    rt.mailbox.rejects = undefined;
    rt.setTime(due + 6 * 60_000);
    await rt.runSchedule('reporting', 'reports');
    // Assess: the failure, then the retry for the same scheduled time, which succeeded.
    const runs = (await alice.get<Page<Run>>(`/v1/reports/${r.reportId}/runs`)).body.items;
    expect(runs.map((x) => [x.status, x.scheduledFor])).toEqual([
      ['succeeded', r.nextRunAt],
      ['failed', r.nextRunAt],
    ]);
    expect(runs[1]!.deliveries).toMatchObject([{ recipient: owner, outcome: 'failed' }]);
    await rt.bus.drain();
    const failed = events('ReportFailed').filter((e) => e.detail.data.number === r.number);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail.data.retryAt).toBe(new Date(due + 6 * 60_000).toISOString());
    // The schedule is back on the next day.
    const after = (await alice.get<Report>(`/v1/reports/${r.reportId}`)).body;
    expect(Date.parse(after.nextRunAt!)).toBe(due + 86_400_000);
  });

  it('raises ReportDelayed when a run is still failing as its window closes', async () => {
    // Prepare: the first attempt comes 58 minutes late; a retry would be outside the hour.
    const r = await failing('Backlog B, failing');
    const owner = `fred.${'Backlog B, failing'.length}@itsm.example`;
    rt.mailbox.rejects = (to) => (to.includes(owner) ? 'Email address is not verified.' : undefined);
    const due = Date.parse(r.nextRunAt!);
    rt.setTime(due + 58 * 60_000);
    // Act
    await rt.runSchedule('reporting', 'reports');
    // Assess
    await rt.bus.drain();
    const delayed = await eventually(() => {
      const found = events('ReportDelayed').filter((e) => e.detail.data.number === r.number);
      return found.length > 0 ? found : undefined;
    });
    expect(delayed[0]!.detail.data).toMatchObject({ reason: 'failing', scheduledFor: r.nextRunAt });
    const failed = events('ReportFailed').filter((e) => e.detail.data.number === r.number);
    expect(failed[0]!.detail.data.retryAt).toBeUndefined();
    const after = (await alice.get<Report>(`/v1/reports/${r.reportId}`)).body;
    expect(Date.parse(after.nextRunAt!)).toBe(due + 86_400_000);
  });

  it('raises ReportDelayed when a retry is reached only after the window and fails again', async () => {
    // Prepare: the first attempt fails in time and schedules a retry; the timer then stops for an hour.
    const r = await failing('Backlog C, retried late');
    const owner = `fred.${'Backlog C, retried late'.length}@itsm.example`;
    rt.mailbox.rejects = (to) => (to.includes(owner) ? 'Email address is not verified.' : undefined);
    const due = Date.parse(r.nextRunAt!);
    rt.setTime(due + 60_000);
    await rt.runSchedule('reporting', 'reports');
    // Act
    rt.setTime(due + 70 * 60_000);
    await rt.runSchedule('reporting', 'reports');
    // Assess
    await rt.bus.drain();
    const delayed = events('ReportDelayed').filter((e) => e.detail.data.number === r.number);
    expect(delayed.map((e) => e.detail.data.reason)).toEqual(['failing']);
    const runs = (await alice.get<Page<Run>>(`/v1/reports/${r.reportId}/runs`)).body.items;
    expect(runs.map((x) => [x.status, x.late])).toEqual([
      ['failed', true],
      ['failed', false],
    ]);
  });
});

describe('KPI values', () => {
  type Value = { value: number; met: boolean; change: number | null; trend: string; period: { label: string } };

  it('computes a KPI per period with its trend, and raises KpiTargetMissed when a period misses', async () => {
    // Prepare: Acme may raise at most one incident a day; it raised two today.
    const today = new Date().toISOString().slice(0, 10);
    rt.setTime(Date.parse(`${today}T00:00:00Z`) + 86_400_000 + 3_600_000);
    const created = await manager.post('/v1/kpis', {
      kpiId: 'acme-incidents',
      name: 'Acme incidents per day',
      measure: { kind: 'search', filters: { type: 'incident' }, customerId: 'acme' },
      target: 1,
      direction: 'at-most',
      frequency: 'daily',
      timeZone: 'UTC',
      owner: { id: 'rita', email: 'rita@itsm.example' },
    });
    expect(created.status).toBe(201);
    // Act: today's value, then tomorrow's (no incidents).
    const first = await manager.post<Value>('/v1/kpis/acme-incidents/values');
    // Computing the same period again replaces its value and does not raise the same miss twice.
    const again = await manager.post<Value>('/v1/kpis/acme-incidents/values');
    rt.setTime(Date.parse(`${today}T00:00:00Z`) + 2 * 86_400_000 + 3_600_000);
    const second = await manager.post<Value>('/v1/kpis/acme-incidents/values');
    // Assess
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ period: { label: today }, value: 2, met: false, trend: 'unknown' });
    expect(again.body).toMatchObject({ period: { label: today }, value: 2, met: false });
    expect(second.body).toMatchObject({ value: 0, met: true, change: -2, trend: 'better' });
    const values = await alice.get<Page<Value>>('/v1/kpis/acme-incidents/values');
    expect(values.body.items.map((v) => v.value)).toEqual([0, 2]);
    await rt.bus.drain();
    const missed = await eventually(() => {
      const found = events('KpiTargetMissed').filter((e) => e.detail.data.kpiId === 'acme-incidents');
      return found.length > 0 ? found : undefined;
    });
    expect(missed).toHaveLength(1);
    expect(missed[0]!.detail.data).toMatchObject({ value: 2, target: 1, direction: 'at-most' });
  });

  it('computes the built-in KPIs on the schedule when their period ends', async () => {
    // Prepare: the schedule has run (earlier tests), so the built-ins are seeded with due items.
    const backlog = (await alice.get<{ kpiId: string; builtIn: boolean }>('/v1/kpis/backlog')).body;
    expect(backlog.builtIn).toBe(true);
    // Act: a week later every daily and weekly KPI has come due at least once.
    rt.setTime(Date.now() + 8 * 86_400_000);
    await rt.runSchedule('reporting', 'reports');
    // Assess
    const values = await alice.get<Page<Value>>('/v1/kpis/backlog/values');
    expect(values.body.items.length).toBeGreaterThan(0);
    const mttr = await alice.get<Page<Value>>('/v1/kpis/mttr-p3/values');
    expect(mttr.body.items.length).toBeGreaterThan(0);
  });
});
