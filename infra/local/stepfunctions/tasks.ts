/**
 * Pending task work: the promise a Task state waits on, its TimeoutSeconds and HeartbeatSeconds
 * timers, and (for `.waitForTaskToken`) the token that SendTaskSuccess/Failure/Heartbeat name.
 */
import { randomUUID } from 'node:crypto';
import type { Json } from './jsonpath';

/** Node cannot arm a timer beyond 2^31-1 ms; a longer timeout behaves as "no timeout". */
const MAX_TIMER_MS = 2_147_483_647;

/** Why a task stopped waiting without a result. */
export class TaskTimeoutSignal extends Error {
  constructor(readonly error: 'States.Timeout' | 'States.HeartbeatTimeout') {
    super(error);
    this.name = 'TaskTimeoutSignal';
  }
}

export class PendingTask {
  readonly promise: Promise<Json>;
  private resolveFn!: (value: Json) => void;
  private rejectFn!: (reason: Error) => void;
  private settled = false;
  private timeout: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatMs: number | undefined;
  /** Set when the task ended by a timeout, so a late SendTaskSuccess gets TaskTimedOut. */
  timedOut = false;

  constructor(
    private readonly onSettle: (task: PendingTask) => void,
    /** Present for `.waitForTaskToken` tasks. */
    readonly token?: string,
  ) {
    this.promise = new Promise<Json>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // The Task handler always awaits the promise; this only keeps an early rejection from being reported as unhandled.
    this.promise.catch(() => undefined);
  }

  get isOpen(): boolean {
    return !this.settled;
  }

  /** Arms TimeoutSeconds (from now) and HeartbeatSeconds (from now, reset by heartbeat()). */
  startTimers(timeoutSeconds: number | undefined, heartbeatSeconds: number | undefined): void {
    if (timeoutSeconds !== undefined && timeoutSeconds * 1000 <= MAX_TIMER_MS) {
      this.timeout = setTimeout(() => this.expire('States.Timeout'), timeoutSeconds * 1000);
    }
    if (heartbeatSeconds !== undefined && heartbeatSeconds * 1000 <= MAX_TIMER_MS) {
      this.heartbeatMs = heartbeatSeconds * 1000;
      this.heartbeat();
    }
  }

  heartbeat(): void {
    if (this.settled || this.heartbeatMs === undefined) return;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => this.expire('States.HeartbeatTimeout'), this.heartbeatMs);
  }

  resolve(value: Json): void {
    if (this.finish()) this.resolveFn(value);
  }

  reject(reason: Error): void {
    if (this.finish()) this.rejectFn(reason);
  }

  private expire(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    this.timedOut = true;
    this.reject(new TaskTimeoutSignal(error));
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timeout);
    clearTimeout(this.heartbeatTimer);
    this.onSettle(this);
    return true;
  }
}

export interface TokenClaims {
  /** The execution the token was minted for. */
  executionArn: string;
  /** The original name of the Task state. */
  state: string;
}

/**
 * Task tokens are opaque to callers, like AWS's; ours encode the execution so a token can be
 * told apart as malformed (InvalidToken), unknown (TaskDoesNotExist) or closed (TaskTimedOut),
 * and so the recorded call names the state machine the token belongs to.
 */
export class TaskTokens {
  private readonly open = new Map<string, PendingTask>();

  mint(claims: TokenClaims, onSettle: (task: PendingTask) => void): PendingTask {
    const token = Buffer.from(
      JSON.stringify({ e: claims.executionArn, s: claims.state, n: randomUUID() }),
      'utf8',
    ).toString('base64url');
    const task = new PendingTask((t) => {
      this.open.delete(token);
      onSettle(t);
    }, token);
    this.open.set(token, task);
    return task;
  }

  /** The pending task of an open token. */
  get(token: string): PendingTask | undefined {
    return this.open.get(token);
  }

  static decode(token: string): TokenClaims | undefined {
    if (!/^[A-Za-z0-9_-]{20,2048}$/.test(token)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { e?: unknown; s?: unknown };
      if (typeof claims.e !== 'string' || typeof claims.s !== 'string') return undefined;
      return { executionArn: claims.e, state: claims.s };
    } catch {
      return undefined;
    }
  }
}
