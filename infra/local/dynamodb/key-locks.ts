/**
 * Per-item locks, keyed by `table + item key`. Transactions lock every item they touch;
 * single-item writes lock their one item; so a transaction never interleaves with another
 * writer of the same item, while writers of different items run concurrently (no global
 * write lock: throughput matters, see README).
 *
 * Besides the locks, a transaction *claims* its items for as long as it is in flight (from
 * before it waits for the locks until it has committed or failed). A claim never waits: it is
 * what tells another transaction or a single write that DynamoDB would reject it with
 * TransactionConflict instead of letting it wait (ADR 0017).
 *
 * Deadlock freedom: a caller that needs several keys gets them in one `acquire` call, which
 * takes them in one global (sorted) order; nobody waits for a key while holding a key
 * acquired by an earlier call.
 */
export class KeyLocks {
  /** Held keys, each with the queue of callers waiting for it (FIFO, so nobody starves). */
  readonly #held = new Map<string, Array<() => void>>();
  /** Keys claimed by an in-flight transaction. */
  readonly #claimed = new Set<string>();

  /**
   * Claims every key for one transaction, all or none, without waiting: either the function that
   * ends the claim, or the keys another transaction claims (then nothing is claimed).
   */
  claim(keys: Iterable<string>): { release: () => void } | { conflicting: Set<string> } {
    const unique = [...new Set(keys)];
    const conflicting = new Set(unique.filter((k) => this.#claimed.has(k)));
    if (conflicting.size > 0) return { conflicting };
    for (const key of unique) this.#claimed.add(key);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const key of unique) this.#claimed.delete(key);
      },
    };
  }

  /** True while an in-flight transaction claims the key. */
  isClaimed(key: string): boolean {
    return this.#claimed.has(key);
  }

  /** Acquires every key (duplicates ignored) and resolves to the function that releases them all. */
  async acquire(keys: Iterable<string>): Promise<() => void> {
    const sorted = [...new Set(keys)].sort();
    for (const key of sorted) {
      const waiting = this.#held.get(key);
      if (waiting) await new Promise<void>((resolve) => waiting.push(resolve));
      else this.#held.set(key, []);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of sorted) this.#release(key);
    };
  }

  /** Runs `work` while holding the keys. */
  async with<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(keys);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Number of keys currently held (for tests and diagnostics). */
  get size(): number {
    return this.#held.size;
  }

  #release(key: string): void {
    const waiting = this.#held.get(key);
    const next = waiting?.shift();
    // Ownership passes straight to the next waiter, so no third caller can slip in between.
    if (next) next();
    else this.#held.delete(key);
  }
}

/** The lock key of one item: its table and dynalite's key string (NUL cannot occur in a table name). */
export const itemLockKey = (tableName: string, key: string) => `${tableName}\u0000${key}`;
