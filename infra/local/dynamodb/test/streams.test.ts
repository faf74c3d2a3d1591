import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynaliteStore, type TableDescription } from '../dynalite';
import { type StreamRecord, TableStreams } from '../streams';
import { createTable, eventually, type Harness, rejectionOf, startHarness } from './harness';

const tableInput = (TableName: string, StreamViewType?: string): CreateTableCommandInput => ({
  TableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  ...(StreamViewType
    ? { StreamSpecification: { StreamEnabled: true, StreamViewType: StreamViewType as 'NEW_IMAGE' } }
    : {}),
});

async function createStreamTable(client: DynamoDBClient, TableName: string, view = 'NEW_AND_OLD_IMAGES') {
  await client.send(new CreateTableCommand(tableInput(TableName, view)));
  return eventually(async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName }));
    return Table?.TableStatus === 'ACTIVE' ? Table.LatestStreamArn : undefined;
  });
}

const records = (h: Harness, arn: string, after?: string) => h.dynamodb.streams.read(arn, after, 10_000);

describe('DynamoDB streams', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ ttlSweepMs: 60_000 });
  });
  afterAll(() => h.stop());

  it('describes the stream of a table created with one, and none for a table without', async () => {
    // Prepare / Act
    await createStreamTable(h.client, 'itsm-s-describe', 'NEW_IMAGE');
    await createTable(h.client, 'itsm-s-plain');

    // Assess
    const { Table } = await h.client.send(new DescribeTableCommand({ TableName: 'itsm-s-describe' }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect(Table?.LatestStreamArn).toBe(`${Table?.TableArn}/stream/${Table?.LatestStreamLabel}`);
    expect(Table?.LatestStreamLabel).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    const plain = (await h.client.send(new DescribeTableCommand({ TableName: 'itsm-s-plain' }))).Table;
    expect(plain?.StreamSpecification).toBeUndefined();
    expect(plain?.LatestStreamArn).toBeUndefined();
    await h.doc.send(new PutCommand({ TableName: 'itsm-s-plain', Item: { pk: 'a', sk: 'b' } }));
    expect(h.dynamodb.streams.of('itsm-s-plain')).toBeUndefined();
  });

  it('writes one record per change, shaped as AWS does, and none for a write that changes nothing', async () => {
    // Prepare
    const TableName = 'itsm-s-shapes';
    const arn = await createStreamTable(h.client, TableName);
    const Key = { pk: 'ticket#1', sk: 'head' };

    // Act
    await h.doc.send(new PutCommand({ TableName, Item: { ...Key, title: 'Printer', tags: new Set(['a', 'b']) } }));
    await h.doc.send(new PutCommand({ TableName, Item: { ...Key, tags: new Set(['b', 'a']), title: 'Printer' } }));
    await h.doc.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': 'Fax' },
      }),
    );
    await h.doc.send(
      new UpdateCommand({
        TableName,
        Key,
        UpdateExpression: 'SET title = :t',
        ExpressionAttributeValues: { ':t': 'Fax' },
      }),
    );
    await h.doc.send(new DeleteCommand({ TableName, Key }));
    await h.doc.send(new DeleteCommand({ TableName, Key }));

    // Assess
    const got = await records(h, arn!);
    expect(got.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = got as [StreamRecord, StreamRecord, StreamRecord];
    const keys = { pk: { S: 'ticket#1' }, sk: { S: 'head' } };
    expect(insert).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: keys,
        NewImage: { ...keys, title: { S: 'Printer' }, tags: { SS: expect.arrayContaining(['a', 'b']) } },
        SequenceNumber: expect.stringMatching(/^\d{21,40}$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: arn,
    });
    expect(Math.abs(insert.dynamodb.ApproximateCreationDateTime - Date.now() / 1000)).toBeLessThan(60);
    expect(Number.isInteger(insert.dynamodb.ApproximateCreationDateTime)).toBe(true);
    expect(insert.dynamodb.SizeBytes).toBeGreaterThan(0);
    expect(modify.dynamodb.OldImage?.title).toEqual({ S: 'Printer' });
    expect(modify.dynamodb.NewImage?.title).toEqual({ S: 'Fax' });
    expect(remove.dynamodb.OldImage?.title).toEqual({ S: 'Fax' });
    expect(remove.dynamodb.NewImage).toBeUndefined();
    expect(remove.userIdentity).toBeUndefined();
    const seqs = got.map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!).toBe(true);
  });

  it('carries the images the view type asks for', async () => {
    // Prepare
    const views = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE'] as const;
    const arns = await Promise.all(views.map((v) => createStreamTable(h.client, `itsm-s-view-${v}`, v)));

    // Act
    for (const v of views) {
      const TableName = `itsm-s-view-${v}`;
      await h.doc.send(new PutCommand({ TableName, Item: { pk: 'p', sk: 's', n: 1 } }));
      await h.doc.send(new PutCommand({ TableName, Item: { pk: 'p', sk: 's', n: 2 } }));
    }

    // Assess
    const [keysOnly, newImage, oldImage] = await Promise.all(arns.map((arn) => records(h, arn!)));
    expect(keysOnly!.map((r) => [r.dynamodb.NewImage, r.dynamodb.OldImage])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(newImage!.map((r) => r.dynamodb.NewImage?.n)).toEqual([{ N: '1' }, { N: '2' }]);
    expect(newImage![1]!.dynamodb.OldImage).toBeUndefined();
    expect(oldImage!.map((r) => r.dynamodb.OldImage?.n)).toEqual([undefined, { N: '1' }]);
    expect(oldImage!.every((r) => r.dynamodb.StreamViewType === 'OLD_IMAGE')).toBe(true);
  });

  it('writes one record per item a transaction or a batch writes', async () => {
    // Prepare
    const TableName = 'itsm-s-transact';
    const arn = await createStreamTable(h.client, TableName, 'NEW_IMAGE');
    await h.doc.send(new PutCommand({ TableName, Item: { pk: 'c', sk: 'checked', v: 1 } }));
    const before = (await records(h, arn!)).length;

    // Act
    await h.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: 't', sk: 'head', v: 1 } } },
          { Put: { TableName, Item: { pk: 't', sk: 'history#1', v: 1 } } },
          {
            ConditionCheck: { TableName, Key: { pk: 'c', sk: 'checked' }, ConditionExpression: 'attribute_exists(pk)' },
          },
        ],
      }),
    );
    await h.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [TableName]: [
            { PutRequest: { Item: { pk: 'b', sk: '1' } } },
            { PutRequest: { Item: { pk: 'b', sk: '2' } } },
            { DeleteRequest: { Key: { pk: 't', sk: 'history#1' } } },
          ],
        },
      }),
    );

    // Assess
    const got = (await records(h, arn!)).slice(before);
    expect(got.map((r) => `${r.eventName} ${r.dynamodb.Keys.pk!.S}/${r.dynamodb.Keys.sk!.S}`).sort()).toEqual([
      'INSERT b/1',
      'INSERT b/2',
      'INSERT t/head',
      'INSERT t/history#1',
      'REMOVE t/history#1',
    ]);
    const scan = await h.doc.send(new ScanCommand({ TableName }));
    expect(scan.Items?.map((i) => `${i.pk}/${i.sk}`).sort()).toEqual(['b/1', 'b/2', 'c/checked', 't/head']);
  });

  it('marks a deletion by TTL as the service', async () => {
    // Prepare
    const TableName = 'itsm-s-ttl';
    const arn = await createStreamTable(h.client, TableName, 'NEW_AND_OLD_IMAGES');
    await h.client.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
      }),
    );
    await h.doc.send(
      new PutCommand({ TableName, Item: { pk: 'x', sk: 'y', expiresAt: Math.floor(Date.now() / 1000) - 5 } }),
    );

    // Act
    await h.dynamodb.sweepExpiredItems();

    // Assess
    const got = await records(h, arn!);
    expect(got.map((r) => r.eventName)).toEqual(['INSERT', 'REMOVE']);
    expect(got[1]!.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(got[1]!.dynamodb.OldImage?.pk).toEqual({ S: 'x' });
    expect(got[0]!.userIdentity).toBeUndefined();
  });

  it('keeps the records of one item in write order under concurrent writers', async () => {
    // Prepare
    const TableName = 'itsm-s-order';
    const arn = await createStreamTable(h.client, TableName, 'NEW_IMAGE');
    const Key = { pk: 'counter', sk: 'c' };
    await h.doc.send(new PutCommand({ TableName, Item: { ...Key, n: 0 } }));

    // Act: 30 concurrent increments, half as transactions, and writes to other items in between.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 2
          ? retryConflicts(() =>
              h.doc.send(
                new UpdateCommand({
                  TableName,
                  Key,
                  UpdateExpression: 'ADD n :one',
                  ExpressionAttributeValues: { ':one': 1 },
                }),
              ),
            )
          : Promise.all([
              h.doc.send(new PutCommand({ TableName, Item: { pk: `other${i}`, sk: 'x' } })),
              retryConflicts(() =>
                h.doc.send(
                  new TransactWriteCommand({
                    TransactItems: [
                      {
                        Update: {
                          TableName,
                          Key,
                          UpdateExpression: 'ADD n :one',
                          ExpressionAttributeValues: { ':one': 1 },
                        },
                      },
                    ],
                  }),
                ),
              ),
            ]),
      ),
    );

    // Assess
    const got = await records(h, arn!);
    const counter = got
      .filter((r) => r.dynamodb.Keys.pk!.S === 'counter')
      .map((r) => Number(r.dynamodb.NewImage!.n!.N));
    expect(counter).toEqual(Array.from({ length: 31 }, (_, i) => i));
    const seqs = got.map((r) => BigInt(r.dynamodb.SequenceNumber));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
    expect(got).toHaveLength(31 + 15);
  });

  it('answers writes to a table with a stream exactly as to one without (values, capacity, errors)', async () => {
    // Prepare: two tables shaped alike (with a GSI), one given a stream.
    await createTable(h.client, 'itsm-s-same-plain');
    await createTable(h.client, 'itsm-s-same-stream');
    await h.client.send(
      new UpdateTableCommand({
        TableName: 'itsm-s-same-stream',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const Key = { pk: 'p', sk: 's' };
    const steps = (TableName: string) => [
      () =>
        h.doc.send(
          new PutCommand({
            TableName,
            Item: { ...Key, status: 'open', updatedAt: '1', body: 'x'.repeat(1500) },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      () =>
        h.doc.send(
          new PutCommand({
            TableName,
            Item: { ...Key, status: 'closed', updatedAt: '2' },
            ReturnValues: 'ALL_OLD',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      () =>
        h.doc.send(
          new UpdateCommand({
            TableName,
            Key,
            UpdateExpression: 'SET n = :n',
            ExpressionAttributeValues: { ':n': 1 },
            ReturnValues: 'ALL_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      () =>
        h.doc.send(
          new UpdateCommand({
            TableName,
            Key,
            UpdateExpression: 'SET n = :n',
            ConditionExpression: 'n = :other',
            ExpressionAttributeValues: { ':n': 2, ':other': 5 },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      () => h.doc.send(new DeleteCommand({ TableName, Key, ReturnValues: 'ALL_OLD', ReturnConsumedCapacity: 'TOTAL' })),
    ];
    const outcome = async (step: () => Promise<unknown>) => {
      try {
        const { $metadata: _, ...out } = (await step()) as Record<string, unknown>;
        return out;
      } catch (err) {
        const e = err as Error & { Item?: unknown };
        return { error: e.name, message: e.message, item: e.Item };
      }
    };
    const plain: unknown[] = [];
    const streamed: unknown[] = [];

    // Act
    for (const step of steps('itsm-s-same-plain')) plain.push(await outcome(step));
    for (const step of steps('itsm-s-same-stream')) streamed.push(await outcome(step));

    // Assess
    const named = (outcomes: unknown[], table: string) => JSON.parse(JSON.stringify(outcomes).replaceAll(table, 'T'));
    expect(named(streamed, 'itsm-s-same-stream')).toEqual(named(plain, 'itsm-s-same-plain'));
    expect(JSON.stringify(plain)).toContain('ConditionalCheckFailedException');
    expect(h.dynamodb.meter.get('itsm-s-same-stream')).toEqual(h.dynamodb.meter.get('itsm-s-same-plain'));
    const arn = h.dynamodb.streams.of('itsm-s-same-stream')!.arn;
    expect((await records(h, arn)).map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'REMOVE']);
  });

  it('adds a stream to an existing table with UpdateTable, once', async () => {
    // Prepare
    const TableName = 'itsm-s-update';
    await h.client.send(new CreateTableCommand(tableInput(TableName)));
    await h.doc.send(new PutCommand({ TableName, Item: { pk: 'before', sk: 'stream' } }));

    // Act
    const out = await h.client.send(
      new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } }),
    );
    await h.doc.send(new PutCommand({ TableName, Item: { pk: 'after', sk: 'stream' } }));

    // Assess
    const arn = out.TableDescription?.LatestStreamArn;
    expect(out.TableDescription?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    expect((await records(h, arn!)).map((r) => r.dynamodb.Keys.pk!.S)).toEqual(['after']);
    const again = await rejectionOf(
      h.client.send(
        new UpdateTableCommand({
          TableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
        }),
      ),
    );
    expect(again.name).toBe('ValidationException');
  });
});

describe('DynamoDB stream visibility', () => {
  it('shows a record only once every record numbered before it is committed or abandoned', async () => {
    // Prepare
    const store = await DynaliteStore.open();
    const streams = await TableStreams.load(store);
    const KeySchema = [{ AttributeName: 'pk', KeyType: 'HASH' }];
    const table = { TableName: 't', TableArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t', KeySchema };
    await streams.apply(table, { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' });
    const arn = streams.of('t')!.arn;
    const write = (pk: string) => [
      { table: table as unknown as TableDescription, key: pk, before: undefined, after: { pk: { S: pk } } },
    ];
    const pks = async () => (await streams.read(arn, undefined, 10)).map((r) => r.dynamodb.Keys.pk!.S);

    try {
      // Act: a, b and c are numbered in that order; b commits first, c is abandoned.
      const a = streams.stage(write('a'));
      const b = streams.stage(write('b'));
      const c = streams.stage(write('c'));
      await store.batch(b.operations);
      b.committed();
      const whileAPending = await pks();
      await store.batch(a.operations);
      a.committed();
      const whileCPending = await pks();
      c.abandoned();
      const d = streams.stage(write('d'));
      await store.batch(d.operations);
      d.committed();

      // Assess
      expect(whileAPending).toEqual([]);
      expect(whileCPending).toEqual(['a', 'b']);
      expect(await pks()).toEqual(['a', 'b', 'd']);
    } finally {
      await store.close();
    }
  });
});

describe('DynamoDB streams on disk', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'itsm-streams-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps records and items in agreement across a restart, and numbers go on upwards', async () => {
    // Prepare
    const TableName = 'itsm-s-disk';
    let h = await startHarness({ path: join(dir, 'db') });
    const arn = await createStreamTable(h.client, TableName, 'NEW_IMAGE');
    for (let i = 0; i < 10; i++) {
      await h.doc.send(new PutCommand({ TableName, Item: { pk: `item${i % 4}`, sk: 's', v: i } }));
    }
    await h.doc.send(new DeleteCommand({ TableName, Key: { pk: 'item3', sk: 's' } }));
    const lastBefore = (await records(h, arn!)).at(-1)!.dynamodb.SequenceNumber;

    // Act
    await h.stop();
    h = await startHarness({ path: join(dir, 'db') });
    await h.doc.send(new PutCommand({ TableName, Item: { pk: 'item9', sk: 's', v: 99 } }));

    // Assess: replaying the records gives the table's items, exactly.
    try {
      const { Table } = await h.client.send(new DescribeTableCommand({ TableName }));
      expect(Table?.LatestStreamArn).toBe(arn);
      const got = await records(h, arn!);
      expect(got).toHaveLength(12);
      expect(BigInt(got.at(-1)!.dynamodb.SequenceNumber) > BigInt(lastBefore)).toBe(true);
      const replayed = new Map<string, number>();
      for (const r of got) {
        const pk = String(r.dynamodb.Keys.pk!.S);
        if (r.eventName === 'REMOVE') replayed.delete(pk);
        else replayed.set(pk, Number(r.dynamodb.NewImage!.v!.N));
      }
      const items = (await h.doc.send(new ScanCommand({ TableName }))).Items ?? [];
      expect(new Map(items.map((i) => [i.pk as string, i.v as number]))).toEqual(replayed);
      expect((await h.doc.send(new GetCommand({ TableName, Key: { pk: 'item3', sk: 's' } }))).Item).toBeUndefined();
    } finally {
      await h.stop();
    }
  });

  it('trims records older than 24 hours', async () => {
    // Prepare
    let now = Date.parse('2026-01-01T00:00:00Z');
    const h = await startHarness({ now: () => now });
    try {
      const TableName = 'itsm-s-trim';
      const arn = await createStreamTable(h.client, TableName, 'KEYS_ONLY');
      await h.doc.send(new PutCommand({ TableName, Item: { pk: 'old', sk: 's' } }));
      now += 23 * 3600_000;
      await h.doc.send(new PutCommand({ TableName, Item: { pk: 'recent', sk: 's' } }));
      expect(await records(h, arn!)).toHaveLength(2);

      // Act
      now += 2 * 3600_000;
      await h.doc.send(new PutCommand({ TableName, Item: { pk: 'new', sk: 's' } }));

      // Assess
      await eventually(async () => (await records(h, arn!)).length === 2, 5000, 'the old record trimmed');
      expect((await records(h, arn!)).map((r) => r.dynamodb.Keys.pk!.S)).toEqual(['recent', 'new']);
    } finally {
      await h.stop();
    }
  });
});

/** Resends a transaction cancelled for TransactionConflict, as the kit does. */
async function retryConflicts<T>(send: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await send();
    } catch (err) {
      if (!/TransactionConflict/.test(`${(err as Error).name} ${(err as Error).message}`)) throw err;
    }
  }
}
