import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../../../test/support/runtime';
import type { Runtime } from '../runtime';

/** The meter the bench reads (`GET /_local/metrics`): AWS SDK calls, counted as the endpoint answers them. */
describe('GET /_local/metrics', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime({ services: [] });
  });
  afterAll(() => rt?.close());

  const sdkCalls = async () =>
    ((await (await fetch(`${rt.awsUrl}/_local/metrics`)).json()) as { sdk: { calls: number } }).sdk.calls;

  it('counts every AWS SDK call the endpoint answers, and nothing else', async () => {
    // Prepare
    const ddb = new DynamoDBClient({
      endpoint: rt.awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'meter-test', secretAccessKey: 'local' },
    });
    const before = await sdkCalls();

    // Act: three calls, and a read of the meter itself in between (not an SDK call).
    await ddb.send(new ListTablesCommand({}));
    await sdkCalls();
    await ddb.send(new ListTablesCommand({}));
    await ddb.send(new ListTablesCommand({ Limit: 1 }));
    ddb.destroy();

    // Assess
    expect((await sdkCalls()) - before).toBe(3);
  });
});
