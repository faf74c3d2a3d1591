import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { addCapacity, addItemsRead } from '../usage';
import { client, type Key } from './client';
import type { TransactItem } from './expressions';

/**
 * The inbox: one marker per event a consumer handled, written in the same transaction as the
 * handling, on the condition that it is not there yet. Two deliveries of one event then cannot
 * both apply. Markers expire after a week (TTL), far past EventBridge's 24 h of retries.
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
