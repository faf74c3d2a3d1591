/**
 * The console's figures (issue 10): the bundle a browser downloads (gzip), the time to the first
 * ticket list in the local Chromium with 1,000 tickets, and axe-core's results per page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { axeTour, consolePages } from '../console/test/tour';
import { ensureConsoleBuilt } from '../infra/local/console-build';
import { CONSOLE_DIST } from '../infra/local/console-server';
import type { Runtime } from '../infra/local/runtime';
import { DEMO_USERS, seedDemo } from '../infra/local/seed';
import { launchBrowser, signedInContext } from '../test/support/browser';
import { client, eventually, testRuntime } from '../test/support/runtime';
import { pct, round } from './harness';

const gz = (file: string) => gzipSync(readFileSync(file)).length;

/** What the first page load downloads (index, its script and styles, their static imports) and everything. */
export function consoleBundle() {
  ensureConsoleBuilt();
  const assets = join(CONSOLE_DIST, 'assets');
  const index = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const initial = new Set<string>();
  const queue = [...index.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
  while (queue.length) {
    const f = queue.shift()!;
    if (initial.has(f)) continue;
    initial.add(f);
    if (!f.endsWith('.js')) continue;
    // Static imports only (`import … from "./x.js"`); dynamic `import()` chunks load with their page.
    const text = readFileSync(join(assets, f), 'utf8');
    for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^'"()]*?from\s*)?["']\.\/([^"']+)["']/g))
      queue.push(m[1]!);
  }
  const all = readdirSync(assets);
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + gz(join(assets, f)), 0);
  return {
    initialGzipKb: round((sum(initial) + gz(join(CONSOLE_DIST, 'index.html'))) / 1024, 0),
    initialFiles: [...initial],
    totalGzipKb: round(sum(all) / 1024, 0),
    totalRawKb: round(all.reduce((n, f) => n + readFileSync(join(assets, f)).length, 0) / 1024, 0),
    files: all.length,
  };
}

async function createTickets(rt: Runtime, token: string, count: number) {
  const api = client(rt, token);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const r = await api.post('/v1/incidents', {
        title: `Bench ticket ${i}: ${['printer', 'vpn', 'mail', 'laptop', 'shop'][i % 5]} problem`,
        caller: { id: `user-caller-${i % 50}`, name: `Caller ${i % 50}` },
        customerId: i % 3 ? 'acme' : 'globex',
        assignmentGroup: i % 2 ? 'web-team' : 'service-desk',
        urgency: ['high', 'medium', 'low'][i % 3],
      });
      if (r.status !== 201) throw new Error(`ticket ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

export async function benchConsole(opts: { tickets: number; runs: number }) {
  const bundle = consoleBundle();
  const rt = await testRuntime({ waitScale: 0 });
  const browser = await launchBrowser();
  try {
    const token = await rt.token({ user: 'admin', roles: [...DEMO_USERS[0]!.roles] });
    await seedDemo(rt.apiUrl, token);
    await createTickets(rt, token, opts.tickets);
    const api = client(rt, token);
    await eventually(
      async () => {
        const r = await api.get<{ total: { value: number } }>('/v1/tickets?limit=1');
        return r.body.total?.value >= opts.tickets ? true : undefined;
      },
      600_000,
      `${opts.tickets} tickets in the read model`,
    );
    // Time to the first ticket list: a fresh browser context (empty cache), signed in, open /tickets,
    // until the first row of the list is visible.
    const times: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const context = await signedInContext(browser, rt, 'alice');
      const page = await context.newPage();
      const started = performance.now();
      await page.goto('/tickets');
      await page.getByRole('table', { name: 'Tickets' }).locator('tbody tr').first().waitFor({ timeout: 60_000 });
      times.push(performance.now() - started);
      await context.close();
    }
    // Axe on every page.
    // An ACME ticket: the tour opens it as an agent and as carol, ACME's customer user.
    const ticket = (await api.get<{ items: { ticketId: string }[] }>('/v1/tickets?limit=1&customerId=acme')).body
      .items[0]!;
    const ci = (await api.get<{ items: { ciId: string }[] }>('/v1/cis?limit=1')).body.items[0]!;
    const axe = await axeTour(browser, rt, consolePages({ ticketId: ticket.ticketId, ciId: ci.ciId }));
    return {
      bundle,
      firstList: {
        tickets: opts.tickets,
        runs: times.length,
        p50Ms: round(pct(times, 50), 0),
        maxMs: round(Math.max(...times), 0),
        samplesMs: times.map((t) => round(t, 0)),
      },
      axe: axe.map((a) => ({
        user: a.user || '(no sign-in)',
        path: a.path,
        critical: a.violations.filter((v) => v.impact === 'critical').length,
        serious: a.violations.filter((v) => v.impact === 'serious').length,
        moderate: a.violations.filter((v) => v.impact === 'moderate').length,
        minor: a.violations.filter((v) => v.impact === 'minor').length,
        rules: a.violations.map((v) => `${v.id} (${v.impact})`),
      })),
    };
  } finally {
    await browser.close();
    await rt.close();
  }
}
