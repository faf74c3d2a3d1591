import { TooLargeError } from './errors';

/**
 * Sizes as DynamoDB and EventBridge measure them, so a unit of work that would be refused is
 * answered with 413 `too-large` before anything is sent (ADR 20). Sources: the DynamoDB
 * Developer Guide, "DynamoDB item sizes and formats", and the EventBridge User Guide,
 * "Calculating PutEvents event entry size".
 */

/** DynamoDB's item size limit: attribute names plus values, 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** EventBridge's PutEvents entry limit, 256 KB. */
export const MAX_EVENT_BYTES = 256 * 1024;
/** TransactWriteItems holds at most 100 actions. */
export const MAX_TX_ITEMS = 100;
/** TransactWriteItems requests are at most 4 MB in total. */
export const MAX_TX_BYTES = 4 * 1024 * 1024;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Bytes DynamoDB stores for a number: one per two significant digits, plus one. */
function numberBytes(n: number | bigint): number {
  const digits = String(n)
    .replace(/^-/, '')
    .replace(/e[+-]?\d+$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/**
 * Size of one attribute value (document-client form: strings, numbers, booleans, null,
 * arrays as lists, objects as maps, Sets, binary). Undefined values are dropped by the
 * marshaller (`removeUndefinedValues`), so they weigh nothing.
 */
export function attributeValueBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let total = 0;
    for (const v of value) total += attributeValueBytes(v);
    return total;
  }
  // Lists and maps: 3 bytes of overhead, plus 1 byte per element, plus the elements.
  if (Array.isArray(value)) {
    let total = 3;
    for (const v of value) total += 1 + attributeValueBytes(v);
    return total;
  }
  if (typeof value === 'object') {
    let total = 3;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      total += 1 + utf8(k) + attributeValueBytes(v);
    }
    return total;
  }
  return utf8(String(value));
}

/** Size of an item: the UTF-8 bytes of every attribute name plus its value. */
export function itemBytes(item: Record<string, unknown>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += utf8(name) + attributeValueBytes(value);
  }
  return total;
}

/** A PutEvents entry as EventBridge measures it: Source, DetailType and Detail in UTF-8 (no Time, no Resources). */
export function eventEntryBytes(e: { source: string; detailType: string; detail: unknown }): number {
  return utf8(e.source) + utf8(e.detailType) + utf8(typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail));
}

type TxAction = {
  Put?: { Item?: Record<string, unknown> };
  Update?: { Key?: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> };
  Delete?: { Key?: Record<string, unknown> };
  ConditionCheck?: { Key?: Record<string, unknown> };
};

/**
 * The least an action makes its item weigh. A Put is measured exactly. An Update is measured by
 * its key plus every value it sets: the stored item can only be larger, so anything over the
 * limit here is certainly refused (DynamoDB's own refusal of a larger result is mapped to the
 * same 413 by the store).
 */
function actionBytes(a: TxAction): number {
  if (a.Put?.Item) return itemBytes(a.Put.Item);
  if (a.Update) return itemBytes(a.Update.Key ?? {}) + itemBytes(a.Update.ExpressionAttributeValues ?? {});
  return itemBytes(a.Delete?.Key ?? a.ConditionCheck?.Key ?? {});
}

/**
 * Refuse a unit of work DynamoDB or EventBridge would refuse: more than 100 actions, an item
 * over 400 KB, a request over 4 MB, or an event over 256 KB. Called before the transaction is
 * sent, so nothing is written. Throws 413 `too-large` naming what is too large.
 */
export function assertUnitOfWorkFits(
  actions: readonly TxAction[],
  events: readonly { source: string; detailType: string; detail: unknown }[] = [],
): void {
  if (actions.length > MAX_TX_ITEMS) {
    throw new TooLargeError(
      `This change needs ${actions.length} writes in one transaction; DynamoDB allows ${MAX_TX_ITEMS}. Make it in smaller steps.`,
    );
  }
  let total = 0;
  for (const a of actions) {
    const bytes = actionBytes(a);
    total += bytes;
    if (bytes > MAX_ITEM_BYTES) {
      throw new TooLargeError(
        `A record this change writes would be ${bytes} bytes; DynamoDB stores at most ${MAX_ITEM_BYTES} bytes per item.`,
      );
    }
  }
  if (total > MAX_TX_BYTES) {
    throw new TooLargeError(`This change would write ${total} bytes; a transaction holds at most ${MAX_TX_BYTES}.`);
  }
  for (const e of events) {
    const bytes = eventEntryBytes(e);
    if (bytes > MAX_EVENT_BYTES) {
      throw new TooLargeError(
        `The ${e.detailType} event of this change would be ${bytes} bytes; EventBridge accepts at most ${MAX_EVENT_BYTES}.`,
      );
    }
  }
}

/** True when DynamoDB refused a write because an item (as updated) would exceed its size limit. */
export function isItemSizeRefusal(err: unknown): boolean {
  const e = err as { name?: string; message?: string; CancellationReasons?: { Code?: string; Message?: string }[] };
  if (e?.name === 'ValidationException' && /item size/i.test(e.message ?? '')) return true;
  return (e?.CancellationReasons ?? []).some((r) => r.Code === 'ValidationError' && /size/i.test(r.Message ?? ''));
}
