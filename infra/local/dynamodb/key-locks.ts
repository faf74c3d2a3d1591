/**
 * Per-item locks, keyed by `table + item key`. Transactions lock every item they touch;
 * single-item writes lock their one item; so a transaction never interleaves with another
 * writer of the same item, while writers of different items run concurrently (no global
 * write lock: throughput matters, see README).
 *
 * Deadlock freedom: a caller that needs several keys gets them in one `acquire` call, which
 * takes them in one global (sorted) order; nobody waits for a key while holding a key
 * acquired by an earlier call.
 */
export class KeyLocks {
  /** Held keys, each with the queue of callers waiting for it (FIFO, so nobody starves). */
  readonly #held = new Map<string, Array<() => void>>();

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
