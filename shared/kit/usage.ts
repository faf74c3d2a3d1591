/**
 * Per-invocation resource usage: DynamoDB capacity units and items read, events published.
 * The API kit reports it in the `x-itsm-usage` response header (server-timing in spirit), which
 * is how `npm run bench` measures units per operation without guessing.
 */
export interface Usage {
  rcu: number;
  wcu: number;
  itemsRead: number;
  events: number;
}

let current: Usage = { rcu: 0, wcu: 0, itemsRead: 0, events: 0 };

export const resetUsage = () => {
  current = { rcu: 0, wcu: 0, itemsRead: 0, events: 0 };
};
export const usage = (): Readonly<Usage> => current;

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export function addCapacity(consumed: Capacity | Capacity[] | undefined, kind: 'read' | 'write'): void {
  for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    const units = c.CapacityUnits ?? (kind === 'read' ? c.ReadCapacityUnits : c.WriteCapacityUnits) ?? 0;
    if (kind === 'read') current.rcu += units;
    else current.wcu += units;
  }
}

export const addItemsRead = (n: number) => {
  current.itemsRead += n;
};
export const addEvents = (n: number) => {
  current.events += n;
};

export const usageHeader = (u: Usage = current) =>
  `rcu=${+u.rcu.toFixed(2)};wcu=${+u.wcu.toFixed(2)};items=${u.itemsRead};events=${u.events}`;
