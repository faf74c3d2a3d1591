/**
 * Micro-benchmark of the local DynamoDB. Run: `npx tsx infra/local/dynamodb/bench.ts [--disk]`.
 *
 * 1. Through the real SDK v3 and the platform's AWS endpoint (what services see): PutItem and
 *    a 4-item TransactWriteItems at concurrency 1 and 8, and the platform's "create" (one
 *    4-item TransactWriteItems plus one UpdateItem; target 250/s at concurrency 8).
 * 2. The forwarding path: the same PutItem handled by dynalite in-process (this design) versus
 *    forwarded over HTTP to a loopback dynalite server with a keep-alive agent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AwsEndpoint } from '../endpoint';
import { LocalDynamoDB } from './local-dynamodb';

const onDisk = process.argv.includes('--disk');
const TABLE = 'itsm-bench';
const payload = 'x'.repeat(300);

const tableDefinition = {
  TableName: TABLE,
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
} as const;

interface Figures {
  opsPerSecond: number;
  /** CPU time of this process per operation: unlike ops/s, barely moved by other processes sharing the machine. */
  cpuMicrosPerOp: number;
}

/** Runs `op` `total` times with `concurrency` in flight. */
async function measure(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Figures> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await op(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    opsPerSecond: Math.round(total / ((performance.now() - started) / 1000)),
    cpuMicrosPerOp: Math.round((used.user + used.system) / total),
  };
}

const report = (label: string, { opsPerSecond, cpuMicrosPerOp }: Figures) =>
  console.log(
    `${label.padEnd(60)} ${String(opsPerSecond).padStart(6)} ops/s ${String(cpuMicrosPerOp).padStart(6)} µs CPU/op`,
  );
const waitForActive = () => new Promise((resolve) => setTimeout(resolve, 20));

async function throughSdk(): Promise<void> {
  const folder = onDisk ? await mkdtemp(join(tmpdir(), 'itsm-ddb-bench-')) : undefined;
  const dynamodb = await LocalDynamoDB.start({ path: folder });
  const endpoint = new AwsEndpoint([dynamodb]);
  const client = new DynamoDBClient({
    endpoint: await endpoint.listen(0),
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const doc = DynamoDBDocumentClient.from(client);
  await client.send(new CreateTableCommand(structuredClone(tableDefinition) as never));
  await waitForActive();

  let run = 0;
  const put = (i: number) =>
    doc.send(new PutCommand({ TableName: TABLE, Item: { pk: `put-${run}-${i}`, sk: 'r', payload } }));
  const transaction = (i: number) =>
    doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: { pk: `tx-${run}-${i}`, sk: 'record', status: 'open', version: 1, payload },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: TABLE, Item: { pk: `tx-${run}-${i}`, sk: 'history#1', payload } } },
          { Put: { TableName: TABLE, Item: { pk: `tx-${run}-${i}`, sk: 'outbox#1', payload } } },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: 'counter', sk: `c-${i % 64}` },
              UpdateExpression: 'ADD seq :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
  const create = async (i: number) => {
    await transaction(i);
    await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: `tx-${run}-${i}`, sk: 'record' },
        UpdateExpression: 'SET version = version + :one',
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':one': 1, ':v': 1 },
      }),
    );
  };

  console.log(
    `Through the AWS SDK v3 (${onDisk ? 'LevelDB on disk' : 'in memory'}), Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`,
  );
  for (const [label, op, total] of [
    ['PutItem', put, 3000],
    ['TransactWriteItems (4 items)', transaction, 1500],
    ['create = TransactWriteItems (4 items) + UpdateItem', create, 1000],
  ] as const) {
    for (const concurrency of [1, 8]) {
      run++;
      await measure(100, concurrency, op); // warm-up
      run++;
      report(`  ${label}, concurrency ${concurrency}`, await measure(total, concurrency, op));
    }
  }

  client.destroy();
  await endpoint.close(); // closes the service too
  if (folder) await rm(folder, { recursive: true, force: true });
}

/** dynalite's own HTTP server, for the forwarding comparison. */
async function forwardingPath(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dynalite = require('dynalite') as (options: object) => http.Server;
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const forward = (action: string, body: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'content-length': Buffer.byteLength(text),
            'x-amz-target': `DynamoDB_20120810.${action}`,
            // dynalite checks that a SigV4 header is present, not the signature.
            authorization:
              'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
            'x-amz-date': '20260101T000000Z',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            res.statusCode === 200 ? resolve(out) : reject(new Error(JSON.stringify(out)));
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  await forward('CreateTable', tableDefinition);

  const dynamodb = await LocalDynamoDB.start();
  await dynamodb.handle('CreateTable', structuredClone(tableDefinition) as never, { caller: 'bench' });
  await waitForActive();

  const item = (prefix: string, i: number) => ({
    TableName: TABLE,
    Item: { pk: { S: `${prefix}-${i}` }, sk: { S: 'r' }, payload: { S: payload } },
  });
  console.log(
    'Forwarding path (in memory), handled without the SDK front: PutItem in-process vs over HTTP, same input',
  );
  for (const concurrency of [1, 8]) {
    report(
      `  in-process dynalite actions, concurrency ${concurrency}`,
      await measure(10000, concurrency, (i) =>
        dynamodb.handle('PutItem', item(`in${concurrency}`, i), { caller: 'bench' }),
      ),
    );
    report(
      `  HTTP to a loopback dynalite (keep-alive), concurrency ${concurrency}`,
      await measure(10000, concurrency, (i) => forward('PutItem', item(`http${concurrency}`, i))),
    );
  }

  // The cost of this layer alone for the platform's transaction shape, for comparison with the SDK figures.
  const S = (value: string) => ({ S: value });
  const transaction = (run: number, i: number) => ({
    TransactItems: [
      {
        Put: {
          TableName: TABLE,
          Item: { pk: S(`t${run}-${i}`), sk: S('record'), status: S('open'), payload: S(payload) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: TABLE, Item: { pk: S(`t${run}-${i}`), sk: S('history#1'), payload: S(payload) } } },
      { Put: { TableName: TABLE, Item: { pk: S(`t${run}-${i}`), sk: S('outbox#1'), payload: S(payload) } } },
      {
        Update: {
          TableName: TABLE,
          Key: { pk: S('counter'), sk: S(`c-${i % 64}`) },
          UpdateExpression: 'ADD seq :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
    ],
    ClientRequestToken: `t${run}-${i}`,
  });
  for (const concurrency of [1, 8]) {
    report(
      `  TransactWriteItems (4 items) in-process, concurrency ${concurrency}`,
      await measure(5000, concurrency, (i) =>
        dynamodb.handle('TransactWriteItems', transaction(concurrency, i), { caller: 'bench' }),
      ),
    );
  }

  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await dynamodb.close();
}

await throughSdk();
await forwardingPath();
