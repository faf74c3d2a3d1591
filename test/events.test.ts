import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../infra/local/runtime';
import { SERVICES } from '../services/index';
import { as, type Client, eventually, testRuntime } from './support/runtime';

/** Events are never lost, and consumers converge whatever the delivery order or repetition. */
let rt: Runtime;
let admin: Client;

beforeAll(async () => {
  rt = await testRuntime();
  admin = await as(rt, 'conrad', ['configuration-manager']);
  await admin.post('/v1/ci-types', { typeId: 'app', name: 'App', attributes: [] });
});
afterAll(async () => rt?.close());

describe('events from the table stream (ADR 23)', () => {
  it('publishes nothing on the request path, and publishes the event once EventBridge is back', async () => {
    // Prepare: EventBridge is down.
    rt.faults.eventsUnavailable = true;
    const api = 'itsm-configuration-api';
    const putEventsBy = (caller: string) =>
      rt
        .recordedCalls()
        .filter((c) => c.caller === caller && c.action === 'events:PutEvents')
        .reduce((n, c) => n + c.count, 0);
    const relayBatches = () => rt.metrics().streams['itsm-configuration-event-relay']?.batches ?? 0;
    const batchesBefore = relayBatches();

    // Act
    const created = await admin.post<{ ciId: string }>('/v1/cis', { typeId: 'app', name: 'outage-born' });

    // Assess: the request succeeded without touching EventBridge; the relay keeps trying.
    expect(created.status).toBe(201);
    expect(putEventsBy(api)).toBe(0);
    const sent = () =>
      rt.bus.published().filter((e) => (e.detail as { data: { ciId: string } }).data?.ciId === created.body.ciId);
    await eventually(async () => relayBatches() > batchesBefore + 1 || undefined, 5000, 'the relay tried twice');
    expect(sent()).toHaveLength(0);
    rt.faults.eventsUnavailable = false;
    await eventually(async () => sent().length > 0 || undefined, 5000, 'CiRegistered published after the outage');
    expect(sent().map((e) => e['detail-type'])).toEqual(['CiRegistered']);
    expect(putEventsBy(api)).toBe(0);
  });
});

describe('idempotent, order-tolerant consumers', () => {
  const bus = () =>
    new EventBridgeClient({
      endpoint: rt.awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test-portfolio', secretAccessKey: 'x' },
    });
  const serviceEvent = (detailType: string, version: number, name: string, status: string) => ({
    EventBusName: 'itsm',
    Source: 'itsm.portfolio',
    DetailType: detailType,
    Detail: JSON.stringify({
      metadata: {
        eventId: `evt-${version}`,
        version: 1,
        occurredAt: new Date().toISOString(),
        correlationId: 'c',
        actor: { id: 'p', name: 'p', kind: 'system' },
      },
      data: { serviceId: 'svc-mail', name, status, version },
    }),
  });

  it('ends in the same state when every event is delivered twice and out of order', async () => {
    const app = await admin.post<{ ciId: string }>('/v1/cis', { typeId: 'app', name: 'mta', serviceIds: ['svc-mail'] });
    rt.bus.setDeliveryMode({ duplicate: true, shuffle: true });
    try {
      const client = bus();
      await client.send(
        new PutEventsCommand({
          Entries: [
            serviceEvent('ServiceRegistered', 1, 'Mail', 'planned'),
            serviceEvent('ServiceUpdated', 2, 'Mail', 'live'),
            serviceEvent('ServiceUpdated', 3, 'Email and calendar', 'live'),
          ],
        }),
      );
      client.destroy();
      await rt.bus.drain();
    } finally {
      rt.bus.setDeliveryMode({ duplicate: false, shuffle: false });
    }
    const impact = await eventually(
      async () => {
        const r = await admin.get<{ services: Array<{ serviceId: string; name: string; status: string }> }>(
          `/v1/cis/${app.body.ciId}/impact`,
        );
        return r.body.services[0]?.name === 'Email and calendar' ? r.body : undefined;
      },
      5000,
      'service copy at its newest version',
    );
    expect(impact.services).toEqual([{ serviceId: 'svc-mail', name: 'Email and calendar', status: 'live' }]);
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it("hands an event that breaks its contract to each consumer's on-failure destination after Lambda's retries, instead of dropping it", async () => {
    const client = bus();
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'itsm',
            Source: 'itsm.portfolio',
            DetailType: 'ServiceUpdated',
            Detail: JSON.stringify({ data: { serviceId: 1 } }),
          },
        ],
      }),
    );
    client.destroy();
    await rt.bus.drain();
    // Every consumer of portfolio events refuses it on its own (the CMDB and service levels keep copies).
    const consumers = SERVICES.flatMap((s) =>
      s.subscriptions.filter(
        (sub) =>
          (sub.pattern.source as string[] | undefined)?.includes('itsm.portfolio') &&
          (sub.pattern['detail-type'] as string[] | undefined)?.includes('ServiceUpdated'),
      ),
    );
    // EventBridge handed it to each consumer (nothing for its own dead-letter queue); each function
    // failed its first attempt and Lambda's 2 asynchronous retries, as deployed.
    expect(rt.bus.deadLetters()).toEqual([]);
    const failed = rt.functions.asyncFailures();
    expect(consumers.length).toBeGreaterThan(0);
    expect(failed).toHaveLength(consumers.length);
    for (const f of failed) {
      expect(f.responsePayload.errorMessage).toMatch(/metadata/);
      expect(f.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
      expect(f.requestPayload).toMatchObject({ source: 'itsm.portfolio', 'detail-type': 'ServiceUpdated' });
    }
    // Operators see the same through the AWS endpoint, each naming its event (`/_local/events/{eventId}`).
    const listed = (await (await fetch(`${rt.awsUrl}/_local/failures`)).json()) as { asyncFailures: unknown[] };
    expect(listed.asyncFailures).toEqual(
      failed.map((f) => ({ eventId: (f.requestPayload as { id: string }).id, ...f })),
    );
  });
});
