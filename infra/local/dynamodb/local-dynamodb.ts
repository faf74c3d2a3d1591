/**
 * The local DynamoDB: the DynamoDB API (awsJson1.0, target prefix `DynamoDB_20120810`) on
 * dynalite's engine, called in-process, plus what dynalite lacks and the platform uses:
 * TransactWriteItems, TransactGetItems, UpdateTimeToLive with an expiry sweeper, and
 * ReturnValuesOnConditionCheckFailure. See README.md for what is supported and the gaps.
 *
 * Isolation: every write takes the lock of each item it writes (KeyLocks), transactions take
 * all theirs at once in sorted order; writes to different items never wait for each other.
 * Contention is reported as DynamoDB reports it: a transaction or single write that meets an
 * in-flight transaction on one of its items is refused with TransactionConflict (ADR 0017).
 */
import { AwsError, type AwsService, type CallContext, type RecordedCall } from '../aws-service';
import { DynaliteStore, type Item, type ItemWrite, isDynaliteAction, type Output, toAwsError } from './dynalite';
import { conditionalCheckFailed, transactionConflict, wantsOldItemOnConditionFailure } from './errors';
import { authorisationsFor } from './iam';
import { itemLockKey, KeyLocks } from './key-locks';
import { TableStreams } from './streams';
import { isExpired, TimeToLive } from './time-to-live';
import { Transactions } from './transactions';

export interface LocalDynamoDBOptions {
  /** LevelDB data folder; undefined keeps everything in memory. One process per folder (LevelDB locks it). */
  path?: string;
  /** Receives one entry per IAM authorisation each call needs (see iam.ts), before the call runs. */
  record?(call: RecordedCall): void;
  /** Interval of the TTL sweeper that deletes expired items; default 60 000 ms. */
  ttlSweepMs?: number;
  /**
   * How long each TransactWriteItems stays in flight at least (default 2 ms): the window in which
   * another transaction or single write on one of its items is refused with TransactionConflict,
   * as on AWS, where a transaction takes milliseconds. 0 keeps only one event-loop turn.
   */
  transactionMs?: number;
  /** The clock stream records are stamped and trimmed by (tests move it); default `Date.now`. */
  now?: () => number;
}

/** AWS's default account and table quotas. */
const DESCRIBE_LIMITS = {
  AccountMaxReadCapacityUnits: 80000,
  AccountMaxWriteCapacityUnits: 80000,
  TableMaxReadCapacityUnits: 40000,
  TableMaxWriteCapacityUnits: 40000,
};

const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[^:]*:\d*:table\/([a-zA-Z0-9_.-]+)$/;

type SingleWrite = 'PutItem' | 'UpdateItem' | 'DeleteItem';

interface LockTarget {
  tableName: string;
  key: string;
  lockKey: string;
}

/**
 * @example
 * const dynamodb = await LocalDynamoDB.start({ path: '.itsm/dynamodb', record: (call) => calls.push(call) });
 * const output = await dynamodb.handle('GetItem', { TableName: 'itsm-incidents', Key: { pk: { S: 'x' } } }, { caller: 'AKID' });
 * await dynamodb.close();
 */
interface Capacity {
  TableName: string;
  CapacityUnits?: number;
}
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const METERED = new Set([...WRITES, 'GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
/** Tables one request touches (for request counts). */
function tablesOf(action: string, input: Record<string, unknown>): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  if (action === 'BatchGetItem' || action === 'BatchWriteItem') return Object.keys(asObject(input.RequestItems));
  const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Array<Record<string, unknown>>) : [];
  return [...new Set(items.map((i) => String(asObject(Object.values(i)[0]).TableName)))];
}
const asObject = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export class LocalDynamoDB implements AwsService {
  readonly targetPrefix = 'DynamoDB_20120810';
  readonly #dynalite: DynaliteStore;
  readonly #locks = new KeyLocks();
  readonly #transactions: Transactions;
  readonly #record: ((call: RecordedCall) => void) | undefined;
  #ttl!: TimeToLive;
  #streams!: TableStreams;
  #closing: Promise<void> | undefined;

  private constructor(dynalite: DynaliteStore, opts: LocalDynamoDBOptions) {
    this.#dynalite = dynalite;
    this.#record = opts.record;
    this.#transactions = new Transactions(dynalite, this.#locks, (writes) => this.#commit(writes), opts.transactionMs);
  }

  static async start(opts: LocalDynamoDBOptions = {}): Promise<LocalDynamoDB> {
    const dynalite = await DynaliteStore.open(opts.path);
    const dynamodb = new LocalDynamoDB(dynalite, opts);
    try {
      dynamodb.#ttl = await TimeToLive.load(dynalite, (table, item, attribute, now) =>
        dynamodb.#expire(table, item, attribute, now),
      );
      dynamodb.#streams = await TableStreams.load(dynalite, opts.now);
    } catch (err) {
      await dynalite.close();
      throw err;
    }
    dynamodb.#ttl.start(opts.ttlSweepMs ?? 60_000);
    return dynamodb;
  }

  async handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    if (this.#record) {
      for (const authorisation of authorisationsFor(action, input))
        this.#record({ caller: ctx.caller, ...authorisation });
    }
    // Capacity is always computed so the meter sees every unit; the caller gets it only if it asked.
    const asked = input.ReturnConsumedCapacity;
    const metered = METERED.has(action);
    if (metered && asked !== 'TOTAL' && asked !== 'INDEXES') input = { ...input, ReturnConsumedCapacity: 'TOTAL' };
    try {
      input = acceptTableArns(input);
      const output = await this.#dispatch(action, input);
      if (metered) {
        const consumed = output.ConsumedCapacity;
        for (const c of (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[]) {
          const m = this.meter.get(c.TableName) ?? { readUnits: 0, writeUnits: 0, requests: 0 };
          const units = c.CapacityUnits ?? 0;
          if (WRITES.has(action)) m.writeUnits += units;
          else m.readUnits += units;
          this.meter.set(c.TableName, m);
        }
        for (const t of tablesOf(action, input)) {
          const m = this.meter.get(t) ?? { readUnits: 0, writeUnits: 0, requests: 0 };
          m.requests++;
          this.meter.set(t, m);
        }
        if (asked !== 'TOTAL' && asked !== 'INDEXES') delete output.ConsumedCapacity;
      }
      return output;
    } catch (err) {
      throw toAwsError(err);
    }
  }

  /** Capacity units and requests per table since start (the bench's cost model reads it). */
  readonly meter = new Map<string, { readUnits: number; writeUnits: number; requests: number }>();

  /** The tables' streams: records to read, in order, for the Streams API and Lambda's pollers. */
  get streams(): TableStreams {
    return this.#streams;
  }

  /** Stops the TTL sweeper and closes the store (waiting for writes in flight). */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#ttl.stop();
      await this.#streams.idle();
      await this.#dynalite.close();
    })();
    return this.#closing;
  }

  /** Runs one TTL sweep now and waits for it (tests; the timer does the same). */
  sweepExpiredItems(): Promise<void> {
    return this.#ttl.sweep();
  }

  #dispatch(action: string, input: Record<string, unknown>): Promise<Output> {
    switch (action) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return this.#writeItem(action, input);
      case 'BatchWriteItem':
        return this.#batchWrite(input);
      case 'TransactWriteItems':
        return this.#transactions.write(input);
      case 'TransactGetItems':
        return this.#transactions.get(input);
      case 'DescribeTimeToLive':
        return this.#ttl.describe(input);
      case 'UpdateTimeToLive':
        return this.#ttl.update(input);
      case 'CreateTable':
      case 'UpdateTable':
      case 'DeleteTable':
        return this.#changeTable(action, input);
      case 'DescribeTable':
        return this.#describeTable(input);
      case 'DescribeLimits':
        return Promise.resolve(DESCRIBE_LIMITS);
      default:
        // Reads (GetItem, Query, Scan, BatchGetItem) take no lock: a transaction commits in one
        // atomic batch, so they see all of it or none of it.
        if (isDynaliteAction(action)) return this.#dynalite.run(action, this.#dynalite.validate(action, input));
        throw new AwsError(
          'UnknownOperationException',
          `The local DynamoDB does not implement ${action} (see infra/local/dynamodb/README.md)`,
        );
    }
  }

  async #writeItem(action: SingleWrite, input: Record<string, unknown>): Promise<Output> {
    const returnOld = wantsOldItemOnConditionFailure(
      input.ReturnValuesOnConditionCheckFailure,
      'returnValuesOnConditionCheckFailure',
    );
    const parsed = this.#dynalite.validate(action, input);
    const isPut = action === 'PutItem';
    const target = await this.#lockTarget(parsed.TableName, isPut ? parsed.Item : parsed.Key, isPut);
    // No target: the table is missing or the key is wrong, and dynalite answers with the right error.
    if (!target) return this.#dynalite.run(action, parsed);
    // DynamoDB refuses, rather than queues, a single write to an item a transaction is writing (ADR 0017).
    if (this.#locks.isClaimed(target.lockKey)) throw transactionConflict();
    return this.#locks.with([target.lockKey], async () => {
      try {
        const table = await this.#dynalite.table(target.tableName);
        if (this.#streams.of(target.tableName)) return await this.#writeWithRecord(action, parsed, table, target);
        if (!table.GlobalSecondaryIndexes?.length) return await this.#dynalite.run(action, parsed);
        // DynamoDB bills the index entries a write maintains; dynalite does not, so add them.
        const before = await this.#dynalite.readItem(target.tableName, target.key);
        const output = await this.#dynalite.run(action, parsed);
        const after = await this.#dynalite.readItem(target.tableName, target.key);
        const extra = this.#dynalite.indexWriteUnits(table, before, after);
        const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
        if (consumed && extra) consumed.CapacityUnits = (consumed.CapacityUnits ?? 0) + extra;
        return output;
      } catch (err) {
        if (returnOld && err instanceof AwsError && err.code === 'ConditionalCheckFailedException') {
          // Still under the lock: the item the condition was evaluated against.
          throw conditionalCheckFailed(await this.#dynalite.readItem(target.tableName, target.key));
        }
        throw err;
      }
    });
  }

  /**
   * A single write to a table with a stream: computed against the item held in memory (dynalite's
   * own semantics and output), then the item, its index entries and its stream record are
   * committed in one batch. Runs under the item's lock.
   */
  async #writeWithRecord(
    action: SingleWrite,
    parsed: Record<string, unknown>,
    table: Awaited<ReturnType<DynaliteStore['table']>>,
    target: LockTarget,
  ): Promise<Output> {
    const before = await this.#dynalite.readItem(target.tableName, target.key);
    const { output, writes } = await this.#dynalite.simulate(
      action,
      parsed,
      [table],
      new Map([[target.lockKey, before]]),
    );
    await this.#commit(writes);
    const after = writes.length ? writes[0]!.after : before;
    // DynamoDB bills the index entries a write maintains; dynalite does not, so add them.
    const extra = this.#dynalite.indexWriteUnits(table, before, after);
    const consumed = output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
    if (consumed && extra) consumed.CapacityUnits = (consumed.CapacityUnits ?? 0) + extra;
    return output;
  }

  /** Commits item writes with their stream records, in one batch. */
  async #commit(writes: ItemWrite[], options: { expiredByTtl?: boolean } = {}): Promise<void> {
    const staged = this.#streams.stage(writes, options);
    try {
      await this.#dynalite.commit(writes, staged.operations);
    } catch (err) {
      staged.abandoned();
      throw err;
    }
    staged.committed();
  }

  /** Each item of the batch is locked like a single write, so none interleaves with a transaction. */
  async #batchWrite(input: Record<string, unknown>): Promise<Output> {
    const parsed = this.#dynalite.validate('BatchWriteItem', input);
    const requestItems = parsed.RequestItems as Record<
      string,
      Array<{ PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }>
    >;
    const lockKeys: string[] = [];
    for (const [tableName, requests] of Object.entries(requestItems)) {
      for (const { PutRequest, DeleteRequest } of requests) {
        const target = await this.#lockTarget(tableName, PutRequest?.Item ?? DeleteRequest?.Key, Boolean(PutRequest));
        if (target) lockKeys.push(target.lockKey);
      }
    }
    const streamed = Object.keys(requestItems).some((t) => this.#streams.of(t));
    if (!streamed) return this.#locks.with(lockKeys, () => this.#dynalite.run('BatchWriteItem', parsed));
    // A table with a stream: the whole batch is computed in memory, then committed with its
    // records in one LevelDB batch (AWS applies a BatchWriteItem item by item; all at once is stricter).
    const tables = await Promise.all(Object.keys(requestItems).map((t) => this.#dynalite.table(t)));
    return this.#locks.with(lockKeys, async () => {
      const current = new Map<string, Item | undefined>();
      for (const table of tables) {
        for (const { PutRequest, DeleteRequest } of requestItems[table.TableName]!) {
          const keyOrItem = PutRequest?.Item ?? DeleteRequest?.Key;
          const key = keyOrItem && this.#dynalite.itemKey(table, keyOrItem, Boolean(PutRequest));
          if (key !== undefined)
            current.set(itemLockKey(table.TableName, key), await this.#dynalite.readItem(table.TableName, key));
        }
      }
      const { output, writes } = await this.#dynalite.simulate('BatchWriteItem', parsed, tables, current);
      await this.#commit(writes);
      return output;
    });
  }

  /** DescribeTable with the stream (dynalite knows none). */
  async #describeTable(input: Record<string, unknown>): Promise<Output> {
    const output = await this.#dynalite.run('DescribeTable', this.#dynalite.validate('DescribeTable', input));
    return withStream(output, this.#streams);
  }

  async #changeTable(action: 'CreateTable' | 'UpdateTable' | 'DeleteTable', input: Record<string, unknown>) {
    // dynalite's validation drops StreamSpecification (and UpdateTable needs another change): taken out first.
    const streamSpec = action === 'DeleteTable' ? undefined : this.#streams.check(input.StreamSpecification);
    const { StreamSpecification: _, ...rest } = input;
    const onlyStream = action === 'UpdateTable' && streamSpec && !hasOtherTableUpdates(rest);
    const parsed = this.#dynalite.validate(
      onlyStream ? 'DescribeTable' : action,
      onlyStream ? { TableName: rest.TableName } : rest,
    );
    const name = parsed.TableName as string;
    try {
      if (onlyStream) {
        const { Table } = (await this.#dynalite.run('DescribeTable', parsed)) as { Table: TableLike };
        await this.#streams.apply(Table, streamSpec);
        return withStream({ TableDescription: Table }, this.#streams);
      }
      if (action === 'UpdateTable' && streamSpec) {
        // The stream change is checked (and made) first: AWS refuses the whole call on a bad one.
        const { Table } = (await this.#dynalite.run('DescribeTable', { TableName: name })) as { Table: TableLike };
        await this.#streams.apply(Table, streamSpec);
      }
      const output = await this.#dynalite.run(action, parsed);
      if (action === 'DeleteTable') {
        await this.#ttl.forget(name);
        await this.#streams.drop(name);
      }
      if (action === 'CreateTable' && streamSpec?.StreamEnabled) {
        await this.#streams.apply(output.TableDescription as TableLike, streamSpec);
      }
      return action === 'DeleteTable' ? output : withStream(output, this.#streams);
    } catch (err) {
      if (err instanceof AwsError && err.code === 'ResourceInUseException' && action === 'CreateTable') {
        throw new AwsError('ResourceInUseException', `Table already exists: ${name}`); // dynalite's message is empty
      }
      throw err;
    } finally {
      this.#dynalite.forgetTable(name);
    }
  }

  /** The item a write targets and its lock, or undefined when dynalite will reject the write anyway. */
  async #lockTarget(tableName: unknown, keyOrItem: unknown, isFullItem: boolean): Promise<LockTarget | undefined> {
    if (typeof tableName !== 'string' || typeof keyOrItem !== 'object' || keyOrItem === null) return undefined;
    let key: string | undefined;
    try {
      key = this.#dynalite.itemKey(await this.#dynalite.table(tableName), keyOrItem as Item, isFullItem);
    } catch (err) {
      if (err instanceof AwsError && err.code === 'ResourceNotFoundException') return undefined;
      throw err;
    }
    return key === undefined ? undefined : { tableName, key, lockKey: itemLockKey(tableName, key) };
  }

  /** TTL deletion of one item: under its lock, and only if it is still expired (it may have been updated). */
  async #expire(tableName: string, item: Item, attribute: string, nowSeconds: number): Promise<void> {
    const table = await this.#dynalite.table(tableName);
    const Key = Object.fromEntries(table.KeySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]!]));
    const key = this.#dynalite.requireItemKey(table, Key, false);
    await this.#locks.with([itemLockKey(tableName, key)], async () => {
      const current = await this.#dynalite.readItem(tableName, key);
      if (!current || !isExpired(current[attribute], nowSeconds)) return;
      if (this.#streams.of(tableName)) {
        // The REMOVE record says the TTL process deleted it (userIdentity), as on AWS.
        await this.#commit([{ table, key, before: current, after: undefined }], { expiredByTtl: true });
        return;
      }
      await this.#dynalite.run('DeleteItem', this.#dynalite.validate('DeleteItem', { TableName: tableName, Key }));
    });
  }
}

interface TableLike {
  TableName: string;
  TableArn: string;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
}

/** UpdateTable members besides StreamSpecification that dynalite acts on or validates. */
function hasOtherTableUpdates(input: Record<string, unknown>): boolean {
  return Object.entries(input).some(([k, v]) => k !== 'TableName' && v != null);
}

/** Adds the table's stream to a TableDescription / Table output. */
function withStream(output: Output, streams: TableStreams): Output {
  for (const member of ['Table', 'TableDescription']) {
    const table = output[member] as { TableName?: string } | undefined;
    if (table?.TableName) Object.assign(table, streams.describe(table.TableName));
  }
  return output;
}

/** DynamoDB accepts a table ARN wherever it takes a TableName; dynalite only names. */
function acceptTableArns(input: Record<string, unknown>): Record<string, unknown> {
  const toName = (op: Record<string, unknown>) => {
    const match = typeof op.TableName === 'string' ? TABLE_ARN.exec(op.TableName) : null;
    if (match) op.TableName = match[1];
  };
  toName(input);
  if (Array.isArray(input.TransactItems)) {
    for (const item of input.TransactItems) {
      if (typeof item === 'object' && item !== null) {
        for (const op of Object.values(item))
          if (typeof op === 'object' && op !== null) toName(op as Record<string, unknown>);
      }
    }
  }
  return input;
}
