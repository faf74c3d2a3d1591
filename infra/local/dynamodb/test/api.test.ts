import {
  CreateTableCommand,
  DescribeLimitsCommand,
  ExecuteStatementCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableArn } from '../../names';
import { CALLER, createTable, type Harness, queryByStatus, rejectionOf, startHarness } from './harness';

const TABLE = 'itsm-api';
const OTHER = 'itsm-api-other';

describe('the DynamoDB API through the SDK', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await createTable(h.client, TABLE);
    await createTable(h.client, OTHER);
  });
  afterAll(() => h.stop());

  it('serves the standard item, query and batch actions with dynalite', async () => {
    // Act
    const put = await h.doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'std', sk: 'a', status: 'open', updatedAt: '1', n: 1 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    await h.doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'std', sk: 'a' },
        UpdateExpression: 'ADD n :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await h.doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [TABLE]: [{ PutRequest: { Item: { pk: 'std', sk: 'b', status: 'open', updatedAt: '2' } } }],
          [OTHER]: [{ PutRequest: { Item: { pk: 'std', sk: 'c' } } }],
        },
      }),
    );
    const open = await queryByStatus(h.doc, TABLE, 'open', 1);
    const batch = await h.doc.send(
      new BatchGetCommand({ RequestItems: { [OTHER]: { Keys: [{ pk: 'std', sk: 'c' }] } } }),
    );
    await h.doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: 'std', sk: 'b' } }));
    const scan = await h.doc.send(new ScanCommand({ TableName: TABLE }));

    // Assess
    // The item and its entry in the byStatus index, as DynamoDB bills it.
    expect(put.ConsumedCapacity).toEqual({ TableName: TABLE, CapacityUnits: 2 });
    expect(open.Items?.map((i) => i.sk)).toEqual(['a']);
    expect(open.LastEvaluatedKey).toEqual({ pk: 'std', sk: 'a', status: 'open', updatedAt: '1' });
    expect(batch.Responses?.[OTHER]).toEqual([{ pk: 'std', sk: 'c' }]);
    expect(scan.Items?.filter((i) => i.pk === 'std')).toEqual([
      { pk: 'std', sk: 'a', status: 'open', updatedAt: '1', n: 2 },
    ]);
  });

  it('returns the current item on a failed condition when ReturnValuesOnConditionCheckFailure is ALL_OLD', async () => {
    // Prepare
    await h.doc.send(new PutCommand({ TableName: TABLE, Item: { pk: 'rv', sk: 'x', version: 3 } }));

    // Act
    const withItem = await rejectionOf(
      h.client.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: { pk: { S: 'rv' }, sk: { S: 'x' } },
          UpdateExpression: 'SET version = :n',
          ConditionExpression: 'version = :e',
          ExpressionAttributeValues: { ':n': { N: '2' }, ':e': { N: '1' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    const withoutItem = await rejectionOf(
      h.client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'rv' }, sk: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );

    // Assess
    expect(withItem.name).toBe('ConditionalCheckFailedException');
    expect(withItem.message).toBe('The conditional request failed');
    expect(withItem.Item).toEqual({ pk: { S: 'rv' }, sk: { S: 'x' }, version: { N: '3' } });
    expect(withoutItem.name).toBe('ConditionalCheckFailedException');
    expect(withoutItem.Item).toBeUndefined();
  });

  it('answers with typed errors: existing table, unknown action, validation', async () => {
    // Act
    const exists = await rejectionOf(
      h.client.send(
        new CreateTableCommand({
          TableName: TABLE,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      ),
    );
    const partiQl = await rejectionOf(
      h.client.send(new ExecuteStatementCommand({ Statement: `SELECT * FROM "${TABLE}"` })),
    );
    const badKey = await rejectionOf(h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'only-hash' } })));
    const limits = await h.client.send(new DescribeLimitsCommand({}));

    // Assess
    expect([exists.name, exists.message]).toEqual(['ResourceInUseException', `Table already exists: ${TABLE}`]);
    expect(partiQl.name).toBe('UnknownOperationException');
    expect([badKey.name, badKey.message]).toEqual([
      'ValidationException',
      'The provided key element does not match the schema',
    ]);
    expect(limits.TableMaxWriteCapacityUnits).toBe(40000);
  });

  it('accepts a table ARN where a table name is expected', async () => {
    // Act
    await h.doc.send(new PutCommand({ TableName: tableArn(TABLE), Item: { pk: 'arn', sk: 'x' } }));
    const got = await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'arn', sk: 'x' } }));

    // Assess
    expect(got.Item).toEqual({ pk: 'arn', sk: 'x' });
  });

  describe('records what IAM authorises', () => {
    beforeEach(() => {
      h.calls.length = 0;
    });

    it('records the table or index ARN of single-table calls, with the caller', async () => {
      // Act
      await h.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'x', sk: 'y' } }));
      await queryByStatus(h.doc, TABLE, 'open');

      // Assess
      expect(h.calls).toEqual([
        { caller: CALLER, action: 'dynamodb:GetItem', resource: tableArn(TABLE) },
        { caller: CALLER, action: 'dynamodb:Query', resource: `${tableArn(TABLE)}/index/byStatus` },
      ]);
    });

    it('records each transaction item as the action IAM checks for it, once per action and table', async () => {
      // Act
      await h.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'iam', sk: '1' } } },
            { Put: { TableName: TABLE, Item: { pk: 'iam', sk: '2' } } },
            {
              Update: {
                TableName: OTHER,
                Key: { pk: 'iam', sk: '3' },
                UpdateExpression: 'SET a = :a',
                ExpressionAttributeValues: { ':a': 1 },
              },
            },
            {
              ConditionCheck: {
                TableName: OTHER,
                Key: { pk: 'iam', sk: '4' },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Delete: { TableName: TABLE, Key: { pk: 'iam', sk: '5' } } },
          ],
        }),
      );
      await h.doc.send(
        new TransactGetCommand({ TransactItems: [{ Get: { TableName: OTHER, Key: { pk: 'iam', sk: '3' } } }] }),
      );
      await h.doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: [
              { DeleteRequest: { Key: { pk: 'iam', sk: '1' } } },
              { DeleteRequest: { Key: { pk: 'iam', sk: '2' } } },
            ],
            [OTHER]: [{ DeleteRequest: { Key: { pk: 'iam', sk: '3' } } }],
          },
        }),
      );

      // Assess
      expect(h.calls.map(({ action, resource }) => `${action} ${resource}`)).toEqual([
        `dynamodb:PutItem ${tableArn(TABLE)}`,
        `dynamodb:UpdateItem ${tableArn(OTHER)}`,
        `dynamodb:ConditionCheckItem ${tableArn(OTHER)}`,
        `dynamodb:DeleteItem ${tableArn(TABLE)}`,
        `dynamodb:GetItem ${tableArn(OTHER)}`,
        `dynamodb:BatchWriteItem ${tableArn(TABLE)}`,
        `dynamodb:BatchWriteItem ${tableArn(OTHER)}`,
      ]);
    });
  });
});
