import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterEach, describe, expect, it } from 'vitest';
import * as names from '../infra/local/names';
import type { Runtime } from '../infra/local/runtime';
import { serviceDesk } from '../services/service-desk/service';
import { serviceLevel } from '../services/service-level/service';
import { publishEvents, type TestEvent } from './support/events';
import { as, eventually, testRuntime } from './support/runtime';

/**
 * Consumers declared `by-version` (ADR 23) keep copies that only move forward on the producer's
 * version, so they write no inbox marker: delivered twice and out of order, their events still
 * end in the newest copy, and the table holds no marker for them.
 */
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

const reader = (r: Runtime) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: r.awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test-reader', secretAccessKey: 'x' },
    }),
  );

async function item(r: Runtime, service: string, pk: string, sk: string) {
  const db = reader(r);
  try {
    return (
      await db.send(new GetCommand({ TableName: names.tableName(service), Key: { pk, sk }, ConsistentRead: true }))
    ).Item;
  } finally {
    db.destroy();
  }
}

/** Deliver every event twice and shuffled, as EventBridge may. */
async function deliverShuffledTwice(r: Runtime, events: TestEvent[], publisher: string) {
  r.bus.setDeliveryMode({ duplicate: true, shuffle: true });
  try {
    await publishEvents(r, events, publisher);
    await r.bus.drain();
    await r.functions.drainAsync();
  } finally {
    r.bus.setDeliveryMode({ duplicate: false, shuffle: false });
  }
}

describe('by-version consumers', () => {
  it('service desk: the customer copy and the SLA clocks end at their newest version, with no inbox marker', async () => {
    // Prepare
    rt = await testRuntime({ services: [serviceDesk] });
    const alice = await as(rt, 'alice', ['process-staff']);
    const created = await alice.post<{ ticketId: string; number: string }>('/v1/incidents', {
      title: 'Printer jams',
      description: 'On every page.',
      channel: 'phone',
      caller: { id: 'user-dora', name: 'Dora', email: 'dora@acme.example' },
      impact: 'low',
      urgency: 'low',
    });
    expect(created.status).toBe(201);
    const { ticketId, number } = created.body;
    const customer = (version: number, serviceIds: string[]): TestEvent => ({
      source: 'itsm.customers',
      detailType: version === 1 ? 'CustomerRegistered' : 'CustomerUpdated',
      eventId: ulid(),
      data: { customerId: 'acme', name: 'Acme', status: 'active', serviceIds, version },
    });
    const clocks = (ticketVersion: number, deadline: string): TestEvent => ({
      source: 'itsm.service-level',
      detailType: 'SlaClocksChanged',
      eventId: ulid(),
      data: {
        ticketId,
        number,
        ticketVersion,
        agreementId: 'SLA-1',
        clocks: [{ clock: 'resolution', state: 'running', targetMinutes: 480, elapsedMinutes: 0, deadline }],
      },
    });
    const events = [
      customer(1, ['svc-a']),
      customer(2, ['svc-a', 'svc-b']),
      customer(3, ['svc-c']),
      clocks(2, '2030-01-01T10:00:00.000Z'),
      clocks(3, '2030-01-01T11:00:00.000Z'),
      clocks(4, '2030-01-01T12:00:00.000Z'),
    ];

    // Act
    await deliverShuffledTwice(rt, events, 'test-producers');

    // Assess
    const copy = await eventually(
      async () => {
        const c = await item(rt!, 'service-desk', 'CUSTOMER#acme', 'CUSTOMER');
        return c?.customerVersion === 3 ? c : undefined;
      },
      5000,
      'customer copy at version 3',
    );
    expect(copy.serviceIds).toEqual(['svc-c']);
    const ticket = await eventually(
      async () => {
        const t = await item(rt!, 'service-desk', `TICKET#${ticketId}`, 'TICKET');
        return t?.slaTicketVersion === 4 ? t : undefined;
      },
      5000,
      'clocks of ticket version 4',
    );
    expect(ticket.slaDeadline).toBe('2030-01-01T12:00:00.000Z');
    for (const e of events) expect(await item(rt, 'service-desk', `INBOX#${e.eventId}`, 'INBOX')).toBeUndefined();
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it('service levels: the copy of a portfolio service ends at its newest version, with no inbox marker', async () => {
    // Prepare
    rt = await testRuntime({ services: [serviceLevel] });
    const service = (detailType: string, version: number, status: string): TestEvent => ({
      source: 'itsm.portfolio',
      detailType,
      eventId: ulid(),
      data: { serviceId: 'svc-mail', name: `Mail v${version}`, status, version },
    });
    const events = [
      service('ServiceRegistered', 1, 'planned'),
      service('ServiceUpdated', 2, 'live'),
      service('ServiceRetired', 3, 'retired'),
    ];

    // Act
    await deliverShuffledTwice(rt, events, 'test-portfolio');

    // Assess
    const copy = await eventually(
      async () => {
        const c = await item(rt!, 'service-level', 'SVC#svc-mail', 'COPY');
        return c?.serviceVersion === 3 ? c : undefined;
      },
      5000,
      'service copy at version 3',
    );
    expect(copy).toMatchObject({ name: 'Mail v3', status: 'retired' });
    for (const e of events) expect(await item(rt, 'service-level', `INBOX#${e.eventId}`, 'INBOX')).toBeUndefined();
    expect(rt.functions.asyncFailures()).toEqual([]);
  });
});
