import { ValidationError } from '../../../shared/kit/errors';

/**
 * The store-side cursor of a read-model page: the last row's sort values, as PostgreSQL's text
 * forms, base64url JSON. The API kit signs it for the query and the caller (ADR 19), so a client
 * can only hand back what it was given; its shape is checked anyway.
 */
export function encodeKeyset(values: string[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeKeyset(cursor: string, length: number): string[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(values) &&
      values.length === length &&
      values.every((v) => typeof v === 'string' && v.length <= 300)
    ) {
      return values as string[];
    }
  } catch {
    /* answered below */
  }
  throw new ValidationError(
    'The cursor does not fit this query. Start again without a cursor.',
    [{ field: 'cursor', message: 'is invalid' }],
    'invalid-cursor',
  );
}
