import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, testRuntime, WITHOUT_QUERY_STORE } from '../../../test/support/runtime';

/** Calendars and the SLA simulator, through the HTTP API on the local runtime (FitSM PR2). */
let rt: Runtime;
let manager: Client;
let staff: Client;

const office = {
  timeZone: 'Europe/Berlin',
  hours: {
    mon: [{ start: '09:00', end: '17:00' }],
    tue: [{ start: '09:00', end: '17:00' }],
    wed: [{ start: '09:00', end: '17:00' }],
    thu: [{ start: '09:00', end: '17:00' }],
    fri: [{ start: '09:00', end: '17:00' }],
    sat: [],
    sun: [],
  },
  holidays: [{ date: '2026-12-25', name: 'Christmas Day' }],
};

// Friday 20 November 2026, Berlin (UTC+1): opened 15:00, answered 15:30, pending from 16:00
// over the weekend, work resumes Monday 10:00, resolved 11:00.
const timeline = [
  { at: '2026-11-20T14:00:00Z', kind: 'created', status: 'new', priority: 'P2', slaId: 'gold' },
  { at: '2026-11-20T14:30:00Z', kind: 'first-response' },
  { at: '2026-11-20T15:00:00Z', kind: 'status', status: 'pending' },
  { at: '2026-11-23T09:00:00Z', kind: 'status', status: 'in-progress' },
  { at: '2026-11-23T10:00:00Z', kind: 'status', status: 'resolved' },
];
const gold = {
  slaId: 'gold',
  calendarId: 'office',
  targets: { P2: { firstResponseMinutes: 60, resolutionMinutes: 240 } },
};

type Clock = { state: string; elapsedMinutes: number; pausedMinutes: number; targetMinutes: number };
type Evaluation = { clocks: { 'first-response': Clock; resolution: Clock } };

beforeAll(async () => {
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  manager = await as(rt, 'sam', ['service-level-manager']);
  staff = await as(rt, 'alice', ['process-staff']);
});
afterAll(async () => rt?.close());

describe('business calendars', () => {
  it('are defined by the SLM manager, validated, and readable by staff', async () => {
    const created = await manager.post('/v1/calendars', {
      calendarId: 'office',
      name: 'Berlin office hours',
      calendar: office,
    });
    expect(created.status).toBe(201);
    expect((await staff.get('/v1/calendars/office')).body).toMatchObject({
      calendarId: 'office',
      calendar: { timeZone: 'Europe/Berlin' },
    });
    expect((await staff.post('/v1/calendars', { calendarId: 'x', name: 'x', calendar: office })).status).toBe(403);
    const bad = await manager.post('/v1/calendars', {
      calendarId: 'broken',
      name: 'Broken',
      calendar: {
        ...office,
        timeZone: 'Mars/Olympus',
        hours: { ...office.hours, mon: [{ start: '17:00', end: '09:00' }] },
      },
    });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Array<{ field: string }>).map((e) => e.field)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^body\.calendar\.timeZone/),
        expect.stringMatching(/^body\.calendar\.hours\.mon/),
      ]),
    );
    expect((await staff.get<{ items: unknown[] }>('/v1/calendars')).body.items).toHaveLength(1);
  });
});

describe('POST /v1/sla-evaluations', () => {
  it('counts business time only, never pending time, across a weekend', async () => {
    const r = await staff.post<Evaluation>('/v1/sla-evaluations', {
      timeline,
      slas: [gold],
      now: '2026-11-24T12:00:00Z',
    });
    expect(r.status).toBe(200);
    expect(r.body.clocks['first-response']).toMatchObject({ state: 'met', elapsedMinutes: 30, targetMinutes: 60 });
    // Friday 15:00-16:00 and Monday 10:00-11:00 counted; Friday 16:00-17:00 and Monday 09:00-10:00 pending.
    expect(r.body.clocks.resolution).toMatchObject({
      state: 'met',
      elapsedMinutes: 120,
      pausedMinutes: 120,
      targetMinutes: 240,
    });
  });

  it('takes a calendar inline, and stores nothing', async () => {
    const inline = { ...gold, calendarId: undefined, calendar: { timeZone: 'UTC', twentyFourSeven: true } };
    const r = await staff.post<Evaluation>('/v1/sla-evaluations', {
      timeline,
      slas: [inline],
      now: '2026-11-24T12:00:00Z',
    });
    expect(r.status).toBe(200);
    // 24x7: Friday 14:00-15:00 counted, then pending all weekend (66 h), then Monday 09:00-10:00 counted.
    expect(r.body.clocks.resolution).toMatchObject({ elapsedMinutes: 120, pausedMinutes: 66 * 60 });
    expect((await staff.get<{ items: unknown[] }>('/v1/calendars')).body.items).toHaveLength(1);
  });

  it('answers bad input with the failing fields', async () => {
    const unknownCalendar = await staff.post('/v1/sla-evaluations', {
      timeline,
      slas: [{ ...gold, calendarId: 'nope' }],
    });
    expect(unknownCalendar.status).toBe(400);
    expect(unknownCalendar.body.errors).toEqual([
      { field: 'body.slas.0.calendarId', message: 'calendar nope does not exist' },
    ]);
    const unknownSla = await staff.post('/v1/sla-evaluations', { timeline, slas: [{ ...gold, slaId: 'silver' }] });
    expect(unknownSla.status).toBe(400);
    const garbage = await staff.post('/v1/sla-evaluations', {
      timeline: [{ at: 'yesterday', kind: 'created' }],
      slas: [],
    });
    expect(garbage.status).toBe(400);
    const customer = await as(rt, 'carol', ['customer-user'], 'acme');
    expect((await customer.post('/v1/sla-evaluations', { timeline, slas: [gold] })).status).toBe(403);
  });
});
