import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineService, type ServiceDefinition, type StreamConsumerSpec } from '../../../shared/kit/definition';
import { eventually } from '../../../test/support/eventually';
import { testRuntime } from '../../../test/support/runtime';
import type { StreamRecord } from '../dynamodb/streams';
import * as names from '../names';
import { type Runtime, startRuntime } from '../runtime';
import type { StreamFailure } from '../streams/event-source-mapping';

/** Event source mappings run by the local runtime from `streamConsumers`, with a real consumer function. */
const ENTRY = fileURLToPath(new URL('./fixtures/stream-consumer.ts', import.meta.url));
/** The consumer's own notes (`seen`, `counter`) reach the stream too: only `in#` items are its input. */
const ONLY_INPUTS = [{ dynamodb: { Keys: { pk: { S: [{ prefix: 'in#' }] } } } }];

function fixture(name: string, consumer: Partial<StreamConsumerSpec> = {}): ServiceDefinition {
  return defineService({
    name,
    title: name,
    fitsm: 'PR0',
    table: { indexes: [], stream: 'NEW_AND_OLD_IMAGES' },
    functions: { consume: { entry: ENTRY, description: 'notes its batches', access: { table: 'write' } } },
    routes: [],
    subscriptions: [],
    flows: [],
    schedules: [],
    publishes: [],
    streamConsumers: [
      {
        id: 'relay',
        description: 'test mapping',
        function: 'consume',
        startingPosition: 'TRIM_HORIZON',
        batchSize: 10,
        maximumRetryAttempts: 2,
        maximumRecordAgeInSeconds: 3600,
        filters: ONLY_INPUTS,
        ...consumer,
      },
    ],
  });
}

interface Delivery {
  n: number;
  seqs: string[];
  keys: string[];
}

function clients(rt: Runtime) {
  const client = new DynamoDBClient({
    endpoint: rt.awsUrl,
    region: names.LOCAL_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'local' },
  });
  return { client, doc: DynamoDBDocumentClient.from(client) };
}

/** What the consumer noted, in delivery order. */
async function deliveries(doc: DynamoDBDocumentClient, service: string): Promise<Delivery[]> {
  const out = await doc.send(
    new QueryCommand({
      TableName: names.tableName(service),
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': 'seen' },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((i) => ({ n: i.n as number, seqs: i.seqs as string[], keys: i.keys as string[] }));
}

/** The sequence numbers of the stream's `in#` records, in stream order. */
async function inputSeqs(rt: Runtime, service: string): Promise<StreamRecord[]> {
  const stream = rt.dynamodb.streams.of(names.tableName(service))!;
  return (await rt.dynamodb.streams.read(stream.arn, undefined, 10_000)).filter((r) =>
    String(r.dynamodb.Keys.pk!.S).startsWith('in#'),
  );
}

const mappingName = (service: string) => `${names.tableName(service)}-relay`;

describe('stream event source mappings', () => {
  let rt: Runtime;
  let doc: DynamoDBDocumentClient;
  let client: DynamoDBClient;

  beforeAll(async () => {
    rt = await testRuntime({
      services: [
        fixture('strmorder'),
        fixture('strmbisect', { bisectBatchOnFunctionError: true, reportBatchItemFailures: true }),
        fixture('strmexhaust', { maximumRetryAttempts: 2 }),
      ],
    });
    ({ client, doc } = clients(rt));
  });
  afterAll(async () => {
    client?.destroy();
    await rt?.close();
  });

  it('delivers every record once, in order, in batches of at most batchSize, and skips what no filter matches', async () => {
    // Prepare
    const TableName = names.tableName('strmorder');

    // Act: 25 changes to 5 items.
    for (let i = 0; i < 25; i++)
      await doc.send(new PutCommand({ TableName, Item: { pk: `in#${i % 5}`, sk: 'x', v: i } }));
    await rt.drainStreams();

    // Assess
    const got = (await deliveries(doc, 'strmorder')).sort((a, b) => a.n - b.n);
    const delivered = got.flatMap((d) => d.seqs);
    expect(delivered).toEqual((await inputSeqs(rt, 'strmorder')).map((r) => r.dynamodb.SequenceNumber));
    expect(delivered).toHaveLength(25);
    expect(got.every((d) => d.seqs.length <= 10 && d.keys.every((k) => /^(INSERT|MODIFY) in#\d$/.test(k)))).toBe(true);
    const counters = rt.metrics().streams[mappingName('strmorder')]!;
    expect(counters).toMatchObject({ records: 25, retries: 0, failures: 0, batches: got.length });
    // The consumer's own notes were read and filtered out, not delivered.
    expect(counters.filteredOut).toBeGreaterThan(0);
  });

  it('bisects a batch and resumes from a reported failure, so only the failing record is given up on', async () => {
    // Prepare
    const TableName = names.tableName('strmbisect');
    const items = [1, 2, 3, 4, 5].map((i) => ({ pk: `in#${i}`, sk: 'x', ...(i === 3 ? { fail: 'report' } : {}) }));

    // Act: one transaction, so the five records arrive in one batch.
    await doc.send(new TransactWriteCommand({ TransactItems: items.map((Item) => ({ Put: { TableName, Item } })) }));
    await rt.drainStreams();
    await doc.send(new PutCommand({ TableName, Item: { pk: 'in#6', sk: 'x' } }));
    await rt.drainStreams();

    // Assess
    const seqs = (await inputSeqs(rt, 'strmbisect')).map((r) => r.dynamodb.SequenceNumber);
    const failures = rt.streamMappings!.failures(mappingName('strmbisect'));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: seqs[2],
      endSequenceNumber: seqs[2],
      batchSize: 1,
    });
    expect(failures[0]!.requestContext.condition).toBe('RetryAttemptsExhausted');
    // A reported item failure is not a function error.
    expect(failures[0]!.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    const got = (await deliveries(doc, 'strmbisect')).sort((a, b) => a.n - b.n);
    expect(got[0]!.seqs).toEqual(seqs.slice(0, 5));
    // Records 1-2 were done by the first call; the rest came again, from the failed one on.
    expect(got[1]!.seqs).toEqual(seqs.slice(2, 5));
    expect(new Set(got.flatMap((d) => d.seqs))).toEqual(new Set(seqs));
    expect(got.at(-1)!.seqs).toEqual([seqs[5]]);
    expect(rt.metrics().streams[mappingName('strmbisect')]).toMatchObject({ failures: 1 });
  });

  it('gives up on a failing batch after its retries and sends only its description to the failure destination', async () => {
    // Prepare
    const TableName = names.tableName('strmexhaust');
    const items = [1, 2, 3].map((i) => ({ pk: `in#${i}`, sk: 'x', ...(i === 2 ? { fail: 'throw' } : {}) }));

    // Act
    await doc.send(new TransactWriteCommand({ TransactItems: items.map((Item) => ({ Put: { TableName, Item } })) }));
    await rt.drainStreams();
    await doc.send(new PutCommand({ TableName, Item: { pk: 'in#4', sk: 'x' } }));
    await rt.drainStreams();

    // Assess
    const records = await inputSeqs(rt, 'strmexhaust');
    const seqs = records.map((r) => r.dynamodb.SequenceNumber);
    const got = (await deliveries(doc, 'strmexhaust')).sort((a, b) => a.n - b.n);
    // The first attempt and two retries of the same batch, then the next record.
    expect(got.map((d) => d.seqs)).toEqual([seqs.slice(0, 3), seqs.slice(0, 3), seqs.slice(0, 3), [seqs[3]]]);
    const res = await fetch(`${rt.awsUrl}/_local/failures`);
    const { streamFailures } = (await res.json()) as { streamFailures: StreamFailure[] };
    const failure = streamFailures.find((f) => f.mapping === mappingName('strmexhaust'))!;
    const stream = rt.dynamodb.streams.of(TableName)!;
    const arrival = new Date(records[0]!.dynamodb.ApproximateCreationDateTime * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    expect(failure).toEqual({
      id: expect.any(String),
      mapping: mappingName('strmexhaust'),
      requestContext: {
        requestId: expect.any(String),
        functionArn: names.functionArn(names.functionName('strmexhaust', 'consume')),
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-\d{20}-[0-9a-f]{8}$/),
        startSequenceNumber: seqs[0],
        endSequenceNumber: seqs[2],
        approximateArrivalOfFirstRecord: arrival,
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        batchSize: 3,
        streamArn: stream.arn,
      },
    });
    expect(rt.metrics().streams[mappingName('strmexhaust')]).toMatchObject({ retries: 2, failures: 1, records: 1 });
  });
});

describe('stream event source mappings in data mode', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'itsm-esm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = () =>
    startRuntime({
      dataDir: dir,
      awsPort: 0,
      apiPort: 0,
      waitScale: 0,
      schedules: false,
      retryBaseDelayMs: 5,
      identityFile: join(dir, 'key.json'),
      services: [fixture('strmkept')],
    });

  it('resumes after the last record it dealt with: none again, none lost', async () => {
    // Prepare
    const TableName = names.tableName('strmkept');
    let rt = await start();
    let c = clients(rt);
    for (let i = 0; i < 3; i++) await c.doc.send(new PutCommand({ TableName, Item: { pk: `in#${i}`, sk: 'x' } }));
    await rt.drainStreams();
    c.client.destroy();
    await rt.close();

    // Act
    rt = await start();
    c = clients(rt);
    try {
      for (let i = 3; i < 5; i++) await c.doc.send(new PutCommand({ TableName, Item: { pk: `in#${i}`, sk: 'x' } }));
      await rt.drainStreams();

      // Assess
      const seqs = (await inputSeqs(rt, 'strmkept')).map((r) => r.dynamodb.SequenceNumber);
      expect(seqs).toHaveLength(5);
      const got = await eventually(async () => {
        const d = (await deliveries(c.doc, 'strmkept')).sort((a, b) => a.n - b.n);
        return d.flatMap((x) => x.seqs).length >= 5 ? d : undefined;
      });
      expect(got.flatMap((d) => d.seqs)).toEqual(seqs);
      expect(rt.metrics().streams[mappingName('strmkept')]).toMatchObject({ records: 2 });
    } finally {
      c.client.destroy();
      await rt.close();
    }
  });

  it('gives a kept table the stream its definition now declares, as a deployment would', async () => {
    // Prepare: the previous version of the service had no stream.
    const withStream = fixture('strmadded');
    const { streamConsumers: _, ...previous } = { ...withStream, table: { indexes: [] } };
    const TableName = names.tableName('strmadded');
    const run = (services: ServiceDefinition[]) =>
      startRuntime({ dataDir: dir, awsPort: 0, apiPort: 0, schedules: false, retryBaseDelayMs: 5, services });
    let rt = await run([previous]);
    let c = clients(rt);
    await c.doc.send(new PutCommand({ TableName, Item: { pk: 'in#old', sk: 'x' } }));
    expect(rt.dynamodb.streams.of(TableName)).toBeUndefined();
    c.client.destroy();
    await rt.close();

    // Act
    rt = await run([withStream]);
    c = clients(rt);
    try {
      await c.doc.send(new PutCommand({ TableName, Item: { pk: 'in#new', sk: 'x' } }));
      await rt.drainStreams();

      // Assess
      const { Table } = await c.client.send(new DescribeTableCommand({ TableName }));
      expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      const got = await deliveries(c.doc, 'strmadded');
      expect(got.flatMap((d) => d.keys)).toEqual(['INSERT in#new']);
    } finally {
      c.client.destroy();
      await rt.close();
    }
  });
});
