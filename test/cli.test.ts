import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../infra/local/runtime';
import { portfolio } from '../services/portfolio/service';
import { client } from './support/runtime';

/** The command lines answer --help and typing mistakes plainly, and `npx itsm token` works with `npm start`. */
const exec = promisify(execFile);
let home: string;

/** Run a command line as a user would; never throws, returns the exit code and both streams. */
async function run(script: string, args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [...scriptArgs(script), ...args], {
      env: { ...process.env, ITSM_HOME: home },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const scriptArgs = (script: string) => (script.endsWith('.mjs') ? [script] : ['--import', 'tsx', script]);

const itsm = (...args: string[]) => run('bin/itsm.mjs', args);
const start = (...args: string[]) => run('infra/local/main.ts', args);

/** A usage error: exit 2, one line saying what is wrong and one pointing at --help, no stack trace. */
const usageError = (r: { code: number; stdout: string; stderr: string }, what: RegExp) => {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(what);
  expect(lines[1]).toMatch(/^Run `.+--help` for usage\.$/);
};

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'itsm-cli-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('npx itsm', () => {
  it('prints its usage for --help, for itself and for token', async () => {
    const top = await itsm('--help');
    expect(top).toMatchObject({ code: 0, stderr: '' });
    expect(top.stdout).toMatch(/^usage: npx itsm <command>/);
    const token = await itsm('token', '--help');
    expect(token).toMatchObject({ code: 0, stderr: '' });
    expect(token.stdout).toMatch(/^usage: npx itsm token --user NAME/);
    expect(token.stdout).toContain('--ttl SECONDS');
  });

  it('says what is wrong with bad flags, without a stack trace', async () => {
    usageError(await itsm('token', '--user', 'x', '--bogus'), /^npx itsm token: Unknown option '--bogus'/);
    usageError(await itsm('token', '--roles', 'auditor'), /--user is required/);
    usageError(
      await itsm('token', '--user', 'x', '--roles', 'auditor', '--ttl', 'soon'),
      /--ttl must be a whole number/,
    );
    usageError(await itsm('token', '--user', 'x', '--roles', 'wizard'), /unknown role\(s\): wizard/);
    usageError(await itsm('frobnicate'), /^npx itsm: unknown command "frobnicate"/);
  });

  it('mints a token the running platform accepts, with the lifetime asked for', async () => {
    // Prepare: a runtime keeping its key in ITSM_HOME, as `npm start` does.
    let rt: Runtime | undefined;
    try {
      rt = await startRuntime({
        awsPort: 0,
        apiPort: 0,
        schedules: false,
        services: [portfolio],
        identityFile: join(home, 'dev-signing-key.json'),
      });
      // Act
      const r = await itsm('token', '--user', 'pat', '--roles', 'portfolio-manager', '--ttl', '600');
      // Assess
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const token = r.stdout.trim();
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        exp: number;
        iat: number;
      };
      expect(claims.exp - claims.iat).toBe(600);
      expect((await client(rt, token).get('/v1/services')).status).toBe(200);
    } finally {
      await rt?.close();
    }
  });

  it("events redrive: has a service's relay publish a time range of its events again, through the running platform", async () => {
    // Prepare: a service registered, its event published once by the stream.
    let rt: Runtime | undefined;
    try {
      rt = await startRuntime({ awsPort: 0, apiPort: 0, schedules: false, services: [portfolio] });
      const spm = client(rt, await rt.token({ user: 'pat', roles: ['portfolio-manager'] }));
      const from = new Date().toISOString();
      const svc = await spm.post<{ serviceId: string }>('/v1/services', {
        name: 'Redriven',
        description: 'A service whose event is published again',
        owner: 'user-pat',
        status: 'planned',
      });
      expect(svc.status).toBe(201);
      await rt.bus.drain();
      const to = new Date().toISOString();
      const published = () =>
        rt!.bus
          .published()
          .filter((e) => (e.detail as { data?: { serviceId?: string } }).data?.serviceId === svc.body.serviceId).length;
      expect(published()).toBe(1);
      process.env.AWS_ENDPOINT_URL = rt.awsUrl;

      // Act
      const r = await itsm('events', 'redrive', '--service', 'portfolio', '--from', from, '--to', to);
      const unknown = await itsm('events', 'redrive', '--service', 'nobody', '--from', from, '--to', to);

      // Assess: published again (consumers skip it by its event id); an unknown service is named.
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(r.stdout)).toEqual({ published: 1 });
      await rt.bus.drain();
      expect(published()).toBe(2);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/no function itsm-nobody-relay/);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
      await rt?.close();
    }
  });

  it('events redrive refuses a missing or malformed range', async () => {
    usageError(
      await itsm('events', 'redrive', '--service', 'portfolio', '--from', '2026-12-02T10:00:00Z'),
      /--to is required/,
    );
    usageError(
      await itsm('events', 'redrive', '--service', 'portfolio', '--from', 'yesterday', '--to', '2026-12-02T10:00:00Z'),
      /--from must be an ISO time/,
    );
    usageError(await itsm('events', 'replay'), /unknown events command "replay"/);
  });
});

describe('npm start', () => {
  it('prints its usage for --help, documenting every flag and ITSM_HOME', async () => {
    const r = await start('--help');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    for (const flag of ['--memory', '--port', '--aws-port', '--no-seed', 'ITSM_HOME']) expect(r.stdout).toContain(flag);
  });

  it('refuses bad flags before starting anything', async () => {
    usageError(await start('--port', 'eighty'), /^npm start: --port must be a whole number/);
    usageError(await start('--seed'), /^npm start: Unknown option '--seed'/);
  });
});
