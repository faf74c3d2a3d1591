/**
 * Request Tracker 5 side by side (`--suite rt`): ticket creation through RT's REST2 API at the same
 * concurrency as our incident registration, back to back on the same machine. Uses an RT that
 * answers at BENCH_RT_URL (default http://127.0.0.1:8088), or starts Debian's `request-tracker5`
 * itself (`rt-server` on Starman) when it is installed but not running, and stops it afterwards.
 * RT authenticates REST2 calls with the session cookie of a web login (RT_SiteConfig needs
 * `Set($RestrictReferrer, 0)` for that); the README's Performance section has the install steps.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { load } from './harness';

const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_URL = process.env.BENCH_RT_URL ?? 'http://127.0.0.1:8088';
const RT_USER = process.env.BENCH_RT_USER ?? 'root';
const RT_PASSWORD = process.env.BENCH_RT_PASSWORD ?? 'rtbench';

type LoadResult = Awaited<ReturnType<typeof load>>;

/**
 * One HTTP request on its own connection. Starman closes an idle kept-alive connection after a
 * second, and a client reusing it at that moment gets a reset (fetch's pool does): a fresh
 * connection per request, as browsers behind a proxy mostly give RT, avoids the race.
 */
function http(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${RT_URL}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function login(): Promise<string | undefined> {
  try {
    const res = await http(
      'POST',
      '/NoAuth/Login.html',
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ user: RT_USER, pass: RT_PASSWORD }).toString(),
    );
    const cookies = [res.headers['set-cookie'] ?? []].flat();
    const cookie = cookies.find((c) => c.startsWith('RT_SID_'));
    if (!cookie) return undefined;
    const sid = cookie.split(';')[0]!;
    // A failed login also gets a session; only a logged-in one may read a queue.
    const probe = await http('GET', '/REST/2.0/queue/1', { cookie: sid });
    return probe.status === 200 ? sid : undefined;
  } catch {
    return undefined;
  }
}

/** RT's ticket creation at `concurrency`, and ours just before it; or why it was skipped. */
export async function benchRequestTracker(opts: {
  count: number;
  concurrency: number;
  ours: () => Promise<LoadResult>;
}): Promise<{ skipped: string } | { ours: LoadResult; rt: LoadResult; rtWorkers: number | 'external' }> {
  let server: ChildProcess | undefined;
  let startedCluster: string[] | undefined;
  let sid = await login();
  const workers = Number(process.env.BENCH_RT_WORKERS ?? opts.concurrency);
  if (!sid) {
    if (!existsSync(RT_SERVER))
      return {
        skipped: `Request Tracker 5 is not installed (no ${RT_SERVER}) and nothing answers at ${RT_URL}; see README, Performance, for how to install it`,
      };
    // RT keeps its tickets in PostgreSQL: start a stopped cluster for the run, and stop it after.
    startedCluster = startStoppedCluster();
    const port = new URL(RT_URL).port || '80';
    server = spawn(RT_SERVER, ['--server', 'Starman', '--port', port, '--workers', String(workers)], {
      stdio: 'ignore',
      detached: true,
    });
    const deadline = Date.now() + 120_000;
    while (!sid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      sid = await login();
    }
    if (!sid) {
      await stop(server);
      if (startedCluster) spawnSync('pg_ctlcluster', [...startedCluster, 'stop']);
      return {
        skipped: `RT did not accept ${RT_USER}'s login at ${RT_URL} within 2 minutes (BENCH_RT_USER / BENCH_RT_PASSWORD)`,
      };
    }
  }
  try {
    const create = async (i: number) => {
      const t0 = performance.now();
      const res = await http(
        'POST',
        '/REST/2.0/ticket',
        { cookie: sid!, 'content-type': 'application/json' },
        JSON.stringify({
          Queue: 'General',
          Subject: `Bench incident ${i}`,
          Requestor: `user${Math.abs(i) % 500}@example.org`,
          Content: 'Cannot reach the web shop',
          Priority: 50,
        }),
      );
      return { ms: performance.now() - t0, status: res.status };
    };
    // RT's workers compile their templates and connect to the database on first use, and a
    // worker still starting may drop a connection: warm up until a round at full concurrency
    // succeeds throughout.
    const deadline = Date.now() + 180_000;
    for (;;) {
      const round = await Promise.all(
        Array.from({ length: opts.concurrency * 2 }, (_, i) => create(-1 - i).catch(() => ({ ms: 0, status: 0 }))),
      );
      if (round.every((r) => r.status === 201)) break;
      if (Date.now() > deadline)
        throw new Error(`RT does not create tickets: ${JSON.stringify(round.map((r) => r.status))}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const ours = await opts.ours();
    const rt = await load(opts.count, opts.concurrency, create);
    return { ours, rt, rtWorkers: server ? workers : 'external' };
  } finally {
    if (server) await stop(server);
    if (startedCluster) spawnSync('pg_ctlcluster', [...startedCluster, 'stop']);
  }
}

/**
 * Starman forks workers: end the whole process group this bench started (rt-server becomes the
 * Starman master, so its pid is the group's), and kill it if it has not ended within 10 s.
 */
async function stop(server: ChildProcess) {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-server.pid!, s);
    } catch {
      // Already gone.
    }
  };
  const exited = new Promise((r) =>
    server.exitCode !== null || server.signalCode !== null ? r(0) : server.once('exit', r),
  );
  signal('SIGTERM');
  const ended = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
  if (!ended) signal('SIGKILL');
}

/** Debian's PostgreSQL clusters: start the first one that is down; its version and name, if started. */
function startStoppedCluster(): string[] | undefined {
  const listed = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
  if (listed.status !== 0) return undefined;
  const down = listed.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((c) => c.length > 3 && c[3] === 'down');
  if (!down) return undefined;
  const cluster = [down[0]!, down[1]!];
  return spawnSync('pg_ctlcluster', [...cluster, 'start']).status === 0 ? cluster : undefined;
}
