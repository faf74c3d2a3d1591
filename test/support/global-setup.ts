import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureConsoleBuilt } from '../../infra/local/console-build';

/**
 * Once per test run: the console the browser tests open is the one of this checkout, and a folder
 * for the run's seeded demo data and each file's copy of it (test/support/seeded.ts), in memory
 * (`/dev/shm`) where the machine has it, removed at the end.
 */
export default function setup(project: TestProject) {
  ensureConsoleBuilt();
  const seedRoot = mkdtempSync(join(shmOrTmp(), 'itsm-seed-'));
  mkdirSync(join(seedRoot, 'copies'));
  project.provide('seedRoot', seedRoot);
  return () => {
    // A seeding process still running (the run was cut short) ends with the run.
    try {
      process.kill(Number(readFileSync(join(seedRoot, 'seed.lock', 'pid'), 'utf8')));
    } catch {
      // none, or already ended
    }
    rmSync(seedRoot, { recursive: true, force: true });
  };
}

function shmOrTmp(): string {
  try {
    const probe = mkdtempSync('/dev/shm/itsm-probe-');
    rmSync(probe, { recursive: true });
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}
