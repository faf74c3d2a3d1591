import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { Runtime } from '../../../infra/local/runtime';
import { ChangeRequested } from '../../../shared/contracts/service-desk/v1';
import { publishEvents } from '../../../test/support/events';
import { as, type Client, eventually, testRuntime } from '../../../test/support/runtime';
import { serviceDesk } from '../service';

/**
 * Change requests from tickets (FitSM PR12.1) on the real local runtime: the desk publishes
 * `ChangeRequested` through its outbox, and links the changes the changes service announces with
 * a desk origin to their ticket. The changes service is not running: its events are published on
 * the bus as it would publish them.
 */
let rt: Runtime;
let alice: Client;
let auditor: Client;
let acmeUser: Client;

type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
type Ticket = { ticketId: string; number: string; version: number };
type Accepted = { requestId: string; ticketId: string; number: string };
type Change = { changeId: string; number: string; title: string; status: string; changeVersion: number };
type Page<T> = { items: T[]; nextCursor?: string };

beforeAll(async () => {
  rt = await testRuntime({ services: [serviceDesk] });
  alice = await as(rt, 'alice', ['process-staff']);
  auditor = await as(rt, 'audrey', ['auditor']);
  acmeUser = await as(rt, 'carl', ['customer-user'], 'acme');
});

afterAll(async () => {
  await rt?.close();
});

const incident = async () => {
  const res = await alice.post<Ticket>('/v1/incidents', {
    title: 'Switch sw-core-1 drops packets',
    caller: { id: 'user-carl', name: 'Carl', email: 'carl@acme.example' },
    customerId: 'acme',
    serviceId: 'SVC-7',
    ciIds: ['ci-sw-core-1'],
  });
  expect(res.status).toBe(201);
  return res.body;
};

/** A change event as the changes service publishes it. */
const change = (
  detailType: string,
  origin: { source: string; ref: string },
  extra: Record<string, unknown> & { changeId: string; version: number },
) => ({
  source: 'itsm.changes',
  detailType,
  data: {
    number: 'CHG-77',
    type: 'normal',
    status: 'new',
    title: 'Replace sw-core-1',
    requesterId: 'user-alice',
    ciIds: ['ci-sw-core-1'],
    serviceIds: ['SVC-7'],
    customerIds: ['acme'],
    origin,
    createdAt: '2026-12-03T10:00:00Z',
    updatedAt: '2026-12-03T10:00:00Z',
    ...extra,
  },
});

const changesOf = async (ticketId: string) => {
  const res = await alice.get<Page<Change>>(`/v1/tickets/${ticketId}/changes`);
  expect(res.status).toBe(200);
  return res.body.items;
};

describe('change requests from tickets', () => {
  it("publish a valid ChangeRequested with the ticket's CIs and service, and record it in the history", async () => {
    // Prepare
    const t = await incident();
    // Act
    const res = await alice.post<Accepted>(`/v1/tickets/${t.number}/change-requests`, {
      title: 'Replace sw-core-1',
      description: 'Swap the failing core switch for the spare.',
      reason: 'INC shows packet loss from a failing line card.',
      suggestedType: 'emergency',
    });
    // Assess
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ticketId: t.ticketId, number: t.number });
    expect(res.headers.get('location')).toBe(`/v1/tickets/${t.ticketId}/changes`);
    const published = await eventually(() =>
      rt.bus
        .published()
        .find(
          (e) =>
            e['detail-type'] === 'ChangeRequested' &&
            (e.detail as { data: { requestId: string } }).data.requestId === res.body.requestId,
        ),
    );
    expect(published.source).toBe('itsm.service-desk');
    const data = z.parse(ChangeRequested.data, (published.detail as { data: unknown }).data);
    expect(data).toEqual({
      requestId: res.body.requestId,
      title: 'Replace sw-core-1',
      description: 'Swap the failing core switch for the spare.',
      reason: 'INC shows packet loss from a failing line card.',
      requesterId: 'user-alice',
      ciIds: ['ci-sw-core-1'],
      serviceIds: ['SVC-7'],
      origin: { source: 'service-desk', ref: t.number },
      suggestedType: 'emergency',
    });
    const history = await alice.get<Page<{ action: string; changes: Record<string, { to: { requestId: string } }> }>>(
      `/v1/tickets/${t.ticketId}/history`,
    );
    const entry = history.body.items.find((h) => h.action === 'change requested');
    expect(entry?.changes.changeRequest?.to.requestId).toBe(res.body.requestId);
  });

  it('take CIs and services from the request when given', async () => {
    // Prepare
    const t = await incident();
    // Act
    const res = await alice.post<Accepted>(`/v1/tickets/${t.ticketId}/change-requests`, {
      title: 'Re-cable rack 4',
      description: 'Move the uplinks.',
      reason: 'Cabling caused the outage.',
      ciIds: ['ci-rack-4'],
      serviceIds: [],
    });
    // Assess
    expect(res.status).toBe(202);
    const published = await eventually(() =>
      rt.bus
        .published()
        .find((e) => (e.detail as { data: { requestId?: string } }).data.requestId === res.body.requestId),
    );
    expect((published.detail as { data: unknown }).data).toMatchObject({ ciIds: ['ci-rack-4'], serviceIds: [] });
  });

  it('are refused to customer users, and refused with the failing fields when malformed', async () => {
    // Prepare
    const t = await incident();
    const body = { title: 'Please change it', description: 'x', reason: 'y' };
    // Act
    const byCustomer = await acmeUser.post<Problem>(`/v1/tickets/${t.ticketId}/change-requests`, body);
    const listedByCustomer = await acmeUser.get<Problem>(`/v1/tickets/${t.ticketId}/changes`);
    const byAuditor = await auditor.post<Problem>(`/v1/tickets/${t.ticketId}/change-requests`, body);
    const bad = await alice.post<Problem>(`/v1/tickets/${t.ticketId}/change-requests`, {
      description: 'x',
      reason: '',
      suggestedType: 'standard',
      ciIds: Array.from({ length: 51 }, (_, i) => `ci-${i}`),
    });
    const unknown = await alice.post<Problem>('/v1/tickets/INC-999999/change-requests', body);
    // Assess
    expect(byCustomer.status).toBe(403);
    expect(listedByCustomer.status).toBe(403);
    expect(byAuditor.status).toBe(403);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual([
      'body.ciIds',
      'body.reason',
      'body.suggestedType',
      'body.title',
    ]);
    expect(unknown.status).toBe(404);
    await rt.bus.drain();
    expect(rt.bus.published().some((e) => JSON.stringify(e.detail).includes('Please change it'))).toBe(false);
  });
});

describe('changes linked to tickets', () => {
  it('list a change raised with a desk origin on its ticket, newest version whatever the order', async () => {
    // Prepare
    const t = await incident();
    const changeId = ulid();
    const origin = { source: 'service-desk', ref: t.number };
    const raised = { ...change('ChangeRaised', origin, { changeId, version: 1 }), eventId: ulid() };
    // Act: raised (twice), then approved arrives before submitted.
    await publishEvents(rt, [raised, raised]);
    await rt.bus.drain();
    const first = await changesOf(t.ticketId);
    await publishEvents(rt, [
      change('ChangeApproved', origin, {
        changeId,
        version: 3,
        status: 'approved',
        plannedStart: '2026-12-10T22:00:00Z',
        plannedEnd: '2026-12-11T02:00:00Z',
      }),
    ]);
    await rt.bus.drain();
    await publishEvents(rt, [change('ChangeSubmitted', origin, { changeId, version: 2, status: 'approval' })]);
    await rt.bus.drain();
    // Assess
    expect(rt.functions.asyncFailures()).toEqual([]);
    expect(first).toEqual([
      {
        changeId,
        number: 'CHG-77',
        title: 'Replace sw-core-1',
        type: 'normal',
        status: 'new',
        changeVersion: 1,
        updatedAt: '2026-12-03T10:00:00Z',
      },
    ]);
    expect(await changesOf(t.number)).toEqual([
      expect.objectContaining({
        changeId,
        status: 'approved',
        changeVersion: 3,
        plannedStart: '2026-12-10T22:00:00Z',
        plannedEnd: '2026-12-11T02:00:00Z',
      }),
    ]);
    expect((await auditor.get<Page<Change>>(`/v1/tickets/${t.ticketId}/changes`)).body.items).toHaveLength(1);
  });

  it('leave out changes from other origins and tickets the desk does not hold', async () => {
    // Prepare
    const t = await incident();
    // Act
    await publishEvents(rt, [
      change('ChangeRaised', { source: 'problems', ref: t.number }, { changeId: ulid(), version: 1 }),
      change('ChangeRaised', { source: 'service-desk', ref: 'INC-999999' }, { changeId: ulid(), version: 1 }),
    ]);
    await rt.bus.drain();
    // Assess
    expect(rt.functions.asyncFailures()).toEqual([]);
    expect(await changesOf(t.ticketId)).toEqual([]);
  });
});
