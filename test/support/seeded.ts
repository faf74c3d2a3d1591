import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import type { Seeded } from '../../infra/local/seed';
import { eventually } from './eventually';
import { testRuntime } from './runtime';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for the seeded demo data folder and its copies (test/support/global-setup.ts). */
    seedRoot: string;
  }
}

/** The seed is done once per run; a file that needs it while another seeds waits this long for it. */
const SEED_WAIT_MS = 300_000;

/**
 * A local runtime holding the demo organisation, for a test file that needs one (ADR 3 data mode).
 *
 * The first file of a run that asks seeds the demo (`seedDemo`, the code `npm start` runs) into a
 * data folder, with the runtime options of `testRuntime`, lets everything it set moving come to
 * rest, and stops that runtime; each file then starts its own runtime on its own copy of that
 * folder (as `npm start` restarts on `.itsm`), so no file sees another's writes. A file saves the
 * seed's 30-70 s this way; see the README's "Test suite time".
 */
export async function seededRuntime(options: { waitScale?: number } = {}): Promise<{ rt: Runtime; seeded: Seeded }> {
  const root = inject('seedRoot');
  const seeded = await seedOnce(root);
  const copy = join(root, 'copies', `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(root, 'seed'), copy, { recursive: true });
  return { rt: await testRuntime({ ...options, dataDir: copy }), seeded };
}

const SEED_CHILD = fileURLToPath(new URL('./seed-child.ts', import.meta.url));

/**
 * The seed's outcome, seeding it first if no file of this run has: a lock folder elects the file
 * that starts the seeding process (seed-child.ts, whose process id it writes there). The seed runs
 * in that process rather than in the file's, so a file whose hook times out does not take it
 * down; should that process end without an outcome, a waiting file starts another.
 */
async function seedOnce(root: string): Promise<Seeded> {
  const done = join(root, 'seed.json');
  const lock = join(root, 'seed.lock');
  const outcome = await eventually(
    async () => {
      if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as { seeded?: Seeded; error?: string };
      if (elect(lock)) startSeeding(root, lock);
      return undefined;
    },
    SEED_WAIT_MS,
    'the demo seed of this run',
  );
  if (outcome.error) throw new Error(`the demo seed failed: ${outcome.error}`);
  return outcome.seeded!;
}

function startSeeding(root: string, lock: string): void {
  const log = openSync(join(root, 'seed.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', SEED_CHILD, root], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ITSM_LOG_LEVEL: process.env.ITSM_LOG_LEVEL ?? 'ERROR' },
  });
  child.unref();
  writeFileSync(join(lock, 'pid'), String(child.pid));
}

/** True if this process now holds the lock: it was free, or its seeding process ended without an outcome. */
function elect(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder = Number.NaN;
  try {
    holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // just created: its pid follows
  }
  if (alive(holder)) return false;
  try {
    // Renamed, not removed: of several files that find it ended, one moves it and may elect itself.
    renameSync(lock, `${lock}.ended-${holder}-${process.pid}`);
  } catch {
    return false;
  }
  return elect(lock);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
