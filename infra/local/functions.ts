import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import {
  type AsyncFailure,
  AsyncInvocations,
  type AsyncSettled,
  EventExpiredError,
  type StoredInvocation,
} from './async-invoke';
import { AwsError } from './aws-service';
import { Journal } from './journal';

/**
 * Local Lambda (ADR 22): a function has instances, each one worker thread with exactly the
 * environment the deployment gives the function (plus what the Lambda runtime sets) and its own
 * access key id, so every AWS call it makes can be attributed to it. As on Lambda, an instance
 * serves one invocation at a time, starts on first use (its import is the cold start) and is
 * stopped once idle; module-scope state is per instance. Like the deployment, a function runs
 * from an esbuild bundle of its entry (ESM, AWS SDK left to the runtime: here the project's own).
 */
export interface LocalFunctionSpec {
  service: string;
  fnId: string;
  functionName: string;
  functionArn: string;
  entry: string;
  environment: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
  /** Lambda's retries of an asynchronous invocation (the function's EventInvokeConfig). */
  asyncInvoke?: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  /** Reserved concurrency: at most this many instances, and synchronous calls beyond it are throttled. */
  reservedConcurrency?: number;
  /** X-Ray mode: active functions get a fresh trace id per invocation (`_X_AMZN_TRACE_ID`), as on Lambda. */
  tracing?: 'active' | 'pass-through';
}

export interface LocalFunctionsOptions {
  /** Journal of queued asynchronous invocations and on-failure records (data mode); else in memory. */
  asyncJournalFile?: string;
  /** Wait before the first retry of a failed asynchronous invocation, doubling after; default 60,000 (Lambda's). */
  asyncRetryBaseDelayMs?: number;
  /**
   * Instances a function without reserved concurrency may run at once (default `ITSM_MAX_INSTANCES`,
   * else 2): a local resource bound, not an AWS one, so calls beyond it wait instead of failing.
   */
  maxInstances?: number;
  /** An instance idle this long is stopped (default `ITSM_INSTANCE_IDLE_MS`, else 60,000). */
  idleMs?: number;
  /** Told after each asynchronous attempt, with the tag given to `invokeAsync`. */
  onAsyncSettled?: (settled: AsyncSettled) => void;
}

/** Lambda's defaults for a function without an asynchronous invocation config. */
const LAMBDA_ASYNC_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };
const DEFAULT_MAX_INSTANCES = 2;
/** Lambda keeps an idle execution environment for minutes; locally a minute is enough to stay warm between clicks. */
const DEFAULT_IDLE_MS = 60_000;
/** Init durations kept per function for `stats()` (the most recent). */
const KEPT_INIT_DURATIONS = 100;

/** An error thrown by a handler, with its class name kept (Step Functions Catch and EventBridge retries use it). */
export class FunctionError extends Error {
  constructor(
    name: string,
    message: string,
    readonly remoteStack: string,
  ) {
    super(message);
    this.name = name;
  }
}

/**
 * What Lambda's Invoke answers when a function's reserved concurrency is in use: HTTP 429 with
 * `{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`
 * (Lambda API reference, Invoke errors; ThrottleReason). Step Functions reports it as
 * `Lambda.TooManyRequestsException`; API Gateway as a 500.
 */
export class TooManyRequestsException extends AwsError {
  readonly Reason = 'ReservedFunctionConcurrentInvocationLimitExceeded';
  readonly Type = 'User';
  constructor() {
    super('TooManyRequestsException', 'Rate Exceeded.', 429);
  }
}

/** A call that cannot run because the runtime is closing (Lambda's side, not the function's). */
const shuttingDown = () => new AwsError('ServiceException', 'Lambda is shutting down', 500);

const BOOTSTRAP = fileURLToPath(new URL('./worker-bootstrap.mjs', import.meta.url));
/** Bundles live under the project's node_modules so that `@aws-sdk/*` resolves as on Lambda. */
const BUNDLE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/itsm-functions/', import.meta.url));

/**
 * The esbuild executable. The bundler runs as a child process per build and exits with it, so no
 * bundler stays alive after bundling (esbuild's JS API keeps a service process of 80-170 MB, shared
 * with every other esbuild user in the process, tsx included, so stopping it is not ours to do).
 * npm installs the native binary there; where it could not, the file is a Node script.
 */
const ESBUILD = createRequire(import.meta.url).resolve('esbuild/bin/esbuild');
let esbuildCommand: [string, string[]] | undefined;
function esbuild(): [string, string[]] {
  if (!esbuildCommand) {
    const head = Buffer.alloc(2);
    const fd = openSync(ESBUILD, 'r');
    readSync(fd, head, 0, 2, 0);
    closeSync(fd);
    esbuildCommand = head.toString() === '#!' ? [process.execPath, [ESBUILD]] : [ESBUILD, []];
  }
  return esbuildCommand;
}

/** Bundles a function entry the way the CDK stack does (see infra/aws/function.ts). */
const BUNDLE_ARGS = [
  '--bundle',
  '--platform=node',
  '--target=node22',
  '--format=esm',
  '--main-fields=module,main',
  '--external:@aws-sdk/*',
  '--sourcemap=inline',
  "--banner:js=import { createRequire as __itsmCreateRequire } from 'node:module'; const require = __itsmCreateRequire(import.meta.url);",
  '--log-level=error',
];

function esbuildRun(entry: string, outfile: string, metafile: string): Promise<void> {
  const [command, prefix] = esbuild();
  const args = [...prefix, entry, `--outfile=${outfile}`, `--metafile=${metafile}`, ...BUNDLE_ARGS];
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`esbuild could not bundle ${entry}: ${stderr || err.message}`));
      else resolve();
    });
  });
}

/**
 * Bundles already built, kept across runtimes (every test file starts one): per entry, the files
 * esbuild read for it with a digest of each, and the bundle they gave. A bundle is reused only
 * while every one of those files has the same contents, as CDK reuses an asset whose hash is
 * unchanged; any change (or an unreadable file) builds again.
 */
const BUNDLE_CACHE = join(BUNDLE_ROOT, 'built');
const ESBUILD_VERSION = (createRequire(import.meta.url)('esbuild/package.json') as { version: string }).version;

/** How many bundles were built and how many reused since the process started (tests). */
export const bundleCounts = { built: 0, reused: 0 };

const digest = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

interface BuiltBundle {
  /** Absolute path of every file esbuild read, with the digest of its contents. */
  inputs: Record<string, string>;
  /** The bundle's file in the cache (named by its own digest, so never rewritten). */
  file: string;
}

export async function bundleFunction(entry: string, outfile: string): Promise<void> {
  const key = digest(`${ESBUILD_VERSION}\0${resolve(entry)}\0${BUNDLE_ARGS.join('\0')}`).slice(0, 32);
  const manifest = join(BUNDLE_CACHE, `${key}.json`);
  try {
    const built = JSON.parse(readFileSync(manifest, 'utf8')) as BuiltBundle;
    if (Object.entries(built.inputs).every(([file, sum]) => digest(readFileSync(file)) === sum)) {
      copyFileSync(join(BUNDLE_CACHE, built.file), outfile);
      bundleCounts.reused++;
      return;
    }
  } catch {
    // Not built yet, or a file it read is gone: build.
  }
  const metafile = `${outfile}.meta.json`;
  await esbuildRun(entry, outfile, metafile);
  bundleCounts.built++;
  try {
    // esbuild names inputs relative to its working directory (ours).
    const meta = JSON.parse(readFileSync(metafile, 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.fromEntries(
      Object.keys(meta.inputs).map((input) => {
        const file = resolve(input);
        return [file, digest(readFileSync(file))];
      }),
    );
    const bundle = readFileSync(outfile);
    const file = `${digest(bundle).slice(0, 32)}.mjs`;
    mkdirSync(BUNDLE_CACHE, { recursive: true });
    // Written under a unique name, then renamed: runtimes in other processes read these at any time.
    const tmp = (name: string) =>
      join(BUNDLE_CACHE, `${name}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const bundleTmp = tmp(file);
    writeFileSync(bundleTmp, bundle);
    renameSync(bundleTmp, join(BUNDLE_CACHE, file));
    const manifestTmp = tmp(`${key}.json`);
    writeFileSync(manifestTmp, JSON.stringify({ inputs, file } satisfies BuiltBundle));
    let previous: string | undefined;
    try {
      previous = (JSON.parse(readFileSync(manifest, 'utf8')) as BuiltBundle).file;
    } catch {
      // The first build of this entry.
    }
    renameSync(manifestTmp, manifest);
    // The bundle of the files as they were: nothing refers to it any more (a runtime copying it
    // right now fails over to building).
    if (previous && previous !== file) rmSync(join(BUNDLE_CACHE, previous), { force: true });
  } catch {
    // Only a speed-up (an input esbuild did not read from disk, a full disk): the next start builds again.
  } finally {
    rmSync(metafile, { force: true });
  }
}

/** Starts the worker thread of one instance (the one place a worker is created). */
function startWorker(
  env: Record<string, string>,
  workerData: Record<string, unknown>,
  transport?: MessagePort,
): Worker {
  return new Worker(BOOTSTRAP, {
    env,
    execArgv: ['--enable-source-maps'],
    workerData: { ...workerData, transport },
    transferList: transport ? [transport] : [],
    stdout: true,
    stderr: true,
  });
}

type WorkerMessage =
  | { type: 'ready'; initMs: number; envReads?: string[] }
  | {
      type: 'result';
      result?: unknown;
      error?: { name: string; message: string; stack: string };
      envReads?: string[];
    };

/** One execution environment: a worker thread that serves one invocation at a time. */
class Instance {
  private worker?: Worker;
  /** Resolves once the bundle is imported (the cold start is over). */
  readonly ready: Promise<void>;
  private current?: { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
  private idleTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly fn: LocalFunction,
    env: Record<string, string>,
  ) {
    this.ready = this.launch(env);
    // A failed start (bundle, import) is reported to the call that waits for it; the instance leaves the pool.
    this.ready.catch(() => this.end());
  }

  private async launch(env: Record<string, string>): Promise<void> {
    const bundlePath = await this.fn.bundle();
    if (this.stopped) throw shuttingDown();
    const { spec } = this.fn;
    const worker = startWorker(
      env,
      {
        bundle: bundlePath,
        functionName: spec.functionName,
        functionArn: spec.functionArn,
        memoryMb: spec.memoryMb,
        timeoutMs: spec.timeoutSeconds * 1000,
        tracing: spec.tracing ?? 'active',
      },
      this.fn.channel(),
    );
    this.worker = worker;
    // What the function writes is its CloudWatch Logs ingestion on AWS: count it, then pass it on.
    worker.stdout.on('data', (chunk: Buffer) => {
      this.fn.logBytes += chunk.length;
      process.stdout.write(chunk);
    });
    worker.stderr.on('data', (chunk: Buffer) => {
      this.fn.logBytes += chunk.length;
      process.stderr.write(chunk);
    });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.envReads) this.fn.recordEnvironmentReads(msg.envReads);
        if (msg.type === 'ready') {
          this.fn.recordColdStart(msg.initMs);
          resolve();
          return;
        }
        const call = this.current;
        if (!call) return;
        this.current = undefined;
        clearTimeout(call.timer);
        if (msg.error) call.reject(new FunctionError(msg.error.name, msg.error.message, msg.error.stack));
        else call.resolve(msg.result);
      });
      // An uncaught error (also at import) or an exit ends the environment, as on Lambda.
      const end = (err: Error) => {
        // Stopped while importing: the call waiting for the instance must not hang.
        reject(this.stopped ? shuttingDown() : err);
        if (this.stopped) return;
        void this.stop(err); // the running call, if any, fails with the error
        this.fn.remove(this);
      };
      worker.on('error', end);
      worker.on('exit', (code) =>
        end(new FunctionError('Runtime.ExitError', `Runtime exited with error: exit status ${code}`, '')),
      );
    });
  }

  /** Runs one invocation; the pool never calls it while another is running. */
  async run(event: unknown, clock: number | undefined): Promise<unknown> {
    await this.ready;
    if (this.stopped || !this.worker) throw shuttingDown();
    const { timeoutSeconds } = this.fn.spec;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.current = undefined;
        reject(new FunctionError('Sandbox.Timedout', `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`, ''));
        // Lambda resets the environment after a timeout: the handler may still be running in it.
        this.end();
      }, timeoutSeconds * 1000);
      this.current = { resolve, reject, timer };
      this.worker!.postMessage({ event, clock });
    });
  }

  /** Stops the instance once it has been idle for `idleMs`. */
  idle(idleMs: number, reap: () => void): void {
    this.idleTimer = setTimeout(reap, idleMs);
    // Reaping is not work that should keep a process alive.
    this.idleTimer.unref();
  }

  busy(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Stops the worker; a call still running rejects with `reason`. */
  stop(reason: Error = shuttingDown()): Promise<void> {
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.reject(reason);
      this.current = undefined;
    }
    this.busy();
    this.stopped = true;
    const w = this.worker;
    this.worker = undefined;
    return w ? w.terminate().then(() => undefined) : Promise.resolve();
  }

  /** The environment ended by itself (crash, exit, timeout): leave the pool and stop. */
  private end(): void {
    if (this.stopped) return;
    void this.stop();
    this.fn.remove(this);
  }
}

interface Waiter {
  resolve: (instance: Instance) => void;
  reject: (err: Error) => void;
  /** An asynchronous invocation's maximum age (ms since epoch): past it, Lambda drops the event. */
  deadline?: number;
}

/** One function: its spec, its instances (at most `limit`), the calls waiting for one, and its meters. */
class LocalFunction {
  private readonly instances = new Set<Instance>();
  /** Warm instances, most recently used last. */
  private readonly idle: Instance[] = [];
  private readonly waiters: Waiter[] = [];
  private bundling?: Promise<string>;
  private readonly envReads = new Set<string>();
  private closed = false;
  readonly initMs: number[] = [];
  coldStarts = 0;
  invocations = 0;
  throttles = 0;
  /** Wall time spent in invocations (what Lambda bills as duration, measured here). */
  busyMs = 0;
  /** Bytes written to stdout and stderr (CloudWatch Logs ingestion on AWS). */
  logBytes = 0;

  constructor(
    readonly spec: LocalFunctionSpec,
    private readonly env: Record<string, string>,
    private readonly bundleDir: string,
    private readonly limit: number,
    private readonly idleMs: number,
    /** Opens the port an instance's SDK calls travel on (ADR 24); undefined: over HTTP. */
    readonly channel: () => MessagePort | undefined,
  ) {}

  get running(): number {
    return this.instances.size;
  }

  /** The bundle, built once per function on first use; a failed build is tried again next time. */
  bundle(): Promise<string> {
    const bundlePath = join(this.bundleDir, `${this.spec.functionName}.mjs`);
    this.bundling ??= bundleFunction(this.spec.entry, bundlePath).then(
      () => bundlePath,
      (err) => {
        this.bundling = undefined;
        throw err;
      },
    );
    return this.bundling;
  }

  /**
   * Runs one invocation on a free instance. With `throttle`, a call finding every instance busy at
   * the reserved concurrency fails as Lambda's does; otherwise it waits for one, first come first served.
   */
  async invoke(
    event: unknown,
    clock: number | undefined,
    options: { throttle: boolean; deadline?: number },
  ): Promise<unknown> {
    const instance = await this.acquire(options);
    this.invocations++;
    const t0 = performance.now();
    try {
      return await instance.run(event, clock);
    } finally {
      this.busyMs += performance.now() - t0;
      this.release(instance);
    }
  }

  private acquire(options: { throttle: boolean; deadline?: number }): Promise<Instance> {
    if (this.closed) return Promise.reject(shuttingDown());
    const warm = this.idle.pop();
    if (warm) {
      warm.busy();
      return Promise.resolve(warm);
    }
    if (this.instances.size < this.limit && this.waiters.length === 0) return Promise.resolve(this.start());
    if (options.throttle) {
      this.throttles++;
      return Promise.reject(new TooManyRequestsException());
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) });
    });
  }

  private start(): Instance {
    const instance = new Instance(this, this.env);
    this.instances.add(instance);
    return instance;
  }

  /** The next waiter still worth serving; an asynchronous event past its maximum age is dropped, as Lambda drops it. */
  private nextWaiter(): Waiter | undefined {
    for (let w = this.waiters.shift(); w; w = this.waiters.shift()) {
      if (w.deadline === undefined || Date.now() <= w.deadline) return w;
      w.reject(new EventExpiredError());
    }
    return undefined;
  }

  private release(instance: Instance): void {
    if (!this.instances.has(instance)) return; // it ended (timeout, crash) and left the pool
    const next = this.nextWaiter();
    if (next) {
      next.resolve(instance);
      return;
    }
    this.idle.push(instance);
    instance.idle(this.idleMs, () => this.reap(instance));
  }

  private reap(instance: Instance): void {
    const i = this.idle.indexOf(instance);
    if (i < 0) return;
    this.idle.splice(i, 1);
    this.instances.delete(instance);
    void instance.stop();
  }

  /** An instance ended by itself: its slot goes to the first waiter, on a new instance. */
  remove(instance: Instance): void {
    this.instances.delete(instance);
    const i = this.idle.indexOf(instance);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.closed || this.instances.size >= this.limit) return;
    this.nextWaiter()?.resolve(this.start());
  }

  recordColdStart(initMs: number): void {
    this.coldStarts++;
    this.initMs.push(initMs);
    if (this.initMs.length > KEPT_INIT_DURATIONS) this.initMs.shift();
  }

  recordEnvironmentReads(names: string[]): void {
    for (const n of names) this.envReads.add(n);
  }

  environmentReads(): string[] {
    return [...this.envReads].sort();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(shuttingDown());
    const all = [...this.instances];
    this.instances.clear();
    this.idle.length = 0;
    await Promise.all(all.map((i) => i.stop()));
  }
}

const positive = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n > 0 ? n : undefined;
};

export class LocalFunctions {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly bundleDir: string;
  private readonly async: AsyncInvocations;
  private readonly maxInstances: number;
  private readonly idleMs: number;
  /**
   * The instant functions see through the kit clock (shared/kit/clock.ts), when tests set one;
   * undefined is real time. Deployed functions always read the real clock.
   */
  clock: number | undefined;
  /** Opens the channel a starting worker sends its SDK calls on (ADR 24); unset, they go over HTTP. */
  channel?: () => MessagePort;

  constructor(
    private readonly awsEnv: Record<string, string>,
    options: LocalFunctionsOptions = {},
  ) {
    this.maxInstances = options.maxInstances ?? positive(process.env.ITSM_MAX_INSTANCES) ?? DEFAULT_MAX_INSTANCES;
    this.idleMs = options.idleMs ?? positive(process.env.ITSM_INSTANCE_IDLE_MS) ?? DEFAULT_IDLE_MS;
    mkdirSync(BUNDLE_ROOT, { recursive: true });
    this.bundleDir = mkdtempSync(BUNDLE_ROOT);
    this.async = new AsyncInvocations({
      // Lambda keeps a throttled asynchronous event in its queue and tries again (up to the
      // function's maximum event age), without using a retry attempt: here it waits for an instance.
      invoke: (name, payload, acceptedAt) => {
        const fn = this.get(name);
        const { maximumEventAgeSeconds } = fn.spec.asyncInvoke ?? LAMBDA_ASYNC_DEFAULTS;
        return fn.invoke(payload, this.clock, {
          throttle: false,
          deadline: acceptedAt + maximumEventAgeSeconds * 1000,
        });
      },
      config: (name) => {
        const spec = this.get(name).spec;
        return { functionArn: spec.functionArn, ...(spec.asyncInvoke ?? LAMBDA_ASYNC_DEFAULTS) };
      },
      retryBaseDelayMs: options.asyncRetryBaseDelayMs ?? 60_000,
      ...(options.asyncJournalFile ? { journal: new Journal<StoredInvocation>(options.asyncJournalFile) } : {}),
      ...(options.onAsyncSettled ? { onSettled: options.onAsyncSettled } : {}),
    });
  }

  add(spec: LocalFunctionSpec): void {
    const env = {
      ...spec.environment,
      ...this.awsEnv,
      AWS_ACCESS_KEY_ID: spec.functionName,
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      TZ: 'UTC',
      ...(process.env.ITSM_LOG_LEVEL ? { LOG_LEVEL: process.env.ITSM_LOG_LEVEL } : {}),
    };
    const limit = spec.reservedConcurrency ?? this.maxInstances;
    this.byName.set(
      spec.functionName,
      new LocalFunction(spec, env, this.bundleDir, limit, this.idleMs, () => this.channel?.()),
    );
  }

  /** Accepts a function name or ARN (optionally qualified), as Lambda does. */
  private get(nameOrArn: string): LocalFunction {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':')[6]! : nameOrArn;
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no local function ${nameOrArn}`);
    return fn;
  }

  /**
   * Invokes synchronously (`RequestResponse`). With every instance busy, the call waits for one;
   * a function with reserved concurrency throttles it instead (`TooManyRequestsException`), as Lambda does.
   */
  invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    try {
      const fn = this.get(nameOrArn);
      return fn.invoke(event, this.clock, { throttle: fn.spec.reservedConcurrency !== undefined });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Invokes asynchronously (`InvocationType: 'Event'`), as EventBridge does: queued (on disk in
   * data mode) and answered with the request id at once; failures are retried per the
   * function's `asyncInvoke` config, then kept as on-failure records (`asyncFailures`).
   */
  invokeAsync(nameOrArn: string, event: unknown, tag?: unknown): string {
    return this.async.enqueue(this.get(nameOrArn).spec.functionName, event, tag);
  }

  /** Invokes what a previous run queued and had not finished (call once every function is added). */
  resumeAsync(): void {
    this.async.resume();
  }

  /** Resolves once no asynchronous invocation is queued, running or waiting for a retry. */
  drainAsync(): Promise<void> {
    return this.async.drain();
  }

  /** The on-failure destination's records (SQS on AWS), oldest first; optionally of one function. */
  asyncFailures(functionName?: string): AsyncFailure[] {
    return this.async.failures(functionName);
  }

  /** Invokes a failed event again asynchronously, removing its on-failure record; throws for an unknown id. */
  redriveAsyncFailure(id: string): string {
    return this.async.redrive(id);
  }

  specs(): LocalFunctionSpec[] {
    return [...this.byName.values()].map((f) => f.spec);
  }

  /**
   * What each function has cost so far: invocations, busy time, cold starts with their init
   * durations (`initMs` the latest, `initMsRecent` up to the last 100), throttled calls, bytes
   * logged, and instances running now.
   */
  stats() {
    return [...this.byName.values()].map((f) => ({
      functionName: f.spec.functionName,
      initMs: f.initMs.at(-1),
      initMsRecent: [...f.initMs],
      coldStarts: f.coldStarts,
      instances: f.running,
      invocations: f.invocations,
      throttles: f.throttles,
      busyMs: Math.round(f.busyMs),
      logBytes: f.logBytes,
      memoryMb: f.spec.memoryMb,
    }));
  }

  /** Environment variable names each function has read through the kit, in any instance, reaped or running. */
  async environmentReads(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const f of this.byName.values()) out.set(f.spec.functionName, f.environmentReads());
    return out;
  }

  /** Stops every instance; calls waiting or running reject with a ServiceException. */
  async close(): Promise<void> {
    this.async.close();
    await Promise.all([...this.byName.values()].map((f) => f.close()));
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}
