/**
 * Domain and HTTP errors. Every error a client can cause carries a stable `code` and maps to a
 * 4xx RFC 9457 problem document; anything else becomes a generic 500 with the correlation id.
 */
export interface FieldError {
  /** Dotted path of the failing field (`attributes.cpu`), or `''` for the whole document. */
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    /** Stable, documented, kebab-case code, e.g. `ci-not-found`. */
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, fields: FieldError[], code = 'validation-failed') {
    super(code, 400, message, fields);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, code = 'not-found') {
    super(code, 404, message);
  }
}

/**
 * The record a read promises, or `undefined` when it does not exist. Only not-found is absorbed:
 * throttling, a network failure or a bug still throws, and becomes a 500 (or a retry), never a
 * client's 400 "does not exist".
 *
 * @example const parent = await ifFound(loadTicket(parentId));
 */
export async function ifFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, code = 'version-conflict') {
    super(code, 409, message);
  }
}

/**
 * The store's conditional write found the record at another version than the one the change
 * was computed from. Only this conflict may be retried from a fresh read for a client that sent
 * no If-Match (shared/kit/retry.ts); other 409s (duplicates, invalid transitions) may not.
 */
export class VersionConflictError extends ConflictError {
  constructor(
    /** Which record lost the race (table and key), so retries of one record can take turns. */
    readonly record = '',
    message = 'The record was changed by someone else. Read it again and retry with its new version.',
  ) {
    super(message, 'version-conflict');
    // Flows retry on the error name (ASL `ErrorEquals: ['ConflictError']`): keep it.
    this.name = 'ConflictError';
  }
}

/**
 * 503: the request was fine but could not be done now (`contention`, `busy`); nothing was
 * written, and the same request may be sent again after `retryAfterSeconds` (`Retry-After`).
 * Not a 409: the client's version is not stale. Event consumers let it throw, so the platform
 * retries the event.
 */
export class UnavailableError extends DomainError {
  constructor(
    code: 'contention' | 'busy',
    message: string,
    readonly retryAfterSeconds = 1,
    /** For `contention`: the contended record (table and key), so retries of one record can take turns. */
    readonly record = '',
  ) {
    super(code, 503, message);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'A valid bearer token is required.') {
    super('unauthorized', 401, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your roles do not allow this operation.') {
    super('forbidden', 403, message);
  }
}

/** A change larger than DynamoDB or EventBridge can hold (ADR 20): refused before anything is written. */
export class TooLargeError extends DomainError {
  constructor(message: string, code = 'too-large') {
    super(code, 413, message);
  }
}

export class PreconditionError extends DomainError {
  constructor(message: string, code = 'precondition-required') {
    super(code, 428, message);
  }
}

/** An RFC 9457 problem document with our extensions (`code`, `errors`, `correlationId`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_TYPE_BASE = 'https://itsm.dev/problems/';

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `${PROBLEM_TYPE_BASE}${code}`, title: TITLES[status] ?? 'Error', status, detail, code, ...extra };
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}) {
  return {
    statusCode: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(p),
  };
}
