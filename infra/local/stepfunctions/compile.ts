/**
 * Validation and translation of an ASL definition into the definition aws-local-stepfunctions
 * runs. The library keeps what it does well (transitions, Choice, Retry/Catch, Map, Parallel,
 * InputPath/ResultPath/OutputPath, execution timeout, abort); the states whose semantics it gets
 * wrong or cannot express become Task states run by our handlers:
 *
 * - Task: Lambda invocation, `.waitForTaskToken`, TimeoutSeconds/HeartbeatSeconds, Parameters
 *   and ResultSelector (with `$$.Task.Token`), since the library only offers one local handler
 *   per state and a fixed 60 s default timeout.
 * - Pass: Parameters and Result (the library ignores a falsy Result and evaluates intrinsics
 *   differently from AWS).
 * - Wait: so waits can be scaled (`waitScale`) and stopped.
 * - Fail: so an absent Error or Cause stays absent instead of becoming `FailStateError` and
 *   "Execution failed because of a Fail state".
 *
 * Every state is renamed to an id (`S1`, `S2`...): the library looks local handlers up by state
 * name in a plain object, and the ids let the history translation find each state's original
 * name, type and enclosing Map/Parallel. Choice rules are
 * rewritten with type guards (`IsString`, `IsNumeric`...) because the library compares values
 * of any type with JavaScript operators (`null < 1` is true) and mishandles `IsNull: false`.
 * `ResultPath: "$"` is dropped (the library would write a key named "$").
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { Json } from './jsonpath';
import { expressionProblem, payloadTemplateProblems } from './payload';

/** Longest timer Node accepts (2^31-1 ms); the library's own task timeout is parked there. */
export const MAX_TIMER_SECONDS = 2_147_483;

/** The resource placed on states we run ourselves; the library only needs a string. */
const LOCAL_RESOURCE = 'local';

export type StateType = 'Task' | 'Pass' | 'Wait' | 'Fail' | 'Succeed' | 'Choice' | 'Parallel' | 'Map';

/** How a Task state's Resource is run. */
export type TaskResource =
  | { kind: 'invoke'; resource: 'invoke' }
  | { kind: 'invokeWait'; resource: 'invoke.waitForTaskToken' }
  | { kind: 'function'; resource: string };

export interface StateInfo {
  /** The state's name in the library definition. */
  readonly id: string;
  /** The state's name in the original definition. */
  readonly name: string;
  readonly type: StateType;
  /** The original state definition. */
  readonly def: { readonly [key: string]: Json };
  /** Id of the enclosing Map or Parallel state; undefined at the top level. */
  readonly container?: string;
  /** Branch index within the enclosing Parallel state. */
  readonly branch?: number;
  /** Set for Task states. */
  readonly task?: TaskResource;
  /** True when the state reads the context object (`$$`), so our handler must know the entry time and retry count. */
  readonly readsContext: boolean;
}

export interface CompiledMachine {
  /** Built once, run for every execution. */
  readonly machine: StateMachine;
  readonly states: ReadonlyMap<string, StateInfo>;
}

export class InvalidDefinitionError extends Error {
  constructor(detail: string) {
    super(`Invalid State Machine Definition: '${detail}'`);
    this.name = 'InvalidDefinitionError';
  }
}

type JsonObject = { [key: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const INVOKE = /^arn:aws[a-z-]*:states:[a-z0-9-]*:\d*:lambda:invoke(\.waitForTaskToken)?$/;
const FUNCTION = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

export function classifyResource(resource: string): TaskResource | undefined {
  const invoke = INVOKE.exec(resource);
  if (invoke)
    return invoke[1]
      ? { kind: 'invokeWait', resource: 'invoke.waitForTaskToken' }
      : { kind: 'invoke', resource: 'invoke' };
  if (FUNCTION.test(resource)) return { kind: 'function', resource };
  return undefined;
}

// Validation with asl-validator costs a few hundred milliseconds (it compiles its JSON schemas on
// every call), and deployments create the same definition again and again: cache by text.
const validated = new Map<string, JsonObject | InvalidDefinitionError>();

/** Parses and validates a definition as CreateStateMachine does; throws InvalidDefinitionError. */
export function validateDefinition(text: string): JsonObject {
  const hit = validated.get(text);
  if (hit instanceof InvalidDefinitionError) throw hit;
  if (hit) return hit;
  let result: JsonObject | InvalidDefinitionError;
  try {
    result = validateUncached(text);
  } catch (err) {
    if (!(err instanceof InvalidDefinitionError)) throw err;
    result = err;
  }
  if (validated.size > 500) validated.clear();
  validated.set(text, result);
  if (result instanceof InvalidDefinitionError) throw result;
  return result;
}

function validateUncached(text: string): JsonObject {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (err) {
    throw new InvalidDefinitionError(`INVALID_JSON_DESCRIPTION: ${(err as Error).message}`);
  }
  if (!isObject(parsed))
    throw new InvalidDefinitionError('INVALID_JSON_DESCRIPTION: the definition must be a JSON object');
  const problems = unsupportedFeatures(parsed);
  if (problems.length > 0) throw new InvalidDefinitionError(`SCHEMA_VALIDATION_FAILED: ${problems.join('; ')}`);
  try {
    // The validator adds QueryLanguage to every state it visits: give it a copy.
    new StateMachine(structuredClone(parsed) as unknown as StateMachineDefinition);
  } catch (err) {
    const detail = (err as Error).message
      .replace(/^State machine definition is invalid, see error\(s\) below:\s*/, '')
      .trim();
    throw new InvalidDefinitionError(detail.replace(/\n\s*/g, '; '));
  }
  return parsed;
}

/** Visits every state, nested ones included, with a JSON-pointer-like location. */
function forEachState(machine: JsonObject, at: string, visit: (state: JsonObject, at: string) => void): void {
  const states = machine.States;
  if (!isObject(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const here = `${at}/States/${name}`;
    visit(state, here);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isObject(processor)) forEachState(processor, `${here}/ItemProcessor`, visit);
    if (Array.isArray(state.Branches)) {
      state.Branches.forEach((b, i) => {
        if (isObject(b)) forEachState(b, `${here}/Branches/${i}`, visit);
      });
    }
  }
}

/** What the local engine cannot run faithfully: refuse it at creation rather than run it wrong. */
function unsupportedFeatures(def: JsonObject): string[] {
  const problems: string[] = [];
  if (def.QueryLanguage === 'JSONata') problems.push('JSONata is not supported by the local engine (use JSONPath)');
  forEachState(def, '', (state, at) => {
    if (state.QueryLanguage === 'JSONata') problems.push(`JSONata is not supported by the local engine at ${at}`);
    for (const field of ['Assign', 'Arguments', 'Output', 'Items']) {
      if (field in state)
        problems.push(`The field "${field}" (JSONata/variables) is not supported by the local engine at ${at}`);
    }
    for (const field of ['ItemReader', 'ItemBatcher', 'ResultWriter']) {
      if (field in state) problems.push(`Distributed Map "${field}" is not supported by the local engine at ${at}`);
    }
    if (state.Type === 'Choice' && Array.isArray(state.Choices)) {
      state.Choices.forEach((c, i) => {
        if (isObject(c) && 'Condition' in c)
          problems.push(`JSONata Choice conditions are not supported at ${at}/Choices/${i}`);
      });
    }
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      const task = classifyResource(state.Resource);
      if (!task) {
        problems.push(
          `The resource ${state.Resource} is not supported by the local engine at ${at} (supported: arn:aws:states:::lambda:invoke, arn:aws:states:::lambda:invoke.waitForTaskToken, Lambda function ARNs)`,
        );
      } else if (task.kind !== 'function') {
        const p = state.Parameters;
        if (!isObject(p) || !('FunctionName' in p || 'FunctionName.$' in p)) {
          problems.push(`The field "FunctionName" is required in Parameters at ${at}`);
        }
      }
    }
    for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) {
      const template = state[field];
      if (template !== undefined) problems.push(...payloadTemplateProblems(template, `${at}/${field}`));
    }
    for (const field of [
      'ErrorPath',
      'CausePath',
      'SecondsPath',
      'TimestampPath',
      'TimeoutSecondsPath',
      'HeartbeatSecondsPath',
    ]) {
      const expr = state[field];
      if (typeof expr === 'string') {
        const problem = expressionProblem(expr);
        if (problem) problems.push(`${problem} at ${at}/${field}`);
      }
    }
  });
  return problems;
}

/** Translates a validated definition; `waitScale` multiplies Retry intervals (Wait states are timed by our handler). */
export function compileDefinition(def: JsonObject, waitScale: number): CompiledMachine {
  const states = new Map<string, StateInfo>();
  let counter = 0;

  const compileMachine = (machine: JsonObject, container?: { id: string; branch?: number }): JsonObject => {
    const ids = new Map<string, string>();
    const source = isObject(machine.States) ? machine.States : {};
    for (const name of Object.keys(source)) ids.set(name, `S${++counter}`);
    const rename = (name: Json | undefined): string => (typeof name === 'string' ? (ids.get(name) ?? name) : '');
    const out: JsonObject = {};
    for (const [name, raw] of Object.entries(source)) {
      if (!isObject(raw)) continue;
      const id = ids.get(name) as string;
      const type = raw.Type as StateType;
      const task = type === 'Task' && typeof raw.Resource === 'string' ? classifyResource(raw.Resource) : undefined;
      states.set(id, {
        id,
        name,
        type,
        def: raw,
        ...(container ? { container: container.id } : {}),
        ...(container?.branch !== undefined ? { branch: container.branch } : {}),
        ...(task ? { task } : {}),
        readsContext: JSON.stringify(raw).includes('$$'),
      });
      out[id] = compileState(raw, id, rename);
    }
    return { StartAt: rename(machine.StartAt), States: out };
  };

  const retry = (list: Json | undefined): JsonObject => {
    if (!Array.isArray(list)) return {};
    return {
      Retry: list.filter(isObject).map((r) => ({
        ...r,
        IntervalSeconds: (typeof r.IntervalSeconds === 'number' ? r.IntervalSeconds : 1) * waitScale,
        ...(typeof r.MaxDelaySeconds === 'number' ? { MaxDelaySeconds: r.MaxDelaySeconds * waitScale } : {}),
      })),
    };
  };

  const compileState = (st: JsonObject, id: string, rename: (n: Json | undefined) => string): JsonObject => {
    const pick = (...fields: string[]): JsonObject => {
      const out: JsonObject = {};
      for (const f of fields) if (f in st) out[f] = st[f] as Json;
      return out;
    };
    const transition: JsonObject = st.End === true ? { End: true } : { Next: rename(st.Next) };
    const catchers: JsonObject = Array.isArray(st.Catch)
      ? {
          Catch: st.Catch.filter(isObject).map((c) => ({
            ErrorEquals: c.ErrorEquals ?? [],
            Next: rename(c.Next),
            ...resultPath(c),
          })),
        }
      : {};
    const local = (extra: JsonObject): JsonObject => ({
      Type: 'Task',
      Resource: LOCAL_RESOURCE,
      ...extra,
      TimeoutSeconds: MAX_TIMER_SECONDS,
    });
    switch (st.Type) {
      case 'Task':
        return local({
          ...pick('InputPath', 'OutputPath'),
          ...resultPath(st),
          ...retry(st.Retry),
          ...catchers,
          ...transition,
        });
      case 'Pass':
      case 'Wait':
        return local({ ...pick('InputPath', 'OutputPath'), ...resultPath(st), ...transition });
      case 'Fail':
        return local({ End: true });
      case 'Succeed':
        return { Type: 'Succeed', ...pick('InputPath', 'OutputPath') };
      case 'Choice': {
        const choices = Array.isArray(st.Choices) ? st.Choices.filter(isObject) : [];
        return {
          Type: 'Choice',
          ...pick('InputPath', 'OutputPath'),
          Choices: choices.map((c) => {
            const { Next, Comment: _comment, ...rule } = c;
            return { ...rewriteRule(rule), Next: rename(Next) };
          }),
          ...('Default' in st ? { Default: rename(st.Default) } : {}),
        };
      }
      case 'Parallel': {
        const branches = Array.isArray(st.Branches) ? st.Branches.filter(isObject) : [];
        return {
          Type: 'Parallel',
          ...pick('InputPath', 'OutputPath', 'Parameters', 'ResultSelector'),
          ...resultPath(st),
          ...retry(st.Retry),
          ...catchers,
          Branches: branches.map((b, branch) => compileMachine(b, { id, branch })),
          ...transition,
        };
      }
      case 'Map': {
        const processor = st.ItemProcessor ?? st.Iterator;
        return {
          Type: 'Map',
          ...pick(
            'InputPath',
            'OutputPath',
            'ItemsPath',
            'ItemSelector',
            'Parameters',
            'MaxConcurrency',
            'MaxConcurrencyPath',
            'ResultSelector',
          ),
          ...resultPath(st),
          ...retry(st.Retry),
          ...catchers,
          ItemProcessor: compileMachine(isObject(processor) ? processor : {}, { id }),
          ...transition,
        };
      }
      default:
        throw new InvalidDefinitionError(`Unknown state type ${String(st.Type)}`);
    }
  };

  const top = compileMachine(def);
  if (typeof def.TimeoutSeconds === 'number') top.TimeoutSeconds = def.TimeoutSeconds;
  const machine = new StateMachine(top as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return { machine, states };
}

/** ResultPath as the library needs it: `$` is the default, and `$[...]` must read `$.[...]` for its path setter. */
function resultPath(st: JsonObject): JsonObject {
  if (!('ResultPath' in st)) return {};
  const p = st.ResultPath;
  if (p === '$') return {};
  if (typeof p === 'string' && p.startsWith('$[')) return { ResultPath: `$.${p.slice(1)}` };
  return { ResultPath: p ?? null };
}

const TYPE_GUARD: Record<string, 'IsString' | 'IsNumeric' | 'IsBoolean' | 'IsTimestamp'> = {
  String: 'IsString',
  Numeric: 'IsNumeric',
  Boolean: 'IsBoolean',
  Timestamp: 'IsTimestamp',
};

/**
 * Rewrites a Choice rule so the library's evaluation gives AWS's answer: a comparison whose
 * operands are not of the operator's type is false (not a JavaScript coercion), and `IsX: false`
 * means "is not X".
 */
export function rewriteRule(rule: JsonObject): JsonObject {
  if (Array.isArray(rule.And)) return { And: rule.And.filter(isObject).map(rewriteRule) };
  if (Array.isArray(rule.Or)) return { Or: rule.Or.filter(isObject).map(rewriteRule) };
  if (isObject(rule.Not)) return { Not: rewriteRule(rule.Not) };
  const variable = rule.Variable;
  const op = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Comment');
  if (typeof variable !== 'string' || !op) return rule;
  const value = rule[op] as Json;
  const base: JsonObject = { Variable: variable, [op]: value };
  const is = (test: string, path: string): JsonObject => ({ Variable: path, [test]: true });

  if (/^Is(Null|Present|Numeric|String|Boolean|Timestamp)$/.test(op)) {
    const positive: JsonObject =
      op === 'IsTimestamp'
        ? { And: [is('IsString', variable), is('IsTimestamp', variable)] }
        : { Variable: variable, [op]: true };
    return value === false ? { Not: positive } : positive;
  }
  const m =
    /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/.exec(
      op,
    );
  if (!m) return base;
  const family = m[1] as string;
  const guard = TYPE_GUARD[family] as string;
  const guards = (path: string): JsonObject[] =>
    family === 'Timestamp' ? [is('IsString', path), is('IsTimestamp', path)] : [is(guard, path)];
  if (m[3] && typeof value === 'string') return { And: [...guards(variable), ...guards(value), base] };
  if (family === 'Boolean') return base;
  return { And: [...guards(variable), base] };
}
