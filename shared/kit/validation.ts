import * as z from 'zod/mini';
import type { SchemaLike } from './definition';
import { type FieldError, ValidationError } from './errors';

/** What zod/mini says when a check has no message of its own (it ships no locale). */
const DEFAULT_MESSAGE = 'Invalid input';

const TYPE_NAMES: Record<string, string> = {
  object: 'a JSON object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/**
 * zod/mini ships no message locale (that keeps bundles small), so messages are made here from issue
 * codes; a message the schema gives itself (`z.regex(re, 'must be …')`, a refinement) is kept.
 */
function message(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  if (issue.message && issue.message !== DEFAULT_MESSAGE && issue.code !== 'unrecognized_keys') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      // `input` is there because parsing asks for it (reportInput): absent means not sent.
      return i.input === undefined ? 'is required' : `must be ${TYPE_NAMES[String(i.expected)] ?? String(i.expected)}`;
    case 'too_small':
      return i.origin === 'string'
        ? `must be at least ${String(i.minimum)} characters`
        : i.origin === 'array'
          ? `must have at least ${String(i.minimum)} items`
          : `must be at least ${String(i.minimum)}`;
    case 'too_big':
      return i.origin === 'string'
        ? `must be at most ${String(i.maximum)} characters`
        : i.origin === 'array'
          ? `must have at most ${String(i.maximum)} items`
          : `must be at most ${String(i.maximum)}`;
    case 'invalid_value':
      return `must be one of ${(i.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return i.format === 'regex' ? `must match ${String(i.pattern)}` : `must be a valid ${String(i.format)}`;
    case 'unrecognized_keys':
      return `unknown field(s): ${(i.keys as string[]).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return 'is invalid';
  }
}

export function issuesToFields(issues: readonly z.core.$ZodIssue[], prefix = ''): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const field = [prefix, path].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      return { field: [field, keys[0]].filter(Boolean).join('.'), message: message(issue) };
    }
    return { field, message: message(issue) };
  });
}

/**
 * Parse `value` with a zod/mini schema or throw a ValidationError listing every failing field.
 *
 * @example const input = parse(CreateCiBody, req.body, 'body');
 */
export function parse<T extends z.core.$ZodType>(schema: T, value: unknown, prefix = ''): z.infer<T> {
  const result = z.safeParse(schema, value, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError('The request is not valid.', issuesToFields(result.error.issues, prefix));
}

/** Validate a request body with the route's schema; an absent body is valid only where the schema is optional. */
export function validateBody(schema: SchemaLike, body: unknown): unknown {
  return parse(schema as z.core.$ZodType, body, 'body');
}

/** The parameter names an object schema declares (its shape), or none. */
function declaredKeys(schema: SchemaLike | undefined): Set<string> {
  const shape = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return new Set(Object.keys(shape ?? {}));
}

/**
 * Validate a query string with the route's schema, strictly: a parameter the schema does not
 * declare is refused (a typo such as `?stauts=` would otherwise silently list everything), and a
 * route without a query schema takes no parameters at all.
 */
export function validateQuery(schema: SchemaLike | undefined, query: Record<string, string>): Record<string, unknown> {
  const allowed = declaredKeys(schema);
  const unknown = Object.keys(query).filter((k) => !allowed.has(k));
  if (unknown.length > 0) {
    const accepted = allowed.size ? `Accepted: ${[...allowed].join(', ')}.` : 'This route takes no query parameters.';
    throw new ValidationError(
      `Unknown query parameter(s): ${unknown.join(', ')}. ${accepted}`,
      unknown.map((k) => ({ field: `query.${k}`, message: 'unknown query parameter' })),
    );
  }
  return schema ? (parse(schema as z.core.$ZodType, query, 'query') as Record<string, unknown>) : {};
}
