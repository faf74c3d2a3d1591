import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AwsError } from '../aws-service';
import type { Cell } from './values';

/**
 * A fresh cluster (in memory, or in a data folder with no database yet) starts from a copy of a
 * just-initialised PostgreSQL kept in the temp folder (one per PGlite version), not from initdb:
 * loading the files takes a fraction of initdb's time, and the test suite starts a query store per
 * runtime. The first in-memory cluster to initialise writes it.
 */
const PRISTINE = join(tmpdir(), `itsm-pglite-${pgliteVersion()}-pristine.tar`);

/** The installed PGlite's version (its package does not export its package.json). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
const WORKER = fileURLToPath(new URL('./pglite-worker.mjs', import.meta.url));

/** A PostgreSQL error as the worker reports it (PGlite's `DatabaseError` fields). */
export interface PgError {
  message: string;
  code?: string;
  severity?: string;
  position?: string;
}

export class PostgresError extends Error {
  constructor(readonly pg: PgError) {
    super(pg.message);
  }
}

export interface Field {
  name: string;
  dataTypeID: number;
  typeName: string;
  elementType?: string;
}
export interface Rows {
  fields: Field[];
  /** PostgreSQL's text per column; arrays come split into their elements' text by PGlite. */
  rows: Array<Array<Cell>>;
  affectedRows: number;
}
export interface Auth {
  user: string;
  password: string;
}
export interface Params {
  params: Array<string | null>;
  paramTypes: number[];
}

export interface ClusterOptions {
  name: string;
  arn: string;
  /** The one database the cluster serves (PGlite's own is `postgres`; this is the name callers use). */
  database: string;
  /** The cluster's folder (data mode); undefined keeps it in memory. */
  dataDir?: string;
  /** Idle time after which the cluster pauses (Aurora's SecondsUntilAutoPause). */
  pauseAfterMs: number;
  /** The owner's (master user's) password, read from its secret at each resume. */
  ownerPassword: () => string;
}

/**
 * One Aurora Serverless v2 cluster with MinCapacity 0, emulated by PGlite in a worker thread
 * (ADR 26). It starts paused; the first statement starts it and fails with
 * `DatabaseResumingException` until PGlite is open. After `pauseAfterMs` without a statement and
 * with no transaction open it pauses: PGlite is closed and the worker ended, which returns its
 * WebAssembly memory (in memory mode its files are kept as a tarball for the next resume).
 *
 * There is one PostgreSQL session. A transaction holds it from BeginTransaction to its end; other
 * calls wait for it, as they would wait on Aurora for the rows the transaction locks.
 */
export class Cluster {
  state: 'paused' | 'resuming' | 'available' = 'paused';
  private worker?: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private dump?: ArrayBuffer;
  private idleTimer?: NodeJS.Timeout;
  private lastUse = Date.now();
  private held = false;
  private readonly waiters: Array<() => void> = [];
  /** Open transactions: they keep the cluster from pausing. */
  openTransactions = 0;
  private closed = false;
  /** Meters: resumes, calls that reached PostgreSQL, and time running (what Aurora bills as ACU time). */
  private readonly meter = { resumes: 0, calls: 0, runningMs: 0 };
  private runningSince?: number;
  private opening?: Promise<void>;
  private pausing?: Promise<void>;

  constructor(readonly options: ClusterOptions) {}

  /**
   * Throws `DatabaseResumingException` unless PGlite is open, starting the resume if the cluster
   * is paused, as the Data API does for a paused Aurora Serverless v2 instance.
   */
  ensureAvailable(): void {
    this.lastUse = Date.now();
    if (this.state === 'available' && !this.pausing) return;
    if (this.pausing) {
      // Caught while pausing: it resumes once paused.
      void this.pausing.then(() => {
        if (this.state === 'paused' && !this.closed) this.resume();
      });
    } else if (this.state === 'paused' && !this.closed) this.resume();
    throw new AwsError(
      'DatabaseResumingException',
      // The message Aurora gives (seen in the Data API's answers; the exception's documentation says
      // "The Data API request automatically resumes the DB instance. Wait a few seconds and try again.").
      `The Aurora DB instance ${this.options.name}-writer is resuming after being auto-paused. Please wait a few seconds and try again.`,
    );
  }

  /** Starts PGlite in a new worker; the cluster is available once it answers ready. */
  private resume(): void {
    this.state = 'resuming';
    this.meter.resumes++;
    const { dataDir } = this.options;
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const dump = this.dump;
    const worker = new Worker(WORKER, {
      workerData: { dataDir, dump, ownerPassword: this.options.ownerPassword(), pristine: PRISTINE },
      transferList: dump ? [dump] : [],
    });
    this.dump = undefined;
    this.worker = worker;
    this.opening = new Promise<void>((resolve) => {
      worker.on('message', (msg: { ready?: true; id?: number; result?: unknown; error?: PgError }) => {
        if (msg.ready) {
          this.state = 'available';
          this.runningSince = Date.now();
          this.armIdle();
          resolve();
          return;
        }
        const call = this.pending.get(msg.id!);
        if (!call) return;
        this.pending.delete(msg.id!);
        if (msg.error) call.reject(new PostgresError(msg.error));
        else call.resolve(msg.result);
      });
      const gone = (err: Error) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.state = 'paused';
        this.stopMeter();
        if (!this.closed) console.error(`query store ${this.options.name}: ${err.message}`);
        for (const call of this.pending.values()) call.reject(err);
        this.pending.clear();
        resolve();
      };
      worker.on('error', gone);
      worker.on('exit', (code) => gone(new Error(`PostgreSQL stopped (worker exit ${code})`)));
    });
  }

  /** Sends one operation to PGlite (the cluster must be available). */
  call<T>(op: string, msg: Record<string, unknown> = {}): Promise<T> {
    const worker = this.worker;
    if (!worker || this.state !== 'available') {
      return Promise.reject(new AwsError('DatabaseUnavailableException', 'The writer instance is not available.', 504));
    }
    this.lastUse = Date.now();
    if (op !== 'close') this.meter.calls++;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...msg, id, op });
    });
  }

  /**
   * Takes the session, waiting up to `timeoutMs` for a transaction to release it: then the call
   * fails with `StatementTimeoutException`, as a Data API call blocked past its 45 s does.
   */
  async acquire(timeoutMs: number): Promise<() => void> {
    if (this.held) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new AwsError('StatementTimeoutException', 'Request timed out'));
        }, timeoutMs);
        this.waiters.push(wake);
      });
    }
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastUse = Date.now();
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    };
  }

  /** Pauses once idle long enough; checked on a timer that exists only while the cluster runs. */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const due = this.lastUse + this.options.pauseAfterMs - Date.now();
    this.idleTimer = setTimeout(
      () => {
        const idle = Date.now() - this.lastUse >= this.options.pauseAfterMs;
        if (this.state === 'available' && idle && !this.held && this.openTransactions === 0) {
          this.pause().catch((err: Error) => console.error(`query store ${this.options.name}: pause: ${err.message}`));
        } else if (this.state === 'available') this.armIdle();
      },
      Math.max(due, 10),
    );
    this.idleTimer.unref();
  }

  /** Closes PGlite (its files are flushed) and ends the worker, which frees its memory. */
  pause(): Promise<void> {
    this.pausing ??= this.stop().finally(() => {
      this.pausing = undefined;
    });
    return this.pausing;
  }

  private async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    if (this.state === 'resuming') await this.opening;
    if (!worker || this.state !== 'available') return;
    try {
      const out = await this.call<{ dump?: ArrayBuffer }>('close');
      if (out.dump) this.dump = out.dump;
    } finally {
      this.worker = undefined;
      this.state = 'paused';
      this.stopMeter();
      await worker.terminate();
    }
  }

  private stopMeter(): void {
    if (this.runningSince !== undefined) this.meter.runningMs += Date.now() - this.runningSince;
    this.runningSince = undefined;
  }

  /** State and meters, for `GET /_local/metrics`. */
  stats() {
    const running = this.runningSince === undefined ? 0 : Date.now() - this.runningSince;
    return { state: this.state, ...this.meter, runningMs: this.meter.runningMs + running };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pause();
  }
}
