import { requireEnv } from '../../../shared/kit/env';
import { type Item, type Key, Store } from '../../../shared/kit/store';

/**
 * Report and KPI items of the reporting table (one table, pk + sk; gsi1, gsi2 and the sparse,
 * keys-only `due` index of ADR 13):
 *
 * | item              | pk               | sk                          | index                                                  |
 * |-------------------|------------------|-----------------------------|--------------------------------------------------------|
 * | report spec       | RPT#<reportId>   | RPT                         | gsi1 REPORTS#<contentType> / <number>; gsi2 REPORTS / <number> |
 * | history           | RPT#<reportId>   | HIST#<ulid>                 |                                                        |
 * | number -> id      | NUM#RPT-<n>      | NUM                         |                                                        |
 * | report run        | RPT#<reportId>   | RUN#<runId> (ULID)          | (deliveries, the delivery log, inside; TTL 400 days)   |
 * | report due        | RPT#<reportId>   | DUE                         | due DUE#<shard> / <dueAt>#RPT#<reportId> (while active) |
 * | KPI               | KPI#<kpiId>      | KPI                         | gsi2 KPIS / <kpiId>                                     |
 * | KPI history       | KPI#<kpiId>      | HIST#<ulid>                 |                                                        |
 * | KPI value         | KPI#<kpiId>      | VAL#<period from>           |                                                        |
 * | KPI due           | KPI#<kpiId>      | DUE                         | due DUE#<shard> / <dueAt>#KPI#<kpiId> (while active)    |
 *
 * The due item is apart from its record so a run claims it with its own version (two overlapping
 * timer invocations cannot both produce the same run) without touching the record's version
 * that clients hold in If-Match.
 */
export const reportKeys = {
  report: (id: string): Key => ({ pk: `RPT#${id}`, sk: 'RPT' }),
  number: (n: string): Key => ({ pk: `NUM#${n}`, sk: 'NUM' }),
  due: (pk: string): Key => ({ pk, sk: 'DUE' }),
  /** Run ids are ULIDs: by time, so a report's runs come newest first in a descending query. */
  run: (reportId: string, runId: string): Key => ({ pk: `RPT#${reportId}`, sk: `RUN#${runId}` }),
  kpi: (id: string): Key => ({ pk: `KPI#${id}`, sk: 'KPI' }),
  kpiValue: (id: string, periodFrom: string): Key => ({ pk: `KPI#${id}`, sk: `VAL#${periodFrom}` }),
};

export const reportIdx = {
  byContentType: (t: string) => `REPORTS#${t}`,
  allReports: 'REPORTS',
  allKpis: 'KPIS',
};

/** Due items spread over shards so one hot partition never limits the timer (ADR 13). */
export const DUE_SHARDS = 4;
export const DUE_PK = (shard: number) => `DUE#${shard}`;
export function dueShard(id: string): number {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % DUE_SHARDS;
}

/** The sparse index attributes of a due item (`pk` is the record's partition). */
export const dueIndex = (pk: string, dueAt: string) => ({
  duepk: DUE_PK(dueShard(pk)),
  duesk: `${dueAt}#${pk}`,
});

const KEY_ATTRIBUTES = new Set([
  'pk',
  'sk',
  'type',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'duepk',
  'duesk',
  'createdBy',
  'updatedBy',
  'expiresAt',
]);

/** A stored item without its keys and bookkeeping: the record the API shows. */
export function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k))) as T;
}

let store: Store | undefined;
export const table = () => {
  store ??= new Store(requireEnv('TABLE_NAME'));
  return store;
};
