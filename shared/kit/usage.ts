import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-invocation resource usage: DynamoDB capacity units and items read, events published.
 * The API kit reports it in the `x-itsm-usage` response header (server-timing in spirit), which
 * is how `npm run bench` measures units per operation without guessing. One function instance
 * may serve several invocations at once (always locally), so usage is kept per async context.
 */
export interface Usage {
  rcu: number;
  wcu: number;
  itemsRead: number;
  events: number;
}

const storage = new AsyncLocalStorage<Usage>();
const fresh = (): Usage => ({ rcu: 0, wcu: 0, itemsRead: 0, events: 0 });
/** Outside any tracked invocation (e.g. start-up code), usage goes here and is never reported. */
const untracked = fresh();
const current = () => storage.getStore() ?? untracked;

/** Run one invocation with its own usage counters. */
export const withUsage = <T>(fn: () => Promise<T>): Promise<T> => storage.run(fresh(), fn);
export const usage = (): Readonly<Usage> => current();

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export function addCapacity(consumed: Capacity | Capacity[] | undefined, kind: 'read' | 'write'): void {
  const u = current();
  for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    const units = c.CapacityUnits ?? (kind === 'read' ? c.ReadCapacityUnits : c.WriteCapacityUnits) ?? 0;
    if (kind === 'read') u.rcu += units;
    else u.wcu += units;
  }
}

export const addItemsRead = (n: number) => {
  current().itemsRead += n;
};
export const addEvents = (n: number) => {
  current().events += n;
};

export const usageHeader = (u: Usage = current()) =>
  `rcu=${+u.rcu.toFixed(2)};wcu=${+u.wcu.toFixed(2)};items=${u.itemsRead};events=${u.events}`;
