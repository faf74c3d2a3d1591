import { PutCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, type Harness, rejectionOf, startHarness } from './harness';

const TABLE = 'itsm-get';
const OTHER = 'itsm-get-other';

describe('TransactGetItems', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
    await createTable(h.client, OTHER);
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'p', sk: 'one', title: 'first', secret: 'x' } }));
    await h.doc.send(
      new PutCommand({ TableName: OTHER, Item: { pk: 'p', sk: 'two', title: 'second', big: 'y'.repeat(5000) } }),
    );
  });
  afterAll(() => h.stop());

  it('returns the items in request order, an empty response for a missing one, with projections', async () => {
    // Act
    const out = await h.doc.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'one' }, ProjectionExpression: 'title' } },
          { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'missing' } } },
          {
            Get: {
              TableName: OTHER,
              Key: { pk: 'p', sk: 'two' },
              ProjectionExpression: '#t',
              ExpressionAttributeNames: { '#t': 'title' },
            },
          },
        ],
      }),
    );

    // Assess
    expect(out.Responses).toEqual([{ Item: { title: 'first' } }, {}, { Item: { title: 'second' } }]);
  });

  it('reports twice the strongly consistent read units, per table', async () => {
    // Act
    const out = await h.doc.send(
      new TransactGetCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [
          { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'one' } } },
          { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'missing' } } },
          { Get: { TableName: OTHER, Key: { pk: 'p', sk: 'two' } } },
        ],
      }),
    );

    // Assess: 1 unit per 4 KB read, at least 1 even when missing; the 5 KB item takes 2.
    expect(out.ConsumedCapacity).toEqual([
      { TableName: TABLE, CapacityUnits: 4, ReadCapacityUnits: 4 },
      { TableName: OTHER, CapacityUnits: 4, ReadCapacityUnits: 4 },
    ]);
  });

  it('refuses the same item twice and a missing table', async () => {
    // Act
    const twice = await rejectionOf(
      h.doc.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'one' } } },
            { Get: { TableName: TABLE, Key: { pk: 'p', sk: 'one' } } },
          ],
        }),
      ),
    );
    const missing = await rejectionOf(
      h.doc.send(
        new TransactGetCommand({ TransactItems: [{ Get: { TableName: 'itsm-nope', Key: { pk: 'p', sk: 'one' } } }] }),
      ),
    );

    // Assess
    expect([twice.name, twice.message]).toEqual([
      'ValidationException',
      'Transaction request cannot include multiple operations on one item',
    ]);
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});
