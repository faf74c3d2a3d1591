import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { axeViolations, launchBrowser, signedInContext } from '../../test/support/browser';
import { eventually } from '../../test/support/eventually';
import { as, type Client, testRuntime, WITHOUT_QUERY_STORE } from '../../test/support/runtime';

/**
 * The console's release management pages in a real Chromium against the local runtime and its Step
 * Functions: a release is planned on the form with two approved changes, two waves and a criterion
 * (a strategy that refuses them shows each refusal next to its change); its evidence is recorded
 * from the page, a deployment before acceptance is refused with its reason, the release manager
 * accepts it, it is deployed, wave 1 is verified passed and wave 2 failed from the page, the
 * back-out is recorded, and the page shows the waves and the outcome "rolled back". A release that
 * deployed well shows its early-life support, and its handover is refused with the exit criterion.
 * axe finds no serious or critical violation on each page (the release page while it deploys, with
 * its steps, inline decision form, gate and changes; an axe run costs seconds, so once per page).
 * `ITSM_SCREENSHOTS=1` also saves the release page during and after the deployment for the README.
 */
const SCREENSHOTS = process.env.ITSM_SCREENSHOTS === '1';
const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

let rt: Runtime;
let browser: Browser;
let staff: Client;
const contexts = new Map<string, BrowserContext>();
type Change = { changeId: string; number: string; title: string; status: string };
type Release = {
  releaseId: string;
  number: string;
  status: string;
  changeIds: string[];
  plan: { waves: { name: string }[]; backoutPlan?: string };
  gate: { criteria: { name: string; state: string }[] };
  deployment?: { phase: string; waves: { name: string; status: string; notes?: string }[]; outcome?: string };
};
const changes: Change[] = [];
/** The two changes the form bundles (the third goes into a release that deploys successfully). */
const pair = () => changes.slice(0, 2);

beforeAll(async () => {
  // No query store: these pages read the releases and changes services only (no pickers, no reports).
  rt = await testRuntime({ services: WITHOUT_QUERY_STORE });
  const [b, chloe, cmdb, manager] = await Promise.all([
    launchBrowser(),
    as(rt, 'chloe', ['changes-manager']),
    as(rt, 'cora', ['configuration-manager']),
    as(rt, 'reuben', ['releases-manager']),
  ]);
  browser = b;
  // A strategy that takes normal changes only: the form's refusal of the standard ones below.
  const strategy = await manager.post('/v1/release-strategies', {
    name: 'Normal changes only',
    approach: 'continuous',
    releaseTypes: ['minor', 'major'],
    changeTypes: ['normal'],
  });
  expect(strategy.status, JSON.stringify(strategy.body)).toBe(201);
  staff = await as(rt, 'alice', ['process-staff']);
  // Standard changes from a template are approved at once; the CIs carry the version the
  // deployment's configuration check reads (as in services/releases/test/deployment.test.ts).
  const template = await chloe.post<{ templateId: string }>('/v1/change-templates', {
    name: 'Deploy the web shop',
    description: 'A routine deployment of the web shop.',
    implementationPlan: 'Run the pipeline.',
    testPlan: 'Smoke tests.',
    backoutPlan: 'Redeploy the previous version.',
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  expect(
    (
      await cmdb.post('/v1/ci-types', {
        typeId: 'app',
        name: 'Application',
        attributes: [{ name: 'version', type: 'string' }],
      })
    ).status,
  ).toBe(201);
  for (const name of ['shop-web', 'shop-api', 'shop-db']) {
    const ci = await cmdb.post<{ ciId: string }>('/v1/cis', {
      typeId: 'app',
      name,
      status: 'active',
      attributes: { version: '1.0.0' },
    });
    expect(ci.status, JSON.stringify(ci.body)).toBe(201);
    const change = await staff.post<Change>('/v1/changes', {
      templateId: template.body.templateId,
      title: `Deploy ${name} 2.0`,
      description: `${name} 2.0`,
      ciIds: [ci.body.ciId],
      plannedStart: new Date(Date.now() - 60_000).toISOString(),
      plannedEnd: new Date(Date.now() + 6 * 3_600_000).toISOString(),
    });
    expect(change.body.status).toBe('approved');
    changes.push(change.body);
  }
  // The releases service knows changes from their events: until its copies arrive it refuses them
  // as unknown. A probe release with both, cancelled at once, says they have arrived.
  await eventually(
    async () => {
      const r = await staff.post<Release>('/v1/releases', {
        title: 'probe',
        type: 'minor',
        changeIds: changes.map((c) => c.changeId),
      });
      if (r.status !== 201) return false;
      await staff.post(`/v1/releases/${r.body.releaseId}/cancellation`, { reason: 'probe' });
      return true;
    },
    30_000,
    'the approved changes copied to release management',
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await rt?.close();
});

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

/** The whole page in one frame (a full-page capture repeats the sticky top bar part way down). */
async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
  await page.setViewportSize({ width: 1280, height: Math.min(height, 4000) });
  await page.screenshot({ path: `${SHOTS}${name}.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length) console.error(JSON.stringify(violations, null, 2));
  expect(violations).toEqual([]);
}

describe('release management pages', () => {
  let release: Release;

  it('plans a release with two approved changes, two waves and a criterion on the form', async () => {
    const page = await pageAs('alice', '/releases/new');
    await page.getByRole('heading', { level: 1, name: 'New release' }).waitFor({ timeout: 60_000 });
    await expectAccessible(page);
    await page.getByLabel('Title', { exact: true }).fill('Shop 2.0');
    const picker = page.getByRole('button', { name: /Approved changes/ });
    await picker.click();
    for (const c of pair()) await page.getByRole('option', { name: new RegExp(`^${c.number}: `) }).click();
    await page.keyboard.press('Escape');
    const chosen = page.getByRole('list', { name: 'Changes in the release' });
    for (const c of pair()) await chosen.getByText(`${c.number}: ${c.title}`).waitFor();
    await page.getByLabel('Wave 1 name').fill('canary');
    await page.getByLabel('Wave 1 environment').fill('production');
    await page.getByRole('button', { name: 'Add wave' }).click();
    await page.getByLabel('Wave 2 name').fill('everyone');
    await page.getByLabel('Wave 2 environment').fill('production');
    await page.getByLabel('Back-out plan').fill('Redeploy the previous package and restart the service.');
    await page.getByLabel('Notify (optional)').fill('ops@example.org');
    await page.getByRole('button', { name: 'Add criterion' }).click();
    await page.getByLabel('Criterion 1 name').fill('Unit tests');
    // The strategy takes normal changes only: each standard change is refused, its reason next to it.
    const strategy = page.getByRole('button', { name: /^Strategy/ });
    await strategy.click();
    await page.getByRole('option', { name: 'Normal changes only' }).click();
    await page.getByRole('button', { name: 'Record release' }).click();
    for (const c of pair())
      await chosen
        .getByRole('listitem')
        .filter({ hasText: `${c.number}: ${c.title}` })
        .getByText(`Refused: ${c.number} is a standard change; strategy "Normal changes only" takes normal changes`)
        .waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(/\/releases\/new$/);
    await strategy.click();
    await page.getByRole('option', { name: 'No strategy' }).click();
    await page.getByRole('button', { name: 'Record release' }).click();

    await page.waitForURL(/\/releases\/[^/]+$/, { timeout: 15_000 });
    const heading = page.getByRole('heading', { level: 1, name: /^REL-\d+: Shop 2.0$/ });
    await heading.waitFor({ timeout: 15_000 });
    const number = (await heading.textContent())!.split(':')[0]!;
    release = (await staff.get<Release>(`/v1/releases/${number}`)).body;
    expect(release).toMatchObject({
      status: 'planning',
      changeIds: pair().map((c) => c.changeId),
      plan: { waves: [{ name: 'canary' }, { name: 'everyone' }], backoutPlan: expect.stringContaining('previous') },
      gate: { criteria: [{ name: 'Unit tests', state: 'missing' }] },
    });
    // The included changes link to their pages.
    const table = page.getByRole('table', { name: 'Changes in the release' });
    for (const c of pair())
      expect(await table.getByRole('link', { name: c.number }).getAttribute('href')).toBe(`/changes/${c.changeId}`);
    await page.close();
  });

  it('records evidence from the page, shows a refused deployment with its reason, and is accepted', async () => {
    const page = await pageAs('alice', `/releases/${release.releaseId}`);
    await page.getByRole('heading', { level: 1, name: `${release.number}: Shop 2.0` }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Record evidence for Unit tests' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Summary').fill('412 passed, 0 failed');
    await dialog.getByLabel('Link to the run (optional)').fill('https://ci.example.org/runs/42');
    await dialog.getByRole('button', { name: 'Record evidence' }).click();
    const criteria = page.getByRole('table', { name: 'Acceptance criteria' });
    await criteria.getByText('412 passed, 0 failed').waitFor({ timeout: 15_000 });
    expect(await criteria.getByRole('row', { name: /Unit tests/ }).textContent()).toContain('passed');
    // Not accepted yet: the deployment is refused, and the page says why.
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const refusal = page.getByRole('list', { name: 'Why' });
    await refusal.waitFor({ timeout: 15_000 });
    expect(await page.getByText('The deployment was refused').count()).toBe(1);
    expect((await staff.get<Release>(`/v1/releases/${release.releaseId}`)).body.deployment).toBeUndefined();
    await page.close();

    const reuben = await pageAs('reuben', `/releases/${release.releaseId}`);
    await reuben.getByRole('button', { name: 'Accept for deployment' }).click();
    await reuben.getByRole('button', { name: 'Deploy', exact: true }).waitFor({ timeout: 15_000 });
    expect((await staff.get<Release>(`/v1/releases/${release.releaseId}`)).body.status).toBe('accepted');
    await reuben.close();
  });

  it('deploys, verifies wave 1 passed and wave 2 failed from the page, records the back-out and shows the outcome', async () => {
    const page = await pageAs('alice', `/releases/${release.releaseId}`);
    await page.getByRole('button', { name: 'Deploy', exact: true }).click();
    const progress = page.getByRole('region', { name: 'Deployment progress' });
    // The flow asks the CMDB for a baseline first; the page reads it again until wave 1 opens.
    const wave1 = page.getByRole('form', { name: 'Verification of wave 1' });
    await wave1.waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      const r = await staff.get(`/v1/releases/${release.releaseId}`);
      throw new Error(
        `${err.message}; release ${JSON.stringify(r.body.deployment)}; page: ${(await progress.innerText().catch(() => '')).slice(0, 1500)}`,
      );
    });
    await progress.getByText(/Baseline .+ captured/).waitFor();
    await wave1.getByLabel('Notes (optional)').fill('Canary healthy for 10 minutes.');
    await wave1.getByRole('button', { name: 'Record verification' }).click();

    const wave2 = page.getByRole('form', { name: 'Verification of wave 2' });
    await wave2.waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    if (SCREENSHOTS) await screenshot(page, 'release-deploying');
    await wave2.getByText('Failed: run the back-out plan').click();
    await wave2.getByLabel('Notes (optional)').fill('Error rate 4% after the switch.');
    await wave2.getByRole('button', { name: 'Record verification' }).click();

    const backout = page.getByRole('form', { name: 'Back-out result' });
    await backout.waitFor({ timeout: 30_000 });
    await backout.getByText('Completed: the previous state is back').click();
    await backout.getByLabel('Notes (optional)').fill('Previous package redeployed.');
    await backout.getByRole('button', { name: 'Record back-out' }).click();

    await progress.getByText('Outcome: rolled back').waitFor({ timeout: 30_000 });
    const text = (await progress.textContent()) ?? '';
    expect(text).toMatch(/Wave 1: canary \(passed\).*Canary healthy.*Wave 2: everyone \(failed\).*Error rate 4%/);
    expect(text).toMatch(/Back-out \(completed\).*Previous package redeployed/);
    const stored = (await staff.get<Release>(`/v1/releases/${release.releaseId}`)).body;
    expect(stored).toMatchObject({
      status: 'rolled-back',
      deployment: {
        outcome: 'rolled-back',
        waves: [
          { name: 'canary', status: 'passed', notes: 'Canary healthy for 10 minutes.' },
          { name: 'everyone', status: 'failed', notes: 'Error rate 4% after the switch.' },
        ],
      },
    });
    await page.getByRole('table', { name: 'Past deployments' }).getByText('rolled back').waitFor();
    if (SCREENSHOTS) await screenshot(page, 'release');
    await page.close();
  });

  it('shows early-life support after a successful deployment, and a handover refused with its reasons', async () => {
    // Prepared through the API (the pages for these steps are exercised above): one wave, passed.
    const made = await staff.post<Release & { gate: { criteria: { criterionId: string }[] } }>('/v1/releases', {
      title: 'Shop db 2.0',
      type: 'minor',
      changeIds: [changes[2]!.changeId],
      plan: { waves: [{ name: 'all', verification: 'manual' }], backoutPlan: 'Restore the snapshot.' },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.releaseId;
    const manager = await as(rt, 'reuben', ['releases-manager']);
    expect((await manager.post(`/v1/releases/${id}/acceptances`, { stage: 'deployment' })).status).toBe(200);
    expect((await staff.post(`/v1/releases/${id}/deployments`, {})).status).toBe(202);
    await eventually(
      async () =>
        (await staff.post(`/v1/releases/${id}/deployment/waves/1/verification`, { result: 'passed' })).status === 200,
      30_000,
      'wave 1 open and verified',
    );
    await eventually(
      async () => (await staff.get<Release>(`/v1/releases/${id}`)).body.status === 'early-life-support',
      30_000,
      'early-life support',
    );

    const page = await pageAs('reuben', `/releases/${id}`);
    await page.getByRole('heading', { level: 2, name: 'Early-life support' }).waitFor({ timeout: 30_000 });
    await page.getByRole('table', { name: 'Incidents during early life' }).getByText('No incident').waitFor();
    await page.getByRole('button', { name: 'Hand over' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Accepted by').fill('user-olga');
    await dialog.getByRole('button', { name: 'Hand over' }).click();
    // The period is not over: refused, the failing exit criterion named in the form.
    await dialog
      .getByText(/earlyLife\.until: early-life support lasts until/)
      .first()
      .waitFor({ timeout: 15_000 });
    expect((await staff.get<Release>(`/v1/releases/${id}`)).body.status).toBe('early-life-support');
    await page.close();
  });

  it('lists releases by status with their outcome, accessibly', async () => {
    const page = await pageAs('alice', '/releases?status=rolled-back');
    const table = page.getByRole('table', { name: 'Releases' });
    const row = table.getByRole('row', { name: new RegExp(release.number) });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('rolled back');
    await expectAccessible(page);
    await page.goto('/releases?status=deploying');
    await table.getByText('No release.').waitFor({ timeout: 15_000 });
    await page.close();
  });
});
