/**
 * Payload templates (Parameters, ResultSelector) and the path fields of Fail and Wait states,
 * evaluated with our JSONPath and intrinsic functions so the semantics match AWS.
 */
import { runtimeError } from './errors';
import { evaluateIntrinsic, isIntrinsic, parseIntrinsic } from './intrinsics';
import { type Json, parsePath, queryPath } from './jsonpath';

const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evaluates a path or an intrinsic call given as the value of a `.$` field. */
export function evaluateExpression(expr: string, input: Json, context: Json, field: string): Json {
  if (isIntrinsic(expr)) return evaluateIntrinsic(expr, input, context);
  const r = queryPath(expr, input, context);
  if (!r.found) {
    const where = expr.startsWith('$$') ? 'the context object' : `the input '${JSON.stringify(input)}'`;
    throw runtimeError(`The JSONPath '${expr}' specified for the field '${field}' could not be found in ${where}`);
  }
  return r.value;
}

/** Applies a payload template: `.$` fields are replaced by the value of their path or intrinsic. */
export function evaluatePayload(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((v) => evaluatePayload(v, input, context));
  if (!isObject(template)) return template;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateExpression(value, input, context, key);
    } else {
      out[key] = evaluatePayload(value, input, context);
    }
  }
  return out;
}

/** Problems in a payload template that AWS rejects when the state machine is created. */
export function payloadTemplateProblems(template: Json, where: string): string[] {
  const problems: string[] = [];
  const walk = (node: Json, at: string): void => {
    if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) walk(v, `${at}[${i}]`);
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key.endsWith('.$') && typeof value === 'string') {
        const problem = expressionProblem(value);
        if (problem) problems.push(`${problem} at ${at}/${key}`);
      } else {
        walk(value, `${at}/${key}`);
      }
    }
  };
  walk(template, where);
  return problems;
}

/** A syntax problem with a path or intrinsic expression, or undefined when it is valid. */
export function expressionProblem(expr: string): string | undefined {
  try {
    if (isIntrinsic(expr)) parseIntrinsic(expr);
    else parsePath(expr);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Reads a reference-path field (ErrorPath, SecondsPath...) that must yield a value of a given type. */
export function readPathField(
  expr: string,
  input: Json,
  context: Json,
  field: string,
  accept: (v: Json) => boolean,
  expected: string,
): Json {
  const value = evaluateExpression(expr, input, context, field);
  if (!accept(value)) {
    throw runtimeError(
      `The value of the field '${field}' ('${expr}') must be ${expected}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
