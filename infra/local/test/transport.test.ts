import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineService } from '../../../shared/kit/definition';
import { testRuntime } from '../../../test/support/runtime';
import type { Runtime } from '../runtime';
import type { ProbeEvent, ProbeResult } from './fixtures/sdk-probe';

/**
 * The in-process transport (ADR 24): a function's SDK calls reach the same emulators over its
 * message port as over HTTP, with the same answers and errors, under the same caller identity, and
 * the SDK's abort and request timeout still behave.
 */
const probe = defineService({
  name: 'probe',
  title: 'Transport probe',
  fitsm: 'PR0',
  table: { indexes: [] },
  functions: {
    sdk: {
      entry: fileURLToPath(new URL('./fixtures/sdk-probe.ts', import.meta.url)),
      description: 'makes one DynamoDB call over the channel or over HTTP',
      access: { table: 'write' },
    },
  },
  routes: [],
  subscriptions: [],
  flows: [],
  schedules: [],
  publishes: [],
});
const FUNCTION = 'itsm-probe-sdk';
const TABLE = 'itsm-probe';

let rt: Runtime;
beforeAll(async () => {
  rt = await testRuntime({ services: [probe] });
}, 60_000);
afterAll(() => rt?.close());

const run = (e: ProbeEvent) => rt.functions.invoke(FUNCTION, e) as Promise<ProbeResult>;
/** Runs the same call over both paths; `prepare` resets what the call depends on before each. */
async function bothWays(e: Omit<ProbeEvent, 'via'>, prepare: () => Promise<unknown>) {
  await prepare();
  const channel = await run({ ...e, via: 'channel' });
  await prepare();
  const http = await run({ ...e, via: 'http' });
  return { channel, http };
}
const put = (pk: string, extra: Record<string, unknown> = {}) =>
  run({ via: 'http', op: 'put', input: { TableName: TABLE, Item: { pk: { S: pk }, sk: { S: 'x' }, ...extra } } });

describe('in-process transport for functions’ SDK calls', () => {
  it('answers a call as HTTP does, without an HTTP request', async () => {
    // Prepare
    const item = { pk: { S: 'same' }, sk: { S: 'x' }, n: { N: '7' }, tags: { SS: ['a', 'b'] } };
    await put('same', { n: { N: '7' }, tags: { SS: ['a', 'b'] } });
    // Act
    const { channel, http } = await bothWays(
      { op: 'get', input: { TableName: TABLE, Key: { pk: { S: 'same' }, sk: { S: 'x' } } } },
      async () => undefined,
    );
    // Assess: the same item both ways; only the HTTP handler sent an HTTP request.
    expect(channel.output).toEqual({ Item: item });
    expect(http.output).toEqual(channel.output);
    expect(channel.httpRequests).toBe(0);
    expect(http.httpRequests).toBe(1);
  }, 60_000);

  it('carries a large item both ways', async () => {
    // Prepare: 300 KB of multi-byte characters, and an item over DynamoDB's 400 KB limit.
    const big = 'ü€'.repeat(60_000);
    // Act
    const written = await run({
      via: 'channel',
      op: 'put',
      input: { TableName: TABLE, Item: { pk: { S: 'big' }, sk: { S: 'x' }, text: { S: big } } },
    });
    const read = await run({
      via: 'channel',
      op: 'get',
      input: { TableName: TABLE, Key: { pk: { S: 'big' }, sk: { S: 'x' } } },
    });
    const tooBig = await run({
      via: 'channel',
      op: 'put',
      input: { TableName: TABLE, Item: { pk: { S: 'big2' }, sk: { S: 'x' }, text: { S: 'x'.repeat(410_000) } } },
    });
    // Assess
    expect(written.error).toBeUndefined();
    expect(read.output).toEqual({ Item: { pk: { S: 'big' }, sk: { S: 'x' }, text: { S: big } } });
    expect(tooBig.error).toMatchObject({ name: 'ValidationException', status: 400, fault: 'client' });
    expect(tooBig.error?.message).toMatch(/Item size has exceeded the maximum allowed size/);
  }, 60_000);

  it('raises the same ConditionalCheckFailedException', async () => {
    // Act
    const { channel, http } = await bothWays(
      {
        op: 'put',
        input: {
          TableName: TABLE,
          Item: { pk: { S: 'taken' }, sk: { S: 'x' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      () => put('taken'),
    );
    // Assess
    expect(channel.error).toMatchObject({ name: 'ConditionalCheckFailedException', status: 400, fault: 'client' });
    expect(channel.error).toEqual(http.error);
  }, 60_000);

  it('raises the same TransactionCanceledException with its reasons', async () => {
    // Act: the second item's condition fails.
    const { channel, http } = await bothWays(
      {
        op: 'transact',
        input: {
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'tx-new' }, sk: { S: 'x' } } } },
            {
              Put: {
                TableName: TABLE,
                Item: { pk: { S: 'tx-held' }, sk: { S: 'x' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        },
      },
      () => put('tx-held'),
    );
    // Assess
    expect(channel.error).toMatchObject({
      name: 'TransactionCanceledException',
      reasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' }],
    });
    expect(channel.error).toEqual(http.error);
  }, 60_000);

  it('records the calling function, as over HTTP', async () => {
    // Prepare
    const reads = () =>
      rt
        .recordedCalls()
        .find(
          (c) =>
            c.caller === FUNCTION &&
            c.action === 'dynamodb:GetItem' &&
            c.resource === `arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`,
        )?.count ?? 0;
    const before = reads();
    // Act
    await run({ via: 'channel', op: 'get', input: { TableName: TABLE, Key: { pk: { S: 'who' }, sk: { S: 'x' } } } });
    // Assess
    expect(reads()).toBe(before + 1);
  }, 60_000);

  /**
   * Invokes the probe and holds the main thread (which answers the channel) until the probe's call
   * has settled, so the answer cannot come first; then lets the late answer arrive.
   */
  async function withEndpointHeld(e: Omit<ProbeEvent, 'settled'>): Promise<ProbeResult> {
    const settled = new SharedArrayBuffer(4);
    const result = run({ ...e, settled });
    // The invocation is posted to the worker before this blocks; 10 s is only a safety net.
    await new Promise((r) => setImmediate(r));
    const woke = Atomics.wait(new Int32Array(settled), 0, 0, 10_000);
    expect(woke).not.toBe('timed-out');
    return result;
  }

  it('rejects with TimeoutError when a request outlives the request timeout, as the HTTP handler does', async () => {
    // Act
    const e = {
      op: 'put' as const,
      input: { TableName: TABLE, Item: { pk: { S: 'late' }, sk: { S: 'x' } } },
      handler: { requestTimeout: 50, throwOnRequestTimeout: true },
    };
    const channel = await withEndpointHeld({ ...e, via: 'channel' });
    const http = await withEndpointHeld({ ...e, via: 'http' });
    // Assess: the same error both ways; the late answer is dropped and the channel still works.
    expect(channel.error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(channel.error).toEqual(http.error);
    const after = await run({
      via: 'channel',
      op: 'get',
      input: { TableName: TABLE, Key: { pk: { S: 'late' }, sk: { S: 'x' } } },
    });
    // As on AWS, a request the client gave up on may still have been carried out.
    expect(after.output).toEqual({ Item: { pk: { S: 'late' }, sk: { S: 'x' } } });
  }, 60_000);

  it('rejects with AbortError when the caller aborts, as the HTTP handler does', async () => {
    // Act
    const e = { op: 'put' as const, input: { TableName: TABLE, Item: { pk: { S: 'gone' }, sk: { S: 'x' } } } };
    const channel = await withEndpointHeld({ ...e, via: 'channel', abort: true });
    const http = await withEndpointHeld({ ...e, via: 'http', abort: true });
    // Assess
    expect(channel.error).toMatchObject({ name: 'AbortError', message: 'Request aborted' });
    expect(channel.error).toEqual(http.error);
    const after = await run({
      via: 'channel',
      op: 'get',
      input: { TableName: TABLE, Key: { pk: { S: 'who' }, sk: { S: 'x' } } },
    });
    expect(after.error).toBeUndefined();
  }, 60_000);
});
