/** Function bundles as the CDK stack builds them, and each one's cold init in a fresh process. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { SERVICES } from '../services/index';
import { DEFAULT_MAIL_FROM, functionEnvironment } from '../shared/kit/definition';
import { pct, round } from './harness';

/** Bundle each function as the CDK stack does (minified ESM, AWS SDK from the runtime) and time a cold import. */
export async function bundles() {
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
          consoleUrl: 'https://console.example.org',
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
