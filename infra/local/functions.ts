import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { type AsyncFailure, AsyncInvocations, type StoredInvocation } from './async-invoke';
import { Journal } from './journal';

/**
 * Local Lambda: each function runs in its own worker thread with exactly the environment the
 * deployment gives it (plus what the Lambda runtime sets), and its own access key id, so every
 * AWS call it makes can be attributed to it. Like the deployment, a function runs from an
 * esbuild bundle of its entry (ESM, AWS SDK left to the runtime: here the project's own copy).
 * Bundles are built and workers started on first use, like a cold start.
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
}

export interface LocalFunctionsOptions {
  /** Journal of queued asynchronous invocations and on-failure records (data mode); else in memory. */
  asyncJournalFile?: string;
  /** Wait before the first retry of a failed asynchronous invocation, doubling after; default 60,000 (Lambda's). */
  asyncRetryBaseDelayMs?: number;
}

/** Lambda's defaults for a function without an asynchronous invocation config. */
const LAMBDA_ASYNC_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

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

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const BOOTSTRAP = fileURLToPath(new URL('./worker-bootstrap.mjs', import.meta.url));
/** Bundles live under the project's node_modules so that `@aws-sdk/*` resolves as on Lambda. */
const BUNDLE_ROOT = fileURLToPath(new URL('../../node_modules/.cache/itsm-functions/', import.meta.url));

/** Bundle a function entry the way the CDK stack does (see infra/aws/function.ts). */
async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    sourcemap: 'inline',
    banner: {
      js: "import { createRequire as __itsmCreateRequire } from 'node:module'; const require = __itsmCreateRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
}

class FunctionInstance {
  private worker?: Worker;
  private ready?: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  initMs?: number;
  invocations = 0;
  /** Wall time spent in invocations (what Lambda bills as duration, measured here). */
  busyMs = 0;

  constructor(
    readonly spec: LocalFunctionSpec,
    private readonly awsEnv: Record<string, string>,
    private readonly bundleDir: string,
    private readonly clock: () => number | undefined,
    private readonly channel: () => MessagePort | undefined,
  ) {}

  private start(): Promise<void> {
    this.ready ??= this.launch();
    return this.ready;
  }

  private async launch(): Promise<void> {
    const bundlePath = join(this.bundleDir, `${this.spec.functionName}.mjs`);
    await bundle(this.spec.entry, bundlePath);
    return new Promise<void>((resolve, reject) => {
      const env = {
        ...this.spec.environment,
        ...this.awsEnv,
        AWS_ACCESS_KEY_ID: this.spec.functionName,
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_LAMBDA_FUNCTION_NAME: this.spec.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.spec.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        TZ: 'UTC',
        ...(process.env.ITSM_LOG_LEVEL ? { LOG_LEVEL: process.env.ITSM_LOG_LEVEL } : {}),
      };
      const transport = this.channel();
      const worker = new Worker(BOOTSTRAP, {
        env,
        execArgv: ['--enable-source-maps'],
        workerData: {
          bundle: bundlePath,
          functionName: this.spec.functionName,
          functionArn: this.spec.functionArn,
          memoryMb: this.spec.memoryMb,
          timeoutMs: this.spec.timeoutSeconds * 1000,
          transport,
        },
        transferList: transport ? [transport] : [],
        stdout: false,
        stderr: false,
      });
      worker.on(
        'message',
        (msg: {
          type?: string;
          initMs?: number;
          id?: number;
          result?: unknown;
          error?: { name: string; message: string; stack: string };
        }) => {
          if (msg.type === 'ready') {
            this.initMs = msg.initMs;
            resolve();
            return;
          }
          const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
          if (!p) return;
          this.pending.delete(msg.id!);
          clearTimeout(p.timer);
          if (msg.error) p.reject(new FunctionError(msg.error.name, msg.error.message, msg.error.stack));
          else p.resolve(msg.result);
        },
      );
      worker.on('error', (err) => {
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.ready = undefined;
        this.worker = undefined;
      });
      worker.unref();
      this.worker = worker;
    });
  }

  private async call(message: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new FunctionError('Sandbox.Timedout', `Task timed out after ${this.spec.timeoutSeconds} seconds`, ''));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker!.postMessage({ id, ...message });
    });
  }

  async invoke(event: unknown): Promise<unknown> {
    this.invocations++;
    const t0 = performance.now();
    try {
      return await this.call({ event, clock: this.clock() }, this.spec.timeoutSeconds * 1000);
    } finally {
      this.busyMs += performance.now() - t0;
    }
  }

  async environmentReads(): Promise<string[]> {
    if (!this.worker) return [];
    return (await this.call({ type: 'env-reads' }, 5000)) as string[];
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (w) await w.terminate();
  }
}

export class LocalFunctions {
  private readonly byName = new Map<string, FunctionInstance>();
  private readonly bundleDir: string;
  private readonly async: AsyncInvocations;
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
    mkdirSync(BUNDLE_ROOT, { recursive: true });
    this.bundleDir = mkdtempSync(BUNDLE_ROOT);
    this.async = new AsyncInvocations({
      invoke: (name, payload) => this.invoke(name, payload),
      config: (name) => {
        const spec = this.get(name).spec;
        return { functionArn: spec.functionArn, ...(spec.asyncInvoke ?? LAMBDA_ASYNC_DEFAULTS) };
      },
      retryBaseDelayMs: options.asyncRetryBaseDelayMs ?? 60_000,
      ...(options.asyncJournalFile ? { journal: new Journal<StoredInvocation>(options.asyncJournalFile) } : {}),
    });
  }

  add(spec: LocalFunctionSpec): void {
    this.byName.set(
      spec.functionName,
      new FunctionInstance(
        spec,
        this.awsEnv,
        this.bundleDir,
        () => this.clock,
        () => this.channel?.(),
      ),
    );
  }

  /** Accepts a function name or ARN (optionally qualified), as Lambda does. */
  private get(nameOrArn: string): FunctionInstance {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':')[6]! : nameOrArn;
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no local function ${nameOrArn}`);
    return fn;
  }

  invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    return this.get(nameOrArn).invoke(event);
  }

  /**
   * Invokes asynchronously (`InvocationType: 'Event'`), as EventBridge does: queued (on disk in
   * data mode) and answered with the request id at once; failures are retried per the
   * function's `asyncInvoke` config, then kept as on-failure records (`asyncFailures`).
   */
  invokeAsync(nameOrArn: string, event: unknown): string {
    return this.async.enqueue(this.get(nameOrArn).spec.functionName, event);
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

  stats() {
    return [...this.byName.values()].map((f) => ({
      functionName: f.spec.functionName,
      initMs: f.initMs,
      invocations: f.invocations,
      busyMs: Math.round(f.busyMs),
      memoryMb: f.spec.memoryMb,
    }));
  }

  /** Environment variable names each started function has read through the kit. */
  async environmentReads(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const f of this.byName.values()) out.set(f.spec.functionName, await f.environmentReads());
    return out;
  }

  async close(): Promise<void> {
    this.async.close();
    await Promise.all([...this.byName.values()].map((f) => f.stop()));
    rmSync(this.bundleDir, { recursive: true, force: true });
  }
}
