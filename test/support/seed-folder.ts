import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS, type Seeded, seedDemo } from '../../infra/local/seed';
import { eventually } from './eventually';
import { testRuntime } from './runtime';

/**
 * Seeds the demo organisation into `<root>/seed` and records the outcome in `<root>/seed.json`
 * (test/support/seeded.ts runs this in its own process, test/support/seed-child.ts).
 */
export async function seedAndRecord(root: string, done: string): Promise<Seeded> {
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
