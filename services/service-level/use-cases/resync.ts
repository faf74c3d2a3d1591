import type { AgreementSnapshot, ClockSummary, TicketClocks } from '../../../shared/contracts/service-level/v1';
import type { Item } from '../../../shared/kit/store';
import { ALL_CLOCKS_PK, DUE_SHARDS, table } from '../store';
import { snapshot, toAgreement } from './agreements';

/** What the service-level service publishes for a resync (ADR 28): index pages, never a scan. */
type Page<T> = { records: T[]; nextCursor?: string };

/** Every agreement (gsi1 `AGREEMENTS`, by kind and number), as its live snapshot. */
export async function readAgreements(cursor: string | undefined, limit: number): Promise<Page<AgreementSnapshot>> {
  const page = await table().page(
    { index: 'gsi1', pk: 'AGREEMENTS', limit, ...(cursor ? { cursor } : {}) },
    toAgreement,
  );
  return { records: page.items.map(snapshot), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** A clocks record as SlaClocksChanged carries it. */
const clocksOf = (i: Item): TicketClocks => ({
  ticketId: String(i.ticketId),
  number: String(i.number),
  ticketVersion: Number(i.ticketVersion),
  version: Number(i.version),
  ...(i.agreementId ? { agreementId: String(i.agreementId) } : {}),
  clocks: (i.clocks ?? []) as ClockSummary[],
  ...(i.problem ? { problem: i.problem as { code: string; detail: string } } : {}),
});

/**
 * Every ticket's current clocks: the keys-only `all` index, shard by shard, then the records by
 * key. The cursor names the shard and the index cursor within it.
 */
export async function readTicketClocks(cursor: string | undefined, limit: number): Promise<Page<TicketClocks>> {
  const at = cursor ? (JSON.parse(cursor) as { s: number; c?: string }) : { s: 0 };
  if (!Number.isInteger(at.s) || at.s < 0) throw new Error('not a ticket-clocks resync cursor');
  if (at.s >= DUE_SHARDS) return { records: [] };
  const page = await table().page({
    index: 'all',
    pk: ALL_CLOCKS_PK(at.s),
    limit,
    ...(at.c ? { cursor: at.c } : {}),
  });
  const items = await table().batchGet(page.items.map((i) => ({ pk: String(i.pk), sk: String(i.sk) })));
  const order = page.items.map((i) => String(i.pk));
  const records = items.sort((a, b) => order.indexOf(String(a.pk)) - order.indexOf(String(b.pk))).map(clocksOf);
  const next = page.nextCursor ? { s: at.s, c: page.nextCursor } : { s: at.s + 1 };
  return { records, ...(next.s < DUE_SHARDS ? { nextCursor: JSON.stringify(next) } : {}) };
}
