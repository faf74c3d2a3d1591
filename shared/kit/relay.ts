import type { EventDetail } from '../contracts/envelope';
import { OUTBOX_SHARDS, type OutgoingEvent, putEvents } from './events';
import type { Store } from './store';

/**
 * Publish outbox items older than `minAgeMs` (younger ones are still being published by the
 * request that wrote them). Event ids are ULIDs, so "older than" is a key range, not a scan.
 */
export async function relayOutbox(store: Store, minAgeMs = 30_000): Promise<number> {
  const cutoff = encodeTimePrefix(Date.now() - minAgeMs);
  let published = 0;
  for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await store.page({
        pk: `OUTBOX#${shard}`,
        skBetween: ['0', cutoff],
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      const events: OutgoingEvent[] = page.items.map((i) => ({
        eventId: String(i.sk),
        source: String(i.source),
        detailType: String(i.detailType),
        detail: JSON.parse(String(i.detail)) as EventDetail,
      }));
      if (events.length) {
        const accepted = await putEvents(events);
        await store.deleteKeys(
          events.filter((e) => accepted.has(e.eventId)).map((e) => ({ pk: `OUTBOX#${shard}`, sk: e.eventId })),
        );
        published += accepted.size;
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return published;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** The 10-character time prefix of a ULID for a moment: every ULID minted before sorts below it. */
export function encodeTimePrefix(ms: number): string {
  let out = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}
