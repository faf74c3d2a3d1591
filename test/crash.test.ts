import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalIdentity } from '../infra/local/identity';
import { eventually } from './support/eventually';

/**
 * Issue 7 §2: nothing acknowledged is lost when the local runtime crashes. A runtime in its own
 * process group, on a data folder, takes a load of incidents; it is killed with SIGKILL part-way
 * (no shutdown code runs), restarted on the same folder, and every ticket that was acknowledged
 * (201) must still get what its events cause: SLA clocks (service levels) and the "recorded"
 * mail to the caller (the desk's notifications, FitSM PR9.4).
 */
const LOAD = 64;
const CONCURRENCY = 8;
/** Kill once this many tickets were acknowledged: their events are still on their way. */
const KILL_AFTER = LOAD / 2;
const CALLER_MAIL = 'carol@acme.example';

const CHILD = fileURLToPath(new URL('./support/runtime-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'itsm-crash-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) killGroup(child);
  rmSync(dataDir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  apiUrl: string;
  awsUrl: string;
}

/** Starts the runtime as its own process group (so a kill takes all of it) and waits until it serves. */
async function startChild(): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ITSM_LOG_LEVEL: 'ERROR' },
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ apiUrl: string; awsUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code} before it served`)));
    lines.once('line', (line) => resolve(JSON.parse(line)));
  });
  return { child, ...ready };
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function crash(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child);
  await exited;
}

function api(apiUrl: string, token: string) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, ifMatch?: number) => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

interface Ticket {
  ticketId: string;
  number: string;
}

describe('a crash of the local runtime', () => {
  it('loses nothing it acknowledged: after a restart every ticket gets its SLA clocks and its mail', async () => {
    // Prepare: a live service for ACME, with an SLA on a 24x7 calendar, so every incident gets clocks.
    const first = await startChild();
    // Tokens for the issuer the child kept beside its key: the provider's URL, so its port (ADR 29).
    const tokens = async () => {
      const identity = await LocalIdentity.open(join(dataDir, 'dev-signing-key.json'));
      return {
        admin: await identity.mint({
          user: 'admin',
          roles: ['portfolio-manager', 'service-level-manager', 'service-desk-manager', 'customers-manager'],
        }),
        caller: await identity.mint({ user: 'carol', roles: ['customer-user'], customer: 'acme', email: CALLER_MAIL }),
      };
    };
    const before = await tokens();
    let admin = api(first.apiUrl, before.admin);
    let caller = api(first.apiUrl, before.caller);
    const svc = await admin<{ serviceId: string }>('POST', '/v1/services', {
      name: 'ACME web shop',
      description: 'Online shop run for ACME',
      owner: 'user-admin',
      status: 'planned',
      customerIds: ['acme'],
      acceptanceCriteria: [{ id: 'runbook', text: 'Runbook reviewed' }],
    });
    expect(svc.status).toBe(201);
    const serviceId = svc.body.serviceId;
    const met = await admin<{ version: number }>(
      'POST',
      `/v1/services/${serviceId}/acceptance-criteria/runbook/fulfilment`,
      { note: 'ok' },
    );
    expect((await admin('PATCH', `/v1/services/${serviceId}`, { status: 'live' }, met.body.version)).status).toBe(200);
    const setup: [string, unknown][] = [
      [
        '/v1/customers',
        {
          customerId: 'acme',
          name: 'ACME Corp',
          accountManager: 'user-cora',
          services: [{ serviceId, since: '2026-01-01' }],
        },
      ],
      [
        '/v1/calendars',
        { calendarId: 'shop-24x7', name: 'Around the clock', calendar: { timeZone: 'UTC', twentyFourSeven: true } },
      ],
      [
        '/v1/agreements',
        {
          kind: 'sla',
          name: 'ACME web shop SLA',
          customerId: 'acme',
          serviceIds: [serviceId],
          calendarId: 'shop-24x7',
          targets: {
            P1: { firstResponseMinutes: 15, resolutionMinutes: 60 },
            P2: { firstResponseMinutes: 30, resolutionMinutes: 240 },
            P3: { firstResponseMinutes: 240, resolutionMinutes: 2400 },
            P4: { firstResponseMinutes: 480, resolutionMinutes: 4800 },
          },
          warningShare: 0.75,
          reviewDate: '2027-06-30',
          status: 'active',
        },
      ],
    ];
    for (const [path, body] of setup) {
      // Other services learn of the service from its events; a copy not yet there is a 4xx, not a write.
      await eventually(async () => (await admin('POST', path, body)).status === 201, 10_000, `POST ${path}`);
    }
    const incident = (n: number) => ({
      title: `Checkout slow (${n})`,
      description: 'Pages take seconds',
      serviceId,
      urgency: 'medium',
    });
    const hasClocks = async (t: Ticket) => {
      const r = await admin<{ agreementId?: string }>('GET', `/v1/tickets/${t.number}/clocks`);
      return r.status === 200 && r.body.agreementId !== undefined;
    };
    const mailed = async (awsUrl: string) => {
      const res = await fetch(`${awsUrl}/_local/mail`);
      const { messages } = (await res.json()) as { messages: { to: string[]; subject: string }[] };
      return new Set(
        messages.filter((m) => m.to.includes(CALLER_MAIL) && / recorded$/.test(m.subject)).map((m) => m.subject),
      );
    };
    const recordedMail = (t: Ticket, subjects: Set<string>) => [...subjects].some((s) => s.startsWith(`[${t.number}]`));
    // A first incident shows the chain works (and starts every function involved). The desk learns
    // of ACME's services from the customers service's events: until its copy is there, the
    // customer's incident on that service is a 400 that writes nothing, so the probe waits for it.
    const probe = await eventually(
      async () => {
        const r = await caller<Ticket>('POST', '/v1/incidents', incident(0));
        return r.status === 400 ? undefined : r;
      },
      15_000,
      "the desk's copy of ACME's services",
    );
    expect(probe.status).toBe(201);
    await eventually(
      async () => (await hasClocks(probe.body)) && recordedMail(probe.body, await mailed(first.awsUrl)),
      20_000,
      'clocks and mail of the first incident',
    );

    // Act: the load, at concurrency 8; SIGKILL of the whole process group part-way.
    const acknowledged: Ticket[] = [];
    let next = 1;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (!killed && next <= LOAD) {
        const n = next++;
        try {
          const r = await caller<Ticket>('POST', '/v1/incidents', incident(n));
          // A 201 read after the kill was sent is still an acknowledgement the platform must keep.
          if (r.status === 201) acknowledged.push(r.body);
        } catch {
          // The connection died with the process: not acknowledged, so nothing was promised.
        }
        if (acknowledged.length >= KILL_AFTER) killed ??= crash(first.child);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);

    // Assess: restarted on the same folder, every acknowledged ticket gets its clocks and its mail.
    const second = await startChild();
    const after = await tokens();
    admin = api(second.apiUrl, after.admin);
    caller = api(second.apiUrl, after.caller);
    let missing: { clocks: string[]; mail: string[] } = { clocks: [], mail: [] };
    const complete = await eventually(
      async () => {
        const subjects = await mailed(second.awsUrl);
        const clocks: string[] = [];
        for (const t of acknowledged) if (!(await hasClocks(t))) clocks.push(t.number);
        missing = { clocks, mail: acknowledged.filter((t) => !recordedMail(t, subjects)).map((t) => t.number) };
        return missing.clocks.length === 0 && missing.mail.length === 0;
      },
      25_000,
      'clocks and mail of every acknowledged ticket',
    ).catch(() => false);
    expect(missing, `${acknowledged.length} acknowledged before the kill`).toEqual({ clocks: [], mail: [] });
    expect(complete).toBe(true);
    await crash(second.child);
  }, 120_000);
});
