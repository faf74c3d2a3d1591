/**
 * Profiling driver (ADR 24): starts `infra/local/main.ts` in memory mode as the bench does,
 * registers incidents at concurrency 8 for `--seconds` (after a 3 s warm-up that starts every
 * function), waits until the consumers are done, and prints throughput, p50/p99, CPU per
 * registration (the main thread, each thread, the whole process, read from /proc: Linux only),
 * invocations, SDK requests and recorded IAM calls per registration.
 *
 *   npx tsx scripts/drive-registrations.ts [--seconds 20] [--node-flags "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * It is not the bench (`npm run bench` measures memory, the lifecycle, cost); it is the smallest
 * loop that shows where one registration's time goes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, pct, round, target } from '../bench/harness';
import { startPlatform } from '../bench/platform';
import { incident, setUpDesk } from '../bench/service-desk';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, 'node-flags': { type: 'string', default: '' } },
});
const SECONDS = Number(values.seconds);
const API = 3420;
const AWS = 4720;

interface Metrics {
  functions: Array<{ functionName: string; invocations: number }>;
  calls?: Array<{ caller: string; action: string; resource: string; count: number }>;
  requests?: Record<string, number>;
  events: { put: number };
}

const home = mkdtempSync(join(tmpdir(), 'itsm-drive-'));
// The platform as the bench starts it, in memory, with this run's Node flags (e.g. --cpu-prof).
process.env.BENCH_NODE_FLAGS = values['node-flags'];
const platform = await startPlatform({
  script: 'infra/local/main.ts',
  args: ['--memory', '--no-seed', '--port', String(API), '--aws-port', String(AWS)],
  env: { ITSM_HOME: home, ITSM_LOG_LEVEL: 'WARN' },
  ready: /Admin token/,
});
target(`http://127.0.0.1:${API}`, platform.token!);
const { child } = platform;

/** CPU milliseconds (user + system) of one /proc stat file. */
const cpuMs = (file: string) => {
  const f = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};
const pid = child.pid!;
const mainCpu = () => cpuMs(`/proc/${pid}/task/${pid}/stat`);
const processCpu = () => cpuMs(`/proc/${pid}/stat`);
const threads = () =>
  Object.fromEntries(readdirSync(`/proc/${pid}/task`).map((t) => [t, cpuMs(`/proc/${pid}/task/${t}/stat`)]));
const metrics = async () => (await (await fetch(`http://127.0.0.1:${AWS}/_local/metrics`)).json()) as Metrics;
/**
 * Until nothing moves for three seconds: events put, invocations and requests unchanged. (A
 * consumer that failed is retried a minute later, as Lambda does; its work is then missed here.)
 */
const settled = async () => {
  let last = '';
  let still = 0;
  for (;;) {
    const m = await metrics();
    const sig = JSON.stringify([m.events, m.functions.map((f) => f.invocations), m.requests]);
    still = sig === last ? still + 1 : 0;
    if (still === 3) return m;
    last = sig;
    await new Promise((r) => setTimeout(r, 1000));
  }
};
const ok = (r: { status: number; body: unknown }, what: string) => {
  if (r.status >= 400) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
};

// The desk as the bench sets it up: a default SLA on a 24x7 calendar and a support group.
await setUpDesk();
let n = 0;
const register = async (until: number) => {
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < until) {
        const r = await call('POST', '/v1/incidents', incident(n++));
        ok(r, 'register');
        ms.push(r.ms);
      }
    }),
  );
  return ms;
};

await register(performance.now() + 3000);
const m0 = await settled();
const [main0, all0, threads0] = [mainCpu(), processCpu(), threads()];
const t0 = performance.now();
const ms = await register(t0 + SECONDS * 1000);
const wallMs = performance.now() - t0;
const m1 = await settled();
const [main1, all1, threads1] = [mainCpu(), processCpu(), threads()];
const count = ms.length;
const per = (x: number) => round(x / count, 2);

const invocations: Record<string, number> = {};
for (const f of m1.functions) {
  const d = f.invocations - (m0.functions.find((b) => b.functionName === f.functionName)?.invocations ?? 0);
  if (d) invocations[f.functionName] = per(d);
}
const requests: Record<string, number> = {};
for (const [k, v] of Object.entries(m1.requests ?? {})) {
  const d = v - (m0.requests?.[k] ?? 0);
  if (d) requests[k] = per(d);
}
const calls: Record<string, number> = {};
for (const c of m1.calls ?? []) {
  const b = m0.calls?.find((x) => x.caller === c.caller && x.action === c.action && x.resource === c.resource);
  const d = c.count - (b?.count ?? 0);
  if (d) calls[`${c.caller} ${c.action} ${c.resource.split(':').at(-1)}`] = per(d);
}
const threadCpu = Object.entries(threads1)
  .map(([t, v]) => [t === String(pid) ? 'main' : t, per(v - (threads0[t] ?? 0))] as const)
  .filter(([, v]) => v > 0.05);
console.log(
  JSON.stringify(
    {
      registrations: count,
      throughputPerSec: round((count / wallMs) * 1000, 1),
      p50Ms: round(pct(ms, 50)),
      p99Ms: round(pct(ms, 99)),
      cpuMsPerRegistration: {
        main: per(main1 - main0),
        process: per(all1 - all0),
        threads: Object.fromEntries(threadCpu),
      },
      invocations,
      sdkRequests: { total: round(Object.values(requests).reduce((a, b) => a + b, 0)), ...requests },
      recordedCalls: calls,
    },
    null,
    1,
  ),
);
await platform.stop();
rmSync(home, { recursive: true, force: true });
