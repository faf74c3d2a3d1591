import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { OperationContext } from '../context';
import { addCapacity, addItemsRead } from '../usage';
import { client, type Key } from './client';
import type { TransactItem } from './expressions';

/**
 * The inbox: one marker per event a consumer handled, written in the same transaction as the
 * handling, on the condition that it is not there yet. Two deliveries of one event then cannot
 * both apply. Markers expire after a week (TTL), far past EventBridge's 24 h of retries.
 *
 * Only consumers whose work is not idempotent by itself keep an inbox (mail, counters, records
 * created): they say so (`idempotency: 'inbox'` in `eventConsumer`) and put `handles:
 * handled(ctx)` in the unit of work that does the work, or call `recordHandled` when there is
 * nothing to do. A consumer that applies versioned copies needs none: a duplicate or an older
 * event changes nothing there (`idempotency: 'by-version'`).
 */
const INBOX_TTL_SECONDS = 7 * 24 * 3600;

export const inboxKey = (eventId: string): Key => ({ pk: `INBOX#${eventId}`, sk: 'INBOX' });

/** The conditional Put that records `eventId` as handled; it cancels the transaction on a duplicate. */
export function inboxMarker(TableName: string, eventId: string): TransactItem {
  return {
    Put: {
      TableName,
      Item: { ...inboxKey(eventId), expiresAt: Math.floor(Date.now() / 1000) + INBOX_TTL_SECONDS },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** True when the marker of `eventId` is there: the event was handled already. */
export async function inboxHas(TableName: string, eventId: string): Promise<boolean> {
  const out = await client().send(
    new GetCommand({ TableName, Key: inboxKey(eventId), ReturnConsumedCapacity: 'TOTAL' }),
  );
  addCapacity(out.ConsumedCapacity, 'read');
  if (out.Item) addItemsRead(1);
  return out.Item !== undefined;
}

/** Thrown when a consumer's inbox marker shows the event was already applied; consumers treat it as success. */
export class DuplicateEventError extends Error {
  constructor() {
    super('event already processed');
    this.name = 'DuplicateEventError';
  }
}

/**
 * The event an `inbox` consumer is handling, for the `handles` of the unit of work that handles
 * it. Asking outside such a consumer is a bug: a `by-version` consumer writes no marker.
 *
 * @example
 * await table().commit(ctx, { writes, history, handles: handled(ctx) });
 */
export function handled(ctx: OperationContext): string {
  if (!ctx.inbox)
    throw new Error(`${ctx.actor.id} keeps no inbox: only an 'inbox' event consumer records events handled`);
  return ctx.inbox.eventId;
}
