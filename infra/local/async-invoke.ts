/**
 * Lambda's asynchronous invocation, as EventBridge uses it to invoke consumers: the event is
 * queued for the function and the caller is answered at once; the queue invokes the function,
 * and when the function fails it retries per the function's asynchronous invocation config
 * (`MaximumRetryAttempts`, 0-2; `MaximumEventAgeInSeconds`, 60-21,600), waiting about 1 minute
 * before the first retry and 2 before the second, as Lambda does. An invocation that fails every
 * attempt, or grows too old, goes to the function's on-failure destination (an SQS queue on AWS),
 * as the record Lambda sends there. An invocation that waits for a free instance (the function's
 * instances busy, or its reserved concurrency in use) uses no attempt; one still waiting past its
 * maximum age goes to the on-failure destination with `EventAgeExceeded` (ADR 22).
 *
 * With a journal (data mode), a queued invocation is on disk before `enqueue` returns, and
 * on-failure records are kept too; a new queue on the same journal invokes what was pending once
 * `resume()` is called.
 */
import { randomUUID } from 'node:crypto';
import type { Journal } from './journal';
import { WorkCount } from './work-count';

export interface AsyncInvokeConfig {
  functionArn: string;
  /** Retries after the first attempt, 0-2. */
  maximumRetryAttempts: number;
  /** Retries stop once the invocation is this old. */
  maximumEventAgeSeconds: number;
}

/** What Lambda sends to an on-failure destination, plus the local id `redrive` takes. */
export interface AsyncFailure {
  id: string;
  functionName: string;
  version: '1.0';
  /** ISO 8601. */
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: 200; executedVersion: '$LATEST'; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string };
}

interface Invocation {
  readonly requestId: string;
  readonly functionName: string;
  readonly payload: unknown;
  /** When Lambda accepted it (ms); its age bounds the retries. */
  readonly acceptedAt: number;
  attempts: number;
  /** The caller's reference, handed back to `onSettled` (the bus: which delivery of which event). */
  readonly tag?: unknown;
}

/** What became of one attempt: the function succeeded, will be retried, or failed for good. */
export interface AsyncSettled {
  requestId: string;
  functionName: string;
  tag?: unknown;
  /** Attempts so far, the first included. */
  attempts: number;
  state: 'succeeded' | 'retrying' | 'failed';
  error?: { errorType: string; errorMessage: string };
  /** The on-failure record's id, when failed. */
  failureId?: string;
  condition?: AsyncFailure['requestContext']['condition'];
}

/** What the journal keeps: a queued invocation (key `i:<id>`) or an on-failure record (key `f:<id>`). */
export type StoredInvocation = { invocation: Invocation } | { failure: AsyncFailure };

/**
 * Thrown by `invoke` when the event waited (throttled) past its maximum age without running: Lambda
 * drops it to the on-failure destination without using a retry attempt.
 */
export class EventExpiredError extends Error {
  override name = 'TooManyRequestsException';
  constructor() {
    super('Rate Exceeded.');
  }
}

export interface AsyncInvokeOptions {
  /** Runs the function; `acceptedAt` (ms) is when the event was queued, which bounds how long it may wait. */
  invoke(functionName: string, payload: unknown, acceptedAt: number): Promise<unknown>;
  /** The function's asynchronous invocation config; throws for an unknown function. */
  config(functionName: string): AsyncInvokeConfig;
  /** Wait before the first retry, doubling after (Lambda: about 1 minute, then 2). */
  retryBaseDelayMs: number;
  journal?: Journal<StoredInvocation>;
  /** Told after each attempt (the event console shows what became of a delivered event). */
  onSettled?(settled: AsyncSettled): void;
}

export class AsyncInvocations {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly failed = new Map<string, AsyncFailure>();
  private restored: Invocation[] = [];
  private readonly work = new WorkCount();
  private closed = false;

  constructor(private readonly options: AsyncInvokeOptions) {
    for (const [, stored] of options.journal?.entries() ?? []) {
      if ('invocation' in stored) this.restored.push(stored.invocation);
      else this.failed.set(stored.failure.id, stored.failure);
    }
  }

  /** Queues an invocation (on disk first, in data mode) and returns its request id at once. */
  enqueue(functionName: string, payload: unknown, tag?: unknown): string {
    if (this.closed) throw new Error('Lambda is shutting down');
    this.options.config(functionName); // an unknown function fails the hand-off, not a later attempt
    const invocation: Invocation = {
      requestId: randomUUID(),
      functionName,
      payload: structuredClone(payload),
      acceptedAt: Date.now(),
      attempts: 0,
      ...(tag === undefined ? {} : { tag }),
    };
    this.options.journal?.put([[`i:${invocation.requestId}`, { invocation }]], { sync: true });
    this.run(invocation, 0);
    return invocation.requestId;
  }

  /** Invokes what a previous run had queued and not finished. */
  resume(): void {
    const restored = this.restored;
    this.restored = [];
    for (const invocation of restored) this.run(invocation, 0);
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  drain(): Promise<void> {
    return this.closed ? Promise.resolve() : this.work.whenIdle();
  }

  idle(): boolean {
    return this.work.idle || this.closed;
  }

  /** On-failure records, oldest first; optionally of one function. */
  failures(functionName?: string): AsyncFailure[] {
    return [...this.failed.values()]
      .filter((f) => functionName === undefined || f.functionName === functionName)
      .map((f) => structuredClone(f));
  }

  /** Invokes a failed event again, as a new asynchronous invocation; throws for an unknown id. */
  redrive(id: string): string {
    const failure = this.failed.get(id);
    if (!failure) throw new Error(`No failed invocation with id ${id}`);
    const requestId = this.enqueue(failure.functionName, failure.requestPayload);
    this.failed.delete(id);
    this.options.journal?.delete(`f:${id}`);
    return requestId;
  }

  /** Stops timers; what is pending stays in the journal for the next start. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.options.journal?.close();
    this.work.reset();
  }

  private run(invocation: Invocation, delayMs: number): void {
    this.work.start();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(invocation);
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(invocation: Invocation): Promise<void> {
    if (this.closed) return;
    invocation.attempts++;
    let error: { errorType: string; errorMessage: string } | undefined;
    let expired = false;
    try {
      // A copy, so a handler that mutates its event cannot change a retry.
      await this.options.invoke(invocation.functionName, structuredClone(invocation.payload), invocation.acceptedAt);
    } catch (err) {
      expired = err instanceof EventExpiredError;
      error =
        err instanceof Error
          ? { errorType: err.name, errorMessage: err.message }
          : {
              errorType: 'Error',
              errorMessage: String(err),
            };
    }
    if (this.closed) return;
    if (expired) {
      invocation.attempts--; // it never ran
      this.fail(invocation, this.configOf(invocation.functionName), error!, 'EventAgeExceeded');
    } else if (error) this.retryOrFail(invocation, error);
    else {
      this.options.journal?.delete(`i:${invocation.requestId}`);
      this.settled(invocation, 'succeeded');
    }
    this.work.done();
  }

  private configOf(functionName: string): AsyncInvokeConfig {
    try {
      return this.options.config(functionName);
    } catch {
      // The function is gone since (a restart with other services): nothing can run it again.
      return { functionArn: functionName, maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 };
    }
  }

  private retryOrFail(invocation: Invocation, error: { errorType: string; errorMessage: string }): void {
    const config = this.configOf(invocation.functionName);
    if (invocation.attempts > config.maximumRetryAttempts) {
      this.fail(invocation, config, error, 'RetriesExhausted');
      return;
    }
    const delay = this.options.retryBaseDelayMs * 2 ** (invocation.attempts - 1);
    if (Date.now() + delay - invocation.acceptedAt > config.maximumEventAgeSeconds * 1000) {
      this.fail(invocation, config, error, 'EventAgeExceeded');
      return;
    }
    // Progress need not be synced: losing it only repeats an attempt after a crash.
    this.options.journal?.put([[`i:${invocation.requestId}`, { invocation }]], { sync: false });
    this.settled(invocation, 'retrying', { error });
    this.run(invocation, delay);
  }

  private settled(invocation: Invocation, state: AsyncSettled['state'], more: Partial<AsyncSettled> = {}): void {
    const { requestId, functionName, tag, attempts } = invocation;
    this.options.onSettled?.({
      requestId,
      functionName,
      ...(tag === undefined ? {} : { tag }),
      attempts,
      state,
      ...more,
    });
  }

  private fail(
    invocation: Invocation,
    config: AsyncInvokeConfig,
    error: { errorType: string; errorMessage: string },
    condition: AsyncFailure['requestContext']['condition'],
  ): void {
    const failure: AsyncFailure = {
      id: randomUUID(),
      functionName: invocation.functionName,
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: invocation.requestId,
        functionArn: `${config.functionArn}:$LATEST`,
        condition,
        approximateInvokeCount: invocation.attempts,
      },
      requestPayload: invocation.payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: error,
    };
    this.failed.set(failure.id, failure);
    this.options.journal?.put([[`f:${failure.id}`, { failure }]], { sync: true });
    this.options.journal?.delete(`i:${invocation.requestId}`);
    this.settled(invocation, 'failed', { error, failureId: failure.id, condition });
  }
}
