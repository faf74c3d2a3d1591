import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, type Harness, startHarness } from './harness';

/**
 * Capacity as DynamoDB bills it, index entries included (dynalite leaves them out), and the meter
 * the bench's cost model reads: every request counted, whether or not the caller asked for units.
 */
const TABLE = 'itsm-metered';

describe('metered capacity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
  });
  afterAll(() => h.stop());

  const units = (out: { ConsumedCapacity?: unknown }) =>
    ([] as Array<{ CapacityUnits?: number }>)
      .concat((out.ConsumedCapacity ?? []) as never)
      .reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);

  it('bills an index entry with the item write that maintains it', async () => {
    const plain = await h.doc.send(
      new PutCommand({ TableName: TABLE, Item: { pk: 'a', sk: '1' }, ReturnConsumedCapacity: 'TOTAL' }),
    );
    expect(units(plain)).toBe(1); // not in the index
    const indexed = await h.doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'b', sk: '1', status: 'open', updatedAt: '1' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(units(indexed)).toBe(2); // item + index entry
    const moved = await h.doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'b', sk: '1' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'closed' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(units(moved)).toBe(3); // item + old index entry deleted + new one put
    const same = await h.doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'b', sk: '1' },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': 'closed' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(units(same)).toBe(1); // the index entry stays as it was: not written
    const tx = await h.doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: { pk: 'c', sk: '1', status: 'open', updatedAt: '2' } } }],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(units(tx)).toBe(3); // transactional item write (2) + index entry (1)
  });

  it('meters every request per table and answers without units when none were asked for', async () => {
    const before = { ...h.dynamodb.meter.get(TABLE)! };
    const got = await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'a', sk: '1' }, ConsistentRead: true }));
    expect(got.ConsumedCapacity).toBeUndefined();
    await h.doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: 'c', sk: '1' } }));
    const after = h.dynamodb.meter.get(TABLE)!;
    expect(after.requests - before.requests).toBe(2);
    expect(after.readUnits - before.readUnits).toBe(1);
    expect(after.writeUnits - before.writeUnits).toBe(2); // item + its index entry
  });
});

describe('metered capacity with an INCLUDE projection', () => {
  it('writes the index entry only when a key or a projected attribute changes', async () => {
    const h = await startHarness();
    await h.client.send(
      new CreateTableCommand({
        TableName: 'itsm-projected',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'gpk', 'gsk'].map((AttributeName) => ({
          AttributeName,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'queue',
            KeySchema: [
              { AttributeName: 'gpk', KeyType: 'HASH' },
              { AttributeName: 'gsk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['title', 'status'] },
          },
        ],
      }),
    );
    const put = (item: Record<string, unknown>) =>
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 'itsm-projected', Item: { pk: '1', sk: '1', gpk: 'q', gsk: 'a', ...item } } },
          ],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    const units = (out: { ConsumedCapacity?: Array<{ CapacityUnits?: number }> }) =>
      (out.ConsumedCapacity ?? []).reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
    // A missing projected attribute (status) is no obstacle; a large unprojected one is not copied.
    expect(units(await put({ title: 't', notes: 'x'.repeat(3000) }))).toBe(2 * 3 + 1);
    expect(units(await put({ title: 't', notes: 'y'.repeat(3000) }))).toBe(2 * 3); // index entry unchanged
    expect(units(await put({ title: 'u', notes: 'y'.repeat(3000) }))).toBe(2 * 3 + 1);
    await h.stop();
  });
});
