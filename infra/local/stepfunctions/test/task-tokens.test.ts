import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalStepFunctions } from '../local-stepfunctions';
import {
  CALLER,
  createMachine,
  FUNCTION_ARN,
  type Harness,
  history,
  ROLE,
  start,
  startHarness,
  until,
} from './harness';

/** A flow that hands a task token to a Lambda function and waits for the callback. */
const approvalFlow = (task: Record<string, unknown> = {}, extraStates: Record<string, unknown> = {}) => ({
  StartAt: 'AwaitApproval',
  States: {
    AwaitApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: FUNCTION_ARN,
        Payload: { 'token.$': '$$.Task.Token', 'ticket.$': '$.ticket', 'state.$': '$$.State.Name' },
      },
      ResultPath: '$.approval',
      End: true,
      ...task,
    },
    ...extraStates,
  },
});

describe('.waitForTaskToken', () => {
  let h: Harness;
  const payloads: Array<{ token: string; ticket: string; state: string }> = [];

  const startFlow = async (definition: object) => {
    payloads.length = 0;
    h = await startHarness({
      invokeFunction: async (_arn, payload) => {
        payloads.push(payload as { token: string; ticket: string; state: string });
        return { accepted: true };
      },
    });
    const arn = await createMachine(h, definition);
    const executionArn = await start(h, arn, { ticket: 'T-1' });
    const payload = await until(() => payloads[0]);
    return { arn, executionArn, token: payload.token };
  };

  const describeExecution = (executionArn: string) => h.client.send(new DescribeExecutionCommand({ executionArn }));

  afterEach(async () => {
    await h.close();
  });

  it('exposes $$.Task.Token to Parameters and resumes on SendTaskSuccess', async () => {
    // Prepare
    const { arn, executionArn, token } = await startFlow(approvalFlow());
    expect(payloads[0]).toMatchObject({ ticket: 'T-1', state: 'AwaitApproval' });
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    // Act
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ ticket: 'T-1', approval: { approved: true } });
    const types = (await history(h, executionArn)).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(h.calls).toContainEqual({ caller: CALLER, action: 'states:SendTaskSuccess', resource: arn });
    // The task has closed: AWS answers a second callback with TaskTimedOut.
    await expect(h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('fails the task on SendTaskFailure, which Catch handles by error name', async () => {
    // Prepare
    const definition = approvalFlow(
      {
        End: undefined,
        Next: 'Approved',
        Catch: [{ ErrorEquals: ['ApprovalRejected'], ResultPath: '$.rejection', Next: 'Rejected' }],
      },
      { Approved: { Type: 'Succeed' }, Rejected: { Type: 'Pass', End: true } },
    );
    const { executionArn, token } = await startFlow(definition);

    // Act
    await h.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'ApprovalRejected', cause: 'Not enough detail' }),
    );
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({
      ticket: 'T-1',
      rejection: { Error: 'ApprovalRejected', Cause: 'Not enough detail' },
    });
    const failed = (await history(h, executionArn)).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toMatchObject({
      error: 'ApprovalRejected',
      cause: 'Not enough detail',
      resourceType: 'lambda',
    });
  });

  it('fails the execution with the callback error when nothing catches it', async () => {
    const { executionArn, token } = await startFlow(approvalFlow());
    await h.client.send(new SendTaskFailureCommand({ taskToken: token, error: 'ApprovalRejected', cause: 'No' }));
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });
    expect(done).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected', cause: 'No' });
  });

  it('honours TimeoutSeconds with States.Timeout, which States.TaskFailed does not catch', async () => {
    // Prepare
    const definition = approvalFlow(
      {
        TimeoutSeconds: 1,
        End: undefined,
        Next: 'Approved',
        Catch: [
          { ErrorEquals: ['States.TaskFailed'], Next: 'CaughtAsTaskFailed' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'CaughtAsTimeout' },
        ],
      },
      {
        Approved: { Type: 'Succeed' },
        CaughtAsTaskFailed: { Type: 'Fail', Error: 'WrongCatcher' },
        CaughtAsTimeout: { Type: 'Pass', End: true },
      },
    );
    const startedAt = Date.now();
    const { executionArn, token } = await startFlow(definition);

    // Act
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });

    // Assess
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '').timeout).toMatchObject({ Error: 'States.Timeout' });
    const events = await history(h, executionArn);
    expect(events.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.timeoutInSeconds).toBe(1);
    expect(events.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({
      error: 'States.Timeout',
    });
    await expect(h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('fails with States.Timeout when nothing catches the timeout', async () => {
    const { executionArn } = await startFlow(approvalFlow({ TimeoutSeconds: 1 }));
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Timeout');
  });

  it('keeps a task alive with SendTaskHeartbeat and fails it with States.HeartbeatTimeout when they stop', async () => {
    // Prepare
    const { executionArn, token } = await startFlow(approvalFlow({ HeartbeatSeconds: 1, TimeoutSeconds: 30 }));

    // Act: heartbeats for 1.8 s (longer than HeartbeatSeconds), then silence
    const beatUntil = Date.now() + 1800;
    while (Date.now() < beatUntil) {
      await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });

    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.HeartbeatTimeout');
    const timedOut = (await history(h, executionArn)).find((e) => e.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
    expect(h.calls.filter((c) => c.action === 'states:SendTaskHeartbeat').length).toBeGreaterThanOrEqual(3);
  });

  it('lets States.TaskFailed catch a heartbeat timeout (it excludes only States.Timeout)', async () => {
    const definition = approvalFlow(
      {
        HeartbeatSeconds: 1,
        End: undefined,
        Next: 'Done',
        Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Caught' }],
      },
      { Done: { Type: 'Succeed' }, Caught: { Type: 'Pass', Result: 'caught', End: true } },
    );
    const { executionArn } = await startFlow(definition);
    const done = await h.sfn.waitForExecution(executionArn, { timeoutMs: 5000 });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toBe('"caught"');
  });

  it('rejects malformed, unknown and closed tokens as AWS does', async () => {
    // Prepare
    const { executionArn, token } = await startFlow(approvalFlow());
    const foreign = Buffer.from(JSON.stringify({ e: `${executionArn}-other`, s: 'X', n: '1' })).toString('base64url');

    // Act / Assess
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })),
    ).rejects.toMatchObject({
      name: 'InvalidToken',
    });
    await expect(h.client.send(new SendTaskSuccessCommand({ taskToken: foreign, output: '{}' }))).rejects.toMatchObject(
      {
        name: 'TaskDoesNotExist',
      },
    );
    await expect(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{not json' })),
    ).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    await h.client.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'Ticket withdrawn' }));
    await expect(h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    expect(await describeExecution(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'Ticket withdrawn',
    });
  });
});

describe('.waitForTaskToken without TimeoutSeconds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits longer than the library default of 60 s (AWS waits indefinitely)', async () => {
    // Prepare: only the timer functions are faked; setImmediate stays real for the engine's event ordering.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let token: string | undefined;
    const sfn = new LocalStepFunctions({
      invokeFunction: async (_arn, payload) => {
        token = (payload as { token: string }).token;
        return null;
      },
    });
    const ctx = { caller: CALLER };
    const { stateMachineArn } = (await sfn.handle(
      'CreateStateMachine',
      { name: 'no-timeout', definition: JSON.stringify(approvalFlow()), roleArn: ROLE },
      ctx,
    )) as { stateMachineArn: string };
    const { executionArn } = (await sfn.handle(
      'StartExecution',
      { stateMachineArn, input: '{"ticket":"T-9"}' },
      ctx,
    )) as {
      executionArn: string;
    };
    for (let i = 0; i < 100 && !token; i++) await new Promise((r) => setImmediate(r));

    // Act: three simulated hours pass
    await vi.advanceTimersByTimeAsync(3 * 3600 * 1000);
    const waiting = (await sfn.handle('DescribeExecution', { executionArn }, ctx)) as { status: string };
    await sfn.handle('SendTaskSuccess', { taskToken: token, output: '"late"' }, ctx);
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
    const done = (await sfn.handle('DescribeExecution', { executionArn }, ctx)) as { status: string; output: string };

    // Assess
    expect(waiting.status).toBe('RUNNING');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output).approval).toBe('late');
    await sfn.close();
  });
});
