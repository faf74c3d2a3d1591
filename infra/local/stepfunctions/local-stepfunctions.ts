/**
 * Local AWS Step Functions (Standard workflows) behind the AWS-compatible endpoint: the
 * `AWSStepFunctions` awsJson 1.0 actions the platform and its tests use, with real request and
 * response shapes, so the unchanged AWS SDK v3 works against it. Executions run on
 * aws-local-stepfunctions (see compile.ts for what we take over from it and why).
 *
 * @example
 * const sfn = new LocalStepFunctions({ invokeFunction: (arn, payload) => functions.invoke(arn, payload), waitScale: 0 });
 * const { stateMachineArn } = await sfn.handle('CreateStateMachine', { name, definition, roleArn }, { caller: 'test' });
 * const { executionArn } = await sfn.handle('StartExecution', { stateMachineArn, input: '{}' }, { caller: 'test' });
 * const done = await sfn.waitForExecution(executionArn, { timeoutMs: 5000 });
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type AwsService, type CallContext, type RecordedCall } from '../aws-service';
import { stateMachineArn as localStateMachineArn } from '../names';
import { type CompiledMachine, compileDefinition, InvalidDefinitionError, validateDefinition } from './compile';
import { StatesError } from './errors';
import { type ExecutionData, ExecutionRun, type ExecutionStatus, type HistoryEvent } from './execution';
import type { Json } from './jsonpath';
import { FileStore, type MachineData } from './store';
import { TaskTokens } from './tasks';

export interface LocalStepFunctionsOptions {
  /** Runs a Lambda function; a thrown error becomes the task's error (Error = error.name). */
  invokeFunction(functionArn: string, payload: unknown): Promise<unknown>;
  /** Receives one record per API call (IAM action name and resource ARN). */
  record?(call: RecordedCall): void;
  /** Multiplies every Wait duration (Seconds, SecondsPath, Timestamp, TimestampPath) and Retry interval; 0 = no waiting. Default 1. */
  waitScale?: number;
  /** Persist state machines and executions as JSON under this folder; undefined = memory only. */
  dataDir?: string;
}

/** DescribeExecution's response (dates in epoch seconds, as the awsJson protocol carries them). */
export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
}

interface Machine extends MachineData {
  compiled: CompiledMachine;
}

type Input = Record<string, unknown>;

const ARN_PARTS = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):(stateMachine|execution):([^:]+)(?::([^:]+))?$/;
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

/** AWS: 1-80 characters, no whitespace, brackets, wildcards, special or control characters. */
function validName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || FORBIDDEN_IN_NAME.test(name)) return false;
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const now = () => Date.now() / 1000;

function validation(field: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function requiredString(input: Input, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v === '') throw validation(field, 'Member must not be null');
  return v;
}

function optionalString(input: Input, field: string): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validation(field, 'Member must be a string');
  return v;
}

function pageSize(input: Input): number {
  const v = input.maxResults;
  if (v === undefined || v === null || v === 0) return DEFAULT_PAGE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_PAGE) {
    throw validation('maxResults', `Member must have value between 0 and ${MAX_PAGE}`);
  }
  return v;
}

/** Opaque pagination tokens: the offset, tied to the listing they came from. */
function paginate<T>(items: T[], input: Input, listing: string): { page: T[]; nextToken?: string } {
  const size = pageSize(input);
  let offset = 0;
  const token = optionalString(input, 'nextToken');
  if (token !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; l?: unknown };
      if (typeof parsed.o !== 'number' || parsed.l !== listing) throw new Error('foreign token');
      offset = parsed.o;
    } catch {
      throw new AwsError('InvalidToken', `Invalid Token: '${token}'`);
    }
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length
    ? { page, nextToken: Buffer.from(JSON.stringify({ o: next, l: listing }), 'utf8').toString('base64url') }
    : { page };
}

function parseArn(arn: string, kind: 'stateMachine' | 'execution'): { machineName: string; executionName?: string } {
  const m = ARN_PARTS.exec(arn);
  if (!m || m[4] !== kind || (kind === 'execution') !== (m[6] !== undefined)) {
    throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  }
  return { machineName: m[5] as string, ...(m[6] ? { executionName: m[6] } : {}) };
}

/** The state machine an execution ARN belongs to. */
function machineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
}

const DATA_FIELDS = new Set(['input', 'output', 'parameters']);

export class LocalStepFunctions implements AwsService {
  readonly targetPrefix = 'AWSStepFunctions';
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, ExecutionData>();

  /** State transitions so far (what Standard workflows bill): one per state entered. */
  transitions(): number {
    let n = 0;
    for (const e of this.executions.values()) for (const h of e.events) if (h.type.endsWith('StateEntered')) n++;
    return n;
  }
  private readonly executionsByMachine = new Map<string, string[]>();
  private readonly runs = new Map<string, ExecutionRun>();
  private readonly compiledCache = new Map<string, CompiledMachine>();
  private readonly tokens = new TaskTokens();
  private readonly waitScale: number;
  private readonly store?: FileStore;
  private closed = false;

  constructor(private readonly opts: LocalStepFunctionsOptions) {
    this.waitScale = opts.waitScale ?? 1;
    if (!(this.waitScale >= 0)) throw new Error('waitScale must be a number >= 0');
    if (opts.dataDir) {
      this.store = new FileStore(opts.dataDir);
      this.load(this.store);
    }
  }

  async handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    if (this.closed) throw new AwsError('ServiceUnavailable', 'The local Step Functions service is closed', 503);
    switch (action) {
      case 'CreateStateMachine':
        return this.createStateMachine(input, ctx);
      case 'UpdateStateMachine':
        return this.updateStateMachine(input, ctx);
      case 'DescribeStateMachine':
        return this.describeStateMachine(input, ctx);
      case 'DescribeStateMachineForExecution':
        return this.describeStateMachineForExecution(input, ctx);
      case 'ListStateMachines':
        return this.listStateMachines(input, ctx);
      case 'DeleteStateMachine':
        return this.deleteStateMachine(input, ctx);
      case 'StartExecution':
        return this.startExecution(input, ctx);
      case 'DescribeExecution':
        return this.describeExecution(input, ctx);
      case 'ListExecutions':
        return this.listExecutions(input, ctx);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input, ctx);
      case 'StopExecution':
        return this.stopExecution(input, ctx);
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
      case 'SendTaskHeartbeat':
        return this.sendTask(action, input, ctx);
      default:
        throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
    }
  }

  /** Resolves with the execution's description once it is no longer RUNNING. */
  async waitForExecution(executionArn: string, options: { timeoutMs?: number } = {}): Promise<ExecutionDescription> {
    const data = this.executions.get(executionArn);
    if (!data) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const run = this.runs.get(executionArn);
    if (data.status === 'RUNNING' && run) {
      const timeoutMs = options.timeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([run.finished, timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw new Error(`Execution ${executionArn} is still RUNNING after ${timeoutMs} ms`);
    }
    return describe(data);
  }

  /**
   * Stops all executions and timers without recording them as ended: with `dataDir`, executions
   * that were RUNNING are started again from their input by the next instance.
   */
  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.runs.values()];
    for (const run of runs) run.shutdown();
    await Promise.all(runs.map((r) => r.finished));
    this.runs.clear();
  }

  // --- state machines --------------------------------------------------------------------------

  private record(ctx: CallContext, action: string, resource: string): void {
    this.opts.record?.({ caller: ctx.caller, action: `states:${action}`, resource });
  }

  private compile(definition: string, parsed?: Record<string, Json>): CompiledMachine {
    const hit = this.compiledCache.get(definition);
    if (hit) return hit;
    const compiled = compileDefinition(parsed ?? (JSON.parse(definition) as Record<string, Json>), this.waitScale);
    if (this.compiledCache.size > 200) this.compiledCache.clear();
    this.compiledCache.set(definition, compiled);
    return compiled;
  }

  private validated(definition: string): CompiledMachine {
    try {
      return this.compile(definition, validateDefinition(definition));
    } catch (err) {
      if (err instanceof InvalidDefinitionError) throw new AwsError('InvalidDefinition', err.message);
      throw err;
    }
  }

  private machine(arn: string): Machine {
    parseArn(arn, 'stateMachine');
    const m = this.machines.get(arn);
    if (!m) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private createStateMachine(input: Input, ctx: CallContext): unknown {
    const name = requiredString(input, 'name');
    const arn = localStateMachineArn(name);
    this.record(ctx, 'CreateStateMachine', arn);
    if (!validName(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    const definition = requiredString(input, 'definition');
    const roleArn = requiredString(input, 'roleArn');
    const type = optionalString(input, 'type') ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      throw validation('type', 'Member must satisfy enum value set: [STANDARD, EXPRESS]');
    const compiled = this.validated(definition);
    const existing = this.machines.get(arn);
    if (existing) {
      // AWS: the same name, definition and type is an idempotent repeat (a different roleArn is ignored).
      if (existing.definition === definition && existing.type === type) {
        return { stateMachineArn: arn, creationDate: existing.creationDate };
      }
      throw new AwsError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const machine: Machine = { stateMachineArn: arn, name, definition, roleArn, type, creationDate: now(), compiled };
    this.machines.set(arn, machine);
    this.store?.saveMachine(toMachineData(machine));
    return { stateMachineArn: arn, creationDate: machine.creationDate };
  }

  private updateStateMachine(input: Input, ctx: CallContext): unknown {
    const arn = requiredString(input, 'stateMachineArn');
    this.record(ctx, 'UpdateStateMachine', arn);
    const machine = this.machine(arn);
    const definition = optionalString(input, 'definition');
    const roleArn = optionalString(input, 'roleArn');
    if (definition === undefined && roleArn === undefined) {
      throw new AwsError('MissingRequiredParameter', 'Either the definition or the roleArn must be specified');
    }
    if (definition !== undefined) {
      // Running executions keep the definition they started with, as on AWS.
      machine.compiled = this.validated(definition);
      machine.definition = definition;
    }
    if (roleArn !== undefined) machine.roleArn = roleArn;
    machine.updateDate = now();
    this.store?.saveMachine(toMachineData(machine));
    return { updateDate: machine.updateDate };
  }

  private describeMachine(m: Machine): unknown {
    return {
      stateMachineArn: m.stateMachineArn,
      name: m.name,
      status: 'ACTIVE',
      definition: m.definition,
      roleArn: m.roleArn,
      type: m.type,
      creationDate: m.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private describeStateMachine(input: Input, ctx: CallContext): unknown {
    const arn = requiredString(input, 'stateMachineArn');
    this.record(ctx, 'DescribeStateMachine', arn);
    return this.describeMachine(this.machine(arn));
  }

  private describeStateMachineForExecution(input: Input, ctx: CallContext): unknown {
    const data = this.execution(input, ctx, 'DescribeStateMachineForExecution');
    const m = this.machine(data.stateMachineArn);
    return {
      stateMachineArn: m.stateMachineArn,
      name: m.name,
      definition: m.definition,
      roleArn: m.roleArn,
      updateDate: m.updateDate ?? m.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  private listStateMachines(input: Input, ctx: CallContext): unknown {
    this.record(ctx, 'ListStateMachines', '*');
    const all = [...this.machines.values()].sort(
      (a, b) => a.creationDate - b.creationDate || a.name.localeCompare(b.name),
    );
    const { page, nextToken } = paginate(all, input, 'state-machines');
    return {
      stateMachines: page.map((m) => ({
        stateMachineArn: m.stateMachineArn,
        name: m.name,
        type: m.type,
        creationDate: m.creationDate,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private deleteStateMachine(input: Input, ctx: CallContext): unknown {
    const arn = requiredString(input, 'stateMachineArn');
    this.record(ctx, 'DeleteStateMachine', arn);
    parseArn(arn, 'stateMachine');
    const m = this.machines.get(arn);
    // AWS answers a delete of an unknown state machine with success too.
    if (m) {
      this.machines.delete(arn);
      this.store?.deleteMachine(m.name);
    }
    return {};
  }

  // --- executions ------------------------------------------------------------------------------

  private startExecution(input: Input, ctx: CallContext): unknown {
    const smArn = requiredString(input, 'stateMachineArn');
    this.record(ctx, 'StartExecution', smArn);
    const machine = this.machine(smArn);
    const name = optionalString(input, 'name') ?? randomUUID();
    if (!validName(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    const text = optionalString(input, 'input') ?? '{}';
    try {
      JSON.parse(text);
    } catch {
      throw new AwsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text}'`);
    }
    const executionArn = `${smArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // AWS: repeating the start of a running execution with the same input is idempotent.
      if (existing.status === 'RUNNING' && existing.input === text)
        return { executionArn, startDate: existing.startDate };
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const data: ExecutionData = {
      executionArn,
      stateMachineArn: smArn,
      stateMachineName: machine.name,
      name,
      roleArn: machine.roleArn,
      status: 'RUNNING',
      input: text,
      startDate: now(),
      events: [],
    };
    this.executions.set(executionArn, data);
    const list = this.executionsByMachine.get(smArn) ?? [];
    list.push(executionArn);
    this.executionsByMachine.set(smArn, list);
    this.run(data, machine.compiled);
    return { executionArn, startDate: data.startDate };
  }

  private run(data: ExecutionData, compiled: CompiledMachine, deferStart = false): void {
    const run = new ExecutionRun(data, compiled, {
      invokeFunction: this.opts.invokeFunction,
      waitScale: this.waitScale,
      tokens: this.tokens,
      persist: (d) => this.store?.saveExecution(d),
    });
    this.runs.set(data.executionArn, run);
    void run.finished.then(() => {
      if (this.runs.get(data.executionArn) === run) this.runs.delete(data.executionArn);
    });
    if (!deferStart) run.start();
    else
      setImmediate(() => {
        if (!this.closed) run.start();
      });
  }

  private execution(input: Input, ctx: CallContext, action: string): ExecutionData {
    const arn = requiredString(input, 'executionArn');
    // IAM authorizes execution-level actions on the execution ARN.
    this.record(ctx, action, arn);
    parseArn(arn, 'execution');
    const data = this.executions.get(arn);
    if (!data) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return data;
  }

  private describeExecution(input: Input, ctx: CallContext): unknown {
    return describe(this.execution(input, ctx, 'DescribeExecution'));
  }

  private listExecutions(input: Input, ctx: CallContext): unknown {
    const smArn = requiredString(input, 'stateMachineArn');
    this.record(ctx, 'ListExecutions', smArn);
    this.machine(smArn);
    const status = optionalString(input, 'statusFilter');
    if (
      status !== undefined &&
      !['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'].includes(status)
    ) {
      throw validation(
        'statusFilter',
        'Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]',
      );
    }
    const all = (this.executionsByMachine.get(smArn) ?? [])
      .map((arn) => this.executions.get(arn))
      .filter((e): e is ExecutionData => e !== undefined && (status === undefined || e.status === status))
      // Newest first, as AWS lists them.
      .sort((a, b) => b.startDate - a.startDate);
    const { page, nextToken } = paginate(all, input, `executions:${smArn}:${status ?? ''}`);
    return {
      executions: page.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        ...(e.stopDate !== undefined ? { stopDate: e.stopDate } : {}),
        redriveCount: 0,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private getExecutionHistory(input: Input, ctx: CallContext): unknown {
    const data = this.execution(input, ctx, 'GetExecutionHistory');
    const includeData = input.includeExecutionData !== false;
    const ordered = input.reverseOrder === true ? [...data.events].reverse() : data.events;
    const { page, nextToken } = paginate(ordered, input, `history:${data.executionArn}:${input.reverseOrder === true}`);
    const events = includeData ? page : page.map(withoutData);
    return { events, ...(nextToken ? { nextToken } : {}) };
  }

  private async stopExecution(input: Input, ctx: CallContext): Promise<unknown> {
    const data = this.execution(input, ctx, 'StopExecution');
    const error = optionalString(input, 'error');
    const cause = optionalString(input, 'cause');
    const run = this.runs.get(data.executionArn);
    if (data.status === 'RUNNING' && run) await run.stop(error, cause);
    return { stopDate: data.stopDate ?? now() };
  }

  // --- task tokens -----------------------------------------------------------------------------

  private sendTask(
    action: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat',
    input: Input,
    ctx: CallContext,
  ): unknown {
    const token = requiredString(input, 'taskToken');
    const claims = TaskTokens.decode(token);
    this.record(ctx, action, claims ? machineArnOf(claims.executionArn) : '*');
    if (!claims) throw new AwsError('InvalidToken', `Invalid Token: 'Invalid token'`);
    let output: Json | undefined;
    if (action === 'SendTaskSuccess') {
      const text = requiredString(input, 'output');
      try {
        output = JSON.parse(text) as Json;
      } catch {
        throw new AwsError('InvalidOutput', `Invalid Output: '${text}'`);
      }
    }
    const task = this.tokens.get(token);
    if (!task) {
      // The token was minted by this service: its task has closed (completed, timed out, or its execution ended).
      if (this.executions.has(claims.executionArn)) {
        throw new AwsError('TaskTimedOut', `Task Timed Out: 'Provided task does not exist anymore'`);
      }
      throw new AwsError('TaskDoesNotExist', `Task Does Not Exist: 'Provided task does not exist'`);
    }
    if (action === 'SendTaskSuccess') task.resolve(output ?? null);
    else if (action === 'SendTaskFailure')
      task.reject(new StatesError(optionalString(input, 'error'), optionalString(input, 'cause')));
    else task.heartbeat();
    return {};
  }

  // --- persistence -----------------------------------------------------------------------------

  private load(store: FileStore): void {
    for (const m of store.loadMachines()) {
      try {
        // Validated when created; only the (fast) translation is needed again.
        this.machines.set(m.stateMachineArn, { ...m, compiled: this.compile(m.definition) });
      } catch {
        // A definition this version cannot translate is left out rather than blocking the start.
      }
    }
    const restart: ExecutionData[] = [];
    for (const e of store.loadExecutions().sort((a, b) => a.startDate - b.startDate)) {
      this.executions.set(e.executionArn, e);
      const list = this.executionsByMachine.get(e.stateMachineArn) ?? [];
      list.push(e.executionArn);
      this.executionsByMachine.set(e.stateMachineArn, list);
      if (e.status === 'RUNNING') restart.push(e);
    }
    // Executions that were running at shutdown start again from their original input (their
    // earlier progress is not replayed; see README). They start after the constructor returns.
    for (const e of restart) {
      const machine = this.machines.get(e.stateMachineArn);
      if (machine) {
        this.run(e, machine.compiled, true);
      } else {
        e.status = 'ABORTED';
        e.cause = 'The state machine was deleted before the execution could be restarted';
        e.stopDate = now();
        store.saveExecution(e);
      }
    }
  }
}

function toMachineData(m: Machine): MachineData {
  const { compiled: _compiled, ...data } = m;
  return data;
}

function describe(d: ExecutionData): ExecutionDescription {
  return {
    executionArn: d.executionArn,
    stateMachineArn: d.stateMachineArn,
    name: d.name,
    status: d.status,
    startDate: d.startDate,
    ...(d.stopDate !== undefined ? { stopDate: d.stopDate } : {}),
    input: d.input,
    inputDetails: { included: true },
    ...(d.output !== undefined ? { output: d.output, outputDetails: { included: true } } : {}),
    ...(d.error !== undefined ? { error: d.error } : {}),
    ...(d.cause !== undefined ? { cause: d.cause } : {}),
    redriveCount: 0,
    redriveStatus: 'NOT_REDRIVABLE',
  };
}

/** A history event without execution data (GetExecutionHistory with includeExecutionData: false). */
function withoutData(event: HistoryEvent): HistoryEvent {
  const out: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).filter(([k]) => !DATA_FIELDS.has(k)));
    }
  }
  return out;
}
