import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { EventDetail } from '../../contracts/envelope';
import { type OutgoingEvent, putEvents } from '../events';
import { logger } from '../logger';
import { eventEntryBytes, MAX_EVENT_BYTES } from '../size';
import { addCapacity } from '../usage';
import { client, type Key } from './client';
import type { Page, PageQuery } from './paging';

/**
 * Publication: how the events a unit of work wrote reach the bus (ADR 23). Each event is an item
 * of its own, written in the same transaction as the state change; the table's stream carries its
 * INSERT to the relay function, which publishes it. The request path makes no PutEvents call and
 * deletes nothing: the item expires by TTL (a free delete) after 14 days, long after the stream's
 * 24 hours, so a redrive can read it back from the table.
 */

/** Event partitions: spread so an event storm does not make one hot key (as the outbox had). */
export const EVENT_SHARDS = 8;
const shardOf = (eventId: string) => eventId.charCodeAt(eventId.length - 1) % EVENT_SHARDS;
/** How long an event item stays: well past the stream's 24 h, as long as the failure queue keeps a record (14 days). */
export const EVENT_TTL_SECONDS = 14 * 24 * 3600;

/** The item an event travels in, in the transaction of the change that caused it. */
export function eventItem(e: OutgoingEvent, nowMs = Date.now()) {
  return {
    pk: `EVENT#${shardOf(e.eventId)}`,
    sk: e.eventId,
    type: 'event',
    source: e.source,
    detailType: e.detailType,
    detail: JSON.stringify(e.detail),
    ...(e.traceHeader ? { traceHeader: e.traceHeader } : {}),
    // The table's TTL attribute (`timeToLiveAttribute`), in epoch seconds.
    expiresAt: Math.floor(nowMs / 1000) + EVENT_TTL_SECONDS,
  };
}

/** An event as stored (event or outbox item), ready to put on the bus. */
function storedEvent(i: Record<string, unknown>): OutgoingEvent {
  return {
    eventId: String(i.sk),
    source: String(i.source),
    detailType: String(i.detailType),
    detail: JSON.parse(String(i.detail)) as EventDetail,
    ...(typeof i.traceHeader === 'string' ? { traceHeader: i.traceHeader } : {}),
  };
}

/**
 * PutEvents batches as EventBridge takes them: at most 10 entries and less than 256 KB of entries
 * per request (EventBridge User Guide, "Calculating PutEvents event entry size"). Order is kept.
 */
export function putEventsBatches<T extends OutgoingEvent>(events: readonly T[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = eventEntryBytes(e);
    if (batch.length === 10 || (batch.length > 0 && bytes + size >= MAX_EVENT_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(e);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** A record of the table's stream, as Lambda hands it to the relay. */
export type StreamRecord = DynamoDBRecord;

/**
 * The relay's work on one batch of stream records: publish the event items they insert, in
 * order, and name every record not published, so the mapping retries it (Lambda resumes from the
 * lowest sequence number reported; AWS Lambda Developer Guide, "Configuring partial batch
 * response with DynamoDB and Lambda"). Anything but the INSERT of an event item is ignored: the
 * mapping's filter already drops them, this is the defence if it did not (a REMOVE by TTL, a
 * history entry). After the first failed PutEvents request the rest is reported unsent rather
 * than published out of order.
 */
export async function publishStreamRecords(
  records: readonly StreamRecord[],
): Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }> {
  const events: Array<OutgoingEvent & { sequenceNumber: string }> = [];
  for (const r of records) {
    const image = r.dynamodb?.NewImage;
    if (r.eventName !== 'INSERT' || !image || image.type?.S !== 'event') continue;
    const sequenceNumber = r.dynamodb?.SequenceNumber;
    // Without its sequence number a record cannot be reported: fail the whole batch instead.
    if (!sequenceNumber) throw new Error(`stream record ${r.eventID ?? '?'} has no sequence number`);
    events.push({ ...storedEvent(unmarshall(image as Record<string, AttributeValue>)), sequenceNumber });
  }
  const failed: string[] = [];
  for (const batch of putEventsBatches(events)) {
    if (failed.length) {
      failed.push(...batch.map((e) => e.sequenceNumber));
      continue;
    }
    let accepted: Set<string>;
    try {
      accepted = await putEvents(batch);
    } catch (error) {
      logger.warn('PutEvents failed; the batch is reported for retry', { error: error as Error });
      accepted = new Set();
    }
    failed.push(...batch.filter((e) => !accepted.has(e.eventId)).map((e) => e.sequenceNumber));
  }
  if (failed.length) logger.warn('events not published; the mapping retries them', { failed: failed.length });
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/**
 * Publish again every event item whose id (a ULID) was minted from `from` to `to`, shard by shard
 * with key-range queries, never a scan: what an operator runs for a batch that reached the failure
 * queue (which names only sequence numbers and times). Consumers are idempotent on the event id,
 * so publishing an event twice is harmless. Throws after the whole range when any entry failed,
 * naming how many: running it again is safe.
 */
export async function redriveEvents(
  table: { tableName: string; page(q: PageQuery): Promise<Page<Record<string, unknown>>> },
  range: { from: Date; to: Date },
): Promise<{ published: number }> {
  // Every ULID minted at `to` (any random part) sorts at or below its time prefix followed by 'Z's.
  const between: [string, string] = [
    encodeTimePrefix(range.from.getTime()),
    `${encodeTimePrefix(range.to.getTime())}ZZZZZZZZZZZZZZZZ`,
  ];
  let published = 0;
  let failed = 0;
  for (let shard = 0; shard < EVENT_SHARDS; shard++) {
    let cursor: string | undefined;
    do {
      const page = await table.page({
        pk: `EVENT#${shard}`,
        skBetween: between,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const batch of putEventsBatches(page.items.map(storedEvent))) {
        const accepted = await putEvents(batch);
        published += accepted.size;
        failed += batch.length - accepted.size;
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  if (failed) throw new Error(`redrive published ${published} events; ${failed} were refused: run it again`);
  return { published };
}

/*
 * Upgrade only: the outbox of the version before ADR 23. Its items (`OUTBOX#<n>`) were published
 * after the commit and deleted; those a dead request left behind are drained once on deploy
 * (`{ drainOutbox: true }`), and this code goes when no deployment can hold any.
 */

/** Outbox partitions, as the previous version wrote them. */
export const OUTBOX_SHARDS = 8;

export function outboxItem(e: OutgoingEvent) {
  return {
    pk: `OUTBOX#${e.eventId.charCodeAt(e.eventId.length - 1) % OUTBOX_SHARDS}`,
    sk: e.eventId,
    type: 'outbox',
    source: e.source,
    detailType: e.detailType,
    detail: JSON.stringify(e.detail),
  };
}

/** Delete drained outbox items. */
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
 * Publish, then delete, the outbox items older than `minAgeMs` (the drain passes 0: every item
 * left). Event ids are ULIDs, so "older than" is a key range per shard, not a scan.
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
      const events = page.items.map(storedEvent);
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
