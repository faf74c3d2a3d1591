import * as z from 'zod/mini';
import { type FieldError, ValidationError } from './errors';

/** zod/mini ships no message locale (that keeps bundles small), so messages are made here from issue codes. */
function message(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  switch (issue.code) {
    case 'invalid_type':
      return i.input === undefined ? 'is required' : `must be ${String(i.expected)}`;
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
      return `must be a valid ${String(i.format)}`;
    case 'unrecognized_keys':
      return `unknown field(s): ${(i.keys as string[]).join(', ')}`;
    case 'invalid_union':
      return 'does not match any allowed shape';
    default:
      return issue.message && issue.message !== 'Invalid input' ? issue.message : 'is invalid';
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
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw new ValidationError('The request is not valid.', issuesToFields(result.error.issues, prefix));
}
