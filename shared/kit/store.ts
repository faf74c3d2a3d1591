import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OperationContext } from './context';
import { client, type Item, type Key } from './store/client';
import { handled, inboxHas } from './store/inbox';
import { encodeCursor, type Page, type PageQuery, pageQueryInput } from './store/paging';
import { commitUnitOfWork, type HistoryView, repeatOnContention, type UnitOfWork } from './store/unit-of-work';
import { addCapacity, addItemsRead } from './usage';

/**
 * The DynamoDB kit, the only place runtime code touches DynamoDB. Base key is `pk` + `sk`; GSIs
 * are `<name>pk` + `<name>sk`. A table's `Store` reads (items, pages, audit trails, readable
 * numbers) and commits units of work; each concern lives in its own module under `store/`:
 *
 * - `unit-of-work.ts`: the atomic commit of writes, history entries and events, and its errors;
 * - `expressions.ts`: a `Write` as the TransactWriteItems action DynamoDB runs;
 * - `paging.ts`: cursor pages over key condition queries;
 * - `publication.ts`: how committed events reach the bus;
 * - `inbox.ts`: the consumer's record of the events it handled.
 */
export type { Item, Key } from './store/client';
export { nowIso } from './store/client';
export type { TransactItem, Write } from './store/expressions';
export { DuplicateEventError, handled } from './store/inbox';
export { decodeCursor, encodeCursor, type Page, type PageQuery, type StartKeyShape } from './store/paging';
export type { HistoryEntry, HistoryView, UnitOfWork } from './store/unit-of-work';

export class Store {
  constructor(readonly tableName: string) {}

  async get<T = Item>(key: Key, consistent = false): Promise<T | undefined> {
    const out = await client().send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: consistent,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    addCapacity(out.ConsumedCapacity, 'read');
    if (out.Item) addItemsRead(1);
    return out.Item as T | undefined;
  }

  /**
   * One page of a key condition query. Cost never grows with the table: DynamoDB reads at most
   * `limit` items (plus nothing filtered, since no FilterExpression is allowed here).
   */
  async page<T = Item>(q: PageQuery, map: (item: Item) => T = (i) => i as T): Promise<Page<T>> {
    const input = pageQueryInput(this.tableName, q);
    const out = await client().send(new QueryCommand(input));
    addCapacity(out.ConsumedCapacity, 'read');
    addItemsRead(out.ScannedCount ?? out.Count ?? 0);
    const next = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map(map), ...(next ? { nextCursor: next } : {}) };
  }

  /** A record's audit trail, newest first, one page at a time (FitSM GR2.3: evidence for audits). */
  history(pk: string, q: { limit: number; cursor?: string }): Promise<Page<HistoryView>> {
    return this.page(
      { pk, skBeginsWith: 'HIST#', limit: q.limit, descending: true, ...(q.cursor ? { cursor: q.cursor } : {}) },
      (i) => ({
        at: String(i.at),
        actor: i.actor as HistoryView['actor'],
        action: String(i.action),
        ...(i.changes ? { changes: i.changes as HistoryView['changes'] } : {}),
        ...(i.reason ? { reason: String(i.reason) } : {}),
        ...(i.changeId ? { changeId: String(i.changeId) } : {}),
        correlationId: String(i.correlationId),
      }),
    );
  }

  /** Every item of a partition (bounded by the caller's knowledge of its size), page by page. */
  async all<T = Item>(q: { index?: string; pk: string; skBeginsWith?: string }, map?: (i: Item) => T): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const p = await this.page<T>({ ...q, limit: 500, ...(cursor ? { cursor } : {}) }, map);
      items.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor);
    return items;
  }

  /** Read many items by key (100 per request, retrying unprocessed keys); order is not kept. */
  async batchGet<T = Item>(keys: Key[], attributes?: string[]): Promise<T[]> {
    const out: T[] = [];
    const unique = [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
    const projection = attributes
      ? {
          ProjectionExpression: attributes.map((_, i) => `#p${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a])),
        }
      : {};
    const chunks: Key[][] = [];
    for (let i = 0; i < unique.length; i += 100) chunks.push(unique.slice(i, i + 100));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Key[] = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          const res = await client().send(
            new BatchGetCommand({
              RequestItems: { [this.tableName]: { Keys: pending, ...projection } },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          addCapacity(res.ConsumedCapacity, 'read');
          const items = (res.Responses?.[this.tableName] ?? []) as T[];
          addItemsRead(items.length);
          out.push(...items);
          pending = (res.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
        }
      }),
    );
    return out;
  }

  /** Write many independent items (not atomic; for bulk snapshots written before their header). */
  async batchPut(items: Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
        const res = await client().send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        addCapacity(res.ConsumedCapacity, 'write');
        pending = (res.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }

  /** Next readable number for a prefix (`CI` gives 1, 2, ...). Numbers burned by failed writes are not reused. */
  async nextNumber(prefix: string): Promise<number> {
    const out = await repeatOnContention(
      () =>
        client().send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: 'COUNTER', sk: prefix },
            UpdateExpression: 'ADD #v :one',
            ExpressionAttributeNames: { '#v': 'value' },
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'UPDATED_NEW',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      () => `${this.tableName}|COUNTER|${prefix}`,
    );
    addCapacity(out.ConsumedCapacity, 'write');
    return Number(out.Attributes?.value);
  }

  /**
   * Commit a unit of work atomically: the writes, their history entries, an item per event (the
   * table's stream carries it to the relay, ADR 23), and the inbox marker of the event it `handles`.
   */
  commit(ctx: OperationContext, work: UnitOfWork): Promise<void> {
    return commitUnitOfWork(this.tableName, ctx, work);
  }

  /** An `inbox` consumer with nothing to do for its event: record only that it was handled. */
  recordHandled(ctx: OperationContext): Promise<void> {
    return this.commit(ctx, { writes: [], handles: handled(ctx) });
  }

  /** True when this consumer already processed the event (fast path before doing any work). */
  seen(eventId: string): Promise<boolean> {
    return inboxHas(this.tableName, eventId);
  }
}
