import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { OperationContext } from './context';
import { newId } from './context';
import { InvalidCursorError } from './cursor';
import { ConflictError, TooLargeError, UnavailableError, VersionConflictError } from './errors';
import { type OutgoingEvent, outboxItem, putEvents } from './events';
import { logger } from './logger';
import { assertUnitOfWorkFits, isItemSizeRefusal } from './size';
import { addCapacity, addItemsRead } from './usage';

/**
 * The DynamoDB kit: versioned conditional writes, an audit history entry and the outbox in the
 * same transaction, cursor pagination and readable numbers. The only place runtime code
 * touches DynamoDB. Base key is `pk` + `sk`; GSIs are `<name>pk` + `<name>sk`.
 */
export type Item = Record<string, NativeAttributeValue>;
export interface Key {
  pk: string;
  sk: string;
}

type TxType = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One write in a unit of work. Versioned writes bump `version` and fail with 409 when stale. */
export type Write =
  | { kind: 'create'; item: Item }
  | { kind: 'replace'; item: Item; expectVersion: number }
  | { kind: 'upsert'; item: Item }
  | {
      kind: 'update';
      key: Key;
      set?: Item;
      remove?: string[];
      /** Add numbers to numeric attributes (ADD). */
      increment?: Record<string, number>;
      /** Add strings to / delete strings from string-set attributes (commutative, so no version needed). */
      addToSet?: Record<string, string[]>;
      deleteFromSet?: Record<string, string[]>;
      /** When given, the write fails (409) unless the stored version equals it; version is bumped. */
      expectVersion?: number;
      /** Fail unless the item exists (404-style conflict), for unversioned updates. */
      mustExist?: boolean;
      /** Apply only while the numeric attribute is absent or below the value (monotonic copies of others' records). */
      ifBelow?: { attribute: string; value: number };
    }
  | { kind: 'delete'; key: Key; expectVersion?: number; mustExist?: boolean }
  | { kind: 'check'; key: Key; exists: boolean };

/** Audit trail entry (FitSM GR2.3): who, when, what changed, why. Stored beside the record. */
export interface HistoryEntry {
  /** Partition of the record the entry belongs to (e.g. `CI#01H...`). */
  pk: string;
  entityType: string;
  entityId: string;
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
}

/** A history entry as the API shows it. */
export interface HistoryView {
  at: string;
  actor: { id: string; name: string; kind: string };
  action: string;
  changes?: Record<string, { from?: unknown; to?: unknown }>;
  reason?: string;
  correlationId: string;
}

export interface UnitOfWork {
  writes: Write[];
  history?: HistoryEntry[];
  events?: OutgoingEvent[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

const INBOX_TTL_SECONDS = 7 * 24 * 3600;
/**
 * A unit of work cancelled only because another transaction was writing one of its items
 * (TransactionConflict) wrote nothing, so it is sent again as it is: up to this many times,
 * after a random pause of up to 20, 40, 80, 160, 320 ms (full jitter, about 0.3 s at most).
 */
const CONTENTION_REPEATS = 5;
const CONTENTION_BASE_MS = 20;

/**
 * Sends again while DynamoDB reports a transaction in flight on an item; then 503 `contention`,
 * naming the contended record (`record`, as version conflicts do) so a caller may retry in turn.
 */
async function repeatOnContention<T>(send: () => Promise<T>, record: (err: unknown) => string): Promise<T> {
  for (let repeat = 0; ; repeat++) {
    try {
      return await send();
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      if (repeat >= CONTENTION_REPEATS) {
        logger.warn('transaction contention persisted; giving up', { repeats: repeat });
        throw new UnavailableError(
          'contention',
          'The record is being changed by other requests right now. Nothing was changed; send the request again.',
          1,
          record(err),
        );
      }
      await new Promise((r) => setTimeout(r, Math.random() * CONTENTION_BASE_MS * 2 ** repeat));
    }
  }
}

/**
 * DynamoDB's contention signals: a transaction cancelled for TransactionConflict and for no
 * failed condition (a failed condition is a real conflict, see `translate`), or a single write
 * refused with TransactionConflictException.
 */
function isTransactionConflict(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  if (name === 'TransactionConflictException') return true;
  if (name !== 'TransactionCanceledException') return false;
  const codes = ((err as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code);
  return codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');
}

let sharedClient: DynamoDBDocumentClient | undefined;
function client(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return sharedClient;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** The key a page query may start after: its key attributes, and the conditions its key must meet. */
export interface StartKeyShape {
  /** Exactly the attributes of the start key: `pk`, `sk`, and for an index its own pair. */
  attributes: string[];
  partition: { name: string; value: string };
  sort?: { name: string; beginsWith?: string; between?: [string, string] };
}

/**
 * The start key inside a store cursor, checked against the query's shape (ADR 19): exactly the
 * key attributes of the table or index queried, the query's partition, a sort key within its
 * condition. Even a correctly signed cursor then cannot steer a query to other items.
 */
export function decodeCursor(cursor: string | undefined, shape: StartKeyShape): Record<string, string> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidCursorError();
  const key = value as Record<string, unknown>;
  const names = Object.keys(key).sort();
  const want = [...shape.attributes].sort();
  const sk = shape.sort ? key[shape.sort.name] : undefined;
  const ok =
    names.length === want.length &&
    names.every((n, i) => n === want[i] && typeof key[n] === 'string' && key[n] !== '') &&
    key[shape.partition.name] === shape.partition.value &&
    (shape.sort?.beginsWith === undefined || String(sk).startsWith(shape.sort.beginsWith)) &&
    (shape.sort?.between === undefined || (String(sk) >= shape.sort.between[0] && String(sk) <= shape.sort.between[1]));
  if (!ok) throw new InvalidCursorError();
  return key as Record<string, string>;
}

export const nowIso = () => new Date().toISOString();

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
  async page<T = Item>(
    q: {
      index?: string;
      pk: string;
      skBeginsWith?: string;
      skBetween?: [string, string];
      limit: number;
      cursor?: string;
      descending?: boolean;
    },
    map: (item: Item) => T = (i) => i as T,
  ): Promise<Page<T>> {
    const pkName = q.index ? `${q.index}pk` : 'pk';
    const skName = q.index ? `${q.index}sk` : 'sk';
    const values: Item = { ':pk': q.pk };
    let cond = `#pk = :pk`;
    const names: Record<string, string> = { '#pk': pkName };
    if (q.skBeginsWith !== undefined) {
      cond += ' AND begins_with(#sk, :sk)';
      names['#sk'] = skName;
      values[':sk'] = q.skBeginsWith;
    } else if (q.skBetween) {
      cond += ' AND #sk BETWEEN :a AND :b';
      names['#sk'] = skName;
      values[':a'] = q.skBetween[0];
      values[':b'] = q.skBetween[1];
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: cond,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      Limit: q.limit,
      ScanIndexForward: !q.descending,
      ReturnConsumedCapacity: 'TOTAL',
      ...(q.index ? { IndexName: q.index } : {}),
    };
    const start = decodeCursor(q.cursor, {
      attributes: q.index ? ['pk', 'sk', pkName, skName] : ['pk', 'sk'],
      partition: { name: pkName, value: q.pk },
      sort: {
        name: skName,
        ...(q.skBeginsWith !== undefined ? { beginsWith: q.skBeginsWith } : {}),
        ...(q.skBetween ? { between: q.skBetween } : {}),
      },
    });
    if (start) input.ExclusiveStartKey = start;
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
   * Commit a unit of work atomically: the writes, their history entries, the outbox items of
   * the events, and (for consumers) the inbox marker. Then publish the events; if publishing
   * fails the outbox relay publishes them later, so no event is lost.
   */
  async commit(ctx: OperationContext, work: UnitOfWork): Promise<void> {
    const at = nowIso();
    const tx: TxType[] = work.writes.map((w) => this.toTx(w, ctx, at));
    for (const h of work.history ?? []) {
      tx.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: h.pk,
            sk: `HIST#${newId()}`,
            type: 'history',
            entityType: h.entityType,
            entityId: h.entityId,
            action: h.action,
            at,
            actor: ctx.actor,
            correlationId: ctx.correlationId,
            ...(h.changes ? { changes: h.changes } : {}),
            ...(h.reason ? { reason: h.reason } : {}),
          },
        },
      });
    }
    const events = work.events ?? [];
    for (const e of events) tx.push({ Put: { TableName: this.tableName, Item: outboxItem(e) } });
    if (ctx.inboxEventId) {
      tx.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: `INBOX#${ctx.inboxEventId}`,
            sk: 'INBOX',
            expiresAt: Math.floor(Date.now() / 1000) + INBOX_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (tx.length === 0) return;
    // Measured as DynamoDB and EventBridge measure, before sending: 413, nothing written (ADR 20).
    assertUnitOfWorkFits(tx, events);
    try {
      const out = await repeatOnContention(
        () => client().send(new TransactWriteCommand({ TransactItems: tx, ReturnConsumedCapacity: 'TOTAL' })),
        (err) => {
          // The item another transaction held: its index in the cancellation reasons is its index here.
          const reasons = (err as Partial<TransactionCanceledException>).CancellationReasons ?? [];
          const at = Math.max(
            0,
            reasons.findIndex((r) => r.Code === 'TransactionConflict'),
          );
          const op = tx[at] as Record<string, { Key?: Key; Item?: Key } | undefined> | undefined;
          const key = op && Object.values(op).find((v) => v !== undefined);
          const k = key?.Key ?? key?.Item;
          return k ? `${this.tableName}|${k.pk}|${k.sk}` : this.tableName;
        },
      );
      addCapacity(out.ConsumedCapacity, 'write');
    } catch (err) {
      throw this.translate(err, work.writes, Boolean(ctx.inboxEventId));
    }
    if (events.length > 0) await this.publishCommitted(events);
  }

  /** After a commit: publish, then clear the outbox. Failures are logged; the relay finishes the job. */
  private async publishCommitted(events: OutgoingEvent[]): Promise<void> {
    try {
      const accepted = await putEvents(events);
      const done = events.filter((e) => accepted.has(e.eventId)).map((e) => outboxItem(e) as Key);
      if (done.length) await this.deleteKeys(done.map(({ pk, sk }) => ({ pk, sk })));
      if (accepted.size < events.length)
        logger.warn('some events left in the outbox', { left: events.length - accepted.size });
    } catch (error) {
      logger.warn('publish failed; the outbox relay will retry', { error: error as Error });
    }
  }

  /** Delete outbox items after they were published (best effort; the relay retries). */
  async deleteKeys(keys: Key[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 25) {
      const out = await client().send(
        new BatchWriteCommand({
          RequestItems: { [this.tableName]: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      addCapacity(out.ConsumedCapacity, 'write');
    }
  }

  /** True when this consumer already processed the event (fast path before doing any work). */
  async seen(eventId: string): Promise<boolean> {
    return (await this.get({ pk: `INBOX#${eventId}`, sk: 'INBOX' })) !== undefined;
  }

  private toTx(w: Write, ctx: OperationContext, at: string): TxType {
    const TableName = this.tableName;
    switch (w.kind) {
      case 'create':
        return {
          Put: {
            TableName,
            Item: {
              version: 1,
              createdAt: at,
              updatedAt: at,
              createdBy: ctx.actor.id,
              updatedBy: ctx.actor.id,
              ...w.item,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
      case 'upsert':
        return { Put: { TableName, Item: w.item } };
      case 'replace':
        return {
          Put: {
            TableName,
            Item: { ...w.item, version: w.expectVersion + 1, updatedAt: at, updatedBy: ctx.actor.id },
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': w.expectVersion },
          },
        };
      case 'update': {
        const names: Record<string, string> = {};
        const values: Item = {};
        const sets: string[] = [];
        let i = 0;
        const set: Item = { ...w.set };
        if (w.expectVersion !== undefined) {
          set.updatedAt = at;
          set.updatedBy = ctx.actor.id;
        }
        for (const [k, v] of Object.entries(set)) {
          names[`#a${i}`] = k;
          values[`:v${i}`] = v;
          sets.push(`#a${i} = :v${i}`);
          i++;
        }
        const conditions: string[] = [];
        if (w.expectVersion !== undefined) {
          names['#version'] = 'version';
          values[':expected'] = w.expectVersion;
          values[':one'] = 1;
          sets.push('#version = #version + :one');
          conditions.push('#version = :expected');
        } else if (w.mustExist) {
          conditions.push('attribute_exists(pk)');
        }
        if (w.ifBelow) {
          names['#below'] = w.ifBelow.attribute;
          values[':below'] = w.ifBelow.value;
          conditions.push('(attribute_not_exists(#below) OR #below < :below)');
        }
        const removes = (w.remove ?? []).map((k, j) => {
          names[`#r${j}`] = k;
          return `#r${j}`;
        });
        const adds: string[] = [];
        const deletes: string[] = [];
        let j = 0;
        for (const [k, n] of Object.entries(w.increment ?? {})) {
          names[`#n${j}`] = k;
          values[`:n${j}`] = n;
          adds.push(`#n${j} :n${j}`);
          j++;
        }
        for (const [k, list] of Object.entries(w.addToSet ?? {})) {
          if (!list.length) continue;
          names[`#n${j}`] = k;
          values[`:n${j}`] = new Set(list);
          adds.push(`#n${j} :n${j}`);
          j++;
        }
        for (const [k, list] of Object.entries(w.deleteFromSet ?? {})) {
          if (!list.length) continue;
          names[`#n${j}`] = k;
          values[`:n${j}`] = new Set(list);
          deletes.push(`#n${j} :n${j}`);
          j++;
        }
        const expr = [
          sets.length ? `SET ${sets.join(', ')}` : '',
          removes.length ? `REMOVE ${removes.join(', ')}` : '',
          adds.length ? `ADD ${adds.join(', ')}` : '',
          deletes.length ? `DELETE ${deletes.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        return {
          Update: {
            TableName,
            Key: w.key,
            UpdateExpression: expr,
            ExpressionAttributeNames: names,
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
          },
        };
      }
      case 'delete':
        return {
          Delete: {
            TableName,
            Key: w.key,
            ...(w.expectVersion !== undefined
              ? {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': w.expectVersion },
                }
              : w.mustExist
                ? { ConditionExpression: 'attribute_exists(pk)' }
                : {}),
          },
        };
      case 'check':
        return {
          ConditionCheck: {
            TableName,
            Key: w.key,
            ConditionExpression: w.exists ? 'attribute_exists(pk)' : 'attribute_not_exists(pk)',
          },
        };
    }
  }

  /** Map a cancelled transaction to the domain error the failing write means (contention is handled before). */
  private translate(err: unknown, writes: Write[], hasInbox: boolean): unknown {
    // An update whose result outgrows 400 KB can only be seen by DynamoDB itself.
    if (isItemSizeRefusal(err)) {
      return new TooLargeError('A record this change writes would exceed the 400 KB DynamoDB stores per item.');
    }
    if (!(err instanceof TransactionCanceledException) && (err as Error)?.name !== 'TransactionCanceledException') {
      return err;
    }
    const reasons = (err as TransactionCanceledException).CancellationReasons ?? [];
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed < 0) return err;
    const w = writes[failed];
    if (!w) {
      // A condition past the writes can only be the inbox marker: the event was processed already.
      if (hasInbox && failed === reasons.length - 1) return new DuplicateEventError();
      return err;
    }
    if (w.kind === 'create') return new ConflictError('A record with this identity already exists.', 'already-exists');
    if (w.kind === 'check') {
      return new ConflictError(
        w.exists ? 'A record this change depends on does not exist.' : 'A conflicting record exists.',
        w.exists ? 'dependency-missing' : 'already-exists',
      );
    }
    if ('expectVersion' in w && w.expectVersion !== undefined) {
      const key = w.kind === 'replace' ? { pk: w.item.pk, sk: w.item.sk } : w.key;
      return new VersionConflictError(`${this.tableName}|${key.pk}|${key.sk}`);
    }
    return new ConflictError('The record does not exist any more.', 'record-missing');
  }
}

/** Thrown when a consumer's inbox marker shows the event was already applied; consumers treat it as success. */
export class DuplicateEventError extends Error {
  constructor() {
    super('event already processed');
    this.name = 'DuplicateEventError';
  }
}
