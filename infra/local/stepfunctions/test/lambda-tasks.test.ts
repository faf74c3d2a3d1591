import { afterEach, describe, expect, it } from 'vitest';
import { functionArn } from '../../names';
import { createMachine, FUNCTION_ARN, type Harness, history, run, startHarness } from './harness';

class ConfigurationNotFoundError extends Error {
  override name = 'ConfigurationNotFoundError';
}

describe('Lambda tasks', () => {
  let h: Harness;
  const invocations: Array<{ arn: string; payload: unknown }> = [];

  const harness = async (fn: (arn: string, payload: unknown) => unknown, waitScale = 0) => {
    invocations.length = 0;
    h = await startHarness({
      waitScale,
      invokeFunction: async (arn, payload) => {
        invocations.push({ arn, payload });
        return fn(arn, payload);
      },
    });
  };

  afterEach(async () => {
    await h.close();
  });

  it('wraps a lambda:invoke result as AWS does, so OutputPath $.Payload and ResultSelector work', async () => {
    // Prepare
    await harness(() => ({ priority: 'P2', score: 7 }));
    const arn = await createMachine(h, {
      StartAt: 'Whole',
      States: {
        Whole: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
          ResultPath: '$.whole',
          Next: 'PayloadOnly',
        },
        PayloadOnly: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'itsm-test-worker', 'Payload.$': '$.ticket' },
          ResultPath: '$.payload',
          OutputPath: '$',
          Next: 'Selected',
        },
        Selected: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'id.$': '$.ticket' } },
          ResultSelector: { 'priority.$': '$.Payload.priority', 'status.$': '$.StatusCode' },
          ResultPath: '$.selected',
          End: true,
        },
      },
    });

    // Act
    const done = await run(h, arn, { ticket: 'T-7' });

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    const out = JSON.parse(done.output ?? '');
    expect(out.whole).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { priority: 'P2', score: 7 },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
    expect(out.payload.Payload).toEqual({ priority: 'P2', score: 7 });
    expect(out.selected).toEqual({ priority: 'P2', status: 200 });
    expect(invocations).toEqual([
      { arn: FUNCTION_ARN, payload: { ticket: 'T-7' } },
      // A bare function name is resolved to the local function ARN.
      { arn: functionArn('itsm-test-worker'), payload: 'T-7' },
      { arn: FUNCTION_ARN, payload: { id: 'T-7' } },
    ]);
    const types = (await history(h, done.executionArn ?? '')).map((e) => e.type);
    expect(types.slice(0, 6)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
  });

  it('returns the unwrapped result for a function ARN resource', async () => {
    // Prepare
    await harness((_arn, payload) => ({ echoed: payload }));
    const arn = await createMachine(h, {
      StartAt: 'Call',
      States: {
        Call: { Type: 'Task', Resource: FUNCTION_ARN, InputPath: '$.ticket', ResultPath: '$.result', End: true },
      },
    });

    // Act
    const done = await run(h, arn, { ticket: { id: 'T-1' } });

    // Assess
    expect(JSON.parse(done.output ?? '')).toEqual({ ticket: { id: 'T-1' }, result: { echoed: { id: 'T-1' } } });
    const events = await history(h, done.executionArn ?? '');
    expect(events.map((e) => e.type)).toContain('LambdaFunctionSucceeded');
    expect(events.find((e) => e.type === 'LambdaFunctionScheduled')?.lambdaFunctionScheduledEventDetails).toMatchObject(
      {
        resource: FUNCTION_ARN,
        input: '{"id":"T-1"}',
      },
    );
  });

  it('retries and catches a thrown custom error by its name, with the Lambda error as Cause', async () => {
    // Prepare
    await harness(() => {
      throw new ConfigurationNotFoundError('CI ci-42 does not exist');
    });
    const arn = await createMachine(h, {
      StartAt: 'Lookup',
      States: {
        Lookup: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['ConfigurationNotFoundError'], MaxAttempts: 2, IntervalSeconds: 30 }],
          Catch: [{ ErrorEquals: ['ConfigurationNotFoundError'], ResultPath: '$.error', Next: 'NotFound' }],
          End: true,
        },
        NotFound: { Type: 'Pass', End: true },
      },
    });

    // Act
    const done = await run(h, arn, { ci: 'ci-42' });

    // Assess: 1 attempt + 2 retries (intervals scaled to 0 by waitScale), then the catcher
    expect(invocations).toHaveLength(3);
    expect(done.status).toBe('SUCCEEDED');
    const out = JSON.parse(done.output ?? '');
    expect(out.error.Error).toBe('ConfigurationNotFoundError');
    expect(JSON.parse(out.error.Cause)).toMatchObject({
      errorType: 'ConfigurationNotFoundError',
      errorMessage: 'CI ci-42 does not exist',
    });
    const failed = (await history(h, done.executionArn ?? '')).filter((e) => e.type === 'TaskFailed');
    expect(failed).toHaveLength(3);
    expect(failed[0]?.taskFailedEventDetails?.error).toBe('ConfigurationNotFoundError');
  });

  it('fails the execution with the error name and Lambda cause when nothing catches it', async () => {
    await harness(() => {
      throw new ConfigurationNotFoundError('missing');
    });
    const arn = await createMachine(h, {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
    });
    const done = await run(h, arn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ConfigurationNotFoundError');
    expect(JSON.parse(done.cause ?? '')).toMatchObject({
      errorType: 'ConfigurationNotFoundError',
      errorMessage: 'missing',
    });
  });

  it('matches States.TaskFailed and States.ALL for any thrown error', async () => {
    await harness(() => {
      throw new Error('boom');
    });
    const arn = await createMachine(h, {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: FUNCTION_ARN,
          Retry: [{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', Parameters: { 'error.$': '$.Error' }, End: true },
      },
    });
    const done = await run(h, arn);
    expect(invocations).toHaveLength(2);
    expect(JSON.parse(done.output ?? '')).toEqual({ error: 'Error' });
  });

  it('waits between retries according to IntervalSeconds x waitScale', async () => {
    let calls = 0;
    await harness(() => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'ok';
    }, 0.1);
    const arn = await createMachine(h, {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: FUNCTION_ARN,
          Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 3 }],
          End: true,
        },
      },
    });
    const startedAt = Date.now();
    const done = await run(h, arn);
    // 3 s + 6 s of retry intervals at waitScale 0.1: about 0.9 s.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(850);
    expect(done.output).toBe('"ok"');
  });
});
