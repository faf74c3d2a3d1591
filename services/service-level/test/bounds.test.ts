import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { publishEvents } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { addBusinessMillis, guaranteedBusinessMinutes, TARGET_HORIZON_YEARS } from '../domain/calendar';
import { serviceLevel } from '../service';
import { berlinOffice } from './fixtures';

/**
 * Calendars, agreements and the SLA simulator refuse what their clocks could never compute, with
 * 400 naming the field, instead of a 500 later or tickets silently without clocks (issue 7 §3, §4;
 * ADR 20). Through the HTTP API on the local runtime.
 */
let rt: Runtime;
let manager: Client;

type Problem = { status: number; code: string; errors?: Array<{ field: string; message: string }> };

const closedDay: never[] = [];
/** Open one minute a week: Monday 09:00-09:01. */
const oneMinuteAWeek = {
  timeZone: 'Europe/Berlin',
  hours: {
    mon: [{ start: '09:00', end: '09:01' }],
    tue: closedDay,
    wed: closedDay,
    thu: closedDay,
    fri: closedDay,
    sat: closedDay,
    sun: closedDay,
  },
  holidays: [],
};
const sla = (calendarId: string, minutes: number) => ({
  kind: 'sla',
  name: 'Mail for ACME',
  customerId: 'acme',
  serviceIds: ['svc-mail'],
  calendarId,
  targets: { P4: { resolutionMinutes: minutes } },
  reviewDate: '2027-06-30',
});
const timeline = [{ at: '2026-03-02T09:00:00Z', kind: 'created', status: 'new', priority: 'P2', slaId: 'gold' }];
const gold = {
  slaId: 'gold',
  calendar: { timeZone: 'UTC', twentyFourSeven: true },
  targets: { P2: { resolutionMinutes: 60 } },
};
const evaluation = (extra: Record<string, unknown>) => ({
  timeline,
  slas: [gold],
  now: '2026-03-02T12:00:00Z',
  ...extra,
});

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceLevel] });
  manager = await as(rt, 'sam', ['service-level-manager']);
  for (const [calendarId, calendar] of [
    ['sparse', oneMinuteAWeek],
    ['always', { timeZone: 'UTC', twentyFourSeven: true }],
  ] as const) {
    expect((await manager.post('/v1/calendars', { calendarId, name: calendarId, calendar })).status).toBe(201);
  }
});
afterAll(async () => rt?.close());

describe('targets a calendar cannot reach', () => {
  it('a calendar closed all week is refused', async () => {
    const closed = { ...oneMinuteAWeek, hours: { ...oneMinuteAWeek.hours, mon: closedDay } };
    const r = await manager.post<Problem>('/v1/calendars', { calendarId: 'never', name: 'never', calendar: closed });
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.calendar.hours']);
  });

  it('an agreement whose target its calendar cannot reach within 5 years: 400 naming the target, nothing stored', async () => {
    // Act: 525,600 business minutes at one minute a week would take some 10,000 years.
    const r = await manager.post<Problem>('/v1/agreements', sla('sparse', 525_600));
    // Assess
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('target-unreachable');
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.targets.P4.resolutionMinutes']);
    expect(r.body.errors?.[0]?.message).toMatch(/within 5 years/);
    expect((await manager.get<{ items: unknown[] }>('/v1/agreements')).body.items).toEqual([]);
  });

  it('the same target on a 24x7 calendar, and a small one on the sparse calendar, are accepted', async () => {
    expect((await manager.post('/v1/agreements', sla('always', 525_600))).status).toBe(201);
    expect((await manager.post('/v1/agreements', { ...sla('sparse', 200), serviceIds: ['svc-web'] })).status).toBe(201);
  });

  it('a change of calendar that leaves a target out of reach is refused', async () => {
    const created = await manager.get<{ items: Array<{ agreementId: string; version: number; calendarId: string }> }>(
      '/v1/agreements',
    );
    const target = created.body.items.find((a) => a.calendarId === 'always')!;
    const r = await manager.patch<Problem>(
      `/v1/agreements/${target.agreementId}`,
      { calendarId: 'sparse' },
      target.version,
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.targets.P4.resolutionMinutes']);
  });

  it('the simulator answers 400, not 500, for such a target on an inline calendar', async () => {
    const r = await manager.post<Problem>(
      '/v1/sla-evaluations',
      evaluation({
        slas: [{ slaId: 'gold', calendar: oneMinuteAWeek, targets: { P2: { resolutionMinutes: 525_600 } } }],
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('target-unreachable');
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.slas.0.targets.P2.resolutionMinutes']);
  });
});

describe('a ticket under terms its calendar cannot measure', () => {
  it('is never left without clocks silently: the clocks answer and SlaClocksChanged say why', async () => {
    // Prepare: an active SLA, whose stored terms are then made unreachable, as terms stored
    // before targets were checked against their calendar could be.
    const created = await manager.post<{ agreementId: string; termsVersion: number }>('/v1/agreements', {
      ...sla('always', 600),
      customerId: 'legacy',
      status: 'active',
    });
    expect(created.status).toBe(201);
    const { agreementId, termsVersion } = created.body;
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: rt.awsUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'itsm-runtime', secretAccessKey: 'local' },
      }),
    );
    await db.send(
      new UpdateCommand({
        TableName: 'itsm-service-level',
        Key: { pk: `AGR#${agreementId}`, sk: `TERMS#${termsVersion}` },
        UpdateExpression: 'SET #c = :c, #t = :t',
        ExpressionAttributeNames: { '#c': 'calendar', '#t': 'targets' },
        ExpressionAttributeValues: { ':c': oneMinuteAWeek, ':t': { P4: { resolutionMinutes: 525_600 } } },
      }),
    );
    const now = new Date().toISOString();
    // Act: a ticket under that agreement arrives.
    await publishEvents(
      rt,
      [
        {
          source: 'itsm.service-desk',
          detailType: 'TicketCreated',
          data: {
            ticket: {
              ticketId: 'LEGACY-1',
              number: 'INC-9001',
              type: 'incident',
              version: 1,
              title: 'Mail is down',
              status: 'new',
              priority: 'P4',
              callerId: 'user-1',
              customerId: 'legacy',
              serviceId: 'svc-mail',
              major: false,
              createdAt: now,
              changedAt: now,
              reopenCount: 0,
            },
            changes: [],
          },
        },
      ],
      'test-service-desk',
    );
    await rt.bus.drain();
    // Assess: not dead-lettered, the clocks answer names the problem, and it was announced.
    expect(rt.bus.deadLetters()).toEqual([]);
    const clocks = await manager.get<{ agreementId?: string; problem?: { code: string } }>(
      '/v1/tickets/INC-9001/clocks',
    );
    expect(clocks.status).toBe(200);
    expect(clocks.body).toMatchObject({ agreementId, problem: { code: 'target-unreachable' } });
    const announced = (
      rt.bus.published() as unknown as Array<{ 'detail-type': string; detail: { data: Record<string, unknown> } }>
    ).filter((e) => e['detail-type'] === 'SlaClocksChanged' && e.detail.data.ticketId === 'LEGACY-1');
    expect(announced.map((e) => e.detail.data.problem)).toEqual([
      { code: 'target-unreachable', detail: expect.stringMatching(/cannot be computed/) },
    ]);
    db.destroy();
  });
});

describe('a breach, once announced, stays counted (issue 7 §4)', () => {
  it('when the priority is later lowered to one without a target, the compliance report keeps the breach', async () => {
    // Prepare: an SLA with P1 targets only, on a 24x7 calendar.
    const agreement = await manager.post<{ agreementId: string }>('/v1/agreements', {
      ...sla('always', 60),
      customerId: 'initech',
      targets: { P1: { firstResponseMinutes: 15, resolutionMinutes: 60 } },
      status: 'active',
    });
    expect(agreement.status).toBe(201);
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const snapshot = (version: number, fields: Record<string, unknown>) => ({
      source: 'itsm.service-desk',
      detailType: version === 1 ? 'TicketCreated' : 'TicketChanged',
      data: {
        ticket: {
          ticketId: 'BREACH-1',
          number: 'INC-9002',
          type: 'incident',
          version,
          title: 'Mail is down',
          status: 'new',
          priority: 'P1',
          callerId: 'user-1',
          customerId: 'initech',
          serviceId: 'svc-mail',
          major: false,
          createdAt: ago(180),
          changedAt: ago(180),
          reopenCount: 0,
          ...fields,
        },
        changes: [],
      },
    });
    // Act: both clocks breach under P1 (announced at once, being past), then P1 becomes P5
    // (no target), then the ticket is resolved.
    await publishEvents(
      rt,
      [
        snapshot(1, {}),
        snapshot(2, { priority: 'P5', changedAt: ago(90) }),
        snapshot(3, { priority: 'P5', status: 'resolved', changedAt: ago(60), resolvedAt: ago(60) }),
      ],
      'test-service-desk',
    );
    await rt.bus.drain();
    // Assess: the clocks read breached, and the compliance report counts both breaches.
    const clocks = await manager.get<{ clocks: Record<string, { state: string; breachedAt?: string }> }>(
      '/v1/tickets/INC-9002/clocks',
    );
    expect(clocks.body.clocks.resolution).toMatchObject({ state: 'breached', breachedAt: expect.any(String) });
    expect(clocks.body.clocks['first-response']?.state).toBe('breached');
    const from = ago(400).slice(0, 7);
    const to = new Date().toISOString().slice(0, 7);
    const report = await eventually(
      async () => {
        const r = await manager.get<{ clocks: Record<string, { counted: number; breached: number }> }>(
          `/v1/agreements/${agreement.body.agreementId}/compliance?from=${from}&to=${to}`,
        );
        return r.body.clocks?.resolution?.counted === 1 ? r.body : undefined;
      },
      10_000,
      'the breached resolution in the compliance report',
    );
    expect(report.clocks['first-response']).toMatchObject({ counted: 1, breached: 1 });
    expect(report.clocks.resolution).toMatchObject({ counted: 1, breached: 1 });
  });
});

describe('the simulator checks its input', () => {
  it('bounds the span it evaluates: 1970 to 9999 is refused at once, naming now', async () => {
    const started = Date.now();
    const r = await manager.post<Problem>(
      '/v1/sla-evaluations',
      evaluation({
        timeline: [{ ...timeline[0], at: '1970-01-01T00:00:00Z' }],
        now: '9999-12-31T23:59:59Z',
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.now']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('checks each event for what its kind needs: a priority event without a priority is refused', async () => {
    const r = await manager.post<Problem>(
      '/v1/sla-evaluations',
      evaluation({ timeline: [...timeline, { at: '2026-03-02T10:00:00Z', kind: 'priority' }] }),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.field)).toEqual(['body.timeline.1.priority']);
  });

  it('refuses an SLA given twice', async () => {
    const r = await manager.post<Problem>('/v1/sla-evaluations', evaluation({ slas: [gold, gold] }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('duplicate-sla');
    expect(r.body.errors).toEqual([{ field: 'body.slas.1.slaId', message: 'repeats body.slas.0.slaId' }]);
  });

  it('says which event precedes the created event', async () => {
    const r = await manager.post<Problem>(
      '/v1/sla-evaluations',
      evaluation({ timeline: [{ at: '2026-03-02T08:00:00Z', kind: 'status', status: 'pending' }, ...timeline] }),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([
      {
        field: 'body.timeline.0.at',
        message: 'is before the created event (body.timeline.1.at, 2026-03-02T09:00:00Z)',
      },
    ]);
  });

  it('still evaluates a good timeline', async () => {
    const r = await manager.post<{ clocks: { resolution: { state: string } } }>('/v1/sla-evaluations', evaluation({}));
    expect(r.status).toBe(200);
    expect(r.body.clocks.resolution.state).toBe('breached');
  });
});

describe('the reach a calendar guarantees', () => {
  it('is a lower bound: that many business minutes from any start end within the horizon (property, fixed seed)', () => {
    const horizonMs = TARGET_HORIZON_YEARS * 365 * 86_400_000;
    for (const cal of [berlinOffice, oneMinuteAWeek]) {
      const reach = guaranteedBusinessMinutes(cal, TARGET_HORIZON_YEARS);
      expect(reach).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), (start) => {
          expect(addBusinessMillis(cal, start, reach * 60_000) - start).toBeLessThanOrEqual(horizonMs);
        }),
        { seed: 20261202, numRuns: 25 },
      );
    }
  });
});
