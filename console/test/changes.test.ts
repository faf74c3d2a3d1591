import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS } from '../../infra/local/seed';
import { axeViolations, launchBrowser, signedInContext } from '../../test/support/browser';
import { eventually } from '../../test/support/eventually';
import { as, type Client } from '../../test/support/runtime';
import { seededRuntime } from '../../test/support/seeded';

/**
 * The console's change management pages in a real Chromium against the local runtime with the demo
 * organisation: a change is raised with its impact shown live, assessed and submitted from its
 * page; the approver opens the decision page (which decides nothing) and approves with a rationale;
 * the calendar shows the change; axe finds no serious or critical violation on each page.
 * `ITSM_SCREENSHOTS=1` also saves the change page and the calendar for the README.
 */
const SCREENSHOTS = process.env.ITSM_SCREENSHOTS === '1';
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const DAY = 86_400_000;

let rt: Runtime;
let browser: Browser;
let admin: Client;
let manager: Client;
const contexts = new Map<string, BrowserContext>();

type Level = { level: number; status: string; votes: { userId: string; decision: string; rationale: string }[] };
type Change = { changeId: string; number: string; status: string; plannedStart?: string; version: number };

beforeAll(async () => {
  const demoAdmin = DEMO_USERS[0]!;
  const [seeded, b] = await Promise.all([seededRuntime(), launchBrowser()]);
  rt = seeded.rt;
  browser = b;
  admin = await as(rt, 'admin', [...demoAdmin.roles]);
  manager = await as(rt, 'chm', ['changes-manager']);
  // One level for normal changes, asking Maria by name: the approver of these tests.
  const policy = await manager.get<Record<string, unknown> & { version: number }>('/v1/change-policy');
  const { version: _v, default: _d, ...body } = policy.body as Record<string, unknown>;
  const put = await manager.put(
    '/v1/change-policy',
    {
      ...body,
      matrix: [
        {
          name: 'every change: Maria',
          levels: [
            {
              name: 'Service management',
              approvers: { users: ['user-maria'] },
              mode: 'any',
              timeoutSeconds: 172_800,
              onTimeout: 'reject',
            },
          ],
        },
      ],
    },
    { 'if-match': `"${policy.body.version}"` },
  );
  expect(put.status).toBe(200);
  // The changes service copies services (and their customers) from portfolio events: wait for the web shop.
  const services = await admin.get<{ items: Array<{ serviceId: string; name: string }> }>('/v1/services?limit=100');
  const shop = services.body.items.find((x) => x.name === 'ACME web shop')!;
  await eventually(
    async () =>
      (await manager.post<{ customerIds: string[] }>('/v1/change-impact', { serviceIds: [shop.serviceId] })).body
        .customerIds?.length,
    120_000,
    'the changes service to copy the seeded services',
  );
  // The demo seed and a cold browser on a shared machine take a while (as in journeys.test.ts).
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
});

/** A page signed in as a demo user (one browser context per user, reused across tests). */
async function pageAs(user: string, path: string): Promise<Page> {
  let context = contexts.get(user);
  if (!context) {
    context = await signedInContext(browser, rt, user);
    contexts.set(user, context);
  }
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(path);
  return page;
}

async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length) console.error(JSON.stringify(violations, null, 2));
  expect(violations).toEqual([]);
}

const pad = (n: number) => String(n).padStart(2, '0');
const dateOf = (d: Date) => `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())}`;

describe('change management pages', () => {
  let change: Change;
  const start = new Date(Date.now() + 3 * DAY);
  start.setHours(22, 0, 0, 0);

  it('raises a change with the impact shown live, assesses it and submits it from its page', async () => {
    const page = await pageAs('alice', '/changes/new');
    await page.getByRole('heading', { level: 1, name: 'Raise a change' }).waitFor({ timeout: 60_000 });
    const impact = page.getByRole('region', { name: 'Impact assessment' });
    await impact.getByText('Pick CIs or services to see the impact.').waitFor();
    await expectAccessible(page);

    await page.getByLabel('Title', { exact: true }).fill('Upgrade the order database');
    await page.getByLabel('Description', { exact: true }).fill('PostgreSQL 15 to 16 on db-orders.');
    const picker = page.getByRole('combobox', { name: 'Configuration items' });
    const option = page.getByRole('option', { name: /^CI-\d+ db-orders/ });
    // The pickers read the reporting store, filled from events: type again until it knows the CI.
    await eventually(
      async () => {
        await picker.fill('');
        await picker.fill('db-orders');
        await option.waitFor({ timeout: 3_000 });
        return true;
      },
      30_000,
      'db-orders among the CI picker options',
    );
    await option.click();
    // The Order service application depends on db-orders: the graph walk finds it and more.
    await impact.getByText(/graph: ([2-9]|\d{2,}) CIs/).waitFor({ timeout: 15_000 });
    // The ACME web shop serves ACME: picking it shows that before saving.
    const servicePicker = page.getByRole('combobox', { name: 'Services' });
    const shop = page.getByRole('option', { name: /ACME web shop/ });
    await eventually(
      async () => {
        await servicePicker.fill('');
        await servicePicker.fill('ACME');
        await shop.waitFor({ timeout: 3_000 });
        return true;
      },
      30_000,
      'the web shop among the service picker options',
    );
    await shop.click();
    // One customer affected: significant (the default policy's thresholds).
    await expect
      .poll(() => impact.textContent(), { timeout: 30_000 })
      .toMatch(/Impact level\s*significant.*Services\s*1.*Customers\s*1.*ACME web shop/);
    await page.getByPlaceholder('YYYY/MM/DD').first().fill(dateOf(start));
    await page.getByPlaceholder('hh:mm').first().fill('22:00');
    await page.getByPlaceholder('YYYY/MM/DD').last().fill(dateOf(start));
    await page.getByPlaceholder('hh:mm').last().fill('23:30');
    await page.getByLabel('Implementation plan').fill('pg_upgrade in the window.');
    await page.getByLabel('Test plan').fill('Order smoke tests afterwards.');
    await page.getByLabel('Back-out plan').fill('Restore the snapshot taken before.');
    await page.getByRole('button', { name: 'Raise change' }).click();

    await page.waitForURL(/\/changes\/[^/]+$/, { timeout: 15_000 });
    const heading = page.getByRole('heading', { level: 1, name: /^CHG-\d+: Upgrade the order database$/ });
    await heading.waitFor({ timeout: 15_000 });
    const number = (await heading.textContent())!.split(':')[0]!;
    change = (await admin.get<Change>(`/v1/changes/${number}`)).body;
    expect(change.plannedStart).toBe(start.toISOString());

    await page.getByRole('button', { name: 'Assess', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Benefit').fill('Security fixes and faster queries.');
    await dialog.getByLabel('Effort').fill('Two hours of a DBA.');
    await dialog.getByLabel('Technical feasibility').fill('Done on the staging copy last week.');
    // The policy's questionnaire, read from the API.
    await dialog
      .getByRole('radiogroup', { name: /tested in a production-like/ })
      .getByText('Yes', { exact: true })
      .click();
    await dialog.getByRole('button', { name: 'Record assessment' }).click();
    await page.getByRole('button', { name: 'Submit for approval' }).waitFor({ timeout: 15_000 });
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await eventually(
      async () => (await admin.get<Change>(`/v1/changes/${change.changeId}`)).body.status === 'approval',
      30_000,
      'the change submitted',
    ).catch(async (err: Error) => {
      const approvals = await admin.get(`/v1/changes/${change.changeId}/approvals`);
      throw new Error(
        `${err.message}; approvals ${JSON.stringify(approvals.body).slice(0, 800)}; page: ${(await page.locator('body').innerText()).slice(0, 1500)}`,
      );
    });
    const levels = page.getByRole('table', { name: 'Approval levels' });
    await levels.getByText('user-maria').waitFor({ timeout: 15_000 });
    const stored = await admin.get<Change & { assessment?: { questionnaireScore: number } }>(
      `/v1/changes/${change.changeId}`,
    );
    expect(stored.body.status).toBe('approval');
    // The default questionnaire scores an unanswered question at its worst (5 x weight): 25 without
    // answers; "tested: yes" scores 0 of its weight 2, so 15 says the page sent the answer.
    expect(stored.body.assessment?.questionnaireScore).toBe(15);
    await page.close();
  });

  it('lets the approver open the decision page without deciding, then approve with a rationale', async () => {
    // The flow opens the level (and files it in Maria's inbox) after the submission answers.
    await eventually(
      async () =>
        (await admin.get<{ levels: Level[] }>(`/v1/changes/${change.changeId}/approvals`)).body.levels[0]?.status ===
        'open',
      30_000,
      'level 1 open',
    );
    const inbox = await pageAs('maria', '/approvals');
    const row = inbox
      .getByRole('table', { name: 'Waiting for my approval' })
      .getByRole('link', { name: change.number });
    await row.waitFor({ timeout: 30_000 });
    await expectAccessible(inbox);
    await row.click();
    await inbox.waitForURL(`**/changes/${change.changeId}/decision`);
    const page = inbox;
    await page
      .getByRole('heading', { level: 1, name: `Decide on ${change.number}: Upgrade the order database` })
      .waitFor();
    await page.getByRole('button', { name: 'Approve' }).waitFor();
    await expectAccessible(page);
    // The page is open and read: nothing is decided (mail scanners follow links).
    const before = await admin.get<{ levels: Level[] }>(`/v1/changes/${change.changeId}/approvals`);
    expect(before.body.levels[0]).toMatchObject({ status: 'open', votes: [] });

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Give a rationale.').waitFor();
    await page.getByLabel(/^Rationale/).fill('Tested on staging; the window is quiet.');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/You approved level 1 \(Service management\)/).waitFor({ timeout: 15_000 });

    const after = await eventually(
      async () => {
        const r = await admin.get<{ status: string; levels: Level[] }>(`/v1/changes/${change.changeId}/approvals`);
        return r.body.status === 'approved' ? r.body : undefined;
      },
      30_000,
      'the change approved',
    );
    expect(after.levels[0]!.votes).toEqual([
      expect.objectContaining({
        userId: 'user-maria',
        decision: 'approve',
        rationale: 'Tested on staging; the window is quiet.',
      }),
    ]);
    await page.goto(`/changes/${change.changeId}`);
    await page.getByRole('button', { name: 'Start implementation' }).waitFor({ timeout: 15_000 });
    if (SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: `${SHOTS}change.png`, fullPage: true });
    }
    await page.close();
  });

  it('shows the change on the calendar in month and week view, with a table alternative', async () => {
    const date = `${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}`;
    const page = await pageAs('alice', `/change-calendar?view=month&date=${date}`);
    const month = page.getByRole('table', { name: /^Change calendar, / });
    await month.getByRole('link', { name: change.number }).waitFor({ timeout: 30_000 });
    // On the day of its window, and only there.
    const cell = month.getByRole('cell').filter({ has: page.getByRole('link', { name: change.number }) });
    expect(await cell.count()).toBe(1);
    expect(await cell.locator('.day').textContent()).toBe(String(start.getDate()));
    const list = page.getByRole('table', { name: 'Changes in this month' });
    await list.getByRole('link', { name: change.number }).waitFor();
    await expectAccessible(page);
    if (SCREENSHOTS) await page.screenshot({ path: `${SHOTS}change-calendar.png`, fullPage: true });

    await page.getByText('Week', { exact: true }).click();
    await page
      .getByRole('table', { name: 'Changes in this week' })
      .getByRole('link', { name: change.number })
      .waitFor();
    await page.close();
  });

  it('lists changes by status and shows a CAB meeting with its agenda, accessibly', async () => {
    const page = await pageAs('alice', '/changes?status=approved');
    const table = page.getByRole('table', { name: 'Changes' });
    await table.getByRole('link', { name: change.number }).waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    await page.goto('/changes?status=new');
    await table.getByText('No change.').waitFor({ timeout: 15_000 });

    const cab = await manager.post<{ cabId: string }>('/v1/cabs', { name: 'Weekly CAB', members: ['user-maria'] });
    const meeting = await manager.post<{ meetingId: string }>('/v1/cab-meetings', {
      cabId: cab.body.cabId,
      title: 'CAB of the week',
      startsAt: new Date(Date.now() + DAY).toISOString(),
    });
    expect(meeting.status).toBe(201);
    await page.goto(`/cab-meetings/${meeting.body.meetingId}`);
    await page.getByRole('heading', { level: 1, name: 'CAB of the week' }).waitFor({ timeout: 15_000 });
    await page.getByText('No change waits on this CAB.').waitFor();
    await expectAccessible(page);
    await page.goto('/cab-meetings');
    await page.getByRole('link', { name: 'CAB of the week' }).waitFor({ timeout: 15_000 });
    await expectAccessible(page);
    await page.close();
  });
});
