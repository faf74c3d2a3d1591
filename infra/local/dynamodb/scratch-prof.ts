import { LocalDynamoDB } from './local-dynamodb';

const d = await LocalDynamoDB.start();
const ctx = { caller: 'x' };
await d.handle(
  'CreateTable',
  {
    TableName: 'tbl',
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  },
  ctx,
);
await new Promise((r) => setTimeout(r, 20));
const S = (s: string) => ({ S: s });
const payload = S('x'.repeat(300));
const tx = (i: number) =>
  d.handle(
    'TransactWriteItems',
    {
      ClientRequestToken: `tok-${i}-${Math.random()}`,
      TransactItems: [
        {
          Put: {
            TableName: 'tbl',
            Item: { pk: S(`tx-${i}`), sk: S('record'), status: S('open'), version: { N: '1' }, payload },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: 'tbl', Item: { pk: S(`tx-${i}`), sk: S('history#1'), payload } } },
        { Put: { TableName: 'tbl', Item: { pk: S(`tx-${i}`), sk: S('outbox#1'), payload } } },
        {
          Update: {
            TableName: 'tbl',
            Key: { pk: S('counter'), sk: S(`c-${i % 64}`) },
            UpdateExpression: 'ADD seq :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      ],
    },
    ctx,
  );
async function m(label: string, n: number, c: number, f: (i: number) => Promise<unknown>) {
  let k = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (k < n) await f(k++);
    }),
  );
  console.log(label, c, Math.round(n / ((performance.now() - t) / 1000)));
}
let base = 0;
for (const c of [1, 8, 1, 8]) {
  const b = base;
  await m('handle tx4', 5000, c, (i) => tx(b + i));
  base += 5000;
}
await d.close();
