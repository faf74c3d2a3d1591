import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS } from '../../infra/local/seed';
import { axeViolations, launchBrowser, signedInContext } from '../../test/support/browser';
import { as, type Client } from '../../test/support/runtime';
import { seededRuntime } from '../../test/support/seeded';

/**
 * The console's configuration, service, customer and reporting pages in a real Chromium against the
 * local runtime with the demo organisation: each page shows seeded data, one of its actions works
 * end to end through the UI, and axe finds no serious or critical violation on it.
 * `ITSM_SCREENSHOTS=1` also saves the CI and agreements pages for the README (docs/screenshots).
 */
const SCREENSHOTS = process.env.ITSM_SCREENSHOTS === '1';
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let rt: Runtime;
let browser: Browser;
let admin: Client;
const contexts = new Map<string, BrowserContext>();

beforeAll(async () => {
  const demoAdmin = DEMO_USERS[0]!;
  const [seeded, b] = await Promise.all([seededRuntime(), launchBrowser()]);
  rt = seeded.rt;
  browser = b;
  admin = await as(rt, 'admin', [...demoAdmin.roles]);
  // The run's demo seed (done once, possibly by another file) and a cold browser on a shared machine.
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
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(path);
  return page;
}

async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length) console.error(JSON.stringify(violations, null, 2));
  expect(violations).toEqual([]);
}

describe('CMDB pages', () => {
  it('lists the seeded CIs; a configuration manager registers a CI and finds it on its page', async () => {
    const page = await pageAs('conrad', '/cis');
    const table = page.getByRole('table', { name: 'Configuration items' });
    // The first page of the file waits longest: the browser loads the console's bundle cold.
    await table.getByRole('link', { name: 'CI-1', exact: true }).waitFor({ timeout: 60_000 });
    expect(await table.getByText('DC Frankfurt').count()).toBe(1);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Register CI' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /^Type/ }).click();
    await page.getByRole('option', { name: 'Server' }).click();
    await dialog.getByLabel('Name').fill('web-99');
    await dialog.getByLabel('cpu').fill('2');
    await dialog.getByLabel('memoryGb').fill('8');
    await dialog.getByRole('button', { name: /^os / }).click();
    await page.getByRole('option', { name: 'linux' }).click();
    await dialog.getByRole('button', { name: 'Register' }).click();

    await page.waitForURL(/\/cis\/CI-\d+$/);
    await page.getByRole('heading', { level: 1, name: /^CI-\d+ web-99$/ }).waitFor({ timeout: 15_000 });
    const number = page.url().split('/').pop()!;
    const stored = await admin.get<{ name: string; typeId: string; attributes: Record<string, unknown> }>(
      `/v1/cis/${number}`,
    );
    expect(stored.body).toMatchObject({
      name: 'web-99',
      typeId: 'server',
      attributes: { cpu: 2, memoryGb: 8, os: 'linux' },
    });
    await page.close();
  });

  it('offers an auditor, who reads the CMDB, no action on it', async () => {
    const page = await pageAs('audrey', '/cis');
    await page
      .getByRole('table', { name: 'Configuration items' })
      .getByRole('link', { name: 'CI-1', exact: true })
      .waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: 'Register CI' }).count()).toBe(0);
    await page.goto('/cis/CI-1');
    await page.getByRole('heading', { level: 1, name: 'CI-1 DC Frankfurt' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Record verification' }).count()).toBe(0);
    await page.close();
  });

  it('shows a CI with its attributes, impact graph and text alternative; a stale edit is a readable 409; a verification is recorded', async () => {
    // db-orders runs on app-05 and the order service depends on it: both sides of the graph.
    const cis = await admin.get<{ items: Array<{ ciId: string; number: string; name: string; version: number }> }>(
      '/v1/cis?typeId=database&limit=100',
    );
    const db = cis.body.items.find((c) => c.name === 'db-orders')!;
    const page = await pageAs('conrad', `/cis/${db.number}`);
    await page.getByRole('heading', { level: 1, name: `${db.number} db-orders` }).waitFor({ timeout: 15_000 });
    expect(await page.getByText('backupVerifiedOn (optional)').count()).toBeGreaterThan(0);
    expect(await page.getByText('postgresql').count()).toBeGreaterThan(0);
    const nodes = page.getByRole('table', { name: `CIs related to ${db.number} by dependency` });
    await nodes.getByText('Order service').waitFor({ timeout: 15_000 });
    expect(await nodes.getByText('app-05').count()).toBe(1);
    expect(await nodes.getByText('this CI depends on it').count()).toBeGreaterThan(0);
    await page.locator('[data-testid="impact-graph"] canvas').first().waitFor();
    await expectAccessible(page);
    if (SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.locator('[data-testid="impact-graph"]').evaluate((e) => e.scrollIntoView({ block: 'center' }));
      await page.screenshot({ path: `${SHOTS}ci.png` });
    }

    // Someone else changes the CI after the page was read: the edit answers 409, said in words.
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog');
    await edit.getByLabel('Reason (optional)').fill('Moved to a bigger host');
    expect(
      (
        await admin.patch(
          `/v1/cis/${db.ciId}`,
          { owner: 'user-bob', reason: 'Bob runs the order database now' },
          db.version,
        )
      ).status,
    ).toBe(200);
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByText(/^Someone changed this CI since you opened it/).waitFor({ timeout: 15_000 });
    // The form now holds the CI as it is: the retry is saved.
    await expect.poll(() => edit.getByLabel('Owner (optional)').inputValue(), { timeout: 15_000 }).toBe('user-bob');
    await edit.getByLabel('Reason (optional)').fill('Moved to a bigger host');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^CI-\d+ saved \(version \d+\)\.$/).waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Record verification' }).click();
    const verify = page.getByRole('dialog');
    await verify.getByText('Discrepancy: the record differs from reality').click();
    await verify.getByLabel('Notes (optional)').fill('Runs on app-06 now');
    await verify.getByRole('button', { name: 'Record' }).click();
    await page.getByText(/^Verification of CI-\d+ recorded: discrepancy\.$/).waitFor({ timeout: 15_000 });
    const after = await admin.get<{ lastVerificationResult?: string }>(`/v1/cis/${db.ciId}`);
    expect(after.body.lastVerificationResult).toBe('discrepancy');
    await page.close();
  });

  it('adds a relationship to a CI and removes it again', async () => {
    const apps = await admin.get<{ items: Array<{ ciId: string; number: string; name: string }> }>('/v1/cis?limit=100');
    const hr = apps.body.items.find((c) => c.name === 'HR portal')!;
    const mail = apps.body.items.find((c) => c.name === 'db-mail')!;
    const page = await pageAs('conrad', `/cis/${hr.number}`);
    await page.getByRole('heading', { level: 1, name: `${hr.number} HR portal` }).waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Add relationship' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /^Relationship type/ }).click();
    await page.getByRole('option', { name: /^depends-on/ }).click();
    await dialog.getByRole('button', { name: /^Target CI/ }).click();
    await page.getByRole('option', { name: `${mail.number} db-mail` }).click();
    await dialog.getByRole('button', { name: 'Add relationship' }).click();
    await page.getByRole('tab', { name: 'Relationships' }).click();
    const table = page.getByRole('table', { name: `Relationships of ${hr.number}` });
    await table.getByRole('link', { name: `${mail.number} db-mail` }).waitFor({ timeout: 15_000 });
    const added = await admin.get<{ items: Array<{ type: string; ciId: string; direction: string }> }>(
      `/v1/cis/${hr.ciId}/relationships`,
    );
    expect(added.body.items).toContainEqual(
      expect.objectContaining({ type: 'depends-on', ciId: mail.ciId, direction: 'outgoing' }),
    );

    await table.getByRole('button', { name: `Remove depends-on relationship with ${mail.number}` }).click();
    await table.getByRole('link', { name: `${mail.number} db-mail` }).waitFor({ state: 'detached', timeout: 15_000 });
    const after = await admin.get<{ items: Array<{ ciId: string }> }>(`/v1/cis/${hr.ciId}/relationships`);
    expect(after.body.items.map((r) => r.ciId)).not.toContain(mail.ciId);
    await page.close();
  });

  it('lists the CI types with their attributes; a configuration manager defines a type', async () => {
    const page = await pageAs('conrad', '/ci-types');
    const table = page.getByRole('table', { name: 'CI types' });
    await table.getByText('os: enum (linux, windows), required').waitFor({ timeout: 30_000 });
    await page.getByRole('table', { name: 'Relationship types' }).getByText('runs-on', { exact: true }).waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Define CI type' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Type id').fill('load-balancer');
    await dialog.getByLabel('Type name').fill('Load balancer');
    await dialog.getByLabel('Attribute 1 name').fill('listeners');
    await dialog.getByRole('button', { name: /^Attribute 1 kind/ }).click();
    await page.getByRole('option', { name: 'number' }).click();
    await dialog.getByText('Required', { exact: true }).click();
    await dialog.getByRole('button', { name: 'Define', exact: true }).click();
    await table.getByText('listeners: number, required').waitFor({ timeout: 15_000 });
    const stored = await admin.get<{ attributes: unknown[] }>('/v1/ci-types/load-balancer');
    expect(stored.body.attributes).toEqual([{ name: 'listeners', type: 'number', required: true }]);
    await page.close();
  });
});

describe('service pages', () => {
  it('shows the portfolio, a service with its acceptance criteria and the catalogue; a portfolio manager registers a service and moves it on', async () => {
    const page = await pageAs('petra', '/catalogue?service=SVC-1');
    await page
      .getByRole('table', { name: 'Acceptance criteria of SVC-1' })
      .getByText('Operations runbook reviewed')
      .waitFor({ timeout: 30_000 });
    await page.getByRole('table', { name: 'Service catalogue' }).getByText('ACME web shop', { exact: true }).waitFor();
    expect(await page.getByRole('table', { name: 'Suppliers of SVC-1' }).getByText('Example Hosting Ltd').count()).toBe(
      1,
    );
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Register service' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Service name').fill('Backup and restore');
    await dialog.getByLabel('Description').fill('Nightly backups of every database, restores on request');
    await dialog.getByLabel('Service owner').fill('user-petra');
    await dialog.getByLabel('Acceptance criterion (optional)').fill('Restore test passed');
    await dialog.getByRole('button', { name: 'Register', exact: true }).click();
    await page.getByRole('heading', { name: /^SVC-\d+ Backup and restore$/ }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Move to planned' }).click();
    await page.getByRole('button', { name: 'Move to live' }).waitFor({ timeout: 15_000 });
    const number = new URL(page.url()).searchParams.get('service')!;
    expect((await admin.get<{ status: string }>(`/v1/services/${number}`)).body.status).toBe('planned');
    await page.close();
  });

  it('shows agreements with targets and compliance, and the calendars; a service level manager defines a calendar', async () => {
    // The seed records its two SLAs side by side: find ACME's number.
    const slas = await admin.get<{ items: Array<{ agreementId: string; customerId?: string }> }>(
      '/v1/agreements?kind=sla',
    );
    const acme = slas.body.items.find((a) => a.customerId === 'acme')!.agreementId;
    const page = await pageAs('sam', `/agreements?agreement=${acme}`);
    const targets = page.getByRole('table', { name: `Targets of ${acme}` });
    await targets.getByText('15 min').waitFor({ timeout: 30_000 });
    const compliance = page.getByRole('table', { name: `Compliance of ${acme}` });
    await compliance.getByText('resolution').waitFor({ timeout: 15_000 });
    await page
      .getByRole('table', { name: 'Business calendars' })
      .getByText('Christmas Day', { exact: false })
      .waitFor();
    await expectAccessible(page);
    if (SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page
        .getByRole('heading', { level: 2, name: new RegExp(`^${acme} `) })
        .evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: `${SHOTS}agreements.png` });
    }

    await page.getByRole('button', { name: 'Define calendar' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Calendar id').fill('office-dublin');
    await dialog.getByLabel('Calendar name').fill('Office hours Dublin');
    await dialog.getByLabel('Time zone').fill('Europe/Dublin');
    await dialog.getByLabel('Holidays (optional)').fill('2027-03-17 Saint Patrick\u2019s Day');
    await dialog.getByRole('button', { name: 'Define', exact: true }).click();
    await page
      .getByRole('table', { name: 'Business calendars' })
      .getByText('Office hours Dublin')
      .waitFor({ timeout: 15_000 });
    const stored = await admin.get<{ calendar: { timeZone: string; holidays: unknown[] } }>(
      '/v1/calendars/office-dublin',
    );
    expect(stored.body.calendar).toMatchObject({
      timeZone: 'Europe/Dublin',
      holidays: [{ date: '2027-03-17', name: 'Saint Patrick\u2019s Day' }],
    });
    await page.close();
  });
});

describe('customer pages', () => {
  it('shows a customer with its contacts; a customers manager adds a contact', async () => {
    const page = await pageAs('cora', '/customers?customer=acme');
    const contacts = page.getByRole('table', { name: 'Contacts of ACME Corp' });
    await contacts.getByText('Tom Becker').waitFor({ timeout: 30_000 });
    expect(await contacts.getByText('carol@acme.example').count()).toBe(1);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Add contact' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Contact name').fill('Nina Weber');
    await dialog.getByLabel('E-mail').fill('nina.weber@acme.example');
    await dialog.getByText('Receives SLA violation notices').click();
    await dialog.getByRole('button', { name: 'Add contact' }).click();
    await contacts.getByText('nina.weber@acme.example').waitFor({ timeout: 15_000 });
    const stored = await admin.get<{ items: Array<{ email: string; receivesServiceLevelNotices: boolean }> }>(
      '/v1/customers/acme/contacts',
    );
    expect(stored.body.items).toContainEqual(
      expect.objectContaining({ email: 'nina.weber@acme.example', receivesServiceLevelNotices: true }),
    );
    await page.close();
  });

  it('records a complaint, responds to it and closes it; survey results are shown', async () => {
    const page = await pageAs('cora', '/complaints');
    await page.getByRole('table', { name: 'Survey results' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Record complaint' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /^Customer/ }).click();
    await page.getByRole('option', { name: 'ACME Corp' }).click();
    await dialog.getByLabel('Subject').fill('Checkout outage during our sale');
    await dialog.getByLabel('What happened').fill('The shop was down for two hours on our busiest day.');
    await dialog.getByRole('button', { name: 'Record', exact: true }).click();
    const table = page.getByRole('table', { name: 'Complaints' });
    await table.getByText('Checkout outage during our sale').waitFor({ timeout: 15_000 });
    await expectAccessible(page);

    const listed = await admin.get<{ items: Array<{ number: string; subject: string }> }>('/v1/complaints');
    const { number } = listed.body.items.find((c) => c.subject === 'Checkout outage during our sale')!;
    await page.getByRole('radio', { name: `Choose ${number}` }).check();
    await page.getByRole('button', { name: 'Respond', exact: true }).click();
    dialog = page.getByRole('dialog');
    await dialog
      .getByLabel('Response to the customer')
      .fill('We are sorry; the payment provider failed. We added a fallback.');
    await dialog.getByRole('button', { name: 'Send response' }).click();
    await table.getByText('responded', { exact: true }).waitFor({ timeout: 15_000 });

    await page.getByRole('radio', { name: `Choose ${number}` }).check();
    await page.getByRole('button', { name: 'Close complaint' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('Closure note').fill('Customer accepted the explanation in the review call.');
    await dialog.getByRole('button', { name: 'Close complaint' }).click();
    await table.getByText('Customer accepted the explanation in the review call.').waitFor({ timeout: 15_000 });
    expect((await admin.get<{ status: string }>(`/v1/complaints/${number}`)).body.status).toBe('closed');
    await page.close();
  });
});

describe('reporting page', () => {
  it('lists reports and the KPI catalogue; a reporting manager runs a report and sees its result', async () => {
    const created = await admin.post<{ number: string }>('/v1/reports', {
      title: 'Monthly ticket counts',
      purpose: 'How many tickets each status holds, for the service review',
      audience: 'Service owners',
      contentType: 'performance',
      frequency: { every: 'monthly', day: 1, at: '08:00', timeZone: 'Europe/Berlin' },
      content: { kind: 'aggregate', aggregate: 'ticket-counts' },
      formats: ['csv'],
      recipients: [],
      owner: { id: 'user-rita', email: 'rita@example.org' },
      status: 'active',
    });
    expect(created.status).toBe(201);
    const page = await pageAs('rita', `/reports?report=${created.body.number}`);
    await page
      .getByRole('table', { name: 'KPI catalogue' })
      .getByText('not computed yet')
      .first()
      .waitFor({ timeout: 30_000 });
    const runs = page.getByRole('table', { name: `Runs of ${created.body.number}` });
    await runs.getByText('Not produced yet').waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Run now' }).click();
    await runs.getByText('succeeded').waitFor({ timeout: 30_000 });
    expect(await runs.getByRole('link', { name: /^Download CSV/ }).count()).toBe(1);

    // A KPI computed now shows its value against its target.
    const kpis = page.getByRole('table', { name: 'KPI catalogue' });
    await kpis.getByRole('button', { name: 'Compute now: Open tickets at the end of the day' }).click();
    await page.getByText(/^Open tickets at the end of the day for .+: \d+/).waitFor({ timeout: 30_000 });
    const values = await admin.get<{ items: Array<{ value: number | null }> }>('/v1/kpis/backlog/values');
    expect(values.body.items).toHaveLength(1);
    await page.close();
  });
});
