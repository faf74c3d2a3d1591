/**
 * A crash-safe keyed store for the local runtime's queues (the EventBridge bus's pending
 * deliveries and dead letters, Lambda's pending asynchronous invocations and on-failure records):
 * an append-only JSON-lines journal of `put` and `delete` records, like the mailbox's
 * `mail.jsonl`.
 *
 * - `put(..., { sync: true })` returns only once the record is on disk (`fdatasync`), so what a
 *   caller acknowledges after it survives `kill -9` and a power cut. Deletions and progress
 *   updates need not be synchronous: losing one only repeats work (at-least-once, as on AWS).
 * - Opening replays the file (a torn last line, from a crash mid-write, is ignored: it was never
 *   acknowledged) and compacts it: the live records are written to a temporary file, synced and
 *   renamed over the journal, so the journal never grows beyond a few times what is live.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

type JournalRecord<T> = { put: string; value: T } | { delete: string };

/** Compact once this many records were appended since the last compaction, and at least 4x what is live. */
const COMPACT_AFTER = 5_000;

export class Journal<T> {
  private readonly live = new Map<string, T>();
  private fd: number;
  private appended = 0;
  private closed = false;

  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        let record: JournalRecord<T>;
        try {
          record = JSON.parse(line) as JournalRecord<T>;
        } catch {
          continue; // a torn line: the write it belonged to never returned
        }
        if ('put' in record) this.live.set(record.put, record.value);
        else this.live.delete(record.delete);
      }
    }
    this.fd = this.compact();
  }

  /** Live records, in the order they were first put. */
  entries(): [string, T][] {
    return [...this.live.entries()];
  }

  /** Puts records (one write); with `sync`, returns once they are on disk. */
  put(records: readonly (readonly [string, T])[], options: { sync: boolean }): void {
    if (records.length === 0) return;
    for (const [id, value] of records) this.live.set(id, value);
    this.append(records.map(([id, value]) => JSON.stringify({ put: id, value })).join('\n'), options.sync);
  }

  delete(id: string): void {
    if (!this.live.delete(id)) return;
    this.append(JSON.stringify({ delete: id }), false);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private append(text: string, sync: boolean): void {
    if (this.closed) return;
    writeSync(this.fd, `${text}\n`);
    if (sync) fdatasyncSync(this.fd);
    this.appended++;
    if (this.appended > COMPACT_AFTER && this.appended > 4 * this.live.size) {
      closeSync(this.fd);
      this.fd = this.compact();
    }
  }

  /** Rewrites the journal with only the live records (temporary file, sync, rename); returns the new descriptor. */
  private compact(): number {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    const lines = [...this.live.entries()].map(([id, value]) => `${JSON.stringify({ put: id, value })}\n`);
    if (lines.length > 0) writeSync(fd, lines.join(''));
    fdatasyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.appended = 0;
    return openSync(this.file, 'a');
  }
}
