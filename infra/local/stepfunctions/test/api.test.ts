import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateMachineArn } from '../../names';
import { CALLER, createMachine, type Harness, history, ROLE, run, start, startHarness, until } from './harness';

const passFlow = { StartAt: 'Done', States: { Done: { Type: 'Pass', Result: { ok: true }, End: true } } };
const waitFlow = (wait: Record<string, unknown>) => ({
  StartAt: 'Pause',
  States: { Pause: { Type: 'Wait', ...wait, Next: 'Done' }, Done: { Type: 'Succeed' } },
});

describe('state machines', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('rejects invalid definitions with InvalidDefinition', async () => {
    const create = (definition: string) =>
      h.client.send(new CreateStateMachineCommand({ name: 'invalid', definition, roleArn: ROLE }));
    await expect(create('{not json')).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(
      create(JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Nxt: 'B' } } })),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
    await expect(
      create(JSON.stringify({ StartAt: 'Missing', States: { A: { Type: 'Succeed' } } })),
    ).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
    // Refused rather than run wrongly: the library would silently ignore JSONata.
    await expect(
      create(
        JSON.stringify({
          QueryLanguage: 'JSONata',
          StartAt: 'A',
          States: { A: { Type: 'Pass', Output: '{% 1 %}', End: true } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('JSONata') });
    await expect(
      create(
        JSON.stringify({
          StartAt: 'A',
          States: { A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining('not supported') });
    await expect(
      create(
        JSON.stringify({
          StartAt: 'A',
          States: { A: { Type: 'Pass', Parameters: { 'x.$': 'States.Nope(1)' }, End: true } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition' });
  });

  it('rejects invalid names with InvalidName', async () => {
    await expect(
      h.client.send(
        new CreateStateMachineCommand({ name: 'has space', definition: JSON.stringify(passFlow), roleArn: ROLE }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('treats the same name and definition as an idempotent repeat, a different definition as StateMachineAlreadyExists', async () => {
    // Prepare
    const definition = JSON.stringify(passFlow);
    const first = await h.client.send(
      new CreateStateMachineCommand({ name: 'itsm-test-idem', definition, roleArn: ROLE }),
    );

    // Act
    const again = await h.client.send(
      new CreateStateMachineCommand({ name: 'itsm-test-idem', definition, roleArn: ROLE }),
    );
    const changed = await h.client
      .send(
        new CreateStateMachineCommand({
          name: 'itsm-test-idem',
          definition: JSON.stringify(waitFlow({ Seconds: 1 })),
          roleArn: ROLE,
        }),
      )
      .catch((err: Error) => err);

    // Assess
    expect(first.stateMachineArn).toBe(stateMachineArn('itsm-test-idem'));
    expect(again).toMatchObject({ stateMachineArn: first.stateMachineArn, creationDate: first.creationDate });
    expect(changed).toMatchObject({ name: 'StateMachineAlreadyExists' });
  });

  it('describes, updates, lists (paginated) and deletes state machines', async () => {
    // Prepare
    const text = JSON.stringify(passFlow, null, 2);
    const created = await h.client.send(
      new CreateStateMachineCommand({ name: 'itsm-test-describe', definition: text, roleArn: ROLE }),
    );
    const arn = created.stateMachineArn as string;
    for (let i = 0; i < 3; i++) await createMachine(h, passFlow, `itsm-test-list-${i}`);

    // Act
    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    await h.client.send(
      new UpdateStateMachineCommand({ stateMachineArn: arn, definition: JSON.stringify(waitFlow({ Seconds: 0 })) }),
    );
    const updated = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await h.client.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
      names.push(...(page.stateMachines ?? []).map((m) => m.name ?? ''));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    await h.client.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));

    // Assess
    expect(described).toMatchObject({
      name: 'itsm-test-describe',
      status: 'ACTIVE',
      definition: text,
      roleArn: ROLE,
      type: 'STANDARD',
    });
    expect(described.creationDate).toBeInstanceOf(Date);
    expect(JSON.parse(updated.definition ?? '').StartAt).toBe('Pause');
    expect(names).toEqual(
      expect.arrayContaining(['itsm-test-describe', 'itsm-test-list-0', 'itsm-test-list-1', 'itsm-test-list-2']),
    );
    expect(pages).toBeGreaterThan(1);
    await expect(h.client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(
      h.client.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:sqs:x' })),
    ).rejects.toMatchObject({
      name: 'InvalidArn',
    });
  });

  it('answers an unknown action with UnknownOperationException', async () => {
    await expect(h.sfn.handle('TagResource', {}, { caller: CALLER })).rejects.toMatchObject({
      code: 'UnknownOperationException',
    });
  });
});

describe('executions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ waitScale: 1 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('starts named executions, refuses a reused name and repeats a running start idempotently', async () => {
    // Prepare
    const passArn = await createMachine(h, passFlow);
    const waitArn = await createMachine(h, waitFlow({ Seconds: 3600 }));

    // Act
    const named = await start(h, passArn, { a: 1 }, 'ticket-1');
    await h.sfn.waitForExecution(named, { timeoutMs: 5000 });
    const reused = await start(h, passArn, { a: 1 }, 'ticket-1').catch((err: Error) => err);
    const running = await start(h, waitArn, { b: 1 }, 'long');
    const repeat = await start(h, waitArn, { b: 1 }, 'long');
    const differentInput = await start(h, waitArn, { b: 2 }, 'long').catch((err: Error) => err);

    // Assess
    expect(named).toBe(`${passArn.replace(':stateMachine:', ':execution:')}:ticket-1`);
    expect(reused).toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(repeat).toBe(running);
    expect(differentInput).toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(
      h.client.send(new StartExecutionCommand({ stateMachineArn: passArn, input: '{oops' })),
    ).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
    await expect(
      h.client.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn('nope') })),
    ).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await h.client.send(new StopExecutionCommand({ executionArn: running }));
  });

  it('describes executions with AWS shapes: epoch-second dates, JSON text input and output', async () => {
    // Prepare
    const arn = await createMachine(h, passFlow);

    // Act
    const done = await run(h, arn, { ticket: 'T-3' });
    const raw = (await h.sfn.handle(
      'DescribeExecution',
      { executionArn: done.executionArn },
      { caller: CALLER },
    )) as Record<string, unknown>;

    // Assess
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      input: '{"ticket":"T-3"}',
      output: '{"ok":true}',
      stateMachineArn: arn,
    });
    expect(done.startDate).toBeInstanceOf(Date);
    expect((done.stopDate?.getTime() ?? 0) >= (done.startDate?.getTime() ?? 0)).toBe(true);
    expect(typeof raw.startDate).toBe('number');
    expect(raw.startDate as number).toBeGreaterThan(1_600_000_000);
    expect(raw.startDate as number).toBeLessThan(10_000_000_000);
    await expect(
      h.client.send(
        new DescribeExecutionCommand({ executionArn: `${arn.replace(':stateMachine:', ':execution:')}:missing` }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('lists executions newest first, filtered by status, paginated', async () => {
    // Prepare
    const arn = await createMachine(h, passFlow);
    const waitArn = await createMachine(h, waitFlow({ Seconds: 3600 }));
    for (let i = 0; i < 3; i++) await run(h, arn, { i });
    const waiting = await start(h, waitArn);

    // Act
    const first = await h.client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
    const second = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken: first.nextToken }),
    );
    const running = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: waitArn, statusFilter: 'RUNNING' }),
    );
    const succeeded = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: waitArn, statusFilter: 'SUCCEEDED' }),
    );

    // Assess
    const all = [...(first.executions ?? []), ...(second.executions ?? [])];
    expect(all).toHaveLength(3);
    expect(second.nextToken).toBeUndefined();
    const starts = all.map((e) => e.startDate?.getTime() ?? 0);
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    expect(running.executions?.map((e) => e.executionArn)).toEqual([waiting]);
    expect(succeeded.executions).toEqual([]);
    await h.client.send(new StopExecutionCommand({ executionArn: waiting }));
  });

  it('pages the history forwards and backwards, with and without execution data', async () => {
    // Prepare
    const arn = await createMachine(h, {
      StartAt: 'One',
      States: {
        One: { Type: 'Pass', Result: 1, ResultPath: '$.one', Next: 'Check' },
        Check: { Type: 'Choice', Choices: [{ Variable: '$.one', NumericEquals: 1, Next: 'Pause' }], Default: 'Pause' },
        Pause: { Type: 'Wait', Seconds: 0, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    });
    const done = await run(h, arn, { secret: 's3cr3t' });
    const executionArn = done.executionArn ?? '';

    // Act
    const pages: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 3, nextToken }));
      pages.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    const reversed = await h.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    const withoutData = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );

    // Assess
    expect(pages.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(pages.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(pages.map((e) => e.previousEventId)).toEqual([0, 0, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pages[0]?.timestamp).toBeInstanceOf(Date);
    expect(pages[0]?.executionStartedEventDetails).toMatchObject({ input: '{"secret":"s3cr3t"}', roleArn: ROLE });
    expect(pages[2]?.stateExitedEventDetails).toMatchObject({ name: 'One', output: '{"secret":"s3cr3t","one":1}' });
    expect(reversed.events?.map((e) => e.id)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(JSON.stringify(withoutData.events)).not.toContain('s3cr3t');
    expect(withoutData.events?.[1]?.stateEnteredEventDetails?.name).toBe('One');
  });

  it('stops a running execution as ABORTED with the given error and cause', async () => {
    // Prepare
    const arn = await createMachine(h, waitFlow({ Seconds: 3600 }));
    const executionArn = await start(h, arn);

    // Act
    const stopped = await h.client.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'by requester' }),
    );
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Withdrawn', cause: 'by requester' });
    const last = (await history(h, executionArn)).at(-1);
    expect(last?.type).toBe('ExecutionAborted');
    expect(last?.executionAbortedEventDetails).toEqual({ error: 'Withdrawn', cause: 'by requester' });
  });

  it('times out an execution after its TimeoutSeconds (TIMED_OUT)', async () => {
    const arn = await createMachine(h, { TimeoutSeconds: 1, ...waitFlow({ Seconds: 3600 }) });
    const done = await run(h, arn, {}, 5000);
    expect(done.status).toBe('TIMED_OUT');
    expect((await history(h, done.executionArn ?? '')).at(-1)?.type).toBe('ExecutionTimedOut');
  });

  it('records each call with the caller, the IAM action and the resource', async () => {
    const arn = await createMachine(h, passFlow, 'itsm-test-recorded');
    const done = await run(h, arn);
    expect(h.calls).toEqual(
      expect.arrayContaining([
        { caller: CALLER, action: 'states:CreateStateMachine', resource: arn },
        { caller: CALLER, action: 'states:StartExecution', resource: arn },
        { caller: CALLER, action: 'states:DescribeExecution', resource: done.executionArn },
      ]),
    );
  });
});

describe('waitScale', () => {
  it.each([
    ['Seconds', { Seconds: 3600 }],
    ['SecondsPath', { SecondsPath: '$.seconds' }],
    ['TimestampPath', { TimestampPath: '$.until' }],
  ])('0 skips a %s wait', async (_label, wait) => {
    const h = await startHarness({ waitScale: 0 });
    try {
      const arn = await createMachine(h, waitFlow(wait));
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const done = await run(h, arn, { seconds: 3600, until }, 2000);
      expect(done.status).toBe('SUCCEEDED');
    } finally {
      await h.close();
    }
  });

  it.each([
    ['Seconds', { Seconds: 1000 }],
    ['TimestampPath', { TimestampPath: '$.until' }],
  ])('0.001 turns a 1000 s %s wait into about one second', async (_label, wait) => {
    const h = await startHarness({ waitScale: 0.001 });
    try {
      const arn = await createMachine(h, waitFlow(wait));
      const until = new Date(Date.now() + 1_000_000).toISOString();
      const startedAt = Date.now();
      const executionArn = await start(h, arn, { until });
      const status = await until_(h, executionArn);
      const elapsed = Date.now() - startedAt;
      expect(status).toBe('SUCCEEDED');
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(4000);
    } finally {
      await h.close();
    }
  });
});

async function until_(h: Harness, executionArn: string): Promise<string | undefined> {
  return until(async () => {
    const d = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d.status;
  }, 5000);
}
