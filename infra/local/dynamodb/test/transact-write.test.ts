import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTable, type Harness, rejectionOf, startHarness } from './harness';

const TABLE = 'itsm-tx';
const OTHER = 'itsm-tx-other';

describe('TransactWriteItems', () => {
  let h: Harness;
  let n = 0;
  let pk: string;

  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
    await createTable(h.client, OTHER);
  });
  afterAll(() => h.stop());
  beforeEach(() => {
    pk = `case-${++n}`;
  });

  const get = async (sk: string, TableName = TABLE) =>
    (await h.doc.send(new GetCommand({ TableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const put = (Item: Record<string, unknown>, TableName = TABLE) =>
    h.doc.send(new PutCommand({ TableName, Item: { pk, ...Item } }));

  it('commits Put, Update, Delete and ConditionCheck across tables together', async () => {
    // Prepare
    await put({ sk: 'counter', version: 1 });
    await put({ sk: 'doomed' });
    await put({ sk: 'guard' }, OTHER);

    // Act
    await h.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk, sk: 'new', title: 'created' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: TABLE,
              Key: { pk, sk: 'counter' },
              UpdateExpression: 'SET version = version + :one',
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':one': 1, ':v': 1 },
            },
          },
          { Delete: { TableName: TABLE, Key: { pk, sk: 'doomed' } } },
          {
            ConditionCheck: { TableName: OTHER, Key: { pk, sk: 'guard' }, ConditionExpression: 'attribute_exists(pk)' },
          },
        ],
      }),
    );

    // Assess
    expect(await get('new')).toEqual({ pk, sk: 'new', title: 'created' });
    expect((await get('counter'))?.version).toBe(2);
    expect(await get('doomed')).toBeUndefined();
    expect(await get('guard', OTHER)).toEqual({ pk, sk: 'guard' });
  });

  it('cancels every item when one condition fails, with one reason per item as AWS words them', async () => {
    // Prepare
    await put({ sk: 'counter', version: 5 });

    // Act
    const err = await rejectionOf(
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk, sk: 'new' } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk, sk: 'counter' },
                UpdateExpression: 'SET version = :next',
                ConditionExpression: 'version = :expected',
                ExpressionAttributeValues: { ':next': 2, ':expected': 1 },
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('TransactionCanceledException');
    expect(err.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
    );
    expect(err.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(await get('new')).toBeUndefined();
    expect((await get('counter'))?.version).toBe(5);
  });

  it('returns the current item in the reason when ReturnValuesOnConditionCheckFailure is ALL_OLD', async () => {
    // Prepare
    await put({ sk: 'taken', owner: 'someone' });

    // Act
    const err = await rejectionOf(
      h.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: TABLE,
                Item: { pk: { S: pk }, sk: { S: 'taken' } },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(err.CancellationReasons).toEqual([
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: pk }, sk: { S: 'taken' }, owner: { S: 'someone' } },
      },
    ]);
  });

  it('writes nothing when applying an item fails, and says which item failed', async () => {
    // Prepare: an update whose operand has the wrong type only fails when applied to the item.
    await put({ sk: 'record', title: 'text' });

    // Act
    const err = await rejectionOf(
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk, sk: 'history-1' } } },
            { Delete: { TableName: OTHER, Key: { pk, sk: 'whatever' } } },
            {
              Update: {
                TableName: TABLE,
                Key: { pk, sk: 'record' },
                UpdateExpression: 'SET title = title + :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(err.name).toBe('TransactionCanceledException');
    expect(err.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' },
    ]);
    expect(await get('history-1')).toBeUndefined();
    expect(await get('record')).toEqual({ pk, sk: 'record', title: 'text' });
  });

  it('rejects two operations on one item, more than 100 items and unknown tables before writing', async () => {
    // Act
    const twice = await rejectionOf(
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk, sk: 'same' } } },
            {
              ConditionCheck: {
                TableName: TABLE,
                Key: { pk, sk: 'same' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
    const tooMany = await rejectionOf(
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({
            Put: { TableName: TABLE, Item: { pk, sk: `many-${i}` } },
          })),
        }),
      ),
    );
    const unknownTable = await rejectionOf(
      h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk, sk: 'first' } } },
            { Put: { TableName: 'itsm-missing', Item: { pk, sk: 'x' } } },
          ],
        }),
      ),
    );

    // Assess
    expect([twice.name, twice.message]).toEqual([
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    ]);
    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toMatch(
      /at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
    expect(unknownTable.name).toBe('ResourceNotFoundException');
    expect(await get('same')).toBeUndefined();
    expect(await get('many-0')).toBeUndefined();
    expect(await get('first')).toBeUndefined();
  });

  it('applies a retried ClientRequestToken once and refuses the token for other items', async () => {
    // Prepare
    await put({ sk: 'counter', version: 0 });
    const increment = (ClientRequestToken: string, sk = 'counter') =>
      new TransactWriteCommand({
        ClientRequestToken,
        TransactItems: [
          {
            Update: {
              TableName: TABLE,
              Key: { pk, sk },
              UpdateExpression: 'ADD version :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      });

    // Act
    await h.doc.send(increment(`${pk}-token`));
    const retry = await h.doc.send(increment(`${pk}-token`));
    const mismatch = await rejectionOf(h.doc.send(increment(`${pk}-token`, 'other')));

    // Assess
    expect(retry.$metadata.httpStatusCode).toBe(200);
    expect((await get('counter'))?.version).toBe(1);
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
  });

  it('reports transactional capacity: twice the write units, per table', async () => {
    // Prepare: one item over 1 KB costs 2 write units, so 4 in a transaction.
    const big = 'x'.repeat(1500);

    // Act
    const total = await h.doc.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk, sk: 'a' } } },
          { Put: { TableName: TABLE, Item: { pk, sk: 'b', big } } },
          { Put: { TableName: TABLE, Item: { pk, sk: 'c' } } },
          {
            ConditionCheck: {
              TableName: OTHER,
              Key: { pk, sk: 'none' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    const indexes = await h.doc.send(
      new TransactWriteCommand({
        ReturnConsumedCapacity: 'INDEXES',
        TransactItems: [{ Delete: { TableName: TABLE, Key: { pk, sk: 'a' } } }],
      }),
    );

    // Assess
    expect(total.ConsumedCapacity).toEqual([
      { TableName: TABLE, CapacityUnits: 8, WriteCapacityUnits: 8 },
      { TableName: OTHER, CapacityUnits: 2, WriteCapacityUnits: 2 },
    ]);
    expect(indexes.ConsumedCapacity).toEqual([
      { TableName: TABLE, CapacityUnits: 2, WriteCapacityUnits: 2, Table: { CapacityUnits: 2, WriteCapacityUnits: 2 } },
    ]);
  });

  it('keeps global secondary indexes in step with transactional writes', async () => {
    // Prepare
    const byStatus = async (status: string) =>
      (
        await h.doc.send(
          new QueryCommand({
            TableName: TABLE,
            IndexName: 'byStatus',
            KeyConditionExpression: '#s = :s',
            FilterExpression: 'pk = :pk',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': status, ':pk': pk },
          }),
        )
      ).Items?.map((i) => i.sk);
    const transact = (
      TransactItems: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
    ) => h.doc.send(new TransactWriteCommand({ TransactItems }));

    // Act / Assess: insert, move to another index key, delete.
    await transact([{ Put: { TableName: TABLE, Item: { pk, sk: 'inc', status: 'open', updatedAt: '1' } } }]);
    expect(await byStatus('open')).toEqual(['inc']);

    await transact([
      {
        Update: {
          TableName: TABLE,
          Key: { pk, sk: 'inc' },
          UpdateExpression: 'SET #s = :s, updatedAt = :t',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'resolved', ':t': '2' },
        },
      },
    ]);
    expect(await byStatus('open')).toEqual([]);
    expect(await byStatus('resolved')).toEqual(['inc']);

    await transact([{ Delete: { TableName: TABLE, Key: { pk, sk: 'inc' } } }]);
    expect(await byStatus('resolved')).toEqual([]);
  });
});
