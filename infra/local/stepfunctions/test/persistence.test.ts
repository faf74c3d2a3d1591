import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../local-stepfunctions';
import { CALLER, FUNCTION_ARN, ROLE, until } from './harness';

const ctx = { caller: CALLER };

const flow = {
  StartAt: 'Route',
  States: {
    Route: { Type: 'Choice', Choices: [{ Variable: '$.wait', BooleanEquals: true, Next: 'Await' }], Default: 'Done' },
    Await: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: FUNCTION_ARN, Payload: { 'token.$': '$$.Task.Token' } },
      ResultPath: '$.answer',
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

describe('persistence (dataDir)', () => {
  const dirs: string[] = [];
  const instances: LocalStepFunctions[] = [];
  afterEach(async () => {
    for (const i of instances.splice(0)) await i.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const open = (dataDir: string | undefined, tokens: string[]) => {
    const sfn = new LocalStepFunctions({
      invokeFunction: async (_arn, payload) => {
        tokens.push((payload as { token: string }).token);
        return null;
      },
      waitScale: 0,
      ...(dataDir ? { dataDir } : {}),
    });
    instances.push(sfn);
    return sfn;
  };

  it('keeps state machines and finished executions, and restarts running executions from their input', async () => {
    // Prepare: one finished and one waiting execution, then a shutdown
    const dataDir = mkdtempSync(join(tmpdir(), 'itsm-sfn-'));
    dirs.push(dataDir);
    const firstTokens: string[] = [];
    const first = open(dataDir, firstTokens);
    const { stateMachineArn } = (await first.handle(
      'CreateStateMachine',
      { name: 'itsm-test-persist', definition: JSON.stringify(flow), roleArn: ROLE },
      ctx,
    )) as { stateMachineArn: string };
    const finished = (await first.handle(
      'StartExecution',
      { stateMachineArn, name: 'finished', input: '{"wait":false}' },
      ctx,
    )) as {
      executionArn: string;
    };
    await first.waitForExecution(finished.executionArn, { timeoutMs: 5000 });
    const waiting = (await first.handle(
      'StartExecution',
      { stateMachineArn, name: 'waiting', input: '{"wait":true}' },
      ctx,
    )) as {
      executionArn: string;
    };
    const oldToken = await until(() => firstTokens[0]);
    await first.close();

    // Act
    const secondTokens: string[] = [];
    const second = open(dataDir, secondTokens);
    const machine = (await second.handle('DescribeStateMachine', { stateMachineArn }, ctx)) as { definition: string };
    const kept = (await second.handle('DescribeExecution', { executionArn: finished.executionArn }, ctx)) as Record<
      string,
      unknown
    >;
    const keptHistory = (await second.handle('GetExecutionHistory', { executionArn: finished.executionArn }, ctx)) as {
      events: Array<{ type: string }>;
    };
    const newToken = await until(() => secondTokens[0]);
    const staleToken = await second
      .handle('SendTaskSuccess', { taskToken: oldToken, output: '"stale"' }, ctx)
      .catch((e: Error) => e);
    await second.handle('SendTaskSuccess', { taskToken: newToken, output: '"yes"' }, ctx);
    const resumed = await second.waitForExecution(waiting.executionArn, { timeoutMs: 5000 });
    const listed = (await second.handle('ListExecutions', { stateMachineArn }, ctx)) as {
      executions: Array<{ name: string }>;
    };

    // Assess
    expect(machine.definition).toBe(JSON.stringify(flow));
    expect(kept).toMatchObject({ status: 'SUCCEEDED', output: '{"wait":false}' });
    expect(keptHistory.events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(newToken).not.toBe(oldToken);
    expect(staleToken).toMatchObject({ code: 'TaskTimedOut' });
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', output: '{"wait":true,"answer":"yes"}' });
    expect(listed.executions.map((e) => e.name).sort()).toEqual(['finished', 'waiting']);
  });

  it('keeps nothing without a dataDir', async () => {
    const first = open(undefined, []);
    const { stateMachineArn } = (await first.handle(
      'CreateStateMachine',
      { name: 'itsm-test-memory', definition: JSON.stringify(flow), roleArn: ROLE },
      ctx,
    )) as { stateMachineArn: string };
    await first.close();
    const second = open(undefined, []);
    await expect(second.handle('DescribeStateMachine', { stateMachineArn }, ctx)).rejects.toMatchObject({
      code: 'StateMachineDoesNotExist',
    });
  });
});
