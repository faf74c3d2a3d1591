/**
 * A typed, in-process adapter over dynalite 4.0.0 (pinned): its LevelDB store, its request
 * validations (type checks, expression parsing) and its action functions, called directly
 * instead of through dynalite's HTTP server. This is the only file that knows dynalite's
 * internals; `bench.ts` measures why (in-process is several times faster than a loopback
 * HTTP hop to a dynalite server).
 *
 * Two internals are relied on beyond the action functions, both checked by the tests:
 * - the LevelDB key layout (`item-<table>~<key>`, `index-<global|local>~<table>~<index>~<key>`),
 *   so that a transaction commits all its item and index writes in ONE atomic batch;
 * - the action functions only touch the store through `getTable`, `getItemDb` and
 *   `getIndexDb`, so a write can be dry-run against an in-memory stand-in (see `dryRunWrite`).
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { AwsError } from '../aws-service';
import { itemLockKey } from './key-locks';

const require = createRequire(import.meta.url);

/** A DynamoDB attribute value in wire form, e.g. `{ S: 'x' }`, `{ N: '1' }`, `{ M: {...} }`. */
export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: string;
}

export interface IndexDescription {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

/** The table record dynalite stores (the `Table` of DescribeTable). */
export interface TableDescription {
  TableName: string;
  TableArn: string;
  TableStatus: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  GlobalSecondaryIndexes?: IndexDescription[];
  LocalSecondaryIndexes?: IndexDescription[];
}

/** Request input after dynalite's validation: unknown members dropped, numbers normalised,
 * expressions parsed into `_condition`, `_updates`, `_projection`, … */
export type ParsedInput = Record<string, unknown> & { TableName?: string };

export type Output = Record<string, unknown>;

/** What dynalite rejects with: `body` is the awsJson error body it would have sent. */
interface DynaliteError extends Error {
  statusCode?: number;
  body?: { __type?: string; message?: string; Message?: string };
}

type Callback<T> = (err: DynaliteError | null | undefined, result?: T) => void;

interface ItemDb {
  lock(key: string, critical: (release: <F>(cb: F) => F) => void): void;
  get(key: string, cb: Callback<Item | undefined>): void;
  put(key: string, item: Item, cb: Callback<void>): void;
  del(key: string, cb: Callback<void>): void;
}

interface IndexDb {
  put(key: string, item: Item, cb: Callback<void>): void;
  del(key: string, cb: Callback<void>): void;
}

/** The slice of dynalite's store that its action functions use. */
interface ActionStore {
  options: { maxItemSize: number };
  getTable(name: string, checkStatus: boolean | Callback<TableDescription>, cb?: Callback<TableDescription>): void;
  getItemDb(name: string): ItemDb;
  getIndexDb(indexType: string, tableName: string, indexName: string): IndexDb;
}

export type BatchOperation = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string };

/** A key range of the LevelDB (abstract-level's iterator options). */
export interface KeyRange {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse?: boolean;
  limit?: number;
}

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
  batch(operations: BatchOperation[]): Promise<void>;
  iterator(options: KeyRange): AsyncIterable<[string, unknown]>;
}

interface Store extends ActionStore {
  db: LevelDb;
  getItemDb(name: string): ItemDb & { createValueStream(): Readable };
}

/** Same attributes and values (order-insensitive; dynalite may leave absent attributes as undefined). */
function sameProjection(a: Item, b: Item): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => a[k] !== undefined || b[k] !== undefined));
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}

interface DbModule {
  create(options: Record<string, unknown>): Store;
  createKey(item: Item, table: TableDescription): string;
  validateKey(key: Item, table: TableDescription): DynaliteError | undefined;
  validateItem(item: Item, table: TableDescription): DynaliteError | undefined;
  validateUpdates(
    attributeUpdates: unknown,
    expressionUpdates: unknown,
    table: TableDescription,
  ): DynaliteError | undefined;
  checkConditional(data: ParsedInput, item: Item | undefined): DynaliteError | null | undefined;
  itemSize(item: Item): number;
  capacityUnits(item: Item | undefined, isRead: boolean, isConsistent?: boolean): number;
  getIndexActions(
    indexes: IndexDescription[],
    existing: Item | undefined,
    item: Item | undefined,
    table: TableDescription,
  ): { puts: Array<{ index: string; key: string; item: Item }>; deletes: Array<{ index: string; key: string }> };
}

interface ValidationsModule {
  checkTypes(data: Record<string, unknown>, types: Record<string, unknown>): ParsedInput;
  checkValidations(
    data: ParsedInput,
    types: Record<string, unknown>,
    custom: ((data: ParsedInput, store: ActionStore) => string | undefined) | undefined,
    store: ActionStore,
  ): void;
}

interface ActionValidation {
  types: Record<string, unknown>;
  custom?: (data: ParsedInput, store: ActionStore) => string | undefined;
}

type ActionFunction = (store: ActionStore, data: ParsedInput, cb: Callback<Output>) => void;

const db = require('dynalite/db') as DbModule;
const validations = require('dynalite/validations') as ValidationsModule;

/** The actions dynalite 4.0.0 implements (its `validOperations`). */
const DYNALITE_ACTIONS = [
  'BatchGetItem',
  'BatchWriteItem',
  'CreateTable',
  'DeleteItem',
  'DeleteTable',
  'DescribeTable',
  'DescribeTimeToLive',
  'GetItem',
  'ListTables',
  'ListTagsOfResource',
  'PutItem',
  'Query',
  'Scan',
  'TagResource',
  'UntagResource',
  'UpdateItem',
  'UpdateTable',
] as const;
export type DynaliteAction = (typeof DYNALITE_ACTIONS)[number];

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const actionFunctions = new Map<string, ActionFunction>();
const actionValidations = new Map<string, ActionValidation>();
for (const action of DYNALITE_ACTIONS) {
  actionFunctions.set(action, require(`dynalite/actions/${lowerFirst(action)}`) as ActionFunction);
  actionValidations.set(action, require(`dynalite/validations/${lowerFirst(action)}`) as ActionValidation);
}

export const isDynaliteAction = (action: string): action is DynaliteAction => actionFunctions.has(action);

/** Turns what dynalite rejects with into the AwsError the SDK expects; anything else is a 500. */
export function toAwsError(err: unknown): AwsError {
  if (err instanceof AwsError) return err;
  const e = err as DynaliteError;
  if (e?.statusCode && e.body?.__type) {
    const code = e.body.__type.slice(e.body.__type.indexOf('#') + 1);
    return new AwsError(code, e.body.message ?? e.body.Message ?? '', e.statusCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new AwsError('InternalServerError', `Internal server error: ${message}`, 500), { cause: err });
}

const throwIf = (err: DynaliteError | null | undefined) => {
  if (err) throw toAwsError(err);
};

/** Where dynalite keeps a table's items and index entries in the one LevelDB (see file comment). */
const itemPrefix = (tableName: string) => `item-${tableName}~`;
const indexPrefix = (indexType: 'Local' | 'Global', tableName: string, indexName: string) =>
  `index-${indexType.toLowerCase()}~${tableName}~${indexName}~`;

/** One item's state change inside a transaction commit. */
export interface ItemWrite {
  table: TableDescription;
  /** dynalite's key string for the item (`itemKey`). */
  key: string;
  before: Item | undefined;
  /** The new item, or undefined to delete it. */
  after: Item | undefined;
}

export class DynaliteStore {
  readonly #store: Store;
  /** Tables by name, only ACTIVE/UPDATING ones (those items may be written to); dropped on
   * CreateTable/DeleteTable/UpdateTable by `forgetTable`. */
  readonly #tables = new Map<string, TableDescription>();
  /** Bumped by `forgetTable`, so a lookup that raced a table change does not cache what it read. */
  readonly #generations = new Map<string, number>();

  private constructor(store: Store) {
    this.#store = store;
  }

  /** Opens the store: a LevelDB folder at `path`, or memory. Fails fast if the folder is locked
   * by another process (LevelDB allows one). */
  static async open(path?: string): Promise<DynaliteStore> {
    // Tables become ACTIVE on the next tick instead of after dynalite's default 500 ms.
    const store = db.create({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    try {
      await store.db.open();
    } catch (err) {
      const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
      throw new Error(`Cannot open the DynamoDB data folder ${path}: ${cause}`, { cause: err });
    }
    return new DynaliteStore(store);
  }

  close(): Promise<void> {
    return this.#store.db.close();
  }

  /** Validates an action's input as dynalite's HTTP handler would. Throws ValidationException/SerializationException. */
  validate(action: DynaliteAction, input: Record<string, unknown>): ParsedInput {
    const validation = actionValidations.get(action)!;
    try {
      const parsed = validations.checkTypes(input, validation.types);
      validations.checkValidations(parsed, validation.types, validation.custom, this.#store);
      return parsed;
    } catch (err) {
      throw toAwsError(err);
    }
  }

  /** Validates input against a dynalite-style type map (for actions dynalite lacks). */
  validateWith(types: Record<string, unknown>, input: Record<string, unknown>): ParsedInput {
    try {
      const parsed = validations.checkTypes(input, types);
      validations.checkValidations(parsed, types, undefined, this.#store);
      return parsed;
    } catch (err) {
      throw toAwsError(err);
    }
  }

  /** Runs a validated action against the store. */
  run(action: DynaliteAction, parsed: ParsedInput): Promise<Output> {
    return runAction(actionFunctions.get(action)!, this.#store, parsed);
  }

  /** The table's description, for key computation and index maintenance. Throws ResourceNotFoundException. */
  async table(name: string): Promise<TableDescription> {
    const cached = this.#tables.get(name);
    if (cached) return cached;
    const generation = this.#generations.get(name);
    const table = await new Promise<TableDescription>((resolve, reject) =>
      this.#store.getTable(name, true, (err, t) => (err ? reject(toAwsError(err)) : resolve(t!))),
    );
    if (this.#generations.get(name) === generation) this.#tables.set(name, table);
    return table;
  }

  forgetTable(name: string): void {
    this.#tables.delete(name);
    this.#generations.set(name, (this.#generations.get(name) ?? 0) + 1);
  }

  /** dynalite's key string of an item or key, or undefined if it does not match the key schema. */
  itemKey(table: TableDescription, keyOrItem: Item, isFullItem: boolean): string | undefined {
    const invalid = isFullItem ? db.validateItem(keyOrItem, table) : db.validateKey(keyOrItem, table);
    return invalid ? undefined : db.createKey(keyOrItem, table);
  }

  /** Like `itemKey` but throws dynalite's ValidationException for a key that does not match. */
  requireItemKey(table: TableDescription, keyOrItem: Item, isFullItem: boolean): string {
    throwIf(isFullItem ? db.validateItem(keyOrItem, table) : db.validateKey(keyOrItem, table));
    return db.createKey(keyOrItem, table);
  }

  /** Request-level checks of an UpdateItem (key attributes not updated, index key types). */
  checkUpdates(table: TableDescription, parsed: ParsedInput): void {
    throwIf(db.validateUpdates(parsed.AttributeUpdates, parsed._updates, table));
  }

  async readItem(tableName: string, key: string): Promise<Item | undefined> {
    return (await this.#store.db.get(itemPrefix(tableName) + key)) as Item | undefined;
  }

  /** Every item of a table, streamed in key order (for the TTL sweeper). */
  scanItems(tableName: string): AsyncIterable<Item> {
    return this.#store.getItemDb(tableName).createValueStream() as AsyncIterable<Item>;
  }

  /** Evaluates a condition (ConditionExpression or Expected) against an item; returns the
   * ConditionalCheckFailedException, or undefined if the condition holds. */
  checkCondition(parsed: ParsedInput, item: Item | undefined): AwsError | undefined {
    const failed = db.checkConditional(parsed, item);
    return failed ? toAwsError(failed) : undefined;
  }

  /**
   * Runs PutItem/UpdateItem/DeleteItem against `current` held in memory: dynalite checks the
   * condition and computes the new item exactly as it would for a real write, but nothing
   * reaches the database. Rejects with the AwsError the write would have failed with
   * (ConditionalCheckFailedException, or a ValidationException such as an operand type error).
   */
  async dryRunWrite(
    action: 'PutItem' | 'UpdateItem' | 'DeleteItem',
    parsed: ParsedInput,
    table: TableDescription,
    current: Item | undefined,
  ): Promise<Item | undefined> {
    const key = this.requireItemKey(
      table,
      (action === 'PutItem' ? parsed.Item : parsed.Key) as Item,
      action === 'PutItem',
    );
    const { writes } = await this.simulate(
      action,
      parsed,
      [table],
      new Map([[itemLockKey(table.TableName, key), current]]),
    );
    return writes.length ? writes[0]!.after : current;
  }

  /**
   * Runs a write action (PutItem, UpdateItem, DeleteItem, BatchWriteItem) against items held in
   * memory (`current`, by `itemLockKey`; every item the action reads must be there): dynalite's
   * own validation, conditions and output (ReturnValues, ConsumedCapacity), and the item writes
   * it would make, nothing written. Writes to a table with a stream are computed this way and
   * committed with their stream records in one batch (see `commit`).
   */
  async simulate(
    action: 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem',
    parsed: ParsedInput,
    tables: TableDescription[],
    current: ReadonlyMap<string, Item | undefined>,
  ): Promise<{ output: Output; writes: ItemWrite[] }> {
    const byName = new Map(tables.map((t) => [t.TableName, t]));
    const written = new Map<string, ItemWrite>();
    const itemDbOf = (table: TableDescription): ItemDb => {
      const lockKey = (key: string) => itemLockKey(table.TableName, key);
      const write = (key: string, after: Item | undefined) => {
        const before = current.get(lockKey(key));
        written.set(lockKey(key), { table, key, before, after });
      };
      return {
        lock: (_key, critical) => critical((cb) => cb),
        get: (key, cb) => {
          if (!current.has(lockKey(key)))
            throw new Error(`simulate: item ${key} of ${table.TableName} was not read first`);
          cb(null, current.get(lockKey(key)));
        },
        put: (key, item, cb) => {
          write(key, item);
          cb(null);
        },
        del: (key, cb) => {
          write(key, undefined);
          cb(null);
        },
      };
    };
    const ignoreIndexWrites: IndexDb = { put: (_k, _i, cb) => cb(null), del: (_k, cb) => cb(null) };
    const inMemory: ActionStore = {
      options: this.#store.options,
      getTable: (name, checkStatus, cb) => {
        const done = (typeof checkStatus === 'function' ? checkStatus : cb)!;
        const table = byName.get(name);
        done(table ? null : new Error(`simulate: table ${name} was not given`), table);
      },
      getItemDb: (name) => itemDbOf(byName.get(name)!),
      getIndexDb: () => ignoreIndexWrites,
    };
    const output = await runAction(actionFunctions.get(action)!, inMemory, parsed);
    return { output, writes: [...written.values()] };
  }

  /**
   * Writes the items and their secondary index entries in ONE LevelDB batch, which LevelDB
   * (and memory-level) apply atomically: no reader, and no crash, ever sees part of it.
   * `extra` goes in the same batch: the writes' stream records (streams.ts).
   */
  async commit(writes: ItemWrite[], extra: BatchOperation[] = []): Promise<void> {
    const operations: BatchOperation[] = [];
    for (const { table, key, before, after } of writes) {
      const name = table.TableName;
      operations.push(
        after
          ? { type: 'put', key: itemPrefix(name) + key, value: after }
          : { type: 'del', key: itemPrefix(name) + key },
      );
      for (const indexType of ['Local', 'Global'] as const) {
        const indexes = table[`${indexType}SecondaryIndexes`] ?? [];
        if (!indexes.length) continue;
        const { puts, deletes } = db.getIndexActions(indexes, before, after, table);
        for (const d of deletes) operations.push({ type: 'del', key: indexPrefix(indexType, name, d.index) + d.key });
        for (const p of puts)
          operations.push({ type: 'put', key: indexPrefix(indexType, name, p.index) + p.key, value: p.item });
      }
    }
    operations.push(...extra);
    await this.#store.db.batch(operations);
  }

  /** Write capacity units of one item write (dynalite's formula: 1 per KB, at least 1). */
  writeUnits(before: Item | undefined, after: Item | undefined): number {
    const units = db.capacityUnits(after ?? before, false);
    return before && after ? Math.max(units, db.capacityUnits(before, false)) : units;
  }

  /**
   * Write units the global secondary indexes consume for one item write, as DynamoDB bills them:
   * each index entry written or deleted costs 1 per KB (a changed index key is a delete plus a put).
   */
  indexWriteUnits(table: TableDescription, before: Item | undefined, after: Item | undefined): number {
    const indexes = table.GlobalSecondaryIndexes ?? [];
    if (!indexes.length) return 0;
    const { puts, deletes } = db.getIndexActions(indexes, before, after, table);
    // An entry whose key and projected attributes stay the same is not written (DynamoDB bills nothing for it).
    const previous = before ? db.getIndexActions(indexes, undefined, before, table).puts : [];
    const unchanged = (p: { index: string; key: string; item: Item }) =>
      previous.some((q) => q.index === p.index && q.key === p.key && sameProjection(q.item, p.item));
    // A projected entry lists absent attributes as undefined; they are not stored and weigh nothing.
    const stored = (item: Item) => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)) as Item;
    return (
      puts.filter((p) => !unchanged(p)).reduce((n, p) => n + db.capacityUnits(stored(p.item), false), 0) +
      // A deleted entry is billed at its projected size, as it was stored.
      deletes.reduce((n, d) => {
        const entry = previous.find((q) => q.index === d.index && q.key === d.key);
        return n + (entry ? db.capacityUnits(stored(entry.item), false) : 1);
      }, 0)
    );
  }

  /** Read capacity units of one strongly consistent read (1 per 4 KB, at least 1). */
  readUnits(item: Item | undefined): number {
    return db.capacityUnits(item, true, true);
  }

  /** Side data of our own (TTL settings) in the same LevelDB, under a prefix dynalite never uses. */
  async *entries(prefix: string): AsyncIterable<[string, unknown]> {
    for await (const [key, value] of this.#store.db.iterator({ gte: prefix, lt: `${prefix}\xff` })) {
      yield [key.slice(prefix.length), value];
    }
  }

  /** Side data in a key range (full keys), e.g. stream records in sequence order. */
  range(range: KeyRange): AsyncIterable<[string, unknown]> {
    return this.#store.db.iterator(range);
  }

  /** Writes side data atomically (e.g. trimming a stream). */
  batch(operations: BatchOperation[]): Promise<void> {
    return this.#store.db.batch(operations);
  }

  /** dynalite's measure of an item's size in bytes (attribute names and values). */
  itemSize(item: Item): number {
    return db.itemSize(item);
  }

  putEntry(key: string, value: unknown): Promise<void> {
    return this.#store.db.put(key, value);
  }

  deleteEntry(key: string): Promise<void> {
    return this.#store.db.del(key);
  }
}

function runAction(action: ActionFunction, store: ActionStore, parsed: ParsedInput): Promise<Output> {
  return new Promise((resolve, reject) => {
    action(store, parsed, (err, result) => (err ? reject(toAwsError(err)) : resolve(result ?? {})));
  });
}
