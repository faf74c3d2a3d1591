import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamConsumerSpec } from '../../../shared/kit/definition';
import { eventually } from '../../../test/support/eventually';
import type { StreamRecord } from '../dynamodb/streams';
import { type Harness, startHarness } from '../dynamodb/test/harness';
import { StreamMappings } from '../streams/event-source-mapping';

/**
 * The event source mapping against the real local DynamoDB stream, with a consumer given as a
 * plain function (the runtime-level tests use a deployed one: stream-mappings.test.ts).
 */
const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

const SPEC: StreamConsumerSpec = {
  id: 'relay',
  description: 'test',
  function: 'consume',
  startingPosition: 'TRIM_HORIZON',
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: 3600,
};

async function setUp(
  consume: (records: StreamRecord[], call: number) => Promise<unknown> | unknown,
  spec: Partial<StreamConsumerSpec> = {},
  clock: { now?: () => number } = {},
) {
  const h: Harness = await startHarness(clock.now ? { now: clock.now } : {});
  open.push(() => h.stop());
  const TableName = 'itsm-esm';
  await h.client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const streamArn = await eventually(async () => {
    const { Table } = await h.client.send(new DescribeTableCommand({ TableName }));
    return Table?.TableStatus === 'ACTIVE' ? Table.LatestStreamArn : undefined;
  });
  const batches: StreamRecord[][] = [];
  const mappings = new StreamMappings({
    source: h.dynamodb.streams,
    invoke: async (_fn, event) => {
      const records = (event as { Records: StreamRecord[] }).Records;
      batches.push(records);
      return consume(records, batches.length);
    },
    retryBaseDelayMs: 2,
    ...clock,
  });
  const mapping = { name: 'esm', functionName: 'consume', functionArn: 'arn:aws:lambda:::function:consume' };
  mappings.add({ ...mapping, streamArn: streamArn!, spec: { ...SPEC, ...spec } });
  const put = (pk: string) => h.doc.send(new PutCommand({ TableName, Item: { pk } }));
  const pks = (records: StreamRecord[]) => records.map((r) => String(r.dynamodb.Keys.pk!.S));
  return {
    h,
    TableName,
    mappings,
    batches,
    put,
    pks,
    start: async () => {
      await mappings.start();
      open.push(() => mappings.close());
    },
  };
}

describe('event source mapping', () => {
  it('starts after the newest record with LATEST', async () => {
    // Prepare
    const t = await setUp(() => undefined, { startingPosition: 'LATEST' });
    await t.put('before1');
    await t.put('before2');

    // Act
    await t.start();
    await t.put('after');
    await t.mappings.drain();

    // Assess
    expect(t.batches.map(t.pks)).toEqual([['after']]);
  });

  it('gathers records for the batching window until the batch is full', async () => {
    // Prepare
    const t = await setUp(() => undefined, { batchSize: 3, maximumBatchingWindowSeconds: 2 });
    await t.start();

    // Act: three separate commits, then one more.
    await t.put('a');
    await t.put('b');
    await t.put('c');
    await eventually(() => t.batches.flat().length >= 3, 10_000, 'the first three records');
    await t.put('d');
    await t.mappings.drain();

    // Assess: the window ended the last batch, which could not fill.
    expect(t.batches.map(t.pks)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('gives up on records older than the maximum age without invoking', async () => {
    // Prepare: records stamped now, read by a mapping whose clock is two hours on.
    const written = Date.now();
    const t = await setUp(() => undefined, { maximumRecordAgeInSeconds: 3600 }, { now: () => written });
    await t.put('a');
    await t.put('b');
    const late = new StreamMappings({
      source: t.h.dynamodb.streams,
      invoke: async () => {
        throw new Error('must not be invoked');
      },
      retryBaseDelayMs: 2,
      now: () => written + 2 * 3600_000,
    });
    const streamArn = t.h.dynamodb.streams.of(t.TableName)!.arn;
    late.add({ name: 'late', functionName: 'f', functionArn: 'arn:f', streamArn, spec: { ...SPEC } });

    // Act
    await late.start();
    await late.drain();
    await late.close();

    // Assess
    const [failure, ...more] = late.failures();
    expect(more).toEqual([]);
    expect(failure!.requestContext).toMatchObject({ condition: 'RecordAgeExceeded', approximateInvokeCount: 0 });
    expect(failure!.responseContext).toBeUndefined();
    expect(failure!.DDBStreamBatchInfo.batchSize).toBe(2);
    expect(late.metrics().late).toMatchObject({ batches: 0, failures: 1 });
  });

  it('retries the whole batch when a reported item failure has no usable identifier', async () => {
    // Prepare: the first answer names nothing, the second a record outside the batch.
    const answers = [
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: '999' }] },
      { batchItemFailures: [] },
    ];
    const t = await setUp((_records, call) => answers[call - 1], { reportBatchItemFailures: true });
    await t.h.doc.send(
      new TransactWriteCommand({
        TransactItems: ['a', 'b'].map((pk) => ({ Put: { TableName: t.TableName, Item: { pk } } })),
      }),
    );

    // Act
    await t.start();
    await t.mappings.drain();

    // Assess
    expect(t.batches.map(t.pks)).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(t.mappings.failures()).toEqual([]);
    expect(t.mappings.metrics().esm).toMatchObject({ retries: 2, records: 2 });
  });

  it('has nothing left to drain once closed', async () => {
    // Prepare
    const t = await setUp(() => undefined);
    await t.start();
    await t.put('a');

    // Act
    await t.mappings.close();

    // Assess: resolves (a closed mapping will process nothing more).
    await t.mappings.drain();
    expect(t.batches.flat().length).toBeLessThanOrEqual(1);
  });

  it('retries a throttled invocation without using up its retries', async () => {
    // Prepare
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const t = await setUp(
      (_records, call) => {
        if (call <= 4) throw throttle;
      },
      { maximumRetryAttempts: 0 },
    );
    await t.put('a');

    // Act
    await t.start();
    await t.mappings.drain();

    // Assess
    expect(t.batches).toHaveLength(5);
    expect(t.mappings.failures()).toEqual([]);
    expect(t.mappings.metrics().esm).toMatchObject({ records: 1, retries: 4 });
  });
});
