/**
 * Child process for stream-crash.test.ts: opens the local DynamoDB on the folder given, makes a
 * table with a stream if there is none, then writes to 20 items for ever (puts, updates, deletes
 * and two-item transactions, 8 at a time), printing the count of acknowledged writes now and then.
 * The test kills it with SIGKILL part-way.
 */
import { LocalDynamoDB } from '../local-dynamodb';

const TableName = 'itsm-crash-stream';
const dynamodb = await LocalDynamoDB.start({ path: process.argv[2]! });
const ctx = { caller: 'child' };
try {
  await dynamodb.handle(
    'CreateTable',
    {
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    },
    ctx,
  );
  await new Promise((r) => setTimeout(r, 50));
} catch {
  // kept from a previous run
}

let acknowledged = 0;
let next = 0;
const key = () => ({ pk: { S: `k${Math.floor(Math.random() * 20)}` } });
async function write(i: number): Promise<void> {
  const v = { N: String(i) };
  switch (i % 4) {
    case 0:
      return void (await dynamodb.handle('PutItem', { TableName, Item: { ...key(), v } }, ctx));
    case 1:
      return void (await dynamodb.handle(
        'UpdateItem',
        { TableName, Key: key(), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': v } },
        ctx,
      ));
    case 2:
      return void (await dynamodb.handle('DeleteItem', { TableName, Key: key() }, ctx));
    default: {
      const [a, b] = [key(), key()];
      if (a.pk.S === b.pk.S) return;
      await dynamodb.handle(
        'TransactWriteItems',
        { TransactItems: [a, b].map((k) => ({ Put: { TableName, Item: { ...k, v } } })) },
        ctx,
      );
    }
  }
}

async function worker(): Promise<void> {
  for (;;) {
    try {
      await write(next++);
      acknowledged++;
      if (acknowledged % 50 === 0) console.log(acknowledged);
    } catch {
      // a transaction conflict: the next write goes on
    }
  }
}
console.log('ready');
await Promise.all(Array.from({ length: 8 }, worker));
