import type { Kysely } from 'kysely';
import { systemContext } from '../../../shared/kit/context';
import type { ReadModel } from '../db/schema';
import { runDueKpi } from './kpis';
import { DUE_PK, DUE_SHARDS, table } from './report-items';
import { runDueReport } from './reports';

/** Items taken per shard per minute: a backlog after an outage drains over a few minutes. */
const MAX_PER_SHARD = 50;

/**
 * The every-minute schedule (ADR 13): read what has come due from the sparse `due` index, shard
 * by shard, keys only, and produce each report run or KPI value. Nothing is scanned; an idle
 * platform reads four empty index partitions a minute.
 */
export async function runDue(db: () => Kysely<ReadModel>, now: number): Promise<{ reports: number; kpis: number }> {
  const ctx = systemContext('reports-timer');
  const upper = `${new Date(now).toISOString()}#~`;
  const pks: string[] = [];
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    const page = await table().page({ index: 'due', pk: DUE_PK(shard), skBetween: ['0', upper], limit: MAX_PER_SHARD });
    for (const i of page.items) pks.push(String(i.pk));
  }
  let reports = 0;
  let kpis = 0;
  // One at a time: runs query the read model and mail; a minute holds many of them.
  for (const pk of pks) {
    if (pk.startsWith('RPT#')) reports += (await runDueReport(ctx, db(), pk, now)) === 'ran' ? 1 : 0;
    else if (pk.startsWith('KPI#')) kpis += (await runDueKpi(ctx, db(), pk, now)) === 'ran' ? 1 : 0;
  }
  return { reports, kpis };
}
