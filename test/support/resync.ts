import { ulid } from 'ulid';
import * as z from 'zod/mini';
import type { Runtime } from '../../infra/local/runtime';
import type { resyncContracts } from '../../shared/contracts/resync';
import type { ServiceDefinition } from '../../shared/kit/definition';
import { publishEvents } from './events';
import { eventually } from './eventually';

/**
 * Resync tests (ADR 28): a definition with small resync settings, a `ResyncRequested` as the
 * reporting service sends it, and the `RecordsResynced` pages an owner answered with.
 */

/** The definition with its resync function's settings lowered (bytes per page, items per query, seconds of work per invocation). */
export function withResyncSettings(
  def: ServiceDefinition,
  settings: { pageBytes: number; batchSize: number; workSeconds: number },
): ServiceDefinition {
  const fn = def.functions.resync;
  if (!fn) throw new Error(`${def.name} has no resync function`);
  return {
    ...def,
    functions: {
      ...def.functions,
      resync: {
        ...fn,
        environment: {
          ...fn.environment,
          RESYNC_PAGE_BYTES: String(settings.pageBytes),
          RESYNC_BATCH_SIZE: String(settings.batchSize),
          RESYNC_WORK_SECONDS: String(settings.workSeconds),
        },
      },
    },
  };
}

/** Ask for a resync as the reporting service does; returns the request id. */
export async function requestResync(rt: Runtime, services?: string[]): Promise<string> {
  const requestId = ulid();
  await publishEvents(
    rt,
    [
      {
        source: 'itsm.reporting',
        detailType: 'ResyncRequested',
        data: { requestId, ...(services ? { services } : {}) },
      },
    ],
    'reporting',
  );
  return requestId;
}

export interface ResyncPage {
  recordType: string;
  page: number;
  last: boolean;
  records: Record<string, unknown>[];
}

/** Every `RecordsResynced` page of `requestId` published so far, each checked against the contract. */
export function pagesOf(rt: Runtime, contracts: ReturnType<typeof resyncContracts>, requestId: string): ResyncPage[] {
  const { source, detailType } = contracts.RecordsResynced;
  return rt.bus
    .published()
    .filter((e) => e.source === source && e['detail-type'] === detailType)
    .map((e) => (e.detail as { data: ResyncPage & { requestId: string } }).data)
    .filter((d) => d.requestId === requestId)
    .map((d) => z.parse(contracts.RecordsResynced.data, d) as ResyncPage & { requestId: string });
}

/** Continuations a request took so far. */
export function continuationsOf(rt: Runtime, contracts: ReturnType<typeof resyncContracts>, requestId: string) {
  const { source, detailType } = contracts.ResyncContinued;
  return rt.bus
    .published()
    .filter((e) => e.source === source && e['detail-type'] === detailType)
    .filter((e) => (e.detail as { data: { requestId: string } }).data.requestId === requestId);
}

/**
 * Wait until every record type's last page arrived, then answer the pages by type, in page order.
 * Checks on the way that each type's pages are numbered 1..n with `last` only on the n-th.
 */
export async function resyncedRecords(
  rt: Runtime,
  contracts: ReturnType<typeof resyncContracts>,
  requestId: string,
): Promise<Map<string, ResyncPage[]>> {
  await eventually(
    () =>
      contracts.recordTypes.every((t) => pagesOf(rt, contracts, requestId).some((p) => p.recordType === t && p.last)),
    30_000,
    `the last page of every record type of ${contracts.RecordsResynced.source}`,
  );
  await rt.bus.drain();
  const byType = new Map<string, ResyncPage[]>();
  for (const p of pagesOf(rt, contracts, requestId)) byType.set(p.recordType, [...(byType.get(p.recordType) ?? []), p]);
  for (const [type, pages] of byType) {
    pages.sort((a, b) => a.page - b.page);
    const numbers = pages.map((p) => p.page);
    if (numbers.join() !== numbers.map((_, i) => i + 1).join()) throw new Error(`${type} pages are ${numbers.join()}`);
    if (pages.findIndex((p) => p.last) !== pages.length - 1)
      throw new Error(`${type}: last is not only on the final page`);
  }
  return byType;
}

/** The records of one type, all pages together. */
export const recordsOf = (pages: Map<string, ResyncPage[]>, type: string) =>
  (pages.get(type) ?? []).flatMap((p) => p.records);
