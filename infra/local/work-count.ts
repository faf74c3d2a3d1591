/**
 * Counts the work a local queue has accepted and not finished (queued, in flight, waiting for a
 * retry), so tests and shutdown can wait until it is idle. Shared by the bus's deliveries and
 * Lambda's asynchronous invocations.
 */
export class WorkCount {
  private count = 0;
  private waiters: (() => void)[] = [];

  get idle(): boolean {
    return this.count === 0;
  }

  start(): void {
    this.count++;
  }

  done(): void {
    this.count--;
    if (this.count === 0) this.release();
  }

  /** Forget everything (on close) and wake whoever waits. */
  reset(): void {
    this.count = 0;
    this.release();
  }

  /** Resolves once nothing is outstanding. */
  whenIdle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
