import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_DIST, consoleSourceHash } from './console-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STAMP = join(CONSOLE_DIST, '.source-hash');
const LOCK = join(ROOT, 'console', '.build-lock');

/**
 * Build the console when its sources changed since the last build (Vite; a few seconds), so
 * `npm start` and the tests always serve the console of the code they run. Concurrent callers (test
 * workers) wait for one build: a lock directory, taken over when older than two minutes.
 */
export function ensureConsoleBuilt(log: (line: string) => void = () => {}): { built: boolean; ms: number } {
  const started = Date.now();
  const wanted = consoleSourceHash();
  const current = () => (existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : '');
  if (current() === wanted) return { built: false, ms: 0 };
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000)
        rmSync(LOCK, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      if (current() === wanted) return { built: false, ms: Date.now() - started };
    }
  }
  try {
    if (current() === wanted) return { built: false, ms: Date.now() - started };
    log('Building the console (Vite)…');
    const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const run = spawnSync(process.execPath, [vite, 'build', 'console'], { cwd: ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`the console build failed:\n${run.stdout}\n${run.stderr}`);
    writeFileSync(STAMP, wanted);
    return { built: true, ms: Date.now() - started };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
