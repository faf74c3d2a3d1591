import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EventDetail } from '../../contracts/envelope';
import { type OutgoingEvent, putEvents } from '../events';
import { logger } from '../logger';
import { addCapacity } from '../usage';
import { client, type Key } from './client';
import type { Page, PageQuery } from './paging';

/**
 * Publication: how the events a unit of work wrote reach the bus. They are written to the outbox
 * in the same transaction as the state change, published right after the commit and deleted once
 * EventBridge accepted them; the relay publishes what a dead request left behind.
 */

/** Outbox partitions: spread so an event storm does not make one hot key. */
export const OUTBOX_SHARDS = 8;
const shardOf = (eventId: string) => eventId.charCodeAt(eventId.length - 1) % OUTBOX_SHARDS;

export function outboxItem(e: OutgoingEvent) {
  return {
    pk: `OUTBOX#${shardOf(e.eventId)}`,
    sk: e.eventId,
    type: 'outbox',
    source: e.source,
    detailType: e.detailType,
    detail: JSON.stringify(e.detail),
  };
}

/** After a commit: publish, then clear the outbox. Failures are logged; the relay finishes the job. */
export async function publishCommitted(TableName: string, events: OutgoingEvent[]): Promise<void> {
  try {
    const accepted = await putEvents(events);
    const done = events.filter((e) => accepted.has(e.eventId)).map((e) => outboxItem(e) as Key);
    if (done.length)
      await deleteKeys(
        TableName,
        done.map(({ pk, sk }) => ({ pk, sk })),
      );
    if (accepted.size < events.length)
      logger.warn('some events left in the outbox', { left: events.length - accepted.size });
  } catch (error) {
    logger.warn('publish failed; the outbox relay will retry', { error: error as Error });
  }
}

/** Delete outbox items after they were published (best effort; the relay retries). */
export async function deleteKeys(TableName: string, keys: Key[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    const out = await client().send(
      new BatchWriteCommand({
        RequestItems: { [TableName]: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    addCapacity(out.ConsumedCapacity, 'write');
  }
}

/**
 * Publish outbox items older than `minAgeMs` (younger ones are still being published by the
 * request that wrote them). Event ids are ULIDs, so "older than" is a key range, not a scan.
 */
export async function relayOutbox(
  table: { tableName: string; page(q: PageQuery): Promise<Page<Record<string, unknown>>> },
  minAgeMs = 30_000,
): Promise<number> {
  const cutoff = encodeTimePrefix(Date.now() - minAgeMs);
  let published = 0;
  for (let shard = 0; shard < OUTBOX_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await table.page({
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
        await deleteKeys(
          table.tableName,
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
