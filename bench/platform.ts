/**
 * The platform as its own process, as `npm start` runs it (`node --import tsx <script>`, without
 * npm's own process around it), watched from outside: when it is ready, its stdout (where the
 * functions' JSON log lines land, as Lambda sends them to CloudWatch Logs), and its process tree.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Platform {
  child: ChildProcess;
  /** Seconds from spawn to the ready line. */
  readySeconds: number;
  /** What it printed up to the ready line. */
  banner: string;
  /** The admin token main.ts prints (undefined for scripts that print none). */
  token?: string;
  /** Bytes of function log lines written to stdout so far (JSON lines with a level). */
  logBytes(): number;
  /** Stops the process (SIGTERM) and waits for it to end. */
  stop(): Promise<void>;
}

export async function startPlatform(opts: {
  script: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** The line that says the platform is ready; `Admin token` for main.ts. */
  ready: RegExp;
}): Promise<Platform> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      // BENCH_NODE_FLAGS: extra Node flags for the platform process (e.g. a heap limit).
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
      opts.script,
      ...opts.args,
    ],
    // An undefined value removes the variable (spawn would pass the string "undefined").
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: Object.fromEntries(
        Object.entries({ ...process.env, ...opts.env }).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    },
  );
  let head = '';
  let partial = '';
  let logBytes = 0;
  let readySeconds = 0;
  let token: string | undefined;
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${opts.script} exited with ${code}: ${head}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        // A function's log line as CloudWatch Logs would ingest it: the JSON object and its newline.
        if (l.startsWith('{') && l.includes('"level"')) logBytes += Buffer.byteLength(l) + 1;
        else if (!readySeconds) head += `${l}\n`;
      }
      // Complete lines only: the token is on the line after its marker.
      if (!readySeconds && opts.ready.test(head)) {
        token = /Admin token[^\n]*\n\s*(\S+)\n/.exec(head)?.[1];
        if (/Admin token/.test(head) && !token) return;
        readySeconds = (performance.now() - t0) / 1000;
        child.off('exit', onExit);
        resolve();
      }
    });
  });
  return {
    child,
    readySeconds,
    banner: head,
    ...(token ? { token } : {}),
    logBytes: () => logBytes,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
