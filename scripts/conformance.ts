/**
 * `npm run conformance`: runs the team's conformance scripts (behaviour recorded on real AWS:
 * EventBridge patterns, Step Functions ASL) against the local runtime. Without `--endpoint` it
 * starts a throwaway runtime itself (in memory, free ports) and stops it afterwards; with one, it
 * checks a platform already running (`npm start`). Exits non-zero when a script does.
 * `test/conformance.test.ts` runs the same scripts in `npm test` and judges their known cases.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Cli, fail, parseCli } from '../infra/local/cli-args';
import { startRuntime } from '../infra/local/runtime';

const SCRIPTS = { patterns: 'patterns.mjs', asl: 'asl.mjs' } as const;
type Suite = keyof typeof SCRIPTS;

const CONFORMANCE: Cli = {
  command: 'npm run conformance',
  help: 'npm run conformance -- --help',
  usage: `usage: npm run conformance -- [--endpoint URL] [--only patterns|asl] [--scripts DIR] [--verbose]

Runs the shared conformance scripts (patterns.mjs: EventBridge patterns; asl.mjs: Step Functions)
against the local runtime's AWS-compatible endpoint.

Options:
  --endpoint URL   check a running platform (e.g. http://127.0.0.1:4566 of \`npm start\`);
                   default: start a throwaway runtime in memory and stop it afterwards
  --only SUITE     run one script: patterns or asl (default both)
  --scripts DIR    where the scripts are (default ../shared/conformance, the team's folder)
  --verbose        every case, not only failures
  -h, --help       this text`,
};

const values = parseCli(CONFORMANCE, {
  endpoint: { type: 'string' },
  only: { type: 'string' },
  scripts: { type: 'string' },
  verbose: { type: 'boolean', default: false },
});
if (values.only !== undefined && !(values.only in SCRIPTS))
  fail(CONFORMANCE, `--only must be patterns or asl (got "${values.only}")`);
if (values.endpoint !== undefined && !URL.canParse(values.endpoint))
  fail(CONFORMANCE, `--endpoint must be a URL (got "${values.endpoint}")`);
const dir = resolve(values.scripts ?? join('..', 'shared', 'conformance'));
const suites = (values.only ? [values.only] : Object.keys(SCRIPTS)) as Suite[];
for (const s of suites)
  if (!existsSync(join(dir, SCRIPTS[s]))) fail(CONFORMANCE, `${SCRIPTS[s]} not found in ${dir} (see --scripts)`);

/** Run one script as a child process, its report going straight to our output; resolves to its exit code. */
const run = (script: string, endpoint: string) =>
  new Promise<number>((done) => {
    const args = [join(dir, script), '--endpoint', endpoint, ...(values.verbose ? ['--verbose'] : [])];
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });

process.env.ITSM_LOG_LEVEL ??= 'ERROR';
const runtime = values.endpoint
  ? undefined
  : await startRuntime({ awsPort: 0, apiPort: 0, waitScale: 0, schedules: false, retryBaseDelayMs: 5 });
const endpoint = values.endpoint ?? runtime!.awsUrl;
console.log(`conformance against ${endpoint}${runtime ? ' (a throwaway local runtime)' : ''}`);
const results: Array<[Suite, number]> = [];
try {
  for (const s of suites) results.push([s, await run(SCRIPTS[s], endpoint)]);
} finally {
  await runtime?.close();
}
console.log(`\n${results.map(([s, code]) => `${s}: ${code === 0 ? 'passed' : `failed (exit ${code})`}`).join('\n')}`);
process.exit(results.every(([, code]) => code === 0) ? 0 : 1);
