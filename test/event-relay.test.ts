import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as names from '../infra/local/names';
import type { Runtime } from '../infra/local/runtime';
import { portfolio } from '../services/portfolio/service';
import type { OutgoingEvent } from '../shared/kit/events';
import { eventItem, outboxItem } from '../shared/kit/store/publication';
import { testRuntime } from './support/runtime';

/**
 * The event relay (ADR 23), invoked as Lambda invokes it: with the stream records of its table
 * (as the event source mapping hands them over), with a redrive range, or to drain an old outbox.
 * It runs in the local runtime against the local bus, so what it publishes is what EventBridge
 * accepted.
 */
let rt: Runtime;
let db: DynamoDBDocumentClient;
const TABLE = names.tableName('portfolio');
const RELAY = names.functionName('portfolio', 'relay');

beforeAll(async () => {
  // Without its mapping: the tests hand the relay its stream records themselves, and what they
  // write to the table must not reach it on its own (events.test.ts covers the whole path).
  rt = await testRuntime({ services: [{ ...portfolio, streamConsumers: [] }] });
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test-operator', secretAccessKey: 'x' },
    }),
  );
});
afterAll(async () => {
  db?.destroy();
  await rt?.close();
});
beforeEach(() => {
  rt.faults.eventsUnavailable = false;
});

const event = (detail: unknown = { metadata: { eventId: 'x' }, data: { n: 1 } }, eventId = ulid()): OutgoingEvent =>
  ({ eventId, source: 'itsm.portfolio', detailType: 'RelayTested', detail }) as OutgoingEvent;

let sequence = 1000;
/** A DynamoDB stream record as Lambda delivers it (NEW_IMAGE view). */
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', item: Record<string, unknown>) {
  sequence += 100;
  return {
    eventID: ulid(),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: marshall({ pk: item.pk, sk: item.sk }),
      ...(eventName === 'REMOVE' ? {} : { NewImage: marshall(item) }),
      SequenceNumber: String(sequence),
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: `${names.tableArn(TABLE)}/stream/2026-12-02T00:00:00.000`,
  };
}

const publishedIds = (ids: string[]) =>
  rt.bus
    .published()
    .filter((e) => ids.includes(String((e.detail as { metadata?: { eventId?: string } }).metadata?.eventId)))
    .map((e) => (e.detail as { metadata: { eventId: string } }).metadata.eventId);

const putEventsCalls = () =>
  rt
    .recordedCalls()
    .filter((c) => c.caller === RELAY && c.action === 'events:PutEvents')
    .reduce((n, c) => n + c.count, 0);

describe('event relay on stream records', () => {
  it('publishes the INSERTed event items and ignores TTL removals and other writes', async () => {
    // Prepare
    const a = event({ metadata: { eventId: 'a1' }, data: {} });
    const b = event({ metadata: { eventId: 'b1' }, data: {} });
    const records = [
      record('INSERT', eventItem(a)),
      record('INSERT', { pk: 'SVC#1', sk: 'HIST#1', type: 'history' }),
      record('REMOVE', eventItem(event({ metadata: { eventId: 'expired' }, data: {} }))),
      record('MODIFY', eventItem(event({ metadata: { eventId: 'modified' }, data: {} }))),
      record('INSERT', eventItem(b)),
    ];

    // Act
    const out = await rt.functions.invoke(RELAY, { Records: records });

    // Assess
    expect(out).toEqual({ batchItemFailures: [] });
    expect(publishedIds(['a1', 'b1', 'expired', 'modified'])).toEqual(['a1', 'b1']);
  });

  it('reports the sequence number of an entry EventBridge refused, and only it', async () => {
    // Prepare: a detail that is not a JSON object is refused per entry (MalformedDetail).
    const good1 = record('INSERT', eventItem(event({ metadata: { eventId: 'g1' }, data: {} })));
    const bad = record('INSERT', { ...eventItem(event()), detail: JSON.stringify('not an object') });
    const good2 = record('INSERT', eventItem(event({ metadata: { eventId: 'g2' }, data: {} })));

    // Act
    const out = await rt.functions.invoke(RELAY, { Records: [good1, bad, good2] });

    // Assess
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: bad.dynamodb.SequenceNumber }] });
    expect(publishedIds(['g1', 'g2'])).toEqual(['g1', 'g2']);
  });

  it("carries the writer's X-Ray trace on each entry (TraceHeader), which EventBridge checks", async () => {
    // Prepare: the same items with a trace header AWS accepts and with one it refuses (over 500
    // characters), which fails the whole request as a ValidationException: proof the header is sent.
    const trace = 'Root=1-6760b1a0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1';
    const traced = record(
      'INSERT',
      eventItem({ ...event({ metadata: { eventId: 't1' }, data: {} }), traceHeader: trace }),
    );
    const tooLong = record(
      'INSERT',
      eventItem({ ...event({ metadata: { eventId: 't2' }, data: {} }), traceHeader: `Root=${'x'.repeat(500)}` }),
    );

    // Act
    const ok = await rt.functions.invoke(RELAY, { Records: [traced] });
    const refused = await rt.functions.invoke(RELAY, { Records: [tooLong] });

    // Assess
    expect(eventItem({ ...event(), traceHeader: trace })).toMatchObject({ traceHeader: trace });
    expect(ok).toEqual({ batchItemFailures: [] });
    expect(refused).toEqual({ batchItemFailures: [{ itemIdentifier: tooLong.dynamodb.SequenceNumber }] });
    expect(publishedIds(['t1', 't2'])).toEqual(['t1']);
  });

  it('reports every record when EventBridge is down, so none is dropped', async () => {
    // Prepare
    const records = Array.from({ length: 12 }, (_, i) =>
      record('INSERT', eventItem(event({ metadata: { eventId: `down-${i}` }, data: {} }))),
    );
    rt.faults.eventsUnavailable = true;

    // Act
    const out = (await rt.functions.invoke(RELAY, { Records: records })) as {
      batchItemFailures: Array<{ itemIdentifier: string }>;
    };

    // Assess
    expect(out.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.dynamodb.SequenceNumber));
  });

  it('puts at most 10 entries and less than 256 KB in one PutEvents request', async () => {
    // Prepare: 12 small events (10 + 2), then 3 events of 100 KB (2 + 1).
    const small = Array.from({ length: 12 }, () => record('INSERT', eventItem(event())));
    const big = Array.from({ length: 3 }, () =>
      record('INSERT', eventItem(event({ metadata: { eventId: 'big' }, data: { text: 'x'.repeat(100_000) } }))),
    );
    const before = putEventsCalls();

    // Act
    const outSmall = await rt.functions.invoke(RELAY, { Records: small });
    const afterSmall = putEventsCalls();
    const outBig = await rt.functions.invoke(RELAY, { Records: big });

    // Assess
    expect([outSmall, outBig]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(afterSmall - before).toBe(2);
    expect(putEventsCalls() - afterSmall).toBe(2);
  });
});

describe('event relay redrive and outbox drain', () => {
  it('redrives the event items of a time range from the table, leaving the rest', async () => {
    // Prepare: three event items, an hour apart.
    const t0 = Date.parse('2026-11-30T10:00:00.000Z');
    const at = (ms: number) => event({ metadata: { eventId: `redrive-${ms}` }, data: {} }, ulid(ms));
    const items = [at(t0), at(t0 + 3_600_000), at(t0 + 7_200_000)];
    for (const e of items) await db.send(new PutCommand({ TableName: TABLE, Item: eventItem(e) }));

    // Act
    const out = await rt.functions.invoke(RELAY, {
      redrive: { from: '2026-11-30T10:30:00.000Z', to: '2026-11-30T12:00:00.000Z' },
    });

    // Assess: the second and third (12:00 exactly is inside), not the first; shard by shard, so in no set order.
    expect(out).toEqual({ published: 2 });
    expect(
      publishedIds(items.map((e) => (e.detail as { metadata: { eventId: string } }).metadata.eventId)).sort(),
    ).toEqual([`redrive-${t0 + 3_600_000}`, `redrive-${t0 + 7_200_000}`]);
  });

  it('refuses a redrive without a valid range', async () => {
    await expect(
      rt.functions.invoke(RELAY, { redrive: { from: 'yesterday', to: '2026-11-30T12:00:00Z' } }),
    ).rejects.toThrow(/ISO times/);
  });

  it('drains the outbox the previous version left: publishes each item, then deletes it', async () => {
    // Prepare
    const left = [
      event({ metadata: { eventId: 'old-1' }, data: {} }),
      event({ metadata: { eventId: 'old-2' }, data: {} }),
    ];
    for (const e of left) await db.send(new PutCommand({ TableName: TABLE, Item: outboxItem(e) }));

    // Act
    const out = await rt.functions.invoke(RELAY, { drainOutbox: true });

    // Assess
    expect(out).toEqual({ published: 2 });
    expect(publishedIds(['old-1', 'old-2']).sort()).toEqual(['old-1', 'old-2']);
    for (const e of left) {
      const { pk, sk } = outboxItem(e);
      expect((await db.send(new GetCommand({ TableName: TABLE, Key: { pk, sk } }))).Item).toBeUndefined();
    }
    expect(await rt.functions.invoke(RELAY, { drainOutbox: true })).toEqual({ published: 0 });
  });
});
