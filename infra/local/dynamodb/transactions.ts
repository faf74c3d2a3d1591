/**
 * TransactWriteItems and TransactGetItems, which dynalite lacks, built on its store.
 *
 * A write transaction: validate every item (request-level errors, as AWS); claim every item,
 * or cancel with TransactionConflict where another transaction is in flight on one, as DynamoDB
 * does (ADR 0017); lock every item
 * (KeyLocks: sorted, so no deadlock; single-item writes take the same locks); read the current
 * items; evaluate every item against them with dynalite's own code (conditions, update
 * expressions: `dryRunWrite`); if any fails, cancel with one reason per item; otherwise commit
 * all item and index writes in one atomic LevelDB batch. Because the commit is one batch, a
 * failure while applying leaves nothing behind (the "rollback" is LevelDB's atomicity), and
 * readers that take no lock (GetItem, Query, Scan) still never see half a transaction.
 */
import { createHash } from 'node:crypto';
import { AwsError } from '../aws-service';
import type { DynaliteStore, Item, ItemWrite, Output, ParsedInput, TableDescription } from './dynalite';
import { AwsErrorWithFields, TRANSACTION_ONGOING, validationError, wantsOldItemOnConditionFailure } from './errors';
import { itemLockKey, type KeyLocks } from './key-locks';

const MAX_TRANSACTION_ITEMS = 100;
/** A write transaction's least time in flight, in which other writers of its items are refused (ADR 0017). */
export const DEFAULT_IN_FLIGHT_MS = 0;

/** AWS keeps a ClientRequestToken for 10 minutes. */
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
/** Bounds memory under sustained load (the SDK sends a token with every call); retries come within seconds. */
const MAX_TOKENS = 50_000;

/** Transactional reads and writes cost twice the standard units (DynamoDB Developer Guide, "Capacity management for transactions"). */
const TRANSACTION_COST_FACTOR = 2;

interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: Item;
}

const NONE: CancellationReason = { Code: 'None' };
/** The reason DynamoDB gives for an item another transaction is in the middle of writing. */
const TRANSACTION_CONFLICT: CancellationReason = {
  Code: 'TransactionConflict',
  Message: TRANSACTION_ONGOING,
};

const WRITE_KINDS = ['ConditionCheck', 'Put', 'Delete', 'Update'] as const;
type WriteKind = (typeof WRITE_KINDS)[number];

/** The standard action whose validation and semantics each transaction item shares. */
const ACTION_OF = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'DeleteItem' } as const;

interface PreparedItem {
  table: TableDescription;
  parsed: ParsedInput;
  /** dynalite's key string of the item. */
  key: string;
}

interface PreparedWrite extends PreparedItem {
  kind: WriteKind;
  returnOldOnFailure: boolean;
}

const OPTION_TYPES = {
  ReturnConsumedCapacity: { type: 'String', enum: ['INDEXES', 'TOTAL', 'NONE'] },
  ReturnItemCollectionMetrics: { type: 'String', enum: ['SIZE', 'NONE'] },
  ClientRequestToken: { type: 'String', lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 36 },
};

const asRecord = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

export class Transactions {
  readonly #tokens = new ClientRequestTokens();

  constructor(
    private readonly dynalite: DynaliteStore,
    private readonly locks: KeyLocks,
    /** Commits item writes atomically, with their stream records (LocalDynamoDB). */
    private readonly commit: (writes: ItemWrite[]) => Promise<void>,
    /** How long a write transaction stays in flight at least (see LocalDynamoDBOptions.transactionMs). */
    private readonly inFlightMs = DEFAULT_IN_FLIGHT_MS,
  ) {}

  async write(input: Record<string, unknown>): Promise<Output> {
    const items = transactItemsOf(input, 'TransactWriteItem');
    const options = this.#options(input);
    const token = options.ClientRequestToken as string | undefined;
    // Fingerprinted before validation, which rewrites the items (drops unknown members, normalises numbers).
    const replayUnits = token
      ? this.#tokens.begin(token, fingerprintOf(items, input.ReturnItemCollectionMetrics))
      : undefined;
    if (replayUnits) return withCapacity({}, options.ReturnConsumedCapacity, replayUnits, 'Read');

    try {
      const prepared = await Promise.all(items.map((item, i) => this.#prepareWrite(item, i)));
      assertOneOperationPerItem(prepared);
      const lockKeys = prepared.map((p) => itemLockKey(p.table.TableName, p.key));
      const claim = this.locks.claim(lockKeys);
      if ('conflicting' in claim) {
        throw transactionCanceled(lockKeys.map((k) => (claim.conflicting.has(k) ? TRANSACTION_CONFLICT : NONE)));
      }
      const { writeUnits, readUnits } = await this.locks
        .with(lockKeys, async () => {
          // On AWS a transaction is in flight for milliseconds (two-phase commit); in process it
          // would finish before the next request is even read, and no write would ever meet it.
          await new Promise((resolve) =>
            this.inFlightMs > 0 ? setTimeout(resolve, this.inFlightMs) : setImmediate(resolve),
          );
          return this.#apply(prepared);
        })
        .finally(claim.release);
      if (token) this.#tokens.complete(token, readUnits);
      return withCapacity({}, options.ReturnConsumedCapacity, writeUnits, 'Write');
    } catch (err) {
      if (token) this.#tokens.abandon(token);
      throw err;
    }
  }

  /** Runs under the items' locks: the state read here is the state at commit. */
  async #apply(
    prepared: PreparedWrite[],
  ): Promise<{ writeUnits: Map<string, number>; readUnits: Map<string, number> }> {
    const current = await Promise.all(prepared.map((p) => this.dynalite.readItem(p.table.TableName, p.key)));
    const outcomes = await Promise.all(prepared.map((p, i) => this.#evaluate(p, current[i])));
    if (outcomes.some((o) => o.reason.Code !== 'None')) throw transactionCanceled(outcomes.map((o) => o.reason));

    const writes = prepared.flatMap((p, i) =>
      p.kind === 'ConditionCheck'
        ? []
        : [{ table: p.table, key: p.key, before: current[i], after: outcomes[i]!.after }],
    );
    await this.commit(writes);

    const writeUnits = new Map<string, number>();
    const readUnits = new Map<string, number>();
    prepared.forEach((p, i) => {
      const before = current[i];
      // A ConditionCheck leaves its item as it is, and is billed as a write of it.
      const after = p.kind === 'ConditionCheck' ? before : outcomes[i]!.after;
      const name = p.table.TableName;
      // Index entries are maintained by ordinary (not transactional) writes.
      const units =
        TRANSACTION_COST_FACTOR * this.dynalite.writeUnits(before, after) +
        (p.kind === 'ConditionCheck' ? 0 : this.dynalite.indexWriteUnits(p.table, before, after));
      writeUnits.set(name, (writeUnits.get(name) ?? 0) + units);
      readUnits.set(name, (readUnits.get(name) ?? 0) + this.dynalite.readUnits(after));
    });
    return { writeUnits, readUnits };
  }

  async get(input: Record<string, unknown>): Promise<Output> {
    const items = transactItemsOf(input, 'TransactGetItem');
    const options = this.#options({ ReturnConsumedCapacity: input.ReturnConsumedCapacity });
    const prepared = await Promise.all(
      items.map(async (item, i): Promise<PreparedItem> => {
        const get = asRecord(item).Get;
        if (get == null) throw mustNotBeNull(`transactItems.${i + 1}.member.get`);
        // Always a consistent read; capacity is asked for so the units can be doubled below.
        const parsed = this.dynalite.validate('GetItem', {
          ...asRecord(get),
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        });
        const table = await this.dynalite.table(parsed.TableName as string);
        return { table, parsed, key: this.dynalite.requireItemKey(table, parsed.Key as Item, false) };
      }),
    );
    assertOneOperationPerItem(prepared);

    // Holding the locks keeps transactions on these items from committing in between the reads: a snapshot.
    const outputs = await this.locks.with(
      prepared.map((p) => itemLockKey(p.table.TableName, p.key)),
      () => Promise.all(prepared.map((p) => this.dynalite.run('GetItem', p.parsed))),
    );
    const unitsByTable = new Map<string, number>();
    prepared.forEach((p, i) => {
      const units = (asRecord(outputs[i]!.ConsumedCapacity).CapacityUnits as number) * TRANSACTION_COST_FACTOR;
      unitsByTable.set(p.table.TableName, (unitsByTable.get(p.table.TableName) ?? 0) + units);
    });
    const Responses = outputs.map((o) => (o.Item ? { Item: o.Item } : {}));
    return withCapacity({ Responses }, options.ReturnConsumedCapacity, unitsByTable, 'Read');
  }

  #options(input: Record<string, unknown>): ParsedInput {
    const { ReturnConsumedCapacity, ReturnItemCollectionMetrics, ClientRequestToken } = input;
    return this.dynalite.validateWith(OPTION_TYPES, {
      ReturnConsumedCapacity,
      ReturnItemCollectionMetrics,
      ClientRequestToken,
    });
  }

  async #prepareWrite(item: unknown, index: number): Promise<PreparedWrite> {
    const entry = asRecord(item);
    const kinds = WRITE_KINDS.filter((k) => entry[k] != null);
    if (kinds.length !== 1) throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
    const kind = kinds[0]!;
    const op = asRecord(entry[kind]);
    const path = `transactItems.${index + 1}.member.${lowerFirst(kind)}`;
    const returnOldOnFailure = wantsOldItemOnConditionFailure(
      op.ReturnValuesOnConditionCheckFailure,
      `${path}.returnValuesOnConditionCheckFailure`,
    );
    // Required in a transaction though optional (or absent) in the standard action.
    if (kind === 'Update' && op.UpdateExpression == null) throw mustNotBeNull(`${path}.updateExpression`);
    if (kind === 'ConditionCheck' && op.ConditionExpression == null) throw mustNotBeNull(`${path}.conditionExpression`);

    const parsed = this.dynalite.validate(ACTION_OF[kind], op);
    const table = await this.dynalite.table(parsed.TableName as string);
    const isPut = kind === 'Put';
    const key = this.dynalite.requireItemKey(table, (isPut ? parsed.Item : parsed.Key) as Item, isPut);
    if (kind === 'Update') this.dynalite.checkUpdates(table, parsed);
    return { kind, table, parsed, key, returnOldOnFailure };
  }

  /** Evaluates one item against the current state: its new state, or why the transaction must be cancelled. */
  async #evaluate(p: PreparedWrite, current: Item | undefined): Promise<{ after?: Item; reason: CancellationReason }> {
    const conditionFailed = (): CancellationReason => ({
      Code: 'ConditionalCheckFailed',
      Message: 'The conditional request failed',
      ...(p.returnOldOnFailure && current ? { Item: current } : {}),
    });
    if (p.kind === 'ConditionCheck') {
      return { reason: this.dynalite.checkCondition(p.parsed, current) ? conditionFailed() : { Code: 'None' } };
    }
    try {
      const after = await this.dynalite.dryRunWrite(ACTION_OF[p.kind], p.parsed, p.table, current);
      return { after, reason: { Code: 'None' } };
    } catch (err) {
      if (err instanceof AwsError && err.code === 'ConditionalCheckFailedException')
        return { reason: conditionFailed() };
      // e.g. an update expression operand of the wrong type: AWS cancels with a ValidationError reason.
      if (err instanceof AwsError && err.code === 'ValidationException') {
        return { reason: { Code: 'ValidationError', Message: err.message } };
      }
      throw err;
    }
  }
}

function transactItemsOf(input: Record<string, unknown>, memberType: string): unknown[] {
  const items = input.TransactItems;
  if (items == null) throw mustNotBeNull('transactItems');
  if (!Array.isArray(items))
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected');
  if (items.length === 0) {
    throw validationError(
      "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (items.length > MAX_TRANSACTION_ITEMS) {
    // AWS prints the list the way Java prints objects.
    const shown = items.map(
      (_, i) => `com.amazonaws.dynamodb.v20120810.${memberType}@${(0x10000001 + i).toString(16)}`,
    );
    throw validationError(
      `1 validation error detected: Value '[${shown.join(', ')}]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACTION_ITEMS}`,
    );
  }
  return items;
}

const mustNotBeNull = (path: string) =>
  validationError(
    `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`,
  );

function assertOneOperationPerItem(items: PreparedItem[]): void {
  const seen = new Set(items.map((p) => itemLockKey(p.table.TableName, p.key)));
  if (seen.size !== items.length)
    throw validationError('Transaction request cannot include multiple operations on one item');
}

function transactionCanceled(reasons: CancellationReason[]): AwsError {
  const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`;
  // AWS spells this error's message `Message` (the SDK reads either into `message`).
  return new AwsErrorWithFields('TransactionCanceledException', message, {
    CancellationReasons: reasons,
    Message: message,
  });
}

/** Adds ConsumedCapacity (one entry per table, as AWS returns for transactions) when asked for. */
function withCapacity(
  output: Output,
  mode: unknown,
  unitsByTable: Map<string, number>,
  kind: 'Read' | 'Write',
): Output {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return output;
  const ConsumedCapacity = [...unitsByTable].map(([TableName, units]) => {
    const figures = { CapacityUnits: units, [`${kind}CapacityUnits`]: units };
    return { TableName, ...figures, ...(mode === 'INDEXES' ? { Table: { ...figures } } : {}) };
  });
  return { ...output, ConsumedCapacity };
}

function fingerprintOf(items: unknown[], returnItemCollectionMetrics: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([items, returnItemCollectionMetrics]))
    .digest('base64');
}

/**
 * ClientRequestToken idempotency: a retry with the same token and the same items within 10
 * minutes succeeds without writing again (its capacity is reported as the read units of
 * reading the items, as AWS does); the same token with other items is
 * IdempotentParameterMismatchException; while the first call runs, TransactionInProgressException.
 * Only successful transactions keep their token, so a cancelled one can be retried. The SDK sends
 * a fresh token with every call, so entries expire in insertion order and are pruned from the front
 * (also beyond MAX_TOKENS).
 */
class ClientRequestTokens {
  readonly #entries = new Map<
    string,
    { fingerprint: string; expiresAt: number; readUnitsByTable?: Map<string, number> }
  >();

  /** Registers a token; returns the read units to report if this is a replay of a completed transaction. */
  begin(token: string, fingerprint: string): Map<string, number> | undefined {
    const now = Date.now();
    this.#prune(now);
    const entry = this.#entries.get(token);
    if (!entry || entry.expiresAt <= now) {
      this.#entries.delete(token);
      this.#entries.set(token, { fingerprint, expiresAt: now + TOKEN_LIFETIME_MS });
      return undefined;
    }
    if (entry.fingerprint !== fingerprint) {
      throw new AwsError(
        'IdempotentParameterMismatchException',
        'DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.',
      );
    }
    if (!entry.readUnitsByTable) {
      throw new AwsError(
        'TransactionInProgressException',
        'The transaction with the given request token is already in progress.',
      );
    }
    return entry.readUnitsByTable;
  }

  complete(token: string, readUnitsByTable: Map<string, number>): void {
    const entry = this.#entries.get(token);
    if (entry) entry.readUnitsByTable = readUnitsByTable;
  }

  abandon(token: string): void {
    this.#entries.delete(token);
  }

  #prune(now: number): void {
    for (const [token, entry] of this.#entries) {
      if (entry.expiresAt > now && this.#entries.size < MAX_TOKENS) break;
      this.#entries.delete(token);
    }
  }
}
