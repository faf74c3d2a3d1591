/** Behaviours where aws-local-stepfunctions alone differs from AWS, fixed by our translation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateIntrinsic } from '../intrinsics';
import { queryPath } from '../jsonpath';
import { createMachine, FUNCTION_ARN, type Harness, history, run, startHarness } from './harness';

describe('engine fixes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ waitScale: 0, invokeFunction: async (_arn, payload) => ({ got: payload }) });
  });
  afterAll(async () => {
    await h.close();
  });

  const output = async (definition: object, input: unknown = {}) => {
    const done = await run(h, await createMachine(h, definition), input);
    expect(done.status).toBe('SUCCEEDED');
    return JSON.parse(done.output ?? 'null');
  };

  it('uses a falsy Pass Result (the library ignores 0, false, "" and null)', async () => {
    for (const result of [0, false, '', null]) {
      expect(
        await output({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } }, { keep: 1 }),
      ).toBe(result);
    }
  });

  it('treats ResultPath "$" as replacing the input and supports bracket notation', async () => {
    const out = await output(
      {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Result: { fresh: true }, ResultPath: '$', Next: 'B' },
          B: { Type: 'Pass', Result: 2, ResultPath: "$['with space']", End: true },
        },
      },
      { old: 1 },
    );
    expect(out).toEqual({ fresh: true, 'with space': 2 });
  });

  it('keeps an absent Fail Error and Cause absent', async () => {
    const done = await run(h, await createMachine(h, { StartAt: 'F', States: { F: { Type: 'Fail' } } }));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBeUndefined();
    expect(done.cause).toBeUndefined();
  });

  it('reads ErrorPath and CausePath (paths and intrinsics)', async () => {
    const done = await run(
      h,
      await createMachine(h, {
        StartAt: 'F',
        States: { F: { Type: 'Fail', ErrorPath: '$.code', CausePath: "States.Format('Ticket {} failed', $.id)" } },
      }),
      { code: 'TicketInvalid', id: 'T-5' },
    );
    expect(done).toMatchObject({ status: 'FAILED', error: 'TicketInvalid', cause: 'Ticket T-5 failed' });
  });

  it('runs a Map with ItemSelector ($$.Map.Item) inside a Parallel branch', async () => {
    const out = await output(
      {
        StartAt: 'Prepare',
        States: {
          Prepare: { Type: 'Pass', Result: [1, 2], ResultPath: '$.items', Next: 'Fan' },
          Fan: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'Each',
                States: {
                  Each: {
                    Type: 'Map',
                    ItemsPath: '$.items',
                    ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
                    ItemProcessor: {
                      StartAt: 'Work',
                      States: { Work: { Type: 'Task', Resource: FUNCTION_ARN, End: true } },
                    },
                    End: true,
                  },
                },
              },
              { StartAt: 'Other', States: { Other: { Type: 'Pass', Result: 'second', End: true } } },
            ],
            End: true,
          },
        },
      },
      {},
    );
    expect(out).toEqual([[{ got: { value: 1, index: 0 } }, { got: { value: 2, index: 1 } }], 'second']);
  });

  it('exposes the context object ($$) to Parameters', async () => {
    const arn = await createMachine(h, {
      StartAt: 'Ctx',
      States: {
        Ctx: {
          Type: 'Pass',
          Parameters: {
            'execution.$': '$$.Execution.Name',
            'input.$': '$$.Execution.Input.ticket',
            'state.$': '$$.State.Name',
            'machine.$': '$$.StateMachine.Id',
            'retries.$': '$$.State.RetryCount',
          },
          End: true,
        },
      },
    });
    const done = await run(h, arn, { ticket: 'T-8' });
    expect(JSON.parse(done.output ?? '')).toEqual({
      execution: done.name,
      input: 'T-8',
      state: 'Ctx',
      machine: arn,
      retries: 0,
    });
  });

  it('fails with States.Runtime when a Parameters path is missing, and Catch does not catch it', async () => {
    const done = await run(
      h,
      await createMachine(h, {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Task',
            Resource: FUNCTION_ARN,
            Parameters: { 'x.$': '$.missing' },
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      }),
      { present: 1 },
    );
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
    expect(done.cause).toContain("'$.missing'");
  });

  it('compares Choice operands of another type as false, never by JavaScript coercion', async () => {
    const choose = (rule: object, input: object) =>
      output(
        {
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
            Yes: { Type: 'Pass', Result: 'yes', End: true },
            No: { Type: 'Pass', Result: 'no', End: true },
          },
        },
        input,
      );
    expect(await choose({ Variable: '$.v', NumericLessThan: 1 }, { v: null })).toBe('no');
    expect(await choose({ Variable: '$.v', StringLessThan: 'b' }, { v: 1 })).toBe('no');
    expect(await choose({ Variable: '$.v', TimestampLessThan: '2030-01-01T00:00:00Z' }, { v: 0 })).toBe('no');
    expect(await choose({ Variable: '$.v', IsNull: false }, { v: 0 })).toBe('yes');
    expect(await choose({ Variable: '$.v', IsPresent: false }, {})).toBe('yes');
    expect(await choose({ Variable: '$.v', IsTimestamp: true }, { v: ['2030-01-01T00:00:00Z'] })).toBe('no');
    expect(await choose({ Not: { Variable: '$.v', StringEquals: 'x' } }, { v: 'y' })).toBe('yes');
  });

  it('records Map and Parallel lifecycle events like AWS', async () => {
    const done = await run(
      h,
      await createMachine(h, {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FUNCTION_ARN, End: true } } },
            End: true,
          },
        },
      }),
      ['a', 'b'],
    );
    const events = await history(h, done.executionArn ?? '');
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[2]?.mapStateStartedEventDetails).toEqual({ length: 2 });
    expect(events[10]?.mapIterationStartedEventDetails).toEqual({ name: 'Each', index: 1 });
  });
});

describe('JSONPath', () => {
  const doc = {
    a: { b: [1, 2, 3] },
    items: [
      { id: 'x', n: 1 },
      { id: 'y', n: 5 },
    ],
    'odd key': true,
  };

  it('returns one value for a definite path and an array for an indefinite one', () => {
    expect(queryPath('$.a.b[1]', doc, null)).toEqual({ found: true, value: 2 });
    expect(queryPath('$.a.b[-1]', doc, null)).toEqual({ found: true, value: 3 });
    expect(queryPath("$['odd key']", doc, null)).toEqual({ found: true, value: true });
    expect(queryPath('$.missing', doc, null)).toEqual({ found: false });
    // jsonpath-plus with wrap:false would return the bare 'x' for a single match.
    expect(queryPath('$.items[?(@.n < 3)].id', doc, null)).toEqual({ found: true, value: ['x'] });
    expect(queryPath('$.items[*].id', doc, null)).toEqual({ found: true, value: ['x', 'y'] });
    expect(queryPath('$..n', doc, null)).toEqual({ found: true, value: [1, 5] });
    expect(queryPath('$.a.b[0:2]', doc, null)).toEqual({ found: true, value: [1, 2] });
    expect(queryPath('$$.Execution.Id', doc, { Execution: { Id: 'e' } })).toEqual({ found: true, value: 'e' });
  });
});

describe('intrinsic functions', () => {
  const input = { s: 'a,b', n: 2.5, arr: [1, 2, 2], o: { k: 1 } };
  const ev = (expr: string) => evaluateIntrinsic(expr, input, {});

  it('evaluates nested calls, literals and escapes as AWS does', () => {
    expect(ev("States.Format('{} \\{literal\\} {}', $.s, States.ArrayLength($.arr))")).toBe('a,b {literal} 3');
    expect(ev("States.Format('It\\'s {}', 'fine')")).toBe("It's fine");
    expect(ev('States.MathAdd($.n, -1)')).toBe(2);
    expect(ev("States.StringSplit($.s, ',')")).toEqual(['a', 'b']);
    expect(ev('States.ArrayUnique($.arr)')).toEqual([1, 2]);
    expect(ev('States.JsonMerge($.o, States.StringToJson(\'{"j":2}\'), false)')).toEqual({ k: 1, j: 2 });
    expect(ev('States.ArrayGetItem(States.Array(1, true, null), 1)')).toBe(true);
    expect(ev('States.MathRandom(1, 10, 7)')).toBe(ev('States.MathRandom(1, 10, 7)'));
    expect(typeof ev('States.UUID()')).toBe('string');
  });

  it('fails with States.IntrinsicFailure on bad arguments', () => {
    expect(() => ev('States.ArrayPartition($.arr, 0)')).toThrow(
      expect.objectContaining({ name: 'States.IntrinsicFailure' }),
    );
    expect(() => ev("States.StringToJson('{')")).toThrow(expect.objectContaining({ name: 'States.IntrinsicFailure' }));
  });
});
