/**
 * Start-up and memory at rest (issue 8): `npm start` on a fresh ITSM_HOME (data on disk, the demo
 * organisation seeded), timed until it prints its admin token (after seeding); then beside it the
 * same five services unseeded (the platform the suites then load) and the "services multiplied"
 * fixture (fifteen services, unseeded). Each process tree's resident memory is read once every
 * platform has been idle `idleSeconds` after its last request (the rule: 90 s, so that
 * instances idle 60 s have been reaped).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Platform, startPlatform } from './platform';
import { treeRssMb } from './process-tree';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export interface StartUp {
  /** The unseeded five-service platform, left running for the suites. */
  platform: Platform;
  /** Its data folder (removed by the caller when done). */
  home: string;
  figures: {
    startSecondsSeeded: number;
    rssIdleSeededMb: number;
    rssIdleUnseededMb: number;
    rssIdleMultipliedMb: number;
    multipliedServices: number;
    processes: Record<string, Array<{ pid: number; command: string; mb: number }>>;
  };
}

export async function benchStartUp(opts: {
  idleSeconds: number;
  apiPort: number;
  awsPort: number;
  /** Platform environment beyond ITSM_HOME (e.g. the log level). */
  env: Record<string, string | undefined>;
  /** Flags for `npm start` (`--memory`). */
  extraArgs: string[];
  /**
   * Work for this process while the platforms idle (memory is not a matter of CPU): started once
   * all three are ready, so the timed start-up has the machine to itself; awaited before return.
   */
  whileIdle?: () => Promise<unknown>;
}): Promise<StartUp> {
  const homes: string[] = [];
  const home = () => {
    const h = mkdtempSync(join(tmpdir(), 'itsm-bench-'));
    homes.push(h);
    return h;
  };
  const main = (h: string, offset: number, extra: string[]) =>
    startPlatform({
      script: 'infra/local/main.ts',
      args: [
        ...opts.extraArgs,
        '--port',
        String(opts.apiPort + offset),
        '--aws-port',
        String(opts.awsPort + offset),
        ...extra,
      ],
      env: { ...opts.env, ITSM_HOME: h },
      ready: /Admin token/,
    });
  const benchHome = home();
  let seeded: Platform | undefined;
  let plain: Platform | undefined;
  let multiplied: Platform | undefined;
  try {
    // Alone on the machine while it starts, so its start-up time is its own.
    seeded = await main(home(), 1, []);
    const seededIdleFrom = performance.now();
    plain = await main(benchHome, 0, ['--no-seed']);
    const multipliedHome = home();
    multiplied = await startPlatform({
      script: 'bench/multiplied-platform.ts',
      args: [join(multipliedHome, 'data'), String(opts.apiPort + 2), String(opts.awsPort + 2)],
      env: opts.env,
      ready: /Multiplied platform ready: \d+ services/,
    });
    const othersIdleFrom = performance.now();
    const meanwhile = opts.whileIdle?.();
    const idleMs = opts.idleSeconds * 1000;
    await sleep(seededIdleFrom + idleMs - performance.now());
    const s = treeRssMb(seeded.child.pid!);
    await sleep(othersIdleFrom + idleMs - performance.now());
    const p = treeRssMb(plain.child.pid!);
    const m = treeRssMb(multiplied.child.pid!);
    await meanwhile;
    return {
      platform: plain,
      home: benchHome,
      figures: {
        startSecondsSeeded: Math.round(seeded.readySeconds * 10) / 10,
        rssIdleSeededMb: s.totalMb,
        rssIdleUnseededMb: p.totalMb,
        rssIdleMultipliedMb: m.totalMb,
        multipliedServices: Number(/(\d+) services/.exec(multiplied.banner)?.[1] ?? 0),
        processes: { seeded: s.processes, unseeded: p.processes, multiplied: m.processes },
      },
    };
  } catch (err) {
    await plain?.stop();
    rmSync(benchHome, { recursive: true, force: true });
    throw err;
  } finally {
    await seeded?.stop();
    await multiplied?.stop();
    for (const h of homes) if (h !== benchHome) rmSync(h, { recursive: true, force: true });
  }
}
