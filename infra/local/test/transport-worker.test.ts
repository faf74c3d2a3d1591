import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelRequest } from '../transport';

/**
 * The worker side of the transport on its own (ADR 24), in this test's thread: what a waiting
 * call does when the endpoint's end of the channel goes away.
 */
const transport = createRequire(import.meta.url)('../transport-worker.cjs') as {
  NodeHttpHandler: { create(options: object): unknown };
  install(port: MessagePort, endpointUrl: string): void;
};
const ENDPOINT = 'http://127.0.0.1:4566';
const { port1: endpointSide, port2: workerSide } = new MessageChannel();
transport.install(workerSide, ENDPOINT);
afterAll(() => workerSide.close());

describe('transport handler', () => {
  it('fails a waiting call as a reset connection when the endpoint closes the channel', async () => {
    // Prepare: a client as a function builds it, with the transport's handler and no retries.
    const client = new DynamoDBClient({
      endpoint: ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'itsm-probe', secretAccessKey: 'local' },
      maxAttempts: 1,
      requestHandler: transport.NodeHttpHandler.create({}) as never,
    });
    const received = new Promise<ChannelRequest>((resolve) => endpointSide.once('message', resolve));
    // Act: the request reaches the endpoint's side, which closes instead of answering.
    const call = client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
    const request = await received;
    endpointSide.close();
    // Assess: the request was the signed awsJson call; the call fails as ECONNRESET does over HTTP.
    expect(request.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=itsm-probe\//);
    await expect(call).rejects.toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET' });
    // And a later call fails at once rather than waiting for an answer that cannot come.
    await expect(client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'b' } } }))).rejects.toMatchObject({
      name: 'TimeoutError',
      code: 'ECONNRESET',
    });
  });
});
