import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { configuration } from '../services/configuration/service';
import { serviceDesk } from '../services/service-desk/service';
import { serviceLevel } from '../services/service-level/service';
import { as, type Client, testRuntime } from './support/runtime';

/**
 * A read that fails for another reason than "not found" (DynamoDB throttling, here injected in the
 * local DynamoDB for the one record) is a server failure, never a client's 400 "does not exist".
 */
let rt: Runtime;
let admin: Client;
const CALLER = { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' };

beforeAll(async () => {
  rt = await testRuntime({ services: [configuration, serviceLevel, serviceDesk] });
  admin = await as(rt, 'root', [
    'configuration-manager',
    'service-level-manager',
    'service-desk-manager',
    'process-staff',
  ]);
});
afterAll(async () => rt?.close());

/** Throttle every read of items whose key mentions `id`, for the duration of `act`. */
async function throttlingReadsOf<T>(id: string, act: () => Promise<T>): Promise<T> {
  rt.faults.dynamodbThrottles = (action, input) =>
    (action === 'GetItem' || action === 'BatchGetItem' || action === 'Query') && JSON.stringify(input).includes(id);
  try {
    return await act();
  } finally {
    rt.faults.dynamodbThrottles = undefined;
  }
}

/** The kit's answer to a failure on our side: 500 `internal-error`, no field blamed on the client. */
const serverFailure = (r: { status: number; body: Record<string, unknown> }) => {
  expect(r.body).toMatchObject({ status: 500, code: 'internal-error' });
  expect(r.body.errors).toBeUndefined();
};

describe('a read that fails is not "does not exist"', () => {
  it('configuration: adding a relationship while the target CI cannot be read', async () => {
    // Prepare
    expect(
      (await admin.post('/v1/ci-types', { typeId: 'application', name: 'Application', attributes: [] })).status,
    ).toBe(201);
    const make = async (name: string) =>
      (await admin.post<{ ciId: string }>('/v1/cis', { typeId: 'application', name, status: 'active' })).body;
    const [source, target] = [await make('front'), await make('back')];
    // Act
    const r = await throttlingReadsOf(target.ciId, () =>
      admin.post(`/v1/cis/${source.ciId}/relationships`, { type: 'depends-on', targetCiId: target.ciId }),
    );
    // Assess
    serverFailure(r);
    expect(
      (await admin.post(`/v1/cis/${source.ciId}/relationships`, { type: 'depends-on', targetCiId: 'CI-9999' })).status,
    ).toBe(400);
  });

  it('service levels: evaluating against a calendar that cannot be read', async () => {
    // Prepare
    const calendar = { timeZone: 'UTC', twentyFourSeven: true };
    expect((await admin.post('/v1/calendars', { calendarId: 'always-on', name: '24x7', calendar })).status).toBe(201);
    const body = {
      timeline: [{ at: '2026-11-20T14:00:00Z', kind: 'created', status: 'new', priority: 'P2', slaId: 'gold' }],
      slas: [{ slaId: 'gold', calendarId: 'always-on', targets: { P2: { resolutionMinutes: 240 } } }],
    };
    // Act
    const r = await throttlingReadsOf('always-on', () => admin.post('/v1/sla-evaluations', body));
    // Assess
    serverFailure(r);
    expect((await admin.post('/v1/sla-evaluations', body)).status).toBe(200);
  });

  it('service desk: creating a child incident while the parent cannot be read', async () => {
    // Prepare
    const incident = (title: string) => ({ title, channel: 'phone', caller: CALLER, impact: 'low', urgency: 'low' });
    const parent = await admin.post<{ ticketId: string }>('/v1/incidents', incident('Mail is down'));
    expect(parent.status, JSON.stringify(parent.body)).toBe(201);
    const child = { ...incident('Cannot send mail'), parentId: parent.body.ticketId };
    // Act
    const r = await throttlingReadsOf(parent.body.ticketId, () => admin.post('/v1/incidents', child));
    // Assess
    serverFailure(r);
    expect((await admin.post('/v1/incidents', child)).status).toBe(201);
  });
});
