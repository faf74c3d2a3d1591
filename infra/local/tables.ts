import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { indexProjection, type ServiceDefinition } from '../../shared/kit/definition';

/** CreateTable for a service's table, exactly as its definition shapes it (the CDK stack does the same). */
export function tableInput(def: ServiceDefinition, TableName: string): CreateTableCommandInput {
  const attrs = ['pk', 'sk', ...def.table.indexes.flatMap((ix) => [`${ix.name}pk`, `${ix.name}sk`])];
  return {
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attrs.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    // The stream the service's stream consumers read (records kept 24 hours, as on AWS).
    ...(def.table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.table.stream } } : {}),
    ...(def.table.indexes.length
      ? {
          GlobalSecondaryIndexes: def.table.indexes.map((ix) => ({
            IndexName: ix.name,
            KeySchema: [
              { AttributeName: `${ix.name}pk`, KeyType: 'HASH' as const },
              { AttributeName: `${ix.name}sk`, KeyType: 'RANGE' as const },
            ],
            Projection: indexProjection(ix),
          })),
        }
      : {}),
  };
}

const shapeOf = (
  indexes: Array<{ IndexName?: string; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } }> = [],
) =>
  JSON.stringify(
    indexes
      .map((ix) => ({
        name: ix.IndexName,
        type: ix.Projection?.ProjectionType ?? 'ALL',
        attrs: [...(ix.Projection?.NonKeyAttributes ?? [])].sort(),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
  );

/**
 * Gives a kept table the stream its definition declares, as a deployment would with UpdateTable:
 * enabled if missing; a changed view type means a new stream (DynamoDB cannot change the view
 * type of a stream: it is disabled and enabled again); removed if the definition has none.
 */
async function ensureStream(ddb: DynamoDBClient, def: ServiceDefinition, table: TableDescription | undefined) {
  const TableName = table?.TableName;
  const current = table?.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : undefined;
  const wanted = def.table.stream;
  if (current === wanted) return;
  if (current) await ddb.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: false } }));
  if (wanted) {
    await ddb.send(
      new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: wanted } }),
    );
  }
}

/**
 * Create the table, or keep the one a data folder already holds. When a newer version of the
 * service changed its indexes (added one, changed a projection), the kept table is rebuilt with
 * its items: dynalite cannot add an index to a table, and on AWS a deployment adds and backfills
 * it, so the local data must end up the same way rather than fail at the first query.
 */
export async function ensureTable(
  ddb: DynamoDBClient,
  def: ServiceDefinition,
  TableName: string,
): Promise<'created' | 'kept' | 'rebuilt'> {
  const input = tableInput(def, TableName);
  try {
    await ddb.send(new CreateTableCommand(input));
    return 'created';
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName }));
  if (shapeOf(Table?.GlobalSecondaryIndexes) === shapeOf(input.GlobalSecondaryIndexes)) {
    await ensureStream(ddb, def, Table);
    return 'kept';
  }
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  await ddb.send(new DeleteTableCommand({ TableName }));
  // DeleteTable answers while the table is DELETING (on DynamoDB as here): wait until it is gone.
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      await ddb.send(new DescribeTableCommand({ TableName }));
    } catch (err) {
      if (err instanceof ResourceNotFoundException) break;
      throw err;
    }
    if (Date.now() > deadline) throw new Error(`local table ${TableName} was not deleted within 10 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
  await ddb.send(new CreateTableCommand(input));
  for (let i = 0; i < items.length; i += 25) {
    let request: Record<string, Array<{ PutRequest: { Item: Record<string, AttributeValue> } }>> | undefined = {
      [TableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    while (request && Object.keys(request).length) {
      const out = await ddb.send(new BatchWriteItemCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  }
  console.log(
    `Local table ${TableName}: indexes changed since this data folder was made; rebuilt with its ${items.length} items.`,
  );
  return 'rebuilt';
}
