import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsEndpoint } from '../../endpoint';
import { LocalDynamoDBStreams } from '../streams-api';
import { eventually, type Harness, startHarness } from './harness';

/** The parts of the answers the tests read. */
interface Body {
  __type?: string;
  Streams?: unknown[];
  StreamDescription?: Record<string, unknown> & { Shards: Array<{ ShardId: string }> };
  ShardIterator?: string;
  NextShardIterator?: string;
  Records?: Array<Record<string, unknown> & { dynamodb: { Keys: { pk: { S: string } }; SequenceNumber: string } }>;
}

/** The DynamoDB Streams API over HTTP, as an application reads a stream (no Streams SDK client is installed). */
describe('DynamoDB Streams API', () => {
  let h: Harness;
  let endpoint: AwsEndpoint;
  let url: string;
  let arn: string;
  const TableName = 'itsm-streams-api';

  const call = async (action: string, body: Record<string, unknown>) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${action}`,
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIDSTREAMREADER/20261202/us-east-1/dynamodb/aws4_request',
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };

  beforeAll(async () => {
    h = await startHarness();
    endpoint = new AwsEndpoint([new LocalDynamoDBStreams(h.dynamodb.streams, (c) => h.calls.push(c))]);
    url = await endpoint.listen(0);
    await h.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    arn = await eventually(async () => {
      const { Table } = await h.client.send(new DescribeTableCommand({ TableName }));
      return Table?.TableStatus === 'ACTIVE' ? Table.LatestStreamArn : undefined;
    });
  });
  afterAll(async () => {
    await endpoint.close();
    await h.stop();
  });

  it('lists and describes the stream, and refuses an unknown one', async () => {
    // Act
    const list = await call('ListStreams', { TableName });
    const described = await call('DescribeStream', { StreamArn: arn });
    const missing = await call('DescribeStream', { StreamArn: `${arn.slice(0, -3)}999` });

    // Assess
    expect(list.body.Streams).toEqual([{ StreamArn: arn, TableName, StreamLabel: arn.split('/stream/')[1] }]);
    expect(described.body.StreamDescription).toMatchObject({
      StreamArn: arn,
      StreamStatus: 'ENABLED',
      StreamViewType: 'NEW_IMAGE',
      TableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      Shards: [{ ShardId: expect.stringMatching(/^shardId-/), SequenceNumberRange: expect.any(Object) }],
    });
    expect([missing.status, missing.body.__type]).toEqual([400, 'ResourceNotFoundException']);
    expect(h.calls).toContainEqual({ caller: 'AKIDSTREAMREADER', action: 'dynamodb:DescribeStream', resource: arn });
  });

  it('reads records through shard iterators, from the start, after a number, or from the latest', async () => {
    // Prepare
    for (const pk of ['a', 'b', 'c']) await h.doc.send(new PutCommand({ TableName, Item: { pk } }));
    const shard = (await call('DescribeStream', { StreamArn: arn })).body.StreamDescription!.Shards[0]!.ShardId;
    const iterator = async (ShardIteratorType: string, SequenceNumber?: string) =>
      (await call('GetShardIterator', { StreamArn: arn, ShardId: shard, ShardIteratorType, SequenceNumber })).body
        .ShardIterator as string;
    const pks = (r: { body: Body }) => r.body.Records!.map((x) => x.dynamodb.Keys.pk.S);

    // Act
    const first = await call('GetRecords', { ShardIterator: await iterator('TRIM_HORIZON'), Limit: 2 });
    const rest = await call('GetRecords', { ShardIterator: first.body.NextShardIterator! });
    const afterA = await call('GetRecords', {
      ShardIterator: await iterator('AFTER_SEQUENCE_NUMBER', first.body.Records![0]!.dynamodb.SequenceNumber),
    });
    const atB = await call('GetRecords', {
      ShardIterator: await iterator('AT_SEQUENCE_NUMBER', first.body.Records![1]!.dynamodb.SequenceNumber),
    });
    const latest = await iterator('LATEST');
    await h.doc.send(new PutCommand({ TableName, Item: { pk: 'd' } }));
    const fromLatest = await call('GetRecords', { ShardIterator: latest });
    const nothingYet = await call('GetRecords', { ShardIterator: fromLatest.body.NextShardIterator });

    // Assess
    expect(pks(first)).toEqual(['a', 'b']);
    expect(pks(rest)).toEqual(['c']);
    expect(pks(afterA)).toEqual(['b', 'c']);
    expect(pks(atB)).toEqual(['b', 'c']);
    expect(pks(fromLatest)).toEqual(['d']);
    expect(nothingYet.body.Records).toEqual([]);
    expect(nothingYet.body.NextShardIterator).toEqual(expect.any(String));
    // GetRecords answers records without Lambda's eventSourceARN.
    expect(first.body.Records![0]).not.toHaveProperty('eventSourceARN');
    expect(first.body.Records![0]).toMatchObject({ eventName: 'INSERT', eventSource: 'aws:dynamodb' });
  });
});
