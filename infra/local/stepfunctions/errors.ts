/**
 * Errors raised inside an execution. aws-local-stepfunctions matches Retry and Catch on
 * `error.name`, reads the Catch output's `Cause` from `error.message`, and consults
 * `isRetryable` / `isCatchable` (States.Runtime is neither), so our errors carry exactly those
 * fields. `error` and `causeText` keep the values AWS would report, including "absent".
 */
export class StatesError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;

  constructor(
    readonly error: string | undefined,
    readonly causeText: string | undefined,
    opts: { retryable?: boolean; catchable?: boolean } = {},
  ) {
    super(causeText ?? '');
    this.name = error ?? '';
    this.isRetryable = opts.retryable ?? true;
    this.isCatchable = opts.catchable ?? true;
  }
}

/** States.Runtime: AWS neither retries nor catches it (not even with States.ALL). */
export function runtimeError(cause: string): StatesError {
  return new StatesError('States.Runtime', cause, { retryable: false, catchable: false });
}

/** An intrinsic function that cannot be evaluated with its arguments. */
export function intrinsicError(cause: string): StatesError {
  return new StatesError('States.IntrinsicFailure', cause);
}

/** Thrown into pending task work when its execution stops; never reaches the history. */
export class ExecutionClosedError extends Error {
  // Neither Retry nor Catch may resume work of an execution that has already ended.
  readonly isRetryable = false;
  readonly isCatchable = false;

  constructor() {
    super('Execution closed');
    this.name = 'ExecutionClosedError';
  }
}
