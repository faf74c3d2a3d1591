import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../infra/local/runtime';
import { as, type Client, testRuntime } from '../../../test/support/runtime';
import { serviceLevel } from '../service';

/** Agreements (SLA, OLA, UA) through the HTTP API on the local runtime (FitSM PR2.2, PR2.4). */
let rt: Runtime;
let manager: Client;
let staff: Client;
let acme: Client;

type Agreement = { agreementId: string; version: number; termsVersion: number; status: string; kind: string };
type Problem = { code: string; errors?: Array<{ field: string; message: string }> };

const sla = (extra: Record<string, unknown> = {}) => ({
  kind: 'sla',
  name: 'Mail for ACME',
  customerId: 'acme',
  serviceIds: ['svc-mail'],
  calendarId: 'always',
  targets: { P2: { firstResponseMinutes: 30, resolutionMinutes: 480 } },
  availabilityTargetPercent: 99.5,
  reviewDate: '2027-06-30',
  ...extra,
});
const fields = (r: { body: unknown }) => ((r.body as Problem).errors ?? []).map((e) => e.field).sort();

beforeAll(async () => {
  process.env.ITSM_LOG_LEVEL ??= 'ERROR';
  // This service alone: ticket and portfolio events are injected on the bus, as their publishers would.
  rt = await testRuntime({ services: [serviceLevel] });
  manager = await as(rt, 'sam', ['service-level-manager']);
  staff = await as(rt, 'alice', ['process-staff']);
  acme = await as(rt, 'ann', ['customer-user'], 'acme');
  await manager.post('/v1/calendars', {
    calendarId: 'always',
    name: '24x7',
    calendar: { timeZone: 'UTC', twentyFourSeven: true },
  });
});
afterAll(async () => rt?.close());

describe('agreements', () => {
  it('are recorded with readable numbers per kind, by the SLM manager only', async () => {
    const s = await manager.post<Agreement>('/v1/agreements', sla({ status: 'active' }));
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({
      agreementId: 'SLA-1',
      kind: 'sla',
      status: 'active',
      warningShare: 0.75,
      version: 1,
    });
    expect(s.headers.get('location')).toBe('/v1/agreements/SLA-1');
    const o = await manager.post<Agreement>('/v1/agreements', {
      kind: 'ola',
      name: 'Network team',
      supportingGroup: 'network',
      supports: ['SLA-1'],
      calendarId: 'always',
      targets: { P2: { resolutionMinutes: 240 } },
      reviewDate: '2026-01-31',
    });
    expect(o.body).toMatchObject({ agreementId: 'OLA-1', status: 'draft' });
    const u = await manager.post<Agreement>('/v1/agreements', {
      kind: 'ua',
      name: 'CloudCo hosting',
      supplierId: 'cloudco',
      calendarId: 'always',
      targets: { P2: { resolutionMinutes: 120 } },
      reviewDate: '2026-02-28',
      status: 'active',
    });
    expect(u.body.agreementId).toBe('UA-1');
    expect((await staff.get<Agreement>('/v1/agreements/UA-1')).body.kind).toBe('ua');
    expect((await staff.post('/v1/agreements', sla())).status).toBe(403);
    expect((await manager.get('/v1/agreements/SLA-99')).status).toBe(404);
  });

  it('refuse bad input with the failing fields', async () => {
    const noParty = await manager.post('/v1/agreements', sla({ customerId: undefined, serviceIds: [] }));
    expect(noParty.status).toBe(400);
    expect(fields(noParty)).toEqual(['body.customerId', 'body.serviceIds']);
    const ola = await manager.post('/v1/agreements', { ...sla(), kind: 'ola', customerId: undefined, serviceIds: [] });
    expect(fields(ola)).toEqual(['body.supportingGroup']);
    const shape = await manager.post('/v1/agreements', sla({ kind: 'xla', warningShare: 2, reviewDate: 'soon' }));
    expect(shape.status).toBe(400);
    expect(fields(shape)).toEqual(['body.kind', 'body.reviewDate', 'body.warningShare']);
    const calendar = await manager.post('/v1/agreements', sla({ calendarId: 'mars-time' }));
    expect(fields(calendar)).toEqual(['body.calendarId']);
    const targets = await manager.post('/v1/agreements', sla({ targets: { P1: {} } }));
    expect(fields(targets)).toEqual(['body.targets.P1']);
  });

  it('allow one active SLA per customer and service, and one active default SLA', async () => {
    const twice = await manager.post<Problem>('/v1/agreements', sla({ status: 'active' }));
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('coverage-conflict');
    expect(twice.body.errors).toEqual([
      { field: 'body.serviceIds', message: 'service svc-mail is already covered by SLA-1' },
    ]);
    const def = { ...sla({ default: true, status: 'active' }), customerId: undefined, serviceIds: [] };
    expect((await manager.post('/v1/agreements', def)).status).toBe(201);
    const second = await manager.post<Problem>('/v1/agreements', def);
    expect(second.status).toBe(409);
    expect(second.body.errors?.[0]?.field).toBe('body.default');
    // A draft does not cover anything yet, so it is accepted.
    expect((await manager.post('/v1/agreements', sla())).status).toBe(201);
  });

  it('change with If-Match, keeping each version of the terms', async () => {
    expect((await manager.call('PATCH', '/v1/agreements/SLA-1', { name: 'x' })).status).toBe(428);
    expect((await manager.patch('/v1/agreements/SLA-1', { name: 'x' }, 7)).status).toBe(409);
    const changed = await manager.patch<Agreement>(
      '/v1/agreements/SLA-1',
      { targets: { P2: { firstResponseMinutes: 20, resolutionMinutes: 480 } }, reason: 'renegotiated' },
      1,
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, termsVersion: 2 });
    expect(changed.headers.get('etag')).toBe('"2"');
    const renamed = await manager.patch<Agreement>('/v1/agreements/SLA-1', { name: 'Mail and calendar' }, 2);
    expect(renamed.body).toMatchObject({ version: 3, termsVersion: 2 });
    const expired = await manager.patch<Agreement>('/v1/agreements/SLA-1', { status: 'expired' }, 3);
    expect(expired.body.status).toBe('expired');
    const back = await manager.patch<Problem>('/v1/agreements/SLA-1', { status: 'active' }, 4);
    expect(back.status).toBe(400);
    expect(back.body.code).toBe('invalid-transition');
    // Expired, SLA-1 no longer covers svc-mail: the draft SLA-3 can now be activated.
    expect((await manager.patch('/v1/agreements/SLA-3', { status: 'active' }, 1)).status).toBe(200);
    const history = await staff.get<{ items: Array<{ action: string; reason?: string }> }>(
      '/v1/agreements/SLA-1/history',
    );
    expect(history.body.items.map((h) => h.action)).toEqual(['moved to expired', 'updated', 'updated', 'recorded']);
    expect(history.body.items[2]?.reason).toBe('renegotiated');
  });

  it('list by kind and by review due date from indexes', async () => {
    const olas = await staff.get<{ items: Agreement[] }>('/v1/agreements?kind=ola');
    expect(olas.body.items.map((a) => a.agreementId)).toEqual(['OLA-1']);
    const due = await staff.get<{ items: Agreement[] }>('/v1/agreements?reviewDue=true&asOf=2026-03-01');
    // OLA-1 (January) and UA-1 (February); SLAs are reviewed in 2027.
    expect(due.body.items.map((a) => a.agreementId)).toEqual(['OLA-1', 'UA-1']);
    expect((await staff.get('/v1/agreements?kind=xla')).status).toBe(400);
  });

  it("show customer users their own organisation's SLAs only", async () => {
    const mine = await acme.get<{ items: Agreement[] }>('/v1/agreements');
    expect(mine.body.items.map((a) => a.agreementId).sort()).toEqual(['SLA-1', 'SLA-3']);
    expect((await acme.get('/v1/agreements/SLA-1')).status).toBe(200);
    expect((await acme.get('/v1/agreements/OLA-1')).status).toBe(404);
    expect((await acme.get('/v1/agreements/SLA-2')).status).toBe(404); // the default SLA is not theirs
    expect((await acme.get('/v1/agreements?customerId=globex')).status).toBe(403);
    expect((await acme.get('/v1/agreements?reviewDue=true')).status).toBe(400);
    expect((await acme.post('/v1/agreements', sla())).status).toBe(403);
  });
});
