/**
 * DynamoDB Streams for the local DynamoDB (dynalite drops `StreamSpecification`).
 *
 * A table whose CreateTable or UpdateTable carries `StreamSpecification { StreamEnabled: true,
 * StreamViewType }` gets a stream (ARN `<table ARN>/stream/<label>`, one shard). Every write that
 * actually changes an item adds one record, shaped as DynamoDB Streams and Lambda deliver it
 * (API_streams_Record / API_streams_StreamRecord): `eventName` INSERT, MODIFY or REMOVE, the
 * images the view type asks for, a sequence number that only grows, `ApproximateCreationDateTime`
 * in epoch seconds rounded down. A put or update that leaves the item as it was writes no record,
 * nor does a delete of a missing item (DynamoDB writes a record only when the item is modified).
 * TTL deletions carry `userIdentity { type: 'Service', principalId: 'dynamodb.amazonaws.com' }`.
 *
 * Records live in the same LevelDB as the items, under a prefix dynalite never uses, and are
 * written in the SAME batch as the item writes they describe (`stage` gives the operations,
 * `DynaliteStore.commit` applies them with the items): an item never exists without its record
 * or the reverse, even after a crash. Records of one item are in write order, because a record's
 * sequence number is taken under the item's lock. Readers see a record only once every record
 * with a lower sequence number is committed too (concurrent writes of different items commit in
 * any order), so a reader that remembers the last sequence number it read never skips one.
 * Records are kept 24 hours, as on AWS, then trimmed.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BatchOperation, DynaliteStore, Item, ItemWrite } from './dynalite';
import { validationError } from './errors';

export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
const VIEW_TYPES: readonly string[] = ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'];

/** One stream record, as Lambda passes it in `Records` (GetRecords answers the same without `eventSourceARN`). */
export interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  dynamodb: {
    /** Epoch seconds, rounded down (API_streams_StreamRecord). */
    ApproximateCreationDateTime: number;
    Keys: Item;
    NewImage?: Item;
    OldImage?: Item;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: StreamViewType;
  };
  eventSourceARN: string;
  userIdentity?: { type: 'Service'; principalId: 'dynamodb.amazonaws.com' };
}

/** A stream as DescribeTable and DescribeStream show it. */
export interface StreamInfo {
  tableName: string;
  arn: string;
  label: string;
  viewType: StreamViewType;
  /** Epoch ms the stream was enabled. */
  createdAt: number;
  keySchema: Array<{ AttributeName: string; KeyType: string }>;
}

/** Records are kept 24 hours (DynamoDB Streams' retention). */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
const SETTINGS_PREFIX = 'itsm-stream~';
const RECORDS_PREFIX = 'itsm-stream-record~';
/** A stream's sequence numbers: 21 digits (AWS: 21 to 40), so text order is numeric order. */
const SEQUENCE_BASE = 10n ** 20n;
/** Trim at most this often (the check rides on writes: no timer runs for an idle stream). */
const TRIM_EVERY_MS = 60_000;
const TTL_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

const seqText = (n: bigint) => (SEQUENCE_BASE + n).toString();
const seqNumber = (text: string) => BigInt(text) - SEQUENCE_BASE;

interface Stream extends StreamInfo {
  /** Last sequence number handed out (as an offset from SEQUENCE_BASE). */
  last: bigint;
  /** Handed out, not yet committed or abandoned. */
  readonly pending: Set<bigint>;
  readonly listeners: Set<() => void>;
  /** ApproximateCreationDateTime (ms) of the oldest record kept, if any. */
  oldestMs: number | undefined;
  lastTrimAt: number;
  trimming: Promise<void> | undefined;
}

/** What `stage` gives a writer: the record writes to add to its batch, and what to call after it. */
export interface StagedRecords {
  operations: BatchOperation[];
  committed(): void;
  abandoned(): void;
}

export class TableStreams {
  /** Enabled streams by table name. */
  readonly #byTable = new Map<string, Stream>();
  readonly #byArn = new Map<string, Stream>();

  private constructor(
    private readonly dynalite: DynaliteStore,
    private readonly now: () => number,
  ) {}

  /** Loads the enabled streams and where each stands (a kept data folder resumes its sequence). */
  static async load(dynalite: DynaliteStore, now: () => number = Date.now): Promise<TableStreams> {
    const streams = new TableStreams(dynalite, now);
    const settings: StreamInfo[] = [];
    for await (const [, value] of dynalite.entries(SETTINGS_PREFIX)) settings.push(value as StreamInfo);
    for (const info of settings) {
      const stream = streams.#add(info);
      const prefix = recordPrefix(stream);
      for await (const [key] of dynalite.range({ gt: prefix, lt: `${prefix}\xff`, reverse: true, limit: 1 }))
        stream.last = seqNumber(key.slice(prefix.length));
      for await (const [, value] of dynalite.range({ gt: prefix, lt: `${prefix}\xff`, limit: 1 }))
        stream.oldestMs = (value as StreamRecord).dynamodb.ApproximateCreationDateTime * 1000;
      await streams.#trim(stream);
    }
    return streams;
  }

  /** The table's enabled stream. */
  of(tableName: string): StreamInfo | undefined {
    return this.#byTable.get(tableName);
  }

  byArn(arn: string): StreamInfo | undefined {
    return this.#byArn.get(arn);
  }

  list(): StreamInfo[] {
    return [...this.#byTable.values()];
  }

  /** What DescribeTable / CreateTable / UpdateTable add to a TableDescription. */
  describe(tableName: string): Record<string, unknown> {
    const s = this.#byTable.get(tableName);
    if (!s) return {};
    return {
      StreamSpecification: { StreamEnabled: true, StreamViewType: s.viewType },
      LatestStreamLabel: s.label,
      LatestStreamArn: s.arn,
    };
  }

  /**
   * Applies a StreamSpecification from CreateTable/UpdateTable, after AWS's checks: a view type is
   * needed to enable; enabling a table that has a stream, or disabling one that has none, is a
   * ValidationException. Disabling drops the stream (locally its records go at once; AWS keeps a
   * disabled stream readable for 24 hours).
   */
  async apply(
    table: { TableName: string; TableArn: string; KeySchema: Array<{ AttributeName: string; KeyType: string }> },
    spec: { StreamEnabled?: unknown; StreamViewType?: unknown },
  ): Promise<void> {
    const name = table.TableName;
    const current = this.#byTable.get(name);
    if (spec.StreamEnabled === true) {
      if (current) throw validationError(`Table already has an enabled stream: TableName: ${name}`);
      const info = newStream(table, checkViewType(spec.StreamViewType), this.now());
      await this.dynalite.putEntry(SETTINGS_PREFIX + name, info);
      this.#add(info);
    } else if (spec.StreamEnabled === false) {
      if (!current) throw validationError(`Table ${name} does not have an enabled stream`);
      await this.drop(name);
    }
  }

  /** Validates a StreamSpecification before a table change runs (so nothing else changes on a bad one). */
  check(spec: unknown): { StreamEnabled?: unknown; StreamViewType?: unknown } | undefined {
    if (spec == null) return undefined;
    if (typeof spec !== 'object') throw validationError('StreamSpecification must be a structure');
    const s = spec as { StreamEnabled?: unknown; StreamViewType?: unknown };
    if (typeof s.StreamEnabled !== 'boolean') {
      throw validationError(
        "1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null",
      );
    }
    if (s.StreamEnabled) checkViewType(s.StreamViewType);
    return s;
  }

  /** Forgets the table's stream and its records (DeleteTable, or the stream disabled). */
  async drop(tableName: string): Promise<void> {
    const stream = this.#byTable.get(tableName);
    if (!stream) return;
    this.#byTable.delete(tableName);
    this.#byArn.delete(stream.arn);
    await this.dynalite.deleteEntry(SETTINGS_PREFIX + tableName);
    const prefix = recordPrefix(stream);
    const deletes: BatchOperation[] = [];
    for await (const [key] of this.dynalite.range({ gt: prefix, lt: `${prefix}\xff` }))
      deletes.push({ type: 'del', key });
    if (deletes.length) await this.dynalite.batch(deletes);
    for (const listener of stream.listeners) listener();
  }

  /**
   * The stream records of these item writes (only those that change their item, only on tables
   * with a stream), as batch operations to commit WITH the writes. Call under the items' locks;
   * then `committed()` once the batch is applied, or `abandoned()` if it failed.
   */
  stage(writes: readonly ItemWrite[], options: { expiredByTtl?: boolean } = {}): StagedRecords {
    const operations: BatchOperation[] = [];
    const taken: Array<[Stream, bigint]> = [];
    const nowMs = this.now();
    for (const { table, before, after } of writes) {
      const stream = this.#byTable.get(table.TableName);
      if (!stream || sameItem(before, after)) continue;
      // Numbers grow with the clock too, so a restart after everything was trimmed still goes on upwards.
      const seq = maxBigInt(stream.last + 1n, BigInt(nowMs) * 1000n);
      stream.last = seq;
      stream.pending.add(seq);
      taken.push([stream, seq]);
      const record = this.#record(stream, before, after, seq, nowMs, options.expiredByTtl === true);
      operations.push({ type: 'put', key: recordPrefix(stream) + record.dynamodb.SequenceNumber, value: record });
    }
    const settle = (committed: boolean) => {
      const touched = new Set<Stream>();
      for (const [stream, seq] of taken) {
        stream.pending.delete(seq);
        touched.add(stream);
        if (committed) stream.oldestMs ??= Math.floor(nowMs / 1000) * 1000;
      }
      for (const stream of touched) {
        for (const listener of stream.listeners) listener();
        if (committed) this.#maybeTrim(stream);
      }
    };
    return { operations, committed: () => settle(true), abandoned: () => settle(false) };
  }

  /**
   * Up to `limit` records after sequence number `after` (from the oldest kept when undefined),
   * in order; only records below every uncommitted one, so nothing is read past a gap that is
   * still being written.
   */
  async read(arn: string, after: string | undefined, limit: number): Promise<StreamRecord[]> {
    const stream = this.#byArn.get(arn);
    if (!stream || limit < 1) return [];
    const visible = stream.pending.size ? minBigInt(stream.pending) - 1n : stream.last;
    const prefix = recordPrefix(stream);
    const records: StreamRecord[] = [];
    const range = { gt: after ? prefix + after : prefix, lte: prefix + seqText(visible), limit };
    for await (const [, value] of this.dynalite.range(range)) records.push(value as StreamRecord);
    return records;
  }

  /** The sequence number of the newest committed record, if any (where LATEST starts). */
  async latest(arn: string): Promise<string | undefined> {
    const stream = this.#byArn.get(arn);
    if (!stream) return undefined;
    const visible = stream.pending.size ? minBigInt(stream.pending) - 1n : stream.last;
    const prefix = recordPrefix(stream);
    for await (const [key] of this.dynalite.range({
      gt: prefix,
      lte: prefix + seqText(visible),
      reverse: true,
      limit: 1,
    }))
      return key.slice(prefix.length);
    return undefined;
  }

  /** Calls `listener` whenever records were committed (or a write was abandoned); returns the unsubscribe. */
  subscribe(arn: string, listener: () => void): () => void {
    const stream = this.#byArn.get(arn);
    if (!stream) return () => {};
    stream.listeners.add(listener);
    return () => stream.listeners.delete(listener);
  }

  /** The stream's one shard (AWS names shards `shardId-<20 digits>-<8 hex>`). */
  shardId(arn: string): string {
    const stream = this.#byArn.get(arn);
    const created = String(stream?.createdAt ?? 0).padStart(20, '0');
    return `shardId-${created}-${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`;
  }

  /** Waits for trims in flight (close). */
  async idle(): Promise<void> {
    await Promise.all([...this.#byTable.values()].map((s) => s.trimming));
  }

  #add(info: StreamInfo): Stream {
    const stream: Stream = {
      ...info,
      last: 0n,
      pending: new Set(),
      listeners: new Set(),
      oldestMs: undefined,
      lastTrimAt: 0,
      trimming: undefined,
    };
    this.#byTable.set(info.tableName, stream);
    this.#byArn.set(info.arn, stream);
    return stream;
  }

  #record(
    stream: Stream,
    before: Item | undefined,
    after: Item | undefined,
    seq: bigint,
    nowMs: number,
    expiredByTtl: boolean,
  ): StreamRecord {
    const item = (after ?? before)!;
    const Keys = Object.fromEntries(
      stream.keySchema.map(({ AttributeName }) => [AttributeName, item[AttributeName]!]),
    ) as Item;
    const view = stream.viewType;
    const NewImage = after && (view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES') ? after : undefined;
    const OldImage = before && (view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES') ? before : undefined;
    const size = [Keys, NewImage, OldImage].reduce((n, i) => n + (i ? this.dynalite.itemSize(i) : 0), 0);
    return {
      eventID: randomUUID().replaceAll('-', ''),
      eventName: !before ? 'INSERT' : !after ? 'REMOVE' : 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: stream.arn.split(':')[3]!,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(nowMs / 1000),
        Keys,
        ...(NewImage ? { NewImage } : {}),
        ...(OldImage ? { OldImage } : {}),
        SequenceNumber: seqText(seq),
        SizeBytes: Math.max(1, size),
        StreamViewType: view,
      },
      eventSourceARN: stream.arn,
      ...(expiredByTtl ? { userIdentity: { ...TTL_IDENTITY } } : {}),
    };
  }

  /** Trims a stream when its oldest record is past retention (at most once a minute, on writes). */
  #maybeTrim(stream: Stream): void {
    const now = this.now();
    if (stream.trimming || stream.oldestMs === undefined || now - stream.oldestMs <= RETENTION_MS) return;
    if (now - stream.lastTrimAt < TRIM_EVERY_MS) return;
    stream.trimming = this.#trim(stream).finally(() => {
      stream.trimming = undefined;
    });
  }

  /** Deletes the records older than the retention period. */
  async #trim(stream: Stream): Promise<void> {
    const now = this.now();
    stream.lastTrimAt = now;
    const prefix = recordPrefix(stream);
    const deletes: BatchOperation[] = [];
    let oldest: number | undefined;
    for await (const [key, value] of this.dynalite.range({ gt: prefix, lt: `${prefix}\xff` })) {
      const createdMs = (value as StreamRecord).dynamodb.ApproximateCreationDateTime * 1000;
      if (now - createdMs <= RETENTION_MS) {
        oldest = createdMs;
        break;
      }
      deletes.push({ type: 'del', key });
    }
    if (deletes.length) await this.dynalite.batch(deletes);
    stream.oldestMs = oldest;
  }
}

const recordPrefix = (s: { tableName: string; label: string }) => `${RECORDS_PREFIX}${s.tableName}~${s.label}~`;

function newStream(
  table: { TableName: string; TableArn: string; KeySchema: Array<{ AttributeName: string; KeyType: string }> },
  viewType: StreamViewType,
  nowMs: number,
): StreamInfo {
  // AWS labels a stream with its creation time, ISO 8601 without the zone (e.g. 2019-11-14T00:04:06.388).
  const label = new Date(nowMs).toISOString().slice(0, -1);
  return {
    tableName: table.TableName,
    arn: `${table.TableArn}/stream/${label}`,
    label,
    viewType,
    createdAt: nowMs,
    keySchema: table.KeySchema.map(({ AttributeName, KeyType }) => ({ AttributeName, KeyType })),
  };
}

function checkViewType(value: unknown): StreamViewType {
  if (typeof value === 'string' && VIEW_TYPES.includes(value)) return value as StreamViewType;
  if (value == null) throw validationError('Stream StreamViewType is required when StreamEnabled is true');
  throw validationError(
    `1 validation error detected: Value '${String(value)}' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]`,
  );
}

/** Whether a write leaves the item as it was (then DynamoDB writes no stream record). */
function sameItem(a: Item | undefined, b: Item | undefined): boolean {
  if (!a || !b) return a === b;
  return canonical(a) === canonical(b);
}

/** JSON with attribute names sorted and set members sorted (sets have no order). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([k, v]) => {
        const isSet = (k === 'SS' || k === 'NS' || k === 'BS') && Array.isArray(v);
        return `${JSON.stringify(k)}:${isSet ? JSON.stringify([...(v as string[])].sort()) : canonical(v)}`;
      });
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const maxBigInt = (a: bigint, b: bigint) => (a > b ? a : b);
function minBigInt(values: Iterable<bigint>): bigint {
  let min: bigint | undefined;
  for (const v of values) if (min === undefined || v < min) min = v;
  return min!;
}
