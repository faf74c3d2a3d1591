/**
 * Every event the bus accepted, with the rules it matched and what became of each delivery: what
 * the event console (`GET /_local/events`) and the reporting service's rebuild read.
 *
 * One append-only stream of JSON lines, of two kinds:
 * - an event record, `{"seq":N,"bus":..,"cid":..,"rules":[..],"event":{..}}`, appended (and, on
 *   disk, synced) before PutEvents answers;
 * - an outcome record, `{"ref":N,"delivery":..,"step":..,"state":..}`, appended without a sync as
 *   a delivery progresses (handed to the target, retried, dead-lettered; then the Lambda
 *   invocation's success, retries or failure). Losing one to a crash only leaves the console a
 *   step behind; the journals keep what must be redone.
 *
 * The stream is cut into segments of about `segmentBytes`. With a folder (data mode) every segment
 * is a file and nothing per event stays in memory: a sealed segment's summary (seq and time
 * ranges, the range of events its outcome records refer to) sits in a `.meta.json` beside it and
 * in memory, so memory grows by one small summary per few thousand events. Queries read segments
 * newest first, skip a segment whose text does not contain a filter's value, and parse only the
 * lines that do. Without a folder (memory mode) the segments are arrays of lines and only the
 * latest `window` events (and their outcomes) are kept.
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { EventBridgeEvent } from './put-events';

/** A rule an event matched, and the functions it targets. */
export interface MatchedRule {
  readonly rule: string;
  readonly ruleArn: string;
  readonly targets: readonly string[];
}

export interface AcceptedEvent {
  readonly bus: string;
  readonly event: EventBridgeEvent;
  readonly rules: readonly MatchedRule[];
}

/** Progress of one delivery: the bus handing the event to the target, then Lambda running it. */
export type DeliveryOutcome =
  | {
      readonly ref: number;
      readonly delivery: string;
      readonly step: 'handoff';
      readonly rule: string;
      readonly target: string;
      readonly state: 'handed' | 'retrying' | 'dead-lettered';
      /** Attempts so far, the first included. */
      readonly attempts: number;
      readonly error?: string;
      /** Lambda's request id for the asynchronous invocation, once handed. */
      readonly requestId?: string;
      readonly deadLetterId?: string;
    }
  | {
      readonly ref: number;
      readonly delivery: string;
      readonly step: 'invocation';
      readonly state: 'succeeded' | 'retrying' | 'failed';
      readonly attempts: number;
      readonly requestId: string;
      readonly error?: string;
      /** The on-failure record's id (`GET /_local/failures`). */
      readonly failureId?: string;
      readonly condition?: string;
    };

/** One delivery of an event to one target, as far as it got. */
export interface DeliveryView {
  readonly id?: string;
  readonly rule: string;
  readonly target: string;
  /** `pending` until the bus has tried to hand the event over. */
  readonly state: 'pending' | 'handed' | 'retrying' | 'dead-lettered';
  readonly attempts: number;
  readonly error?: string;
  readonly deadLetterId?: string;
  /** What the function made of it (Lambda targets are invoked asynchronously). */
  readonly invocation?: {
    readonly requestId: string;
    readonly state: 'pending' | 'succeeded' | 'retrying' | 'failed';
    readonly attempts: number;
    readonly error?: string;
    readonly failureId?: string;
    readonly condition?: string;
  };
  /** When this delivery last changed (ISO 8601). */
  readonly at?: string;
}

export interface StoredEvent {
  /** Position in the store: later events have higher numbers. */
  readonly seq: number;
  readonly bus: string;
  readonly correlationId?: string;
  readonly rules: readonly MatchedRule[];
  readonly event: EventBridgeEvent;
  readonly deliveries: DeliveryView[];
}

export interface EventFilter {
  /** Event `time` at or after this instant (ms since the epoch). */
  readonly from?: number;
  /** Event `time` at or before this instant (ms since the epoch). */
  readonly to?: number;
  readonly source?: string;
  readonly detailType?: string;
  readonly correlationId?: string;
}

export interface EventStoreOptions {
  /** Folder of segment files (data mode); without it, a bounded window stays in memory. */
  dir?: string;
  /** A segment is sealed once it holds this many bytes; default 4 MiB. */
  segmentBytes?: number;
  /** Memory mode: how many of the latest events are kept at least; default 10,000. */
  window?: number;
}

interface SegmentMeta {
  /** Seq of the segment's first event (or of the next event, while it has none). */
  first: number;
  /** Seq of its last event; `first - 1` while it has none. */
  last: number;
  events: number;
  /** Range of the events its outcome records refer to (none: `Infinity`, `-Infinity`). */
  minRef: number;
  maxRef: number;
  /** Range of its events' `time` (ms). */
  minTime: number;
  maxTime: number;
}

interface Segment {
  meta: SegmentMeta;
  bytes: number;
  /** Data mode. */
  file?: string;
  /** Data mode: the ids and correlation ids of its events, in memory while it is active... */
  keys?: KeyFilter;
  /** ...and in a file beside it once sealed, read only by a search for an id or correlation id. */
  keysFile?: string;
  /** Memory mode. */
  lines?: string[];
}

interface EventRecord {
  seq: number;
  at: string;
  bus: string;
  cid?: string;
  rules: MatchedRule[];
  event: EventBridgeEvent;
}

type OutcomeRecord = DeliveryOutcome & { at: string };

/** Marks a segment read in a scan, where an asynchronous reader gives the event loop a turn. */
const SEGMENT_READ = Symbol('segment read');
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;
const DEFAULT_WINDOW = 10_000;
const EVENT_PREFIX = '{"seq":';
const OUTCOME_REF = /^\{"ref":(\d+),/;
/** `<seq of its first event>-<segment number>.jsonl`: segments of outcomes only share the first part. */
const SEGMENT_FILE = /^(\d{15})-(\d{9})\.jsonl$/;

export class EventStore {
  private readonly segments: Segment[] = [];
  private fd: number | undefined;
  private nextSeq = 1;
  private closed = false;
  private readonly segmentBytes: number;
  private readonly window: number;
  /** The fdatasync running, and the one queued after it for writes it may have missed (group commit). */
  private syncing: Promise<void> | undefined;
  private syncAgain: Promise<void> | undefined;
  /** Number of the latest segment file. */
  private segmentNumber = 0;

  constructor(private readonly options: EventStoreOptions = {}) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.window = options.window ?? DEFAULT_WINDOW;
    if (options.dir) this.open(options.dir);
    else this.segments.push(newSegment(this.nextSeq, {}));
  }

  /**
   * Appends accepted events (one write) and returns their seqs; in data mode they are on disk once
   * `durable()` resolves, which PutEvents awaits before it answers.
   */
  append(accepted: readonly AcceptedEvent[]): number[] {
    if (accepted.length === 0 || this.closed) return [];
    const seqs: number[] = [];
    const lines: string[] = [];
    const segment = this.active();
    const at = new Date().toISOString();
    for (const { bus, event, rules } of accepted) {
      const seq = this.nextSeq++;
      seqs.push(seq);
      const cid = correlationIdOf(event);
      segment.keys?.add(`i:${event.id}`);
      if (cid !== undefined) segment.keys?.add(`c:${cid}`);
      const record: EventRecord = { seq, at, bus, ...(cid === undefined ? {} : { cid }), rules: [...rules], event };
      lines.push(JSON.stringify(record));
      const meta = segment.meta;
      if (meta.events === 0) meta.first = seq;
      meta.last = seq;
      meta.events++;
      const time = Date.parse(event.time);
      meta.minTime = Math.min(meta.minTime, time);
      meta.maxTime = Math.max(meta.maxTime, time);
    }
    this.write(segment, lines);
    return seqs;
  }

  /**
   * Resolves once everything appended so far is on disk. The fdatasync runs off the main thread,
   * and callers that arrive while one runs share the next one (group commit), so concurrent
   * PutEvents calls cost one sync between them and the endpoint keeps serving meanwhile.
   */
  durable(): Promise<void> {
    if (this.fd === undefined || this.closed) return Promise.resolve();
    if (!this.syncing) {
      const fd = this.fd;
      this.syncing = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      this.syncing = this.syncing.finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    // Written while a sync runs, perhaps after it started: one more sync, after it, covers them all.
    this.syncAgain ??= this.syncing.then(
      () => this.again(),
      () => this.again(),
    );
    return this.syncAgain;
  }

  /** Records a delivery's progress (not synced: losing it only leaves the view a step behind). */
  outcome(outcome: DeliveryOutcome): void {
    if (this.closed) return;
    const segment = this.active();
    const record: OutcomeRecord = { ...outcome, at: new Date().toISOString() };
    segment.meta.minRef = Math.min(segment.meta.minRef, outcome.ref);
    segment.meta.maxRef = Math.max(segment.meta.maxRef, outcome.ref);
    this.write(segment, [JSON.stringify(record)]);
  }

  /**
   * Events matching the filter, newest first, with their deliveries; `before` continues after a
   * previous page (the seq of its last item). `next` is set when the page is full.
   */
  async page(filter: EventFilter, limit: number, before?: number): Promise<{ items: StoredEvent[]; next?: number }> {
    const reader = new Reader(this);
    const records: EventRecord[] = [];
    for (const record of reader.newestFirst(filter, before)) {
      // The endpoint serves every function: a long search lets it work between segments.
      if (record === SEGMENT_READ) {
        await nextTurn();
        continue;
      }
      records.push(record);
      if (records.length === limit) break;
    }
    const items = reader.withDeliveries(records);
    const last = items.at(-1);
    return { items, ...(items.length === limit && last ? { next: last.seq } : {}) };
  }

  /** The latest events, newest first, without their deliveries (fresh copies). */
  latest(limit: number): EventBridgeEvent[] {
    const events: EventBridgeEvent[] = [];
    if (limit < 1) return events;
    for (const record of new Reader(this).newestFirst({})) {
      if (record === SEGMENT_READ) continue;
      events.push(record.event);
      if (events.length === limit) break;
    }
    return events;
  }

  /** One event by id, with its deliveries. */
  async get(id: string): Promise<StoredEvent | undefined> {
    const reader = new Reader(this);
    const needle = `"id":${JSON.stringify(id)}`;
    for (const segment of this.newestSegments()) {
      if (!reader.mayHoldKey(segment, `i:${id}`)) continue;
      await nextTurn();
      if (!reader.contains(segment, [needle])) continue;
      const text = reader.text(segment);
      for (const line of reverseLines(text)) {
        if (!line.startsWith(EVENT_PREFIX) || !line.includes(needle)) continue;
        const record = parse<EventRecord>(line);
        if (record?.event.id === id) return reader.withDeliveries([record])[0];
      }
    }
    return undefined;
  }

  /**
   * Events matching the filter, oldest first, without their deliveries: what a rebuild replays.
   * Reads one segment at a time, so memory holds one segment whatever the store's size.
   */
  *oldestFirst(filter: EventFilter = {}): Generator<{ seq: number; bus: string; event: EventBridgeEvent }> {
    const needles = needlesOf(filter);
    for (const segment of [...this.segments]) {
      if (!mayHold(segment.meta, filter)) continue;
      const data = readSegment(segment);
      if (!needles.every((n) => data.includes(n))) continue;
      for (const line of data.toString('utf8').split('\n')) {
        if (!line.startsWith(EVENT_PREFIX) || !needles.every((n) => line.includes(n))) continue;
        const record = parse<EventRecord>(line);
        if (record && matchesFilter(record, filter)) yield { seq: record.seq, bus: record.bus, event: record.event };
      }
    }
  }

  /**
   * Events held, segments, lines held in memory (memory mode only; data mode holds none), key
   * filters held in memory (the active segment's, in data mode) and segments read by searches.
   */
  stats(): { events: number; segments: number; linesInMemory: number; filtersInMemory: number; segmentReads: number } {
    let events = 0;
    let linesInMemory = 0;
    let filtersInMemory = 0;
    for (const s of this.segments) {
      events += s.meta.events;
      linesInMemory += s.lines?.length ?? 0;
      if (s.keys) filtersInMemory++;
    }
    return { events, segments: this.segments.length, linesInMemory, filtersInMemory, segmentReads: this.segmentReads };
  }

  /** Segments read from disk or memory by searches since start. */
  segmentReads = 0;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) this.closeAfterSync(this.fd);
    this.fd = undefined;
  }

  /** Segments, newest first (a copy, so a query is not disturbed by a segment sealed meanwhile). */
  newestSegments(): Segment[] {
    return [...this.segments].reverse();
  }

  /** Segments, oldest first. */
  oldestSegments(): Segment[] {
    return [...this.segments];
  }

  private active(): Segment {
    return this.segments.at(-1)!;
  }

  private again(): Promise<void> {
    this.syncAgain = undefined;
    return this.durable();
  }

  /** A descriptor a running fdatasync uses is closed once it has finished, never under it. */
  private closeAfterSync(fd: number): void {
    if (!this.syncing) closeSync(fd);
    else
      void this.syncing.then(
        () => closeSync(fd),
        () => closeSync(fd),
      );
  }

  private write(segment: Segment, lines: string[]): void {
    const text = `${lines.join('\n')}\n`;
    if (segment.lines) segment.lines.push(...lines);
    else if (this.fd !== undefined) writeSync(this.fd, text);
    segment.bytes += Buffer.byteLength(text);
    if (segment.bytes >= this.segmentBytes) this.seal();
  }

  /** Starts a new segment; in memory mode, drops the oldest ones beyond the window. */
  private seal(): void {
    const sealed = this.active();
    if (sealed.file && this.fd !== undefined) {
      this.writeSummary(sealed);
      // What callers of `durable()` wait for is in this file: sync it now, as the next syncs go to the new one.
      fdatasyncSync(this.fd);
      this.closeAfterSync(this.fd);
      const file = join(this.options.dir!, segmentName(this.nextSeq, ++this.segmentNumber));
      this.fd = openSync(file, 'a');
      this.segments.push(newSegment(this.nextSeq, { file }));
      return;
    }
    this.segments.push(newSegment(this.nextSeq, { lines: [] }));
    let held = this.segments.reduce((n, s) => n + s.meta.events, 0);
    while (this.segments.length > 1 && held - this.segments[0]!.meta.events >= this.window) {
      held -= this.segments.shift()!.meta.events;
    }
  }

  /**
   * Writes a sealed segment's key filter, then its summary, which vouches for both (a cache: lost
   * in a crash, the summary is worked out again from the segment, and the filter is not used).
   */
  private writeSummary(segment: Segment): void {
    if (segment.keys) {
      segment.keysFile = keysFileOf(segment.file!);
      writeFileSync(segment.keysFile, segment.keys.bits);
      segment.keys = undefined;
    }
    writeFileSync(metaFileOf(segment.file!), JSON.stringify({ ...segment.meta, bytes: segment.bytes }));
  }

  /** Reads the summaries, works out those a crash lost, and continues the last segment. */
  private open(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir)
      .filter((f) => SEGMENT_FILE.test(f))
      .sort();
    for (const [i, name] of files.entries()) {
      const file = join(dir, name);
      const isLast = i === files.length - 1;
      if (isLast) dropTornTail(file);
      const segment = (!isLast && readMeta(file)) || scanSegment(file);
      // A sealed segment whose summary was lost has no trusted filter: searches read it.
      if (!isLast) segment.keys = undefined;
      this.segments.push(segment);
      this.segmentNumber = Math.max(this.segmentNumber, Number(SEGMENT_FILE.exec(name)![2]));
      this.nextSeq = Math.max(this.nextSeq, segment.meta.last + 1, segment.meta.first);
    }
    const last = this.segments.at(-1);
    if (last && last.bytes < this.segmentBytes) {
      this.fd = openSync(last.file!, 'a');
      return;
    }
    if (last) this.writeSummary(last);
    const file = join(dir, segmentName(this.nextSeq, ++this.segmentNumber));
    this.fd = openSync(file, 'a');
    this.segments.push(newSegment(this.nextSeq, { file }));
  }
}

/** One query's reads: a segment read twice (its events, then its outcomes) is read once. */
class Reader {
  private readonly cache = new Map<Segment, { data: Buffer | string; text?: string }>();

  constructor(private readonly store: EventStore) {}

  /** Whether the segment holds every needle, tested on its bytes (most segments are never decoded). */
  contains(segment: Segment, needles: readonly string[]): boolean {
    const { data } = this.read(segment);
    return needles.every((n) => data.includes(n));
  }

  text(segment: Segment): string {
    const entry = this.read(segment);
    entry.text ??= entry.data.toString('utf8');
    return entry.text;
  }

  /** False when the segment's key filter says it holds no event with this key (`i:<id>`, `c:<correlation id>`). */
  mayHoldKey(segment: Segment, key: string): boolean {
    if (segment.keys) return segment.keys.mayHold(key);
    if (!segment.keysFile) return true;
    try {
      return new KeyFilter(readFileSync(segment.keysFile)).mayHold(key);
    } catch {
      return true; // gone or unreadable: read the segment instead
    }
  }

  private read(segment: Segment) {
    let entry = this.cache.get(segment);
    if (entry === undefined) {
      this.store.segmentReads++;
      entry = { data: readSegment(segment) };
      // Two segments at most: the scan moves on, and outcomes mostly sit near their event.
      if (this.cache.size >= 2) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(segment, entry);
    }
    return entry;
  }

  /** Matching event records, newest first, and `SEGMENT_READ` after each segment read from disk. */
  *newestFirst(filter: EventFilter, before?: number): Generator<EventRecord | typeof SEGMENT_READ> {
    const needles = needlesOf(filter);
    for (const segment of this.store.newestSegments()) {
      if (segment.meta.events === 0) continue;
      if (before !== undefined && segment.meta.first >= before) continue;
      if (!mayHold(segment.meta, filter)) continue;
      if (filter.correlationId !== undefined && !this.mayHoldKey(segment, `c:${filter.correlationId}`)) continue;
      const found = this.contains(segment, needles);
      yield SEGMENT_READ;
      if (!found) continue;
      for (const line of reverseLines(this.text(segment))) {
        if (!line.startsWith(EVENT_PREFIX) || !needles.every((n) => line.includes(n))) continue;
        const record = parse<EventRecord>(line);
        if (!record || (before !== undefined && record.seq >= before)) continue;
        if (matchesFilter(record, filter)) yield record;
      }
    }
  }

  /** Folds the outcome records of these events, read from the segments that can hold them. */
  withDeliveries(records: readonly EventRecord[]): StoredEvent[] {
    if (records.length === 0) return [];
    const wanted = new Map<number, OutcomeRecord[]>(records.map((r) => [r.seq, []]));
    const lo = Math.min(...wanted.keys());
    const hi = Math.max(...wanted.keys());
    for (const segment of this.store.oldestSegments()) {
      if (segment.meta.maxRef < lo || segment.meta.minRef > hi) continue;
      for (const line of this.text(segment).split('\n')) {
        const ref = OUTCOME_REF.exec(line);
        if (!ref) continue;
        const list = wanted.get(Number(ref[1]));
        const outcome = list && parse<OutcomeRecord>(line);
        if (outcome) list.push(outcome);
      }
    }
    return records.map((r) => ({
      seq: r.seq,
      bus: r.bus,
      ...(r.cid === undefined ? {} : { correlationId: r.cid }),
      rules: r.rules,
      event: r.event,
      deliveries: fold(r.rules, wanted.get(r.seq) ?? []),
    }));
  }
}

/** The latest state of each delivery, in the order they were first recorded; targets not yet tried are pending. */
function fold(rules: readonly MatchedRule[], outcomes: readonly OutcomeRecord[]): DeliveryView[] {
  const byId = new Map<string, DeliveryView>();
  // An invocation outcome may be recorded before its hand-off is (the hand-off is noted once Lambda answered).
  const invocations = new Map<string, OutcomeRecord & { step: 'invocation' }>();
  for (const o of outcomes) {
    if (o.step === 'invocation') {
      invocations.set(o.delivery, o);
      continue;
    }
    byId.set(o.delivery, {
      id: o.delivery,
      rule: o.rule,
      target: o.target,
      state: o.state,
      attempts: o.attempts,
      ...(o.error === undefined ? {} : { error: o.error }),
      ...(o.deadLetterId === undefined ? {} : { deadLetterId: o.deadLetterId }),
      ...(o.requestId === undefined
        ? {}
        : { invocation: { requestId: o.requestId, state: 'pending' as const, attempts: 0 } }),
      at: o.at,
    });
  }
  for (const [id, o] of invocations) {
    const delivery = byId.get(id);
    if (!delivery) continue;
    byId.set(id, {
      ...delivery,
      invocation: {
        requestId: o.requestId,
        state: o.state,
        attempts: o.attempts,
        ...(o.error === undefined ? {} : { error: o.error }),
        ...(o.failureId === undefined ? {} : { failureId: o.failureId }),
        ...(o.condition === undefined ? {} : { condition: o.condition }),
      },
      at: o.at > (delivery.at ?? '') ? o.at : delivery.at,
    });
  }
  const views = [...byId.values()];
  for (const rule of rules) {
    for (const target of rule.targets) {
      if (!views.some((v) => v.rule === rule.rule && v.target === target)) {
        views.push({ rule: rule.rule, target, state: 'pending', attempts: 0 });
      }
    }
  }
  return views;
}

/** The platform's events carry `detail.metadata.correlationId` (ARCHITECTURE.md §6). */
function correlationIdOf(event: EventBridgeEvent): string | undefined {
  const metadata = event.detail?.metadata;
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const cid = (metadata as Record<string, unknown>).correlationId;
  return typeof cid === 'string' ? cid : undefined;
}

/** Text each matching event line must contain (as JSON writes it): cheap to test before parsing. */
function needlesOf(filter: EventFilter): string[] {
  const needles: string[] = [];
  if (filter.source !== undefined) needles.push(`"source":${JSON.stringify(filter.source)}`);
  if (filter.detailType !== undefined) needles.push(`"detail-type":${JSON.stringify(filter.detailType)}`);
  if (filter.correlationId !== undefined) needles.push(`"cid":${JSON.stringify(filter.correlationId)}`);
  return needles;
}

function mayHold(meta: SegmentMeta, filter: EventFilter): boolean {
  if (meta.events === 0) return false;
  if (filter.from !== undefined && meta.maxTime < filter.from) return false;
  if (filter.to !== undefined && meta.minTime > filter.to) return false;
  return true;
}

function matchesFilter(record: EventRecord, filter: EventFilter): boolean {
  const { event } = record;
  if (filter.source !== undefined && event.source !== filter.source) return false;
  if (filter.detailType !== undefined && event['detail-type'] !== filter.detailType) return false;
  if (filter.correlationId !== undefined && record.cid !== filter.correlationId) return false;
  const time = filter.from === undefined && filter.to === undefined ? 0 : Date.parse(event.time);
  if (filter.from !== undefined && time < filter.from) return false;
  if (filter.to !== undefined && time > filter.to) return false;
  return true;
}

/** A file segment's bytes (searched as bytes, decoded only if they hold what is sought), or a memory segment's text. */
function readSegment(segment: Segment): Buffer | string {
  if (segment.lines) return segment.lines.length === 0 ? '' : `${segment.lines.join('\n')}\n`;
  // Only what was written as whole lines: the active segment may grow while a query runs.
  const buffer = readFileSync(segment.file!);
  return buffer.subarray(0, Math.min(buffer.length, segment.bytes));
}

function* reverseLines(text: string): Generator<string> {
  let end = text.length;
  if (text.endsWith('\n')) end--;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    yield text.slice(start, end);
    end = start - 1;
  }
}

function parse<T>(line: string): T | undefined {
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined; // a torn line: the write it belonged to never returned
  }
}

function newSegment(first: number, where: { file?: string; lines?: string[] }): Segment {
  return {
    meta: {
      first,
      last: first - 1,
      events: 0,
      minRef: Number.POSITIVE_INFINITY,
      maxRef: Number.NEGATIVE_INFINITY,
      minTime: Number.POSITIVE_INFINITY,
      maxTime: Number.NEGATIVE_INFINITY,
    },
    bytes: 0,
    ...(where.file ? { file: where.file, keys: new KeyFilter() } : { lines: where.lines ?? [] }),
  };
}

/** Bits of a segment's key filter (16 KiB): about 2% false positives at 16,000 keys (8,000 events). */
const FILTER_BITS = 1 << 17;
const FILTER_HASHES = 5;

/**
 * A Bloom filter of a segment's event ids and correlation ids, so that looking one up reads 16 KiB
 * per segment instead of 4 MiB. A false positive only costs reading the segment.
 */
class KeyFilter {
  constructor(readonly bits: Uint8Array = new Uint8Array(FILTER_BITS / 8)) {}

  add(key: string): void {
    const [h1, h2] = hashes(key);
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + i * h2) % FILTER_BITS;
      this.bits[bit >>> 3]! |= 1 << (bit & 7);
    }
  }

  mayHold(key: string): boolean {
    if (this.bits.length !== FILTER_BITS / 8) return true;
    const [h1, h2] = hashes(key);
    for (let i = 0; i < FILTER_HASHES; i++) {
      const bit = (h1 + i * h2) % FILTER_BITS;
      if ((this.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

/** Two FNV-1a hashes with different offsets, for double hashing. */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return [a >>> 0, (b | 1) >>> 0];
}

const segmentName = (first: number, n: number) =>
  `${String(first).padStart(15, '0')}-${String(n).padStart(9, '0')}.jsonl`;
const metaFileOf = (file: string) => file.replace(/\.jsonl$/, '.meta.json');
const keysFileOf = (file: string) => file.replace(/\.jsonl$/, '.keys');

/** A sealed segment's summary, if it was written whole and matches the segment's size. */
function readMeta(file: string): Segment | undefined {
  const metaFile = metaFileOf(file);
  if (!existsSync(metaFile)) return undefined;
  const meta = parse<SegmentMeta & { bytes?: number }>(readFileSync(metaFile, 'utf8'));
  if (!meta || typeof meta.first !== 'number') return undefined;
  // JSON has no Infinity: a segment without outcomes or events wrote null.
  const num = (v: number | null, fallback: number) => (typeof v === 'number' ? v : fallback);
  const bytes = statSync(file).size;
  // A segment that grew after its summary was written (continued by a run with larger segments) is scanned.
  if (meta.bytes !== bytes) return undefined;
  return {
    meta: {
      first: meta.first,
      last: meta.last,
      events: meta.events,
      minRef: num(meta.minRef, Number.POSITIVE_INFINITY),
      maxRef: num(meta.maxRef, Number.NEGATIVE_INFINITY),
      minTime: num(meta.minTime, Number.POSITIVE_INFINITY),
      maxTime: num(meta.maxTime, Number.NEGATIVE_INFINITY),
    },
    bytes,
    file,
    ...(existsSync(keysFileOf(file)) ? { keysFile: keysFileOf(file) } : {}),
  };
}

/** Works a segment's summary out from its lines (the active one, or one whose summary was lost). */
function scanSegment(file: string): Segment {
  const first = Number(SEGMENT_FILE.exec(file.split('/').at(-1)!)![1]);
  const segment = newSegment(first, { file });
  const text = readFileSync(file, 'utf8');
  segment.bytes = Buffer.byteLength(text);
  const meta = segment.meta;
  for (const line of text.split('\n')) {
    if (line.startsWith(EVENT_PREFIX)) {
      const record = parse<EventRecord>(line);
      if (!record) continue;
      if (meta.events === 0) meta.first = record.seq;
      meta.last = record.seq;
      meta.events++;
      const time = Date.parse(record.event.time);
      meta.minTime = Math.min(meta.minTime, time);
      meta.maxTime = Math.max(meta.maxTime, time);
      segment.keys?.add(`i:${record.event.id}`);
      if (record.cid !== undefined) segment.keys?.add(`c:${record.cid}`);
    } else {
      const ref = OUTCOME_REF.exec(line);
      if (!ref) continue;
      meta.minRef = Math.min(meta.minRef, Number(ref[1]));
      meta.maxRef = Math.max(meta.maxRef, Number(ref[1]));
    }
  }
  return segment;
}

/** A crash mid-write leaves a line without its newline: it was never acknowledged, so it goes. */
function dropTornTail(file: string): void {
  const buffer = readFileSync(file);
  if (buffer.length === 0 || buffer[buffer.length - 1] === 0x0a) return;
  const keep = buffer.lastIndexOf(0x0a) + 1;
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, keep);
  } finally {
    closeSync(fd);
  }
}
