/**
 * Lambda event source mappings on DynamoDB streams, as Lambda runs them (see README.md here for
 * the AWS documentation each rule comes from).
 *
 * One poller per mapping reads the stream's one shard in order and invokes the function
 * synchronously with `{ Records }`, one batch at a time: up to `batchSize` records, gathering for
 * up to `maximumBatchingWindowSeconds` when fewer are there. It runs no timer while the stream has
 * nothing new: the stream wakes it when records are committed. Records that match none of the
 * `filters` are dropped without an invocation and count as processed.
 *
 * A batch that fails is retried, after a backoff, until it succeeds, has been retried
 * `maximumRetryAttempts` times, or its records are older than `maximumRecordAgeInSeconds`; then
 * the batch's description (shard, first and last sequence numbers, never the records) goes to
 * the failure destination and the poller moves on. With `bisectBatchOnFunctionError` a failing
 * batch is split in two first (splitting does not consume a retry). With
 * `reportBatchItemFailures` the function answers `{ batchItemFailures: [{ itemIdentifier }] }`:
 * the records before the lowest reported sequence number are done and only the rest is retried;
 * an empty or missing identifier fails the whole batch.
 *
 * The position (checkpoint: the last record fully dealt with) and the failure records are kept
 * in a journal in data mode, so a restart resumes right after the last record dealt with: a
 * record may be delivered again after a crash, never skipped.
 */
import { randomUUID } from 'node:crypto';
import type { StreamConsumerSpec } from '../../../shared/kit/definition';
import type { StreamRecord } from '../dynamodb/streams';
import { type CompiledPattern, compilePattern, matches } from '../eventbridge/pattern';
import { Journal } from '../journal';

/** What a mapping reads: the local DynamoDB's streams (`LocalDynamoDB.streams`). */
export interface StreamSource {
  read(streamArn: string, after: string | undefined, limit: number): Promise<StreamRecord[]>;
  latest(streamArn: string): Promise<string | undefined>;
  subscribe(streamArn: string, listener: () => void): () => void;
  shardId(streamArn: string): string;
}

/** The record Lambda sends the failure destination for a stream batch it gave up on (SQS message body). */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  /** Absent when the records aged out before any invocation. */
  responseContext?: { statusCode: number; executedVersion: '$LATEST'; functionError?: 'Unhandled' };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/** A failure record as kept locally: the message id, which mapping sent it, and the body. */
export type StreamFailure = { id: string; mapping: string } & StreamFailureRecord;

export interface MappingDefinition {
  /** Unique name (the runtime uses `<table>-<consumer id>`). */
  name: string;
  functionName: string;
  functionArn: string;
  streamArn: string;
  spec: StreamConsumerSpec;
}

export interface StreamMappingsOptions {
  source: StreamSource;
  /** Synchronous invocation (`LocalFunctions.invoke`): resolves to the function's answer, rejects with its error. */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** First retry's wait; doubling up to 64 times it. */
  retryBaseDelayMs: number;
  /** Checkpoints and failure records (data mode); undefined keeps them in memory. */
  journalFile?: string;
  now?: () => number;
}

export interface MappingCounters {
  /** Invocations (each attempt of a batch). */
  batches: number;
  /** Records the function processed successfully. */
  records: number;
  /** Records no filter matched (processed without an invocation). */
  filteredOut: number;
  /** Failed invocations that were retried (a split batch included). */
  retries: number;
  /** Batches given up on (sent to the failure destination). */
  failures: number;
}

type Stored = { checkpoint: { streamArn: string; sequence: string | undefined } } | { failure: StreamFailure };

/** Lambda's default batch size for DynamoDB streams. */
const DEFAULT_BATCH_SIZE = 100;
/** A synchronous invocation's payload is at most 6 MB; a batch is cut to fit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_BACKOFF_FACTOR = 64;

export class StreamMappings {
  readonly #mappings: StreamMapping[] = [];
  readonly #journal: Journal<Stored> | undefined;
  readonly #failures = new Map<string, StreamFailure>();
  readonly #checkpoints = new Map<string, { streamArn: string; sequence: string | undefined }>();

  constructor(private readonly options: StreamMappingsOptions) {
    if (options.journalFile) {
      this.#journal = new Journal<Stored>(options.journalFile);
      for (const [key, value] of this.#journal.entries()) {
        if ('failure' in value) this.#failures.set(value.failure.id, value.failure);
        else this.#checkpoints.set(key.slice(2), value.checkpoint);
      }
    }
  }

  /** Adds a mapping; `start` starts its poller. */
  add(definition: MappingDefinition): void {
    this.#mappings.push(
      new StreamMapping(definition, this.options, {
        checkpoint: this.#checkpoints.get(definition.name),
        saveCheckpoint: (sequence) => {
          const value = { streamArn: definition.streamArn, sequence };
          this.#checkpoints.set(definition.name, value);
          // Not synced: losing it only delivers records again (at least once, as on AWS).
          this.#journal?.put([[`c:${definition.name}`, { checkpoint: value }]], { sync: false });
        },
        fail: (failure) => {
          this.#failures.set(failure.id, failure);
          // On disk before the checkpoint moves past the batch.
          this.#journal?.put([[`f:${failure.id}`, { failure }]], { sync: true });
        },
      }),
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.#mappings.map((m) => m.start()));
  }

  /** Resolves once every mapping has read all there is and nothing is being invoked or retried. */
  async drain(): Promise<void> {
    for (;;) {
      await Promise.all(this.#mappings.map((m) => m.whenIdle()));
      // A consumer may have written to a table another mapping reads: idle means all idle at once.
      if (this.#mappings.every((m) => m.idle)) return;
    }
  }

  /** The failure destination's records, oldest first; optionally of one mapping. */
  failures(mapping?: string): StreamFailure[] {
    return [...this.#failures.values()].filter((f) => mapping === undefined || f.mapping === mapping);
  }

  /** Per-mapping counters, by mapping name. */
  metrics(): Record<string, MappingCounters & { functionName: string }> {
    return Object.fromEntries(
      this.#mappings.map((m) => [m.definition.name, { functionName: m.definition.functionName, ...m.counters }]),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#mappings.map((m) => m.stop()));
    this.#journal?.close();
  }
}

interface MappingState {
  checkpoint: { streamArn: string; sequence: string | undefined } | undefined;
  saveCheckpoint(sequence: string | undefined): void;
  fail(failure: StreamFailure): void;
}

/** Why an invocation did not succeed, and from which record of the batch on. */
type Outcome =
  | { ok: true }
  | {
      ok: false;
      failedFrom: number;
      partial: boolean;
      throttled: boolean;
      error: { errorType: string; errorMessage: string };
    };

class StreamMapping {
  readonly counters: MappingCounters = { batches: 0, records: 0, filteredOut: 0, retries: 0, failures: 0 };
  readonly #filters: CompiledPattern[] | undefined;
  readonly #batchSize: number;
  #checkpoint: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  /** Records were committed since the poller last read. */
  #dirty = true;
  #sleeping = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #idleWaiters: Array<() => void> = [];

  constructor(
    readonly definition: MappingDefinition,
    private readonly options: StreamMappingsOptions,
    private readonly state: MappingState,
  ) {
    const { filters, batchSize } = definition.spec;
    this.#filters = filters?.length ? filters.map((f) => compilePattern(JSON.stringify(f))) : undefined;
    this.#batchSize = batchSize ?? DEFAULT_BATCH_SIZE;
  }

  /** Caught up and waiting for records (a stopped mapping counts as idle: it will do nothing more). */
  get idle(): boolean {
    return this.#stopped || (this.#sleeping && !this.#dirty);
  }

  async start(): Promise<void> {
    const { streamArn, spec } = this.definition;
    const saved = this.state.checkpoint;
    // A checkpoint on another stream (the table was replaced) does not apply: start as a new mapping.
    if (saved?.streamArn === streamArn) this.#checkpoint = saved.sequence;
    else {
      this.#checkpoint = spec.startingPosition === 'LATEST' ? await this.options.source.latest(streamArn) : undefined;
      this.state.saveCheckpoint(this.#checkpoint);
    }
    this.#unsubscribe = this.options.source.subscribe(streamArn, () => {
      this.#dirty = true;
      this.#wake?.();
    });
    this.#loop = this.#run();
  }

  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#wake?.();
    await this.#loop;
    this.#releaseIdleWaiters();
  }

  /** Polls until stopped; a fault reading the stream (not the function's errors) is logged and retried. */
  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#poll();
      } catch (err) {
        if (this.#stopped) return;
        console.error(`event source mapping ${this.definition.name} failed to read its stream; retrying`, err);
        await this.#sleep(this.options.retryBaseDelayMs * MAX_BACKOFF_FACTOR, false);
      }
    }
  }

  async #poll(): Promise<void> {
    const { source } = this.options;
    const { streamArn, spec } = this.definition;
    while (!this.#stopped) {
      this.#dirty = false;
      let batch = await source.read(streamArn, this.#checkpoint, this.#batchSize);
      if (batch.length === 0) {
        if (this.#dirty) continue;
        this.#sleeping = true;
        this.#releaseIdleWaiters();
        await this.#sleep(undefined, true);
        this.#sleeping = false;
        continue;
      }
      // Batching window: wait (woken by new records) until the batch is full or the window ends.
      const windowMs = (spec.maximumBatchingWindowSeconds ?? 0) * 1000;
      const deadline = this.#now() + windowMs;
      while (windowMs > 0 && batch.length < this.#batchSize && this.#now() < deadline && !this.#stopped) {
        if (!this.#dirty) await this.#sleep(deadline - this.#now(), true);
        this.#dirty = false;
        batch = await source.read(streamArn, this.#checkpoint, this.#batchSize);
      }
      if (this.#stopped) return;
      await this.#process(fitPayload(batch));
    }
  }

  /** Deals with one batch read from the stream; the checkpoint ends after its last record. */
  async #process(batch: StreamRecord[]): Promise<void> {
    const { spec } = this.definition;
    const matched = this.#filters ? batch.filter((r) => this.#matches(r)) : batch;
    this.counters.filteredOut += batch.length - matched.length;
    const queue: StreamRecord[][] = matched.length ? [matched] : [];
    let attempts = 0;
    let invokes = 0;
    let lastOutcome: Outcome | undefined;
    const next = () => {
      queue.shift();
      attempts = 0;
      invokes = 0;
      lastOutcome = undefined;
    };
    while (queue.length > 0) {
      if (this.#stopped) return; // the checkpoint stays before what is not done
      let head = queue[0]!;
      // Records past the maximum age are not sent again (they are the oldest, so at the front).
      const aged = head.findIndex((r) => !this.#tooOld(r, spec.maximumRecordAgeInSeconds));
      const agedCount = aged === -1 ? head.length : aged;
      if (agedCount > 0) {
        this.#fail(head.slice(0, agedCount), 'RecordAgeExceeded', invokes, lastOutcome);
        head = head.slice(agedCount);
        queue[0] = head;
        if (head.length === 0) {
          next();
          continue;
        }
      }
      this.counters.batches++;
      invokes++;
      const outcome = await this.#invoke(head);
      lastOutcome = outcome;
      if (outcome.ok) {
        this.counters.records += head.length;
        this.#advance(head.at(-1)!);
        next();
        continue;
      }
      if (outcome.failedFrom > 0) {
        this.counters.records += outcome.failedFrom;
        this.#advance(head[outcome.failedFrom - 1]!);
      }
      const rest = head.slice(outcome.failedFrom);
      const split = spec.bisectBatchOnFunctionError === true && !outcome.throttled;
      if (split && outcome.failedFrom > 0) {
        // Bisected at the reported sequence number: only the rest is retried, as a new batch.
        queue[0] = rest;
        attempts = 0;
      } else if (split && rest.length > 1) {
        // Splitting does not consume the retry quota (Lambda, "Retaining discarded records").
        const half = Math.ceil(rest.length / 2);
        queue.splice(0, 1, rest.slice(0, half), rest.slice(half));
        attempts = 0;
      } else {
        queue[0] = rest;
        // A throttled invocation is retried until the records expire, without counting (as Lambda does).
        if (!outcome.throttled) attempts++;
        if (attempts > spec.maximumRetryAttempts) {
          this.#fail(rest, 'RetryAttemptsExhausted', invokes, outcome);
          next();
          continue;
        }
      }
      this.counters.retries++;
      await this.#sleep(this.#backoff(Math.max(attempts, 1)), false);
    }
    // Every record of the batch is dealt with (processed, filtered out or sent to the destination).
    this.#advance(batch.at(-1)!);
  }

  async #invoke(records: StreamRecord[]): Promise<Outcome> {
    const { functionName, spec } = this.definition;
    let response: unknown;
    try {
      response = await this.options.invoke(functionName, { Records: records });
    } catch (err) {
      const e = err as Error;
      const throttled = e?.name === 'TooManyRequestsException';
      return { ok: false, failedFrom: 0, partial: false, throttled, error: errorOf(e) };
    }
    if (!spec.reportBatchItemFailures) return { ok: true };
    return batchItemFailures(response, records);
  }

  #matches(record: StreamRecord): boolean {
    const json = JSON.stringify(record);
    return this.#filters!.some((f) => matches(f, json));
  }

  #tooOld(record: StreamRecord, maxAgeSeconds: number): boolean {
    return this.#now() - record.dynamodb.ApproximateCreationDateTime * 1000 > maxAgeSeconds * 1000;
  }

  #advance(record: StreamRecord): void {
    const sequence = record.dynamodb.SequenceNumber;
    if (this.#checkpoint !== undefined && BigInt(sequence) <= BigInt(this.#checkpoint)) return;
    this.#checkpoint = sequence;
    this.state.saveCheckpoint(sequence);
  }

  #fail(
    records: StreamRecord[],
    condition: StreamFailureRecord['requestContext']['condition'],
    invokes: number,
    outcome: Outcome | undefined,
  ): void {
    const { functionArn, streamArn, name } = this.definition;
    const first = records[0]!;
    const last = records.at(-1)!;
    const failure: StreamFailure = {
      id: randomUUID(),
      mapping: name,
      requestContext: { requestId: randomUUID(), functionArn, condition, approximateInvokeCount: invokes },
      ...(outcome && !outcome.ok
        ? {
            responseContext: {
              statusCode: 200,
              executedVersion: '$LATEST' as const,
              // A partial batch response is not a function error.
              ...(outcome.partial ? {} : { functionError: 'Unhandled' as const }),
            },
          }
        : {}),
      version: '1.0',
      timestamp: new Date(this.#now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId: this.options.source.shardId(streamArn),
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.dynamodb.ApproximateCreationDateTime),
        approximateArrivalOfLastRecord: isoSeconds(last.dynamodb.ApproximateCreationDateTime),
        batchSize: records.length,
        streamArn,
      },
    };
    this.counters.failures++;
    this.state.fail(failure);
    this.#advance(last);
  }

  #backoff(attempt: number): number {
    return this.options.retryBaseDelayMs * Math.min(2 ** (attempt - 1), MAX_BACKOFF_FACTOR);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Waits `ms` (undefined: no timer), ending early on stop and, with `untilRecords`, on new records. */
  #sleep(ms: number | undefined, untilRecords: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(0, ms));
      const wake = () => {
        if (untilRecords || this.#stopped) done();
      };
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = wake;
    }).finally(() => {
      this.#wake = undefined;
    });
  }

  #releaseIdleWaiters(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Reads a partial batch response, as Lambda does: a null or empty response or list is a success;
 * an entry without a usable `itemIdentifier` fails the whole batch; otherwise the batch failed
 * from the lowest reported sequence number on.
 */
function batchItemFailures(response: unknown, records: StreamRecord[]): Outcome {
  const whole = (errorMessage: string): Outcome => ({
    ok: false,
    failedFrom: 0,
    partial: false,
    throttled: false,
    error: { errorType: 'InvalidBatchItemFailures', errorMessage },
  });
  if (response == null || typeof response !== 'object') return { ok: true };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures == null) return { ok: true };
  if (!Array.isArray(failures)) return whole('batchItemFailures is not a list');
  if (failures.length === 0) return { ok: true };
  let lowest = records.length;
  for (const entry of failures) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return whole('an itemIdentifier is empty or missing');
    const index = records.findIndex((r) => r.dynamodb.SequenceNumber === id);
    if (index === -1) return whole(`itemIdentifier ${id} is not in the batch`);
    lowest = Math.min(lowest, index);
  }
  return {
    ok: false,
    failedFrom: lowest,
    partial: true,
    throttled: false,
    error: { errorType: 'BatchItemFailures', errorMessage: `${failures.length} records failed` },
  };
}

function errorOf(err: Error): { errorType: string; errorMessage: string } {
  return { errorType: err?.name ?? 'Error', errorMessage: err?.message ?? String(err) };
}

/** Keeps a batch within a synchronous invocation's 6 MB payload (at least one record). */
function fitPayload(batch: StreamRecord[]): StreamRecord[] {
  let size = 20;
  for (let i = 0; i < batch.length; i++) {
    size += Buffer.byteLength(JSON.stringify(batch[i])) + 1;
    if (size > MAX_PAYLOAD_BYTES && i > 0) return batch.slice(0, i);
  }
  return batch;
}

/** `2019-11-14T00:13:19Z`: the failure record's arrival times, to the second. */
const isoSeconds = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
