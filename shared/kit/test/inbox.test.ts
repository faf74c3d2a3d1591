import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as names from '../../../infra/local/names';
import type { Runtime } from '../../../infra/local/runtime';
import { publishEvents } from '../../../test/support/events';
import { eventually, testRuntime } from '../../../test/support/runtime';
import { defineService } from '../definition';

/**
 * The explicit inbox (ADR 23): an `inbox` consumer's unit of work carries the marker it names, so
 * an event delivered twice is applied once; a handler that returns without recording fails, so
 * the forgotten marker is found at once, not as a double mail later.
 */
const fixture = defineService({
  name: 'inboxfix',
  title: 'Inbox fixture',
  fitsm: 'PR1',
  table: { indexes: [], timeToLiveAttribute: 'expiresAt' },
  functions: {
    consumer: {
      entry: fileURLToPath(new URL('./fixtures/inbox-consumer.ts', import.meta.url)),
      description: 'Counts the services it hears of',
      access: { table: 'write' },
    },
  },
  routes: [],
  subscriptions: [
    {
      id: 'services',
      description: 'Services registered',
      pattern: { source: ['itsm.portfolio'], 'detail-type': ['ServiceRegistered'] },
      function: 'consumer',
    },
  ],
  flows: [],
  schedules: [],
  publishes: [],
});

let rt: Runtime;
let db: DynamoDBDocumentClient;
const TABLE = names.tableName('inboxfix');
const registered = (name: string, eventId = ulid()) => ({
  source: 'itsm.portfolio',
  detailType: 'ServiceRegistered',
  eventId,
  data: { serviceId: `svc-${name}`, name, status: 'planned', version: 1 },
});
const get = async (pk: string, sk: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { pk, sk }, ConsistentRead: true }))).Item;

beforeAll(async () => {
  rt = await testRuntime({ services: [fixture] });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: names.LOCAL_REGION,
      credentials: { accessKeyId: 'test-reader', secretAccessKey: 'x' },
    }),
  );
});
afterAll(async () => {
  db?.destroy();
  await rt?.close();
});

describe('an inbox consumer', () => {
  it('applies an event delivered twice once, its marker committed with the work', async () => {
    // Prepare
    const event = registered('count');
    rt.bus.setDeliveryMode({ duplicate: true, shuffle: false });

    // Act: published twice under one id, each delivered twice.
    try {
      await publishEvents(rt, [event, event], 'test-portfolio');
      await rt.bus.drain();
    } finally {
      rt.bus.setDeliveryMode({ duplicate: false, shuffle: false });
    }

    // Assess
    expect((await get('COUNT', 'services'))?.heard).toBe(1);
    expect(await get(`INBOX#${event.eventId}`, 'INBOX')).toBeDefined();
    expect(rt.functions.asyncFailures()).toEqual([]);
  });

  it('fails a handler that returned without recording the event in its inbox', async () => {
    // Act
    await publishEvents(rt, [registered('forget')], 'test-portfolio');
    await rt.bus.drain();

    // Assess: Lambda's retries, then the on-failure record naming the forgotten marker.
    const failure = await eventually(async () => rt.functions.asyncFailures()[0], 5000, 'an async failure');
    expect(failure.responsePayload.errorMessage).toMatch(/handled ServiceRegistered without recording it in its inbox/);
  });
});
