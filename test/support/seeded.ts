import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { inject } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS, type Seeded, seedDemo } from '../../infra/local/seed';
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

/**
 * The seed's outcome, seeding it first if no file of this run has: a lock folder elects the
 * seeding file, which writes its process id there. A file that waits takes the seeding over if
 * that process ended without an outcome (its file timed out and vitest ended its worker).
 */
async function seedOnce(root: string): Promise<Seeded> {
  const done = join(root, 'seed.json');
  const lock = join(root, 'seed.lock');
  const outcome = await eventually(
    async () => {
      if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as { seeded?: Seeded; error?: string };
      if (elect(lock)) return { seeded: await seedAndRecord(root, done) };
      return undefined;
    },
    SEED_WAIT_MS,
    'the demo seed of this run (another test file seeds it)',
  );
  if (outcome.error) throw new Error(`the demo seed failed in another test file: ${outcome.error}`);
  return outcome.seeded!;
}

/** True if this process now holds the lock: it was free, or its holder ended without an outcome. */
function elect(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
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
    // Renamed, not removed: of several files that find it dead, one moves it and may elect itself.
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

async function seedAndRecord(root: string, done: string): Promise<Seeded> {
  // Written whole, then renamed: a waiting file never reads half of it.
  const settle = (outcome: { seeded?: Seeded; error?: string }) => {
    writeFileSync(`${done}.part`, JSON.stringify(outcome));
    renameSync(`${done}.part`, done);
  };
  try {
    const seeded = await seedInto(join(root, 'seed'));
    settle({ seeded });
    return seeded;
  } catch (err) {
    settle({ error: (err as Error).stack ?? String(err) });
    throw err;
  }
}

async function seedInto(dir: string): Promise<Seeded> {
  const building = `${dir}.building`;
  rmSync(building, { recursive: true, force: true });
  const rt = await testRuntime({ dataDir: building });
  let seeded: Seeded;
  try {
    const admin = DEMO_USERS[0]!;
    seeded = await seedDemo(rt.apiUrl, await rt.token({ user: admin.user, roles: admin.roles }));
    await atRest(rt);
  } finally {
    await rt.close();
  }
  // Renamed only once closed: every file (LevelDB, PGlite, journals) is complete.
  renameSync(building, dir);
  return seeded;
}

/**
 * Waits until nothing the seed started is still moving: no event or stream record undelivered,
 * no asynchronous invocation queued, and every running execution parked on its task token (the
 * changes' flows wait for a decision or their window). A copy then starts where a freshly seeded
 * runtime would be once it has settled; an execution still RUNNING is started again from its
 * input on the copy (infra/local/stepfunctions README, Persistence), and the change flow's
 * `NextStep` reads the change and parks on a new token, as it would after any restart.
 */
async function atRest(rt: Runtime): Promise<void> {
  const sfn = new SFNClient({
    endpoint: rt.awsUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'itsm-tests', secretAccessKey: 'local' },
  });
  try {
    let published = -1;
    await eventually(
      async () => {
        await rt.bus.drain();
        await rt.drainStreams();
        const moving = await executionsMoving(sfn);
        const now = rt.bus.publishedCount();
        const still = moving === 0 && now === published;
        published = now;
        return still;
      },
      120_000,
      'the seeded runtime at rest',
    );
  } finally {
    sfn.destroy();
  }
}

/** Running executions that are not waiting for a task token. */
async function executionsMoving(sfn: SFNClient): Promise<number> {
  let moving = 0;
  const machines = await sfn.send(new ListStateMachinesCommand({ maxResults: 1000 }));
  for (const m of machines.stateMachines ?? []) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: m.stateMachineArn, statusFilter: 'RUNNING', nextToken }),
      );
      for (const e of page.executions ?? []) {
        const last = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn: e.executionArn, reverseOrder: true, maxResults: 1 }),
        );
        if (last.events?.[0]?.type !== 'TaskSubmitted') moving++;
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return moving;
}
