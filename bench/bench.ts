/**
 * `npm run bench`: measures the local runtime (never asserted in timed tests). Starts the
 * platform as its own process (`npm start -- --memory`), drives it over HTTP, and reports
 * latency, throughput, DynamoDB units and items read per operation (from the `x-itsm-usage`
 * header the kit sets), events per operation, bundle sizes, cold init and resident memory.
 * Writes `bench/results.json`. Options: `--cis 10000` (graph size), `--quick` (smaller run),
 * `--memory` (run the platform in memory instead of on disk, as `npm start -- --memory`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Cli, fail, integerFlag, parseCli } from '../infra/local/cli-args';
import { SERVICES } from '../services/index';
import { DEFAULT_MAIL_FROM, functionEnvironment } from '../shared/kit/definition';
import { call, load, pct, round, target } from './harness';
import { benchServiceDesk } from './service-desk';

const BENCH: Cli = {
  command: 'npm run bench',
  help: 'npm run bench -- --help',
  usage: `usage: npm run bench -- [--suite cmdb|desk|all] [--quick] [--memory] [--cis N] [--tickets N]

Measures the local platform (started as its own process) and writes bench/results.json.

Options:
  --suite S      cmdb, desk, or all (default), comma-separated
  --quick        a smaller run (2,000 CIs, 5,000 tickets)
  --memory       run the platform in memory, as \`npm start -- --memory\` (default: on disk)
  --cis N        graph size (default 10000, quick 2000)
  --tickets N    tickets for the desk suite (default 50000, quick 5000)
  -h, --help     this text`,
};
const values = parseCli(BENCH, {
  cis: { type: 'string' },
  quick: { type: 'boolean', default: false },
  memory: { type: 'boolean', default: false },
  suite: { type: 'string', default: 'all' },
  tickets: { type: 'string' },
});
for (const s of String(values.suite).split(','))
  if (!['all', 'cmdb', 'desk'].includes(s)) fail(BENCH, `--suite must be cmdb, desk or all (got "${s}")`);
integerFlag(BENCH, 'cis', values.cis, 1, 1_000_000);
integerFlag(BENCH, 'tickets', values.tickets, 1, 10_000_000);
/** `--suite cmdb`, `--suite desk` or `all` (default). */
const SUITES = values.suite === 'all' ? ['cmdb', 'desk'] : String(values.suite).split(',');
const TICKETS = Number(values.tickets ?? (values.quick ? 5000 : 50_000));
/** Default: the platform as `npm start` runs it (data on disk); `--memory` as `npm start -- --memory`. */
const MODE = values.memory ? 'memory' : 'disk';
const QUICK = values.quick;
const GRAPH_CIS = Number(values.cis ?? (QUICK ? 2000 : 10_000));
const API_PORT = 3310;
const AWS_PORT = 4610;

const home = mkdtempSync(join(tmpdir(), 'itsm-bench-'));
async function startPlatform(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_NODE_FLAGS: extra Node flags for the platform process (e.g. a heap limit).
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      '--import',
      'tsx',
      'infra/local/main.ts',
      ...(MODE === 'memory' ? ['--memory'] : []),
      '--no-seed',
      '--port',
      String(API_PORT),
      '--aws-port',
      String(AWS_PORT),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ITSM_HOME: home, ITSM_LOG_LEVEL: 'WARN' },
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Admin token[^\n]*\n(\S+)/.exec(out);
      if (m) {
        target(`http://127.0.0.1:${API_PORT}`, m[1]!);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`platform exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return child;
}

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? round(Number(m[1]) / 1024, 1) : Number.NaN;
};

/** Bundle each function as the CDK stack does (minified ESM, AWS SDK from the runtime) and time a cold import. */
async function bundles() {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-bundles-'));
  // Lambda's runtime provides the AWS SDK v3 and nothing else: offer exactly that beside the bundles.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(process.cwd(), 'node_modules', '@aws-sdk'), join(dir, 'node_modules', '@aws-sdk'));
  const rows: Array<{ function: string; minifiedKb: number; coldInitMs: number }> = [];
  const fns = [
    ...SERVICES.flatMap((s) =>
      Object.entries(s.functions).map(([id, f]) => ({
        name: `${s.name}-${id}`,
        entry: f.entry,
        env: functionEnvironment(s, id, {
          tableName: 't',
          busName: 'b',
          flowArn: (x) => `arn:aws:states:us-east-1:0:stateMachine:${x}`,
          mailFrom: DEFAULT_MAIL_FROM,
          cursorSecretArn: 'arn:aws:secretsmanager:us-east-1:0:secret:k',
        }),
      })),
    ),
    { name: 'platform-api', entry: 'infra/api/handler.ts', env: {} as Record<string, string> },
  ];
  for (const f of fns) {
    const outfile = join(dir, `${f.name}.mjs`);
    await build({
      entryPoints: [f.entry],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      outfile,
      external: ['@aws-sdk/*'],
      banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
    const kb = round(readFileSync(outfile).length / 1024, 1);
    // Cold init: a fresh Node process importing the bundle (the SDK resolves from node_modules, as
    // Lambda resolves it from the runtime). Median of 5 runs.
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const script = `const t=performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now()-t)`;
      const out = await new Promise<string>((resolve, reject) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script], {
          env: { ...process.env, ...f.env, AWS_REGION: 'us-east-1' },
          cwd: dir,
        });
        let s = '';
        c.stdout.on('data', (d: Buffer) => (s += d.toString()));
        c.stderr.on('data', (d: Buffer) => (s += d.toString()));
        c.on('exit', (code) => (code === 0 ? resolve(s) : reject(new Error(s))));
      });
      times.push(Number(out.trim().split('\n').pop()));
    }
    rows.push({ function: f.name, minifiedKb: kb, coldInitMs: round(pct(times, 50), 1) });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

// --- the run ---
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cores: (await import('node:os')).cpus().length, node: process.version },
  graphCis: GRAPH_CIS,
};
const platform = await startPlatform();
try {
  if (SUITES.includes('desk')) {
    Object.assign(
      results,
      await benchServiceDesk({ awsBase: `http://127.0.0.1:${AWS_PORT}`, quick: QUICK, tickets: TICKETS }),
    );
    results.runtimeRssMbAfterDesk = rssMb(platform.pid!);
  }
  if (SUITES.includes('cmdb')) await benchCmdb();
} finally {
  platform.kill('SIGTERM');
  await new Promise((r) => platform.once('exit', r));
  rmSync(home, { recursive: true, force: true });
}

async function benchCmdb() {
  await call('POST', '/v1/ci-types', {
    typeId: 'server',
    name: 'Server',
    attributes: [
      { name: 'cpu', type: 'number', required: true },
      { name: 'os', type: 'enum', required: true, allowedValues: ['linux', 'windows'] },
    ],
  });
  for (const t of ['switch', 'vm', 'app']) await call('POST', '/v1/ci-types', { typeId: t, name: t, attributes: [] });

  const createCount = QUICK ? 500 : 2000;
  const created: string[] = [];
  const create = await load(createCount, 8, async (i) => {
    const r = await call('POST', '/v1/cis', {
      typeId: 'server',
      name: `bench-${i}`,
      attributes: { cpu: 4, os: 'linux' },
      status: 'active',
    });
    created.push((r.body as { ciId: string }).ciId);
    return r;
  });
  const get = await load(QUICK ? 1000 : 4000, 8, (i) => call('GET', `/v1/cis/${created[i % created.length]}`));
  const getSequential = await load(500, 1, (i) => call('GET', `/v1/cis/${created[i % created.length]}`));

  // The graph: switches <- servers (depends-on 2 switches) <- vms (runs-on) <- apps (runs-on vm, depends-on another app).
  const importRows = async (typeId: string, n: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        sourceId: `${prefix}-${i + j}`,
        typeId,
        name: `${prefix}-${i + j}`,
        attributes: typeId === 'server' ? { cpu: 8, os: 'linux' } : {},
      }));
      const r = await call('POST', '/v1/ci-imports', { source: 'bench', rows });
      if (r.status !== 200) throw new Error(`import failed ${r.status}`);
      ids.push(...(r.body as { rows: Array<{ ciId: string }> }).rows.map((x) => x.ciId));
    }
    return ids;
  };
  const listAt = async (label: string) => {
    const page = await load(50, 4, () => call('GET', '/v1/cis?limit=25'));
    const byType = await load(50, 4, () => call('GET', '/v1/cis?typeId=server&limit=25'));
    results[`listPage@${label}`] = { all: page, byType };
    return page.itemsRead;
  };

  const nSwitch = Math.round(GRAPH_CIS * 0.01);
  const nServer = Math.round(GRAPH_CIS * 0.19) - createCount;
  const nVm = Math.round(GRAPH_CIS * 0.4);
  const tImport = performance.now();
  const switches = await importRows('switch', nSwitch, 'sw');
  const servers = [...created, ...(await importRows('server', Math.max(0, nServer), 'srv'))];
  const totalSoFar = createCount + nSwitch + Math.max(0, nServer);
  const itemsAt1k = totalSoFar >= 1000 ? await listAt(`${totalSoFar}`) : undefined;
  const vms = await importRows('vm', nVm, 'vm');
  const apps = await importRows('app', GRAPH_CIS - totalSoFar - nVm, 'app');
  const importSeconds = round((performance.now() - tImport) / 1000, 1);
  const itemsAt10k = await listAt(`${GRAPH_CIS}`);

  const edges: Array<[string, string, string]> = [];
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (const [i, s] of servers.entries()) {
    edges.push([s, 'depends-on', switches[i % switches.length]!]);
    edges.push([s, 'depends-on', switches[(i + 7) % switches.length]!]);
  }
  for (const [i, v] of vms.entries()) edges.push([v, 'runs-on', servers[i % servers.length]!]);
  for (const [i, a] of apps.entries()) {
    edges.push([a, 'runs-on', vms[i % vms.length]!]);
    const other = apps[rand(apps.length)]!;
    if (other !== a) edges.push([a, 'depends-on', other]);
  }
  const relate = await load(edges.length, 8, async (i) => {
    const [s, type, t] = edges[i]!;
    const r = await call('POST', `/v1/cis/${s}/relationships`, { type, targetCiId: t });
    return r.status === 409 ? { ...r, status: 200 } : r;
  });
  const impactSwitch = await load(QUICK ? 100 : 300, 4, (i) =>
    call('GET', `/v1/cis/${switches[i % switches.length]}/impact?depth=5`),
  );
  const impactServer = await load(QUICK ? 100 : 300, 4, (i) =>
    call('GET', `/v1/cis/${servers[(i * 13) % servers.length]}/impact?depth=5`),
  );
  const sampleImpact = await call('GET', `/v1/cis/${switches[0]}/impact?depth=5`);
  const rss = rssMb(platform.pid!);

  Object.assign(results, {
    createCi: create,
    getCi: get,
    getCiSequential: getSequential,
    addRelationship: relate,
    impactFromSwitchDepth5: { ...impactSwitch, cisReached: (sampleImpact.body as { count: number }).count },
    impactFromServerDepth5: impactServer,
    importSeconds,
    itemsReadPerListPage: { [`at ${totalSoFar} CIs`]: itemsAt1k, [`at ${GRAPH_CIS} CIs`]: itemsAt10k },
    runtimeRssMb: rss,
  });
}
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
results.bundles = await bundles();

const table = (
  title: string,
  r: {
    count: number;
    concurrency: number;
    throughputPerSec: number;
    p50Ms: number;
    p99Ms: number;
    rcu: number;
    wcu: number;
    itemsRead: number;
    events: number;
  },
) =>
  `${title.padEnd(34)} ${String(r.count).padStart(6)} ${String(r.concurrency).padStart(3)} ${String(r.throughputPerSec).padStart(8)} ${String(r.p50Ms).padStart(8)} ${String(r.p99Ms).padStart(8)} ${String(r.rcu).padStart(6)} ${String(r.wcu).padStart(6)} ${String(r.itemsRead).padStart(6)} ${String(r.events).padStart(6)}`;
console.log(
  `\n${'operation'.padEnd(34)} ${'n'.padStart(6)} ${'c'.padStart(3)} ${'ops/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'RCU'.padStart(6)} ${'WCU'.padStart(6)} ${'items'.padStart(6)} ${'events'.padStart(6)}`,
);
for (const [k, v] of Object.entries(results)) {
  if (v && typeof v === 'object' && 'p50Ms' in v) console.log(table(k, v as Parameters<typeof table>[1]));
}
for (const [k, v] of Object.entries(results)) {
  if (k.startsWith('listPage@')) {
    const l = v as { all: Parameters<typeof table>[1]; byType: Parameters<typeof table>[1] };
    console.log(table(`list page (25) ${k.slice(9)} CIs`, l.all));
    console.log(table(`list page by type ${k.slice(9)} CIs`, l.byType));
  }
}
if (results.queuePage) {
  console.log(`\nitems read per group queue page (25): ${JSON.stringify(results.queuePage)}`);
  const lc = results.incidentLifecycle as { steps: Record<string, { p50Ms: number; p99Ms: number }> };
  console.log(
    `lifecycle steps: ${Object.entries(lc.steps)
      .map(([k, v]) => `${k} p50 ${v.p50Ms} / p99 ${v.p99Ms} ms`)
      .join('; ')}`,
  );
  const c = results.costPerLifecycle as Record<string, unknown>;
  console.log(`per incident lifecycle: ${JSON.stringify(c.perLifecycle)}`);
  console.log(
    `US$ per 1,000 lifecycles (us-east-1): ${JSON.stringify(c.usdPer1000Lifecycles)}; SES mail apart: ${c.sesUsdPer1000Lifecycles}`,
  );
  console.log(`invocations per lifecycle by function: ${JSON.stringify(c.byFunction)}`);
  console.log(`SLA warnings and breaches, moment to desk escalation: ${JSON.stringify(results.slaLateness)}`);
  console.log(`DynamoDB units per lifecycle by table: ${JSON.stringify(c.byTable)}`);
}
if (results.itemsReadPerListPage) {
  console.log(`\nitems read per list page: ${JSON.stringify(results.itemsReadPerListPage)}`);
  console.log(
    `import of the graph CIs: ${results.importSeconds} s; runtime resident memory with ${GRAPH_CIS} CIs: ${results.runtimeRssMb} MB`,
  );
}
console.log('\nfunction bundles (minified, AWS SDK from the runtime) and cold init:');
for (const b of results.bundles as Array<{ function: string; minifiedKb: number; coldInitMs: number }>) {
  console.log(
    `  ${b.function.padEnd(28)} ${String(b.minifiedKb).padStart(7)} KB ${String(b.coldInitMs).padStart(7)} ms`,
  );
}
writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwritten bench/results.json');
