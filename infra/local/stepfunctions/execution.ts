/**
 * One execution: runs the compiled state machine on aws-local-stepfunctions, runs our Task,
 * Pass, Wait and Fail handlers, and turns the library's event log plus our own task events into
 * an AWS-shaped execution history.
 *
 * Ordering: the library calls a local handler synchronously right after queueing its
 * StateEntered event, and delivers its events through an async generator. Each handler therefore
 * yields one macrotask before recording anything, by which time every queued library event has
 * been translated (event forwarding from Map/Parallel children is promise-based, so it drains
 * within the same turn).
 */
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { AwsError } from '../aws-service';
import { functionArn } from '../names';
import type { CompiledMachine, StateInfo } from './compile';
import { ExecutionClosedError, runtimeError, StatesError } from './errors';
import { type Json, queryPath } from './jsonpath';
import { evaluatePayload, readPathField } from './payload';
import { PendingTask, TaskTimeoutSignal, type TaskTokens } from './tasks';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event exactly as GetExecutionHistory returns it (timestamp in epoch seconds). */
export type HistoryEvent = { id: number; previousEventId: number; timestamp: number; type: string } & {
  [details: string]: Json;
};

/** What we keep (and persist) about an execution. */
export interface ExecutionData {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  roleArn: string;
  status: ExecutionStatus;
  /** JSON text, as given to StartExecution. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch seconds. */
  startDate: number;
  stopDate?: number;
  events: HistoryEvent[];
}

export interface ExecutionDeps {
  invokeFunction(functionArn: string, payload: unknown): Promise<unknown>;
  /** Multiplies Wait durations (Retry intervals are scaled at compile time). */
  waitScale: number;
  tokens: TaskTokens;
  /** Called when the execution starts and when it ends (not when the service shuts down). */
  persist(data: ExecutionData): void;
}

type Handlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type LibJson = Parameters<Handlers[string]>[0];
type LibRun = ReturnType<StateMachine['run']>;
type LibEvent = LibRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const MAX_SLEEP_MS = 2_147_483_647;
const now = () => Date.now() / 1000;
const isoNow = () => new Date().toISOString();
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The name of the details field AWS uses for an event type. */
function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
}

// The library's own timeout error class: a Retry or Catch on States.TaskFailed must not match a
// task timeout, and the library decides that with `instanceof`. It is not exported, so we take
// it from a one-millisecond probe run the first time a task times out.
let timeoutErrorClass: Promise<new () => Error> | undefined;
function libraryTimeoutError(): Promise<Error> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: 'probe', TimeoutSeconds: 0.001, End: true } },
      } as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(
      {},
      { overrides: { taskResourceLocalHandlers: { T: () => new Promise<LibJson>(() => undefined) } } },
    );
    try {
      await run.result;
    } catch (err) {
      const cause = (err as Error).cause;
      if (cause instanceof Error) return cause.constructor as new () => Error;
    }
    throw new Error('aws-local-stepfunctions did not raise its timeout error');
  })();
  return timeoutErrorClass.then((Cls) => new Cls());
}

/** The task error a thrown Lambda error becomes, as Step Functions reports it for Node.js functions. */
function lambdaError(err: unknown): StatesError {
  // Lambda's API refused the call (a throttle): Step Functions names it `Lambda.<code>`, with the
  // SDK's message as the cause ("Handle Lambda service exceptions", Step Functions developer guide).
  if (err instanceof AwsError)
    return new StatesError(
      `Lambda.${err.code}`,
      `${err.message} (Service: AWSLambda; Status Code: ${err.statusCode}; Error Code: ${err.code}; Request ID: ${crypto.randomUUID()}; Proxy: null)`,
    );
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as {
    name?: unknown;
    message?: unknown;
    stack?: unknown;
  };
  const errorType = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const errorMessage = typeof e.message === 'string' ? e.message : String(err);
  const trace = typeof e.stack === 'string' ? e.stack.split('\n') : [];
  return new StatesError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

/** The response Step Functions' lambda:invoke integration wraps a function result in. */
function invokeResponse(payload: Json): Json {
  const requestId = crypto.randomUUID();
  const date = new Date().toUTCString();
  const length = String(Buffer.byteLength(JSON.stringify(payload)));
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': ['$LATEST'],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [requestId],
        'Content-Length': [length],
        Date: [date],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        Connection: 'keep-alive',
        'Content-Length': length,
        'Content-Type': 'application/json',
        Date: date,
        'X-Amz-Executed-Version': '$LATEST',
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

/** A function result as JSON (undefined becomes null, as Lambda returns "null"). */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}

const regionOf = (arn: string) => arn.split(':')[3] ?? '';

export class ExecutionRun {
  private readonly abort = new AbortController();
  private readonly states: ReadonlyMap<string, StateInfo>;
  private readonly inputJson: Json;
  private run?: LibRun;
  private finalized = false;
  private closing = false;
  private stopRequest?: { error?: string; cause?: string };
  private readonly openTasks = new Set<PendingTask>();
  /** Last event id per scope (root, a Parallel branch, a Map iteration), for previousEventId. */
  private readonly lastInScope = new Map<string, number>();
  /** Scope of a Parallel branch or Map iteration -> the scope of its Parallel or Map state. */
  private readonly parentScope = new Map<string, string>();
  private readonly stateScope = new Map<string, string>();
  private readonly entries = new Map<string, { enteredTime: string; retryCount: number }>();
  /** Map/Parallel states that failed and may still be retried: reported as failed once that is settled. */
  private readonly pendingFailure = new Map<string, string>();
  private readonly caught = new Set<string>();
  /** Map state id -> its latest MapIterationSucceeded event, which MapStateSucceeded links to. */
  private readonly lastIterationEnd = new Map<string, number>();
  /** Settles when the execution ends (or the service shuts down). */
  readonly finished: Promise<void>;
  private finishFn!: () => void;

  constructor(
    readonly data: ExecutionData,
    private readonly compiled: CompiledMachine,
    private readonly deps: ExecutionDeps,
  ) {
    this.states = compiled.states;
    this.inputJson = JSON.parse(data.input) as Json;
    this.finished = new Promise((resolve) => {
      this.finishFn = resolve;
    });
  }

  start(): void {
    if (this.closing || this.run) return;
    this.data.events = [];
    this.add(
      'ExecutionStarted',
      'root',
      { input: this.data.input, inputDetails: { truncated: false }, roleArn: this.data.roleArn },
      0,
    );
    // AWS gives the first state's entry previousEventId 0 as well.
    this.lastInScope.set('root', 0);
    this.deps.persist(this.data);
    const handlers: Handlers = {};
    for (const info of this.states.values()) {
      if (info.type === 'Task' || info.type === 'Pass' || info.type === 'Wait' || info.type === 'Fail') {
        handlers[info.id] = (input: LibJson) => this.runState(info, input as Json) as Promise<LibJson>;
      }
    }
    const run = this.compiled.machine.run(this.inputJson as LibJson, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: {
        Execution: {
          Id: this.data.executionArn,
          Name: this.data.name,
          RoleArn: this.data.roleArn,
          RedriveCount: 0,
        },
        StateMachine: { Id: this.data.stateMachineArn, Name: this.data.stateMachineName },
      },
    });
    this.run = run;
    void this.consume(run.eventLogs);
    run.result.then(
      (output) => this.complete({ ok: true, output: output as Json }),
      (err: unknown) => this.complete({ ok: false, err }),
    );
  }

  /** StopExecution: the execution ends ABORTED with the given error and cause. */
  async stop(error: string | undefined, cause: string | undefined): Promise<void> {
    if (this.finalized || !this.run) return;
    this.stopRequest = { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
    this.run.abort();
    await this.finished;
  }

  /** Service shutdown: stop all work but record nothing, so a restart runs the execution again. */
  shutdown(): void {
    if (this.finalized) return;
    this.closing = true;
    this.release();
    if (this.run) {
      this.run.abort();
    } else {
      this.finalized = true;
      this.finishFn();
    }
  }

  private async complete(outcome: { ok: true; output: Json } | { ok: false; err: unknown }): Promise<void> {
    // Let the library's last events be translated before the closing event.
    await yieldToEventLoop();
    if (this.finalized) return;
    this.finalized = true;
    if (this.closing) {
      this.finishFn();
      return;
    }
    const d = this.data;
    if (outcome.ok) {
      d.status = 'SUCCEEDED';
      d.output = JSON.stringify(outcome.output);
      this.add('ExecutionSucceeded', 'root', { output: d.output, outputDetails: { truncated: false } });
    } else if (outcome.err instanceof ExecutionAbortedError) {
      d.status = 'ABORTED';
      Object.assign(d, this.stopRequest ?? {});
      this.add('ExecutionAborted', 'root', { ...(this.stopRequest ?? {}) });
    } else if (outcome.err instanceof ExecutionTimeoutError) {
      d.status = 'TIMED_OUT';
      d.error = 'States.Timeout';
      this.add('ExecutionTimedOut', 'root', { error: 'States.Timeout' });
    } else {
      const { error, cause } = failureOf(outcome.err);
      d.status = 'FAILED';
      if (error !== undefined) d.error = error;
      if (cause !== undefined) d.cause = cause;
      this.flushFailures(undefined);
      this.add('ExecutionFailed', 'root', {
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
      });
    }
    d.stopDate = now();
    this.release();
    this.deps.persist(d);
    this.finishFn();
  }

  /** Ends pending task work and timers. */
  private release(): void {
    this.abort.abort();
    for (const task of this.openTasks) task.reject(new ExecutionClosedError());
    this.openTasks.clear();
  }

  // --- history ---------------------------------------------------------------------------------

  /**
   * Appends an event. previousEventId follows AWS's causal chain: the last event of the same
   * scope, where an event inside a Parallel branch or Map iteration also becomes the latest event
   * of the enclosing scopes. `chain: 'none'` leaves the chain untouched, for the events AWS links
   * past (MapIterationSucceeded/Failed, MapStateSucceeded), as the histories recorded in
   * shared/corpus/asl show.
   */
  private add(
    type: string,
    scope: string,
    details?: { [key: string]: Json },
    previousEventId?: number,
    chain: 'propagate' | 'none' = 'propagate',
  ): number {
    const events = this.data.events;
    const id = events.length + 1;
    const last = events[events.length - 1];
    // Event timestamps never go backwards, even when a library event is translated late.
    const timestamp = Math.max(now(), last?.timestamp ?? 0);
    const event: HistoryEvent = {
      timestamp,
      type,
      id,
      previousEventId: previousEventId ?? this.lastInScope.get(scope) ?? 0,
    };
    if (details) event[detailsKey(type)] = details;
    events.push(event);
    if (chain === 'none') return id;
    this.lastInScope.set(scope, id);
    for (let p = this.parentScope.get(scope); p !== undefined; p = this.parentScope.get(p)) this.lastInScope.set(p, id);
    return id;
  }

  private scopeOf(info: StateInfo, index: number | undefined): string {
    if (!info.container) return 'root';
    const container = this.states.get(info.container);
    if (container?.type === 'Parallel') return `${info.container}/${info.branch ?? 0}`;
    return `${info.container}#${index ?? 0}`;
  }

  private async consume(events: AsyncGenerator<LibEvent>): Promise<void> {
    for await (const ev of events) {
      if (this.finalized) continue;
      try {
        this.translate(ev);
      } catch {
        // A malformed event must not break the execution; the history only loses that entry.
      }
    }
  }

  private translate(ev: LibEvent): void {
    switch (ev.type) {
      case 'StateEntered': {
        const info = this.states.get(ev.state.name);
        if (!info) return;
        const scope = this.scopeOf(info, ev.index);
        this.stateScope.set(info.id, scope);
        this.entries.set(info.id, { enteredTime: new Date(ev.timestamp).toISOString(), retryCount: 0 });
        this.caught.delete(info.id);
        this.pendingFailure.delete(info.id);
        this.lastIterationEnd.delete(info.id);
        this.add(`${info.type}StateEntered`, scope, {
          name: info.name,
          input: JSON.stringify(ev.state.input),
          inputDetails: { truncated: false },
        });
        this.started(info, scope, ev.state.input as Json);
        return;
      }
      case 'StateExited': {
        const info = this.states.get(ev.state.name);
        if (!info) return;
        const scope = this.stateScope.get(info.id) ?? this.scopeOf(info, ev.index);
        let previous: number | undefined;
        if (info.type === 'Map' && !this.caught.has(info.id)) {
          previous = this.lastIterationEnd.get(info.id);
          this.add('MapStateSucceeded', scope, undefined, previous, 'none');
        } else if (info.type === 'Parallel' && !this.caught.has(info.id)) {
          // The corpus histories omit this event but keep a gap in the ids where it was (AWS
          // numbered it, e.g. parallel__order: ...11, then ParallelStateExited 13 <- 11).
          this.add('ParallelStateSucceeded', scope, undefined, undefined, 'none');
        }
        this.add(
          `${info.type}StateExited`,
          scope,
          { name: info.name, output: JSON.stringify(ev.state.output ?? null), outputDetails: { truncated: false } },
          previous,
        );
        return;
      }
      case 'StateFailed': {
        const info = this.states.get(ev.state.name);
        if (info && (info.type === 'Map' || info.type === 'Parallel')) {
          this.pendingFailure.set(info.id, this.stateScope.get(info.id) ?? 'root');
        }
        return;
      }
      case 'StateRetried': {
        const info = this.states.get(ev.state.name);
        if (!info) return;
        const entry = this.entries.get(info.id);
        if (entry) entry.retryCount++;
        if (info.type === 'Map' || info.type === 'Parallel') {
          this.pendingFailure.delete(info.id);
          this.started(info, this.stateScope.get(info.id) ?? 'root', ev.state.input as Json);
        }
        return;
      }
      case 'StateCaught': {
        const info = this.states.get(ev.state.name);
        if (!info) return;
        const scope = this.pendingFailure.get(info.id);
        if (scope !== undefined) {
          this.add(`${info.type}StateFailed`, scope);
          this.pendingFailure.delete(info.id);
        }
        this.caught.add(info.id);
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const map = this.states.get(ev.parentState.name);
        if (!map) return;
        const iteration = `${map.id}#${ev.index}`;
        const details = { name: map.name, index: ev.index };
        if (ev.type === 'MapIterationStarted') {
          const mapScope = this.stateScope.get(map.id) ?? 'root';
          const id = this.add(ev.type, mapScope, details);
          this.parentScope.set(iteration, mapScope);
          this.lastInScope.set(iteration, id);
        } else {
          if (ev.type === 'MapIterationFailed') this.flushFailures(map.id);
          const id = this.add(ev.type, iteration, details, undefined, 'none');
          if (ev.type === 'MapIterationSucceeded') this.lastIterationEnd.set(map.id, id);
        }
        return;
      }
      case 'ParallelBranchFailed': {
        const parallel = this.states.get(ev.parentState.name);
        if (parallel) this.flushFailures(parallel.id);
        return;
      }
      case 'ExecutionFailed':
        this.flushFailures(undefined);
        return;
      default:
        return;
    }
  }

  /** MapStateStarted / ParallelStateStarted, on entry and again on every retry, as AWS records them. */
  private started(info: StateInfo, scope: string, rawInput: Json): void {
    if (info.type === 'Parallel') {
      const id = this.add('ParallelStateStarted', scope);
      const branches = Array.isArray(info.def.Branches) ? info.def.Branches.length : 0;
      for (let b = 0; b < branches; b++) {
        this.parentScope.set(`${info.id}/${b}`, scope);
        this.lastInScope.set(`${info.id}/${b}`, id);
      }
    } else if (info.type === 'Map') {
      const length = this.itemCount(info, rawInput);
      if (length !== undefined) this.add('MapStateStarted', scope, { length });
    }
  }

  private itemCount(info: StateInfo, rawInput: Json): number | undefined {
    try {
      const context = this.context(info);
      let items: Json = rawInput;
      const inputPath = info.def.InputPath;
      if (inputPath === null) items = {};
      else if (typeof inputPath === 'string') {
        const r = queryPath(inputPath, items, context);
        if (!r.found) return undefined;
        items = r.value;
      }
      if (typeof info.def.ItemsPath === 'string') {
        const r = queryPath(info.def.ItemsPath, items, context);
        if (!r.found) return undefined;
        items = r.value;
      }
      return Array.isArray(items) ? items.length : undefined;
    } catch {
      return undefined;
    }
  }

  private flushFailures(container: string | undefined): void {
    for (const [id, scope] of this.pendingFailure) {
      const info = this.states.get(id);
      if (!info || info.container !== container) continue;
      this.add(`${info.type}StateFailed`, scope);
      this.pendingFailure.delete(id);
    }
  }

  // --- state handlers --------------------------------------------------------------------------

  private context(info: StateInfo, token?: string): Json {
    const entry = this.entries.get(info.id);
    return {
      Execution: {
        Id: this.data.executionArn,
        Input: this.inputJson,
        Name: this.data.name,
        RoleArn: this.data.roleArn,
        StartTime: new Date(this.data.startDate * 1000).toISOString(),
        RedriveCount: 0,
      },
      State: { EnteredTime: entry?.enteredTime ?? isoNow(), Name: info.name, RetryCount: entry?.retryCount ?? 0 },
      StateMachine: { Id: this.data.stateMachineArn, Name: this.data.stateMachineName },
      ...(token ? { Task: { Token: token } } : {}),
    };
  }

  private assertOpen(): void {
    if (this.abort.signal.aborted) throw new ExecutionClosedError();
  }

  private async runState(info: StateInfo, input: Json): Promise<Json> {
    if (info.type === 'Task') return this.runTask(info, input);
    if (info.readsContext || info.type === 'Wait') await yieldToEventLoop();
    this.assertOpen();
    const d = info.def;
    const context = this.context(info);
    if (info.type === 'Pass') {
      if ('Result' in d) return structuredClone(d.Result as Json);
      if ('Parameters' in d) return evaluatePayload(d.Parameters as Json, input, context);
      return input;
    }
    if (info.type === 'Fail') {
      const isString = (v: Json) => typeof v === 'string';
      const error =
        typeof d.ErrorPath === 'string'
          ? (readPathField(d.ErrorPath, input, context, 'ErrorPath', isString, 'a string') as string)
          : d.Error;
      const cause =
        typeof d.CausePath === 'string'
          ? (readPathField(d.CausePath, input, context, 'CausePath', isString, 'a string') as string)
          : d.Cause;
      throw new StatesError(
        typeof error === 'string' ? error : undefined,
        typeof cause === 'string' ? cause : undefined,
      );
    }
    // Wait
    await this.sleep(this.waitMs(d, input, context) * this.deps.waitScale);
    return input;
  }

  private waitMs(d: StateInfo['def'], input: Json, context: Json): number {
    const isSeconds = (v: Json) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const isTimestamp = (v: Json) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
    if (typeof d.Seconds === 'number') return d.Seconds * 1000;
    if (typeof d.SecondsPath === 'string') {
      return (
        (readPathField(d.SecondsPath, input, context, 'SecondsPath', isSeconds, 'a non-negative integer') as number) *
        1000
      );
    }
    let timestamp: string | undefined;
    if (typeof d.Timestamp === 'string') timestamp = d.Timestamp;
    if (typeof d.TimestampPath === 'string') {
      timestamp = readPathField(
        d.TimestampPath,
        input,
        context,
        'TimestampPath',
        isTimestamp,
        'an ISO-8601 timestamp',
      ) as string;
    }
    return timestamp === undefined ? 0 : Math.max(0, Date.parse(timestamp) - Date.now());
  }

  private sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const signal = this.abort.signal;
      if (signal.aborted) return reject(new ExecutionClosedError());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new ExecutionClosedError());
      };
      const timer = setTimeout(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(ms, MAX_SLEEP_MS),
      );
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** TimeoutSeconds/HeartbeatSeconds, from the field or its Path variant. */
  private seconds(d: StateInfo['def'], field: string, input: Json, context: Json): number | undefined {
    const fixed = d[field];
    if (typeof fixed === 'number') return fixed;
    const path = d[`${field}Path`];
    if (typeof path !== 'string') return undefined;
    const isPositive = (v: Json) => typeof v === 'number' && Number.isInteger(v) && v > 0;
    return readPathField(path, input, context, `${field}Path`, isPositive, 'a positive integer') as number;
  }

  private async runTask(info: StateInfo, input: Json): Promise<Json> {
    // Let the StateEntered (or StateRetried) event of this attempt reach the history first.
    await yieldToEventLoop();
    this.assertOpen();
    const d = info.def;
    const task = info.task;
    if (!task) throw runtimeError(`Unsupported resource ${String(d.Resource)}`);
    const scope = this.stateScope.get(info.id) ?? 'root';
    const onSettle = (t: PendingTask) => this.openTasks.delete(t);
    const pending =
      task.kind === 'invokeWait'
        ? this.deps.tokens.mint({ executionArn: this.data.executionArn, state: info.name }, onSettle)
        : new PendingTask(onSettle);
    this.openTasks.add(pending);
    try {
      const context = this.context(info, pending.token);
      const params = d.Parameters !== undefined ? evaluatePayload(d.Parameters as Json, input, context) : input;
      const timeoutSeconds = this.seconds(d, 'TimeoutSeconds', input, context);
      const heartbeatSeconds =
        task.kind === 'invokeWait' ? this.seconds(d, 'HeartbeatSeconds', input, context) : undefined;
      const limits = {
        ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
        ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
      };
      const lambdaTask = { resourceType: 'lambda', resource: task.resource };
      let target: string;
      let payload: Json;
      if (task.kind === 'function') {
        target = task.resource;
        payload = params;
        this.add('LambdaFunctionScheduled', scope, {
          resource: target,
          input: JSON.stringify(payload),
          inputDetails: { truncated: false },
          ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
        });
        this.add('LambdaFunctionStarted', scope);
      } else {
        const name = isObject(params) ? params.FunctionName : undefined;
        if (typeof name !== 'string') throw runtimeError('The field "FunctionName" of lambda:invoke must be a string');
        target = name.startsWith('arn:') ? name : functionArn(name);
        payload = isObject(params) && 'Payload' in params ? (params.Payload as Json) : {};
        this.add('TaskScheduled', scope, {
          ...lambdaTask,
          region: regionOf(this.data.stateMachineArn),
          parameters: JSON.stringify(params),
          ...limits,
        });
        this.add('TaskStarted', scope, lambdaTask);
      }
      pending.startTimers(timeoutSeconds, heartbeatSeconds);
      // new Promise(...) also turns a synchronous throw of invokeFunction into a task failure.
      new Promise<unknown>((resolve) => resolve(this.deps.invokeFunction(target, payload))).then(
        (result) => {
          if (!pending.isOpen) return;
          let json: Json;
          try {
            json = toJson(result);
          } catch (err) {
            pending.reject(lambdaError(err));
            return;
          }
          if (task.kind === 'function') pending.resolve(json);
          else if (task.kind === 'invoke') pending.resolve(invokeResponse(json));
          else
            this.add('TaskSubmitted', scope, {
              ...lambdaTask,
              output: JSON.stringify(invokeResponse(json)),
              outputDetails: { truncated: false },
            });
        },
        (err: unknown) => pending.reject(lambdaError(err)),
      );
      let result: Json;
      try {
        result = await pending.promise;
      } catch (err) {
        throw await this.taskFailed(err, task.kind === 'function', lambdaTask, scope);
      }
      if (task.kind === 'function')
        this.add('LambdaFunctionSucceeded', scope, {
          output: JSON.stringify(result),
          outputDetails: { truncated: false },
        });
      else
        this.add('TaskSucceeded', scope, {
          ...lambdaTask,
          output: JSON.stringify(result),
          outputDetails: { truncated: false },
        });
      return d.ResultSelector !== undefined
        ? evaluatePayload(d.ResultSelector as Json, result, this.context(info))
        : result;
    } finally {
      // A task that failed before waiting (e.g. a bad path in Parameters) must not leave its token open.
      if (pending.isOpen) pending.reject(new ExecutionClosedError());
    }
  }

  /** Records the failure or timeout event of a task and returns the error the state fails with. */
  private async taskFailed(
    err: unknown,
    isFunction: boolean,
    lambdaTask: { resourceType: string; resource: string },
    scope: string,
  ): Promise<unknown> {
    if (err instanceof TaskTimeoutSignal) {
      this.add(
        isFunction ? 'LambdaFunctionTimedOut' : 'TaskTimedOut',
        scope,
        isFunction ? { error: err.error } : { ...lambdaTask, error: err.error },
      );
      if (err.error === 'States.HeartbeatTimeout') return new StatesError('States.HeartbeatTimeout', undefined);
      const timeout = await libraryTimeoutError();
      timeout.message = '';
      return timeout;
    }
    if (err instanceof StatesError) {
      const details = {
        ...(err.error !== undefined ? { error: err.error } : {}),
        ...(err.causeText !== undefined ? { cause: err.causeText } : {}),
      };
      this.add(
        isFunction ? 'LambdaFunctionFailed' : 'TaskFailed',
        scope,
        isFunction ? details : { ...lambdaTask, ...details },
      );
    }
    return err;
  }
}

/** The Error and Cause an execution failed with, from the library's ExecutionError. */
function failureOf(err: unknown): { error?: string; cause?: string } {
  const inner = err instanceof ExecutionError ? err.cause : err;
  if (inner instanceof StatesError) {
    return {
      ...(inner.error !== undefined ? { error: inner.error } : {}),
      ...(inner.causeText !== undefined ? { cause: inner.causeText } : {}),
    };
  }
  if (inner instanceof Error) return { error: inner.name, ...(inner.message ? { cause: inner.message } : {}) };
  return { error: 'States.Runtime', cause: String(inner) };
}
