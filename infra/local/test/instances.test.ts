import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import { AwsError } from '../aws-service';
import { type LocalFunctionSpec, LocalFunctions, type LocalFunctionsOptions } from '../functions';
import { LocalGateway } from '../gateway';
import { LocalIdentity } from '../identity';
import { createMachine, type Harness, run, startHarness } from '../stepfunctions/test/harness';
import type { ProbeEvent } from './fixtures/instance-probe';

/** Local Lambda instances (ADR 22): one invocation at a time, lazily started, reaped, limited, throttled. */
const ENTRY = fileURLToPath(new URL('./fixtures/instance-probe.ts', import.meta.url));
const NAME = 'itsm-test-probe';

interface Probe {
  instance: string;
  served: number;
  mostAtOnce: number;
}

const open: LocalFunctions[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

function probe(options: LocalFunctionsOptions = {}, spec: Partial<LocalFunctionSpec> = {}): LocalFunctions {
  const functions = new LocalFunctions({ AWS_REGION: 'us-east-1' }, { asyncRetryBaseDelayMs: 10, ...options });
  functions.add({
    service: 'test',
    fnId: 'probe',
    functionName: NAME,
    functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${NAME}`,
    entry: ENTRY,
    environment: { SERVICE_NAME: 'test', SET_ON_PROBE: 'yes' },
    memoryMb: 128,
    timeoutSeconds: 10,
    ...spec,
  });
  open.push(functions);
  return functions;
}

const call = (functions: LocalFunctions, event: ProbeEvent = {}) => functions.invoke(NAME, event) as Promise<Probe>;
const stats = (functions: LocalFunctions) => functions.stats().find((s) => s.functionName === NAME)!;

describe('instances', () => {
  it('gives two concurrent calls two module scopes, each started on first use', async () => {
    // Prepare
    const functions = probe({ maxInstances: 2 });
    expect(stats(functions)).toMatchObject({ instances: 0, coldStarts: 0 });
    // Act
    const [a, b] = await Promise.all([call(functions, { waitMs: 100 }), call(functions, { waitMs: 100 })]);
    // Assess
    expect(a!.instance).not.toBe(b!.instance);
    expect([a!.served, b!.served]).toEqual([1, 1]);
    expect(stats(functions)).toMatchObject({ instances: 2, coldStarts: 2, invocations: 2 });
    expect(stats(functions).initMsRecent).toHaveLength(2);
  });

  it('serves one invocation at a time in an instance, even when the handler awaits', async () => {
    // Prepare: one instance, so every call lands in the same module scope.
    const functions = probe({ maxInstances: 1 });
    // Act
    const results = await Promise.all([1, 2, 3, 4].map(() => call(functions, { waitMs: 30 })));
    // Assess: all in one instance, in turn, never two at once.
    expect(new Set(results.map((r) => r.instance)).size).toBe(1);
    expect(results.map((r) => r.served).sort()).toEqual([1, 2, 3, 4]);
    expect(Math.max(...results.map((r) => r.mostAtOnce))).toBe(1);
    expect(stats(functions).coldStarts).toBe(1);
  });

  it('reaps an idle instance; the next call is a cold start in a fresh module scope', async () => {
    // Prepare
    const functions = probe({ idleMs: 50 });
    const first = await call(functions);
    // Act
    await eventually(() => stats(functions).instances === 0, 5000, 'the idle instance to be reaped');
    const second = await call(functions);
    // Assess
    expect(second.instance).not.toBe(first.instance);
    expect(second.served).toBe(1);
    expect(stats(functions).coldStarts).toBe(2);
  });

  it('keeps a busy instance warm (it is not reaped while serving)', async () => {
    // Prepare: a call longer than the idle time.
    const functions = probe({ idleMs: 30, maxInstances: 1 });
    // Act
    const slow = await call(functions, { waitMs: 150 });
    const next = await call(functions);
    // Assess: the idle clock starts when a call ends, so the next call found the same instance.
    expect(next.instance).toBe(slow.instance);
  });

  it('makes synchronous calls beyond the instance limit wait, and runs them all', async () => {
    // Prepare
    const functions = probe({ maxInstances: 2 });
    // Act
    const results = await Promise.all(Array.from({ length: 7 }, () => call(functions, { waitMs: 20 })));
    // Assess
    expect(results).toHaveLength(7);
    expect(new Set(results.map((r) => r.instance)).size).toBe(2);
    expect(results.every((r) => r.mostAtOnce === 1)).toBe(true);
    expect(stats(functions)).toMatchObject({ invocations: 7, coldStarts: 2, throttles: 0 });
  });

  it('makes asynchronous invocations beyond the instance limit wait in the queue, and runs them all', async () => {
    // Prepare
    const functions = probe({ maxInstances: 2 });
    // Act
    for (let i = 0; i < 7; i++) functions.invokeAsync(NAME, { waitMs: 20 });
    await functions.drainAsync();
    // Assess
    expect(stats(functions)).toMatchObject({ invocations: 7, coldStarts: 2 });
    expect(functions.asyncFailures()).toEqual([]);
  });

  it('fails a call whose function cannot be bundled, and keeps no instance for it', async () => {
    // Prepare
    const functions = probe({}, { entry: fileURLToPath(new URL('./fixtures/missing.ts', import.meta.url)) });
    // Act
    const first = await call(functions).catch((e: Error) => e);
    const second = await call(functions).catch((e: Error) => e);
    // Assess: each call tried to build again; nothing is left running or waiting.
    for (const outcome of [first, second]) expect(String(outcome)).toMatch(/esbuild could not bundle .*missing\.ts/);
    expect(stats(functions)).toMatchObject({ instances: 0, coldStarts: 0 });
  });

  it('fails the call of an instance whose runtime exits, and starts a new one for the next', async () => {
    // Prepare
    const functions = probe({ maxInstances: 1 });
    const before = await call(functions);
    // Act
    const exited = await call(functions, { exit: 3 }).catch((e: Error) => e);
    const after = await call(functions);
    // Assess
    expect(exited).toMatchObject({ name: 'Runtime.ExitError', message: 'Runtime exited with error: exit status 3' });
    expect(after.instance).not.toBe(before.instance);
    expect(stats(functions)).toMatchObject({ coldStarts: 2, instances: 1 });
  });

  it('ends an instance whose call timed out; the next call gets a new one', async () => {
    // Prepare
    const functions = probe({ maxInstances: 1 }, { timeoutSeconds: 0.2 });
    // Act
    const timedOut = await call(functions, { hang: true }).catch((e: Error) => e);
    const after = await call(functions);
    // Assess
    expect(timedOut).toMatchObject({ name: 'Sandbox.Timedout', message: 'Task timed out after 0.20 seconds' });
    expect(after.served).toBe(1);
    expect(stats(functions).coldStarts).toBe(2);
  });
});

describe('reserved concurrency', () => {
  it('throttles a synchronous call beyond it with TooManyRequestsException, as Lambda does', async () => {
    // Prepare: reserved concurrency above the local default, to show it replaces that bound.
    const functions = probe({ maxInstances: 2 }, { reservedConcurrency: 1 });
    const busy = call(functions, { waitMs: 300 });
    await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
    // Act
    const refused = await call(functions).catch((e: unknown) => e);
    await busy;
    const later = await call(functions);
    // Assess
    expect(refused).toBeInstanceOf(AwsError);
    expect(refused).toMatchObject({
      name: 'TooManyRequestsException',
      statusCode: 429,
      message: 'Rate Exceeded.',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    expect(later.served).toBe(2);
    expect(stats(functions)).toMatchObject({ throttles: 1, invocations: 2, coldStarts: 1 });
  });

  it('keeps asynchronous invocations beyond it queued, without using a retry, and runs each', async () => {
    // Prepare
    const functions = probe(
      {},
      { reservedConcurrency: 1, asyncInvoke: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 } },
    );
    const busy = call(functions, { waitMs: 200 });
    await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
    // Act
    for (let i = 0; i < 3; i++) functions.invokeAsync(NAME, { waitMs: 10 });
    await busy;
    await functions.drainAsync();
    // Assess: no retry attempt was available, yet none failed; one instance served all four.
    expect(functions.asyncFailures()).toEqual([]);
    expect(stats(functions)).toMatchObject({ invocations: 4, coldStarts: 1, throttles: 0 });
  });

  it('drops an asynchronous event that waited past its maximum age, as Lambda does', async () => {
    // Prepare
    const functions = probe(
      {},
      { reservedConcurrency: 1, asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 0.05 } },
    );
    const busy = call(functions, { waitMs: 300 });
    await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
    // Act
    functions.invokeAsync(NAME, { log: 'too late' });
    await busy;
    await functions.drainAsync();
    // Assess
    expect(functions.asyncFailures()).toMatchObject([
      {
        functionName: NAME,
        requestPayload: { log: 'too late' },
        requestContext: { condition: 'EventAgeExceeded', approximateInvokeCount: 0 },
      },
    ]);
    expect(stats(functions).invocations).toBe(1);
  });

  it('is reported by the HTTP API as API Gateway reports a rejected invocation: 500', async () => {
    // Prepare
    const functions = probe({}, { reservedConcurrency: 1 });
    const gateway = new LocalGateway(
      [{ method: 'GET', path: '/probe', functionName: NAME, authorized: false }],
      NAME,
      await LocalIdentity.open(),
      (fn, event) => functions.invoke(fn, event),
    );
    const url = await gateway.listen(0);
    try {
      const busy = call(functions, { waitMs: 1000 });
      await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
      // Act
      const res = await fetch(`${url}/probe`);
      await busy;
      // Assess
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
      expect(stats(functions).throttles).toBe(1);
    } finally {
      await gateway.close();
    }
  });

  it('fails a Step Functions task with Lambda.TooManyRequestsException', async () => {
    // Prepare
    const functions = probe({}, { reservedConcurrency: 1 });
    const h: Harness = await startHarness({ invokeFunction: (arn, payload) => functions.invoke(arn, payload) });
    try {
      const arn = await createMachine(h, {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: NAME, Payload: {} },
            Catch: [{ ErrorEquals: ['Lambda.TooManyRequestsException'], ResultPath: '$.error', Next: 'Throttled' }],
            End: true,
          },
          Throttled: { Type: 'Pass', End: true },
        },
      });
      const busy = call(functions, { waitMs: 1000 });
      await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
      // Act
      const out = await run(h, arn);
      await busy;
      // Assess
      expect(out.status).toBe('SUCCEEDED');
      const error = (JSON.parse(out.output!) as { error: { Error: string; Cause: string } }).error;
      expect(error.Error).toBe('Lambda.TooManyRequestsException');
      expect(error.Cause).toMatch(
        /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException;/,
      );
    } finally {
      await h.close();
    }
  });
});

describe('meters and fidelity', () => {
  it('counts the bytes a function logs', async () => {
    // Prepare
    const functions = probe();
    const line = 'x'.repeat(100);
    // Act
    await call(functions, { log: line });
    await call(functions, { log: line });
    // Assess: both lines and their newlines, arriving from the worker's stream.
    await eventually(() => stats(functions).logBytes >= 202, 5000, 'log bytes');
    expect(stats(functions).logBytes).toBe(202);
  });

  it('keeps the environment names read by instances already reaped', async () => {
    // Prepare
    const functions = probe({ idleMs: 30 });
    await call(functions, { read: ['SET_ON_PROBE'] });
    await eventually(() => stats(functions).instances === 0, 5000, 'the instance to be reaped');
    // Act
    await call(functions, { read: ['SERVICE_NAME'] });
    const reads = await functions.environmentReads();
    // Assess
    expect(reads.get(NAME)).toEqual(['SERVICE_NAME', 'SET_ON_PROBE']);
  });

  it('leaves no bundler process running once the bundle is built', async () => {
    // Prepare
    const functions = probe();
    const children = () => execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    // Act
    await call(functions);
    // Assess: esbuild's service (80-170 MB) was started for the build and stopped after it.
    await eventually(() => !children().includes('esbuild'), 5000, 'esbuild to stop');
    expect(stats(functions).coldStarts).toBe(1);
  });

  it('rejects calls running or waiting at close, and starts nothing after', async () => {
    // Prepare
    const functions = probe({ maxInstances: 1 });
    const running = call(functions, { waitMs: 2000 }).catch((e: unknown) => e);
    const waiting = call(functions).catch((e: unknown) => e);
    await eventually(() => stats(functions).instances === 1, 5000, 'the first instance');
    // Act
    await functions.close();
    // Assess
    for (const outcome of [await running, await waiting])
      expect(outcome).toMatchObject({ name: 'ServiceException', message: 'Lambda is shutting down' });
    await expect(call(functions)).rejects.toMatchObject({ name: 'ServiceException' });
    expect(stats(functions).instances).toBe(0);
  });
});
