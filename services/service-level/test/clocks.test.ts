import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { publishEvents, type TestEvent } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { serviceLevel } from '../service';

/**
 * Ticket clocks from service-desk events, warnings and breaches from the every-minute schedule,
 * compliance and violation notices (FitSM PR2.3, PR2.5), on the local runtime: events go in
 * through the bus, results come out through the API and the bus.
 */
let rt: Runtime;
let manager: Client;
let acme: Client;
let globex: Client;
let slaId: string;
let defaultId: string;

const MIN = 60_000;
// T0 half an hour ago, on a whole second; every instant below is relative to it.
const T0 = Math.floor((Date.now() - 30 * MIN) / 1000) * 1000;
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

type Reading = {
  state: string;
  targetMinutes?: number;
  elapsedMinutes: number;
  pausedMinutes: number;
  deadline?: string;
  breachedAt?: string;
  explanation: Array<{ status: string; priority?: string; phase: string; counted: boolean }>;
};
type Clocks = {
  agreementId?: string;
  ticketVersion: number;
  versionsReceived: number[];
  clocks: Record<'first-response' | 'resolution', Reading>;
};
type Published = { 'detail-type': string; detail: { data: Record<string, unknown> } };

const ticket = (ticketId: string, version: number, fields: Record<string, unknown>) => ({
  ticketId,
  number: `INC-${ticketId}`,
  type: 'incident',
  version,
  title: 'Mail is down',
  status: 'new',
  priority: 'P3',
  callerId: 'user-1',
  customerId: 'acme',
  serviceId: 'svc-mail',
  major: false,
  createdAt: at(0),
  changedAt: at(0),
  reopenCount: 0,
  ...fields,
});

const ticketEvent = (detailType: string, t: Record<string, unknown>): TestEvent => ({
  source: 'itsm.service-desk',
  detailType,
  data: { ticket: t, changes: [] },
});

async function publish(entries: TestEvent[]) {
  await publishEvents(rt, entries, 'test-service-desk');
  await rt.bus.drain();
  expect(rt.functions.asyncFailures()).toEqual([]);
}

const clocksOf = async (ticketId: string) => (await manager.get<Clocks>(`/v1/tickets/${ticketId}/clocks`)).body;
const published = (type: string, ticketId?: string) =>
  (rt.bus.published() as unknown as Published[]).filter(
    (e) => e['detail-type'] === type && (ticketId === undefined || e.detail.data.ticketId === ticketId),
  );
/** Run the SLA schedule with the runtime's clock at `now` (the function ignores its input, as deployed). */
const timers = async (now: string) => {
  rt.setTime(now);
  try {
    return (await rt.runSchedule('service-level', 'sla-timers')) as { read: number; announced: number };
  } finally {
    rt.setTime(undefined);
  }
};

beforeAll(async () => {
  process.env.ITSM_LOG_LEVEL ??= 'ERROR';
  // This service alone: ticket and portfolio events are injected on the bus, as their publishers would.
  rt = await testRuntime({ services: [serviceLevel] });
  manager = await as(rt, 'sam', ['service-level-manager']);
  acme = await as(rt, 'ann', ['customer-user'], 'acme');
  globex = await as(rt, 'gus', ['customer-user'], 'globex');
  await manager.post('/v1/calendars', {
    calendarId: 'always',
    name: '24x7',
    calendar: { timeZone: 'UTC', twentyFourSeven: true },
  });
  const sla = await manager.post<{ agreementId: string }>('/v1/agreements', {
    kind: 'sla',
    name: 'Mail for ACME',
    customerId: 'acme',
    serviceIds: ['svc-mail'],
    calendarId: 'always',
    targets: {
      P1: { firstResponseMinutes: 15, resolutionMinutes: 60 },
      P3: { firstResponseMinutes: 60, resolutionMinutes: 240 },
    },
    reviewDate: '2027-06-30',
    status: 'active',
  });
  slaId = sla.body.agreementId;
  const def = await manager.post<{ agreementId: string }>('/v1/agreements', {
    kind: 'sla',
    name: 'Default SLA',
    default: true,
    calendarId: 'always',
    targets: { P3: { firstResponseMinutes: 120, resolutionMinutes: 480 } },
    reviewDate: '2027-06-30',
    status: 'active',
  });
  defaultId = def.body.agreementId;
  // The portfolio says svc-web is live and svc-lab only planned (the default SLA covers live services).
  const service = (serviceId: string, status: string): TestEvent => ({
    source: 'itsm.portfolio',
    detailType: 'ServiceRegistered',
    data: { serviceId, name: serviceId, status, version: 1 },
  });
  await publish([service('svc-web', 'live'), service('svc-lab', 'planned')]);
});
afterAll(async () => rt?.close());

describe('ticket clocks from service-desk events', () => {
  it('converge whatever the order and repetition, keeping elapsed time when the priority is raised', async () => {
    // Prepare: created P3, answered after 10 min, raised to P1 after 20 min.
    const v1 = ticket('A', 1, {});
    const v2 = ticket('A', 2, { status: 'assigned', changedAt: at(10), firstRespondedAt: at(10) });
    const v3 = ticket('A', 3, { status: 'assigned', priority: 'P1', changedAt: at(20), firstRespondedAt: at(10) });
    // Act: delivered shuffled and twice, plus v2 republished under another event id.
    rt.bus.setDeliveryMode({ duplicate: true, shuffle: true });
    try {
      await publish([
        ticketEvent('TicketChanged', v3),
        ticketEvent('TicketCreated', v1),
        ticketEvent('TicketChanged', v2),
        ticketEvent('TicketChanged', v2),
      ]);
    } finally {
      rt.bus.setDeliveryMode({ duplicate: false, shuffle: false });
    }
    // Assess
    const c = await clocksOf('A');
    expect(c.versionsReceived).toEqual([1, 2, 3]);
    expect(c.agreementId).toBe(slaId);
    expect(c.clocks['first-response']).toMatchObject({ state: 'met', elapsedMinutes: 10 });
    const res = c.clocks.resolution;
    // 20 min under P3 are kept; the P1 target (60) applies from the raise: deadline T0+60.
    expect(res).toMatchObject({ state: 'running', targetMinutes: 60, deadline: at(60) });
    expect(res.elapsedMinutes).toBeGreaterThanOrEqual(30);
    expect(res.explanation.map((s) => s.priority)).toEqual(['P3', 'P3', 'P1']);
    const last = published('SlaClocksChanged', 'A').at(-1)!;
    expect(last.detail.data).toMatchObject({ ticketVersion: 3, agreementId: slaId });
  });

  it('continue after a reopen without counting the resolved span', async () => {
    await publish([
      ticketEvent('TicketCreated', ticket('D', 1, {})),
      ticketEvent('TicketResolved', ticket('D', 2, { status: 'resolved', changedAt: at(10), resolvedAt: at(10) })),
      ticketEvent('TicketReopened', ticket('D', 3, { status: 'in-progress', changedAt: at(20), reopenCount: 1 })),
    ]);
    const res = (await clocksOf('D')).clocks.resolution;
    expect(res.state).toBe('running');
    expect(res.pausedMinutes).toBe(0);
    expect(res.explanation.find((s) => s.status === 'resolved')).toMatchObject({ phase: 'stopped', counted: false });
    // 10 min before the resolution, and the time since the reopen (about 10 min).
    expect(res.elapsedMinutes).toBeGreaterThanOrEqual(20);
    expect(res.elapsedMinutes).toBeLessThan(25);
  });

  it('apply the default SLA to live services without a customer SLA, and none to other services', async () => {
    await publish([
      ticketEvent(
        'TicketCreated',
        ticket('E', 1, { customerId: 'globex', serviceId: 'svc-web', createdAt: at(29), changedAt: at(29) }),
      ),
      ticketEvent(
        'TicketCreated',
        ticket('F', 1, { customerId: 'globex', serviceId: 'svc-lab', createdAt: at(29), changedAt: at(29) }),
      ),
    ]);
    const e = await clocksOf('E');
    expect(e.agreementId).toBe(defaultId);
    expect(e.clocks.resolution).toMatchObject({ state: 'running', targetMinutes: 480 });
    const f = await clocksOf('F');
    expect(f.agreementId).toBeUndefined();
    expect(f.clocks.resolution.state).toBe('not-applicable');
    expect((await manager.get('/v1/tickets/nope/clocks')).status).toBe(404);
  });
});

describe('warnings and breaches from the schedule', () => {
  it('cannot be announced early by invoking the timer with another "now"', async () => {
    // A's warning is due at T0+45, a quarter of an hour from now: asking for T0+61 changes nothing.
    const direct = await rt.functions.invoke('itsm-service-level-timers', { now: at(61) });
    await rt.bus.drain();
    expect(direct).toMatchObject({ read: 0, announced: 0 });
    expect(published('SlaWarningReached', 'A')).toHaveLength(0);
    expect(published('SlaBreached', 'A')).toHaveLength(0);
  });

  it('are announced once each, after their moment, reading only due entries', async () => {
    // Before the warning moment of A (T0+45) nothing is due.
    expect(await timers(at(44))).toMatchObject({ read: 0, announced: 0 });
    // Act: the schedule runs just after the warning moment.
    const first = await timers(at(46));
    await rt.bus.drain();
    // Assess: only A's entry was read (B..F are not due), and its warning went out once.
    expect(first).toMatchObject({ read: 1, announced: 1 });
    expect(published('SlaWarningReached', 'A').map((e) => e.detail.data)).toEqual([
      expect.objectContaining({
        clock: 'resolution',
        at: at(45),
        deadline: at(60),
        priority: 'P1',
        share: 0.75,
        agreementId: slaId,
      }),
    ]);
    // The entry moved on to the breach: a rerun at the same instant reads nothing.
    expect(await timers(at(46))).toMatchObject({ read: 0, announced: 0 });
    expect(published('SlaBreached', 'A')).toHaveLength(0);

    // After the breach moment (D's first-response warning, T0+55, is due too).
    const second = await timers(at(61));
    await rt.bus.drain();
    expect(second).toMatchObject({ read: 2, announced: 2 });
    expect(published('SlaBreached', 'A').map((e) => e.detail.data)).toEqual([
      expect.objectContaining({ clock: 'resolution', at: at(60), targetMinutes: 60, customerId: 'acme' }),
    ]);
    expect(published('SlaWarningReached', 'D').map((e) => e.detail.data.clock)).toEqual(['first-response']);
    // The breach recomputed A's clocks for the same ticket version: their own version says which is newer.
    type Changed = { ticketVersion: number; version: number; clocks: Array<{ clock: string; state: string }> };
    const changes = published('SlaClocksChanged', 'A').map((e) => e.detail.data as unknown as Changed);
    const newest = changes.at(-1)!;
    expect(newest.clocks.find((c) => c.clock === 'resolution')?.state).toBe('breached');
    const sameTicketVersion = changes.filter((c) => c.ticketVersion === newest.ticketVersion).map((c) => c.version);
    expect(sameTicketVersion.length).toBeGreaterThan(1);
    expect(new Set(sameTicketVersion).size).toBe(sameTicketVersion.length);
    expect(Math.max(...sameTicketVersion)).toBe(newest.version);
    // Reruns and later runs announce nothing again.
    expect(await timers(at(61))).toMatchObject({ announced: 0 });
    await rt.bus.drain();
    expect(published('SlaBreached', 'A')).toHaveLength(1);
    expect(published('SlaWarningReached', 'A')).toHaveLength(1);
    const notices = published('SlaViolationNoticeIssued', 'A');
    expect(notices.map((e) => e.detail.data)).toEqual([
      expect.objectContaining({ agreementId: slaId, customerId: 'acme', clock: 'resolution', breachedAt: at(60) }),
    ]);
  });

  it('announces a breach the consumer finds already past at once, with a notice', async () => {
    const created = new Date(Date.now() - 300 * MIN).toISOString();
    await publish([ticketEvent('TicketCreated', ticket('C', 1, { createdAt: created, changedAt: created }))]);
    await publish([
      ticketEvent(
        'TicketResolved',
        ticket('C', 2, { createdAt: created, status: 'resolved', changedAt: new Date(Date.now() - MIN).toISOString() }),
      ),
    ]);
    const breaches = published('SlaBreached', 'C').map((e) => e.detail.data.clock);
    expect(breaches.sort()).toEqual(['first-response', 'resolution']);
    expect(published('SlaWarningReached', 'C')).toHaveLength(0);
    expect(published('SlaViolationNoticeIssued', 'C')).toHaveLength(2);
  });
});

describe('compliance and notices', () => {
  it('counts stopped clocks per agreement and month', async () => {
    await publish([
      ticketEvent('TicketCreated', ticket('B', 1, {})),
      ticketEvent(
        'TicketChanged',
        ticket('B', 2, { status: 'in-progress', changedAt: at(5), firstRespondedAt: at(5) }),
      ),
      ticketEvent(
        'TicketResolved',
        ticket('B', 3, { status: 'resolved', changedAt: at(20), firstRespondedAt: at(5), resolvedAt: at(20) }),
      ),
    ]);
    const from = new Date(Date.now() - 400 * MIN).toISOString().slice(0, 7);
    const to = new Date().toISOString().slice(0, 7);
    const report = await eventually(async () => {
      const r = await manager.get<{ clocks: Record<string, { counted: number }> }>(
        `/v1/agreements/${slaId}/compliance?from=${from}&to=${to}`,
      );
      return r.body.clocks?.resolution?.counted === 2 ? r.body : undefined;
    });
    // B met both clocks; C breached both; A's first response was met, its resolution still runs;
    // D's clocks run again after the reopen (its outcomes were withdrawn).
    expect(report.clocks).toEqual({
      'first-response': { counted: 3, met: 2, breached: 1, unmet: 0, percentage: 66.67 },
      resolution: { counted: 2, met: 1, breached: 1, unmet: 0, percentage: 50 },
    });
    const bad = await manager.get(`/v1/agreements/${slaId}/compliance?period=2026-13`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'query.period' })]);
  });

  it('are visible to the customer they concern and to nobody else outside the staff', async () => {
    const mine = await acme.get<{ items: Array<{ customerId: string; ticketId: string }> }>('/v1/violation-notices');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((n) => n.ticketId).sort()).toEqual(['A', 'C', 'C']);
    expect((await globex.get<{ items: unknown[] }>('/v1/violation-notices')).body.items).toEqual([]);
    expect((await globex.get('/v1/violation-notices?customerId=acme')).status).toBe(403);
    const staff = await manager.get<{ items: unknown[] }>('/v1/violation-notices?customerId=acme');
    expect(staff.body.items).toHaveLength(3);
    // Customer users may read their SLA's compliance, not another organisation's.
    expect((await acme.get(`/v1/agreements/${slaId}/compliance?period=${to()}`)).status).toBe(200);
    expect((await globex.get(`/v1/agreements/${slaId}/compliance?period=${to()}`)).status).toBe(404);
  });
});

const to = () => new Date().toISOString().slice(0, 7);
