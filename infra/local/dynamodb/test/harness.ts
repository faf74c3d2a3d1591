/** Starts a LocalDynamoDB behind the platform's AWS endpoint (on a free port) and gives real SDK v3 clients for it. */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { eventually } from '../../../../test/support/eventually';
import type { RecordedCall } from '../../aws-service';
import { AwsEndpoint } from '../../endpoint';
import { LocalDynamoDB, type LocalDynamoDBOptions } from '../local-dynamodb';

export const CALLER = 'AKIDTESTCALLER';

export interface Harness {
  dynamodb: LocalDynamoDB;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  calls: RecordedCall[];
  /** The endpoint's URL, for clients built from the environment (AWS_ENDPOINT_URL). */
  url: string;
  stop(): Promise<void>;
}

export async function startHarness(opts: Omit<LocalDynamoDBOptions, 'record'> = {}): Promise<Harness> {
  const calls: RecordedCall[] = [];
  const dynamodb = await LocalDynamoDB.start({ ...opts, record: (call) => calls.push(call) });
  const endpoint = new AwsEndpoint([dynamodb]);
  const url = await endpoint.listen(0);
  const client = new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: CALLER, secretAccessKey: 'local' },
    // Errors must reach the test as they are, not retried away.
    maxAttempts: 1,
  });
  return {
    dynamodb,
    client,
    doc: DynamoDBDocumentClient.from(client),
    calls,
    url,
    stop: async () => {
      client.destroy();
      await endpoint.close(); // closes the service too
    },
  };
}

/** A table keyed pk/sk with one GSI `byStatus` (status, updatedAt), as the services' tables are shaped. */
export async function createTable(client: DynamoDBClient, TableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'updatedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  // createTableMs is 0: the table turns ACTIVE on the next timer tick.
  await eventually(
    async () => (await client.send(new DescribeTableCommand({ TableName }))).Table?.TableStatus === 'ACTIVE',
  );
}

/** One query of the `byStatus` index for a status, optionally limited. */
export function queryByStatus(doc: DynamoDBDocumentClient, TableName: string, status: string, limit?: number) {
  return doc.send(
    new QueryCommand({
      TableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status },
      ...(limit !== undefined ? { Limit: limit } : {}),
    }),
  );
}

/** The rejection of a promise, for asserting on typed SDK errors. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

export { eventually };
