import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../infra/local/runtime';
import { DEMO_USERS } from '../../infra/local/seed';
import { axeViolations, launchBrowser } from '../../test/support/browser';
import { client, eventually } from '../../test/support/runtime';
import { seededRuntime } from '../../test/support/seeded';
import { focused, signInAs, tabTo } from './support';
import { axeTour, consolePages } from './tour';

/**
 * The journeys in Chromium against the local runtime: sign-in through the local OpenID
 * provider (code + PKCE), the desk's main flow by keyboard alone, two agents on one ticket, the
 * customer's view, and the survey link from the mailbox.
 */
let rt: Runtime;
let browser: Browser;
const contexts: BrowserContext[] = [];
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  const [seeded, b] = await Promise.all([seededRuntime({ waitScale: 0 }), launchBrowser()]);
  rt = seeded.rt;
  browser = b;
  const token = await rt.token({ user: 'admin', roles: [...DEMO_USERS[0]!.roles] });
  admin = client(rt, token);
}, 300_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await rt?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: rt.consoleUrl, viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  return context.newPage();
}

async function expectAccessible(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
}

interface Created {
  ticketId: string;
  number: string;
  version: number;
}

async function newIncident(title: string, extra: Record<string, unknown> = {}): Promise<Created> {
  const r = await admin.post<Created>('/v1/incidents', {
    title,
    caller: { id: 'user-carol', name: 'Carol', email: 'carol@acme.example' },
    customerId: 'acme',
    assignmentGroup: 'web-team',
    assigneeId: 'user-alice',
    ...extra,
  });
  expect(r.status).toBe(201);
  return r.body;
}

describe('the agent console', () => {
  it('an agent signs in and goes queue → ticket → comment → resolve by keyboard alone', async () => {
    const ticket = await newIncident('Keyboard journey: VPN drops every hour');
    const page = await newPage();
    await signInAs(page, 'alice');
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    // The ticket is in "My work": Tab to its number, Enter opens it.
    await page.getByRole('table', { name: 'My work' }).getByText(ticket.number).waitFor();
    await expectAccessible(page);
    await tabTo(page, (f) => f.text === ticket.number);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: new RegExp(ticket.number) }).waitFor();
    await page.getByText('Add a comment').waitFor();
    // Comment: Tab to the text box, type, Tab to the button, Enter.
    await tabTo(page, (f) => f.tag === 'textarea' && f.text === 'Write a comment');
    await page.keyboard.type('Restarted the VPN concentrator; watching it.');
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'Add comment');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Timeline' }).getByText('Restarted the VPN concentrator').waitFor();
    // Resolve: back up to the header's Resolve button, Enter, fill the form by keyboard.
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'Resolve', { backwards: true, max: 200 });
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await tabTo(page, (f) => f.tag === 'textarea');
    await page.keyboard.type('The concentrator leaked sessions; patched and restarted.');
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'Resolve');
    await page.keyboard.press('Enter');
    await page.getByText(`${ticket.number}: resolved.`).waitFor();
    const after = await admin.get<{ status: string; resolutionSummary: string }>(`/v1/tickets/${ticket.ticketId}`);
    expect(after.body.status).toBe('resolved');
    expect(after.body.resolutionSummary).toContain('patched');
    const comments = await admin.get<{ items: { text: string }[] }>(`/v1/tickets/${ticket.ticketId}/comments`);
    expect(comments.body.items.map((c) => c.text)).toContain('Restarted the VPN concentrator; watching it.');
    expect((await focused(page)).tag).not.toBe('');
  });

  it('two agents change one ticket: the second sees what changed, retries, and nothing is lost', async () => {
    const ticket = await newIncident('Conflict journey: printer queue stuck');
    const alice = await newPage();
    const bob = await newPage();
    await signInAs(alice, 'alice', `/tickets/${ticket.ticketId}`);
    await signInAs(bob, 'bob', `/tickets/${ticket.ticketId}`);
    await alice.getByRole('heading', { name: new RegExp(ticket.number) }).waitFor();
    await bob.getByRole('heading', { name: new RegExp(ticket.number) }).waitFor();
    // Alice sets it pending first.
    await alice.getByRole('button', { name: 'Actions' }).click();
    await alice.getByRole('menuitem', { name: 'Set pending…' }).click();
    await alice.getByRole('dialog').getByLabel('Reason (kept in the history)').fill('Waiting for the caller');
    await alice.getByRole('dialog').getByRole('button', { name: 'Set pending' }).click();
    await alice.getByText(`${ticket.number}: set pending.`).waitFor();
    // Bob, on the version he read, resolves: 409, he sees the status change, retries.
    await bob.getByRole('button', { name: 'Resolve' }).click();
    await bob.getByRole('dialog').getByLabel('Resolution summary').fill('Cleared the spooler.');
    await bob.getByRole('dialog').getByRole('button', { name: 'Resolve' }).click();
    const alert = bob.getByText('Someone changed this ticket since you opened it');
    await alert.waitFor();
    await expect(bob.getByRole('list', { name: 'Changes since you opened the ticket' }).textContent()).resolves.toMatch(
      /Status: in-progress|Status: assigned|Status: new/,
    );
    await expectAccessible(bob);
    await bob.getByRole('button', { name: 'Retry my change' }).click();
    await bob.getByText(`${ticket.number}: resolved.`).waitFor();
    const history = await admin.get<{ items: { action: string; changes?: Record<string, { to?: unknown }> }[] }>(
      `/v1/tickets/${ticket.ticketId}/history`,
    );
    const statuses = history.body.items.map((h) => h.changes?.status?.to).filter(Boolean);
    expect(statuses).toContain('pending');
    expect(statuses).toContain('resolved');
    const now = await admin.get<{ status: string; resolutionSummary: string }>(`/v1/tickets/${ticket.ticketId}`);
    expect(now.body).toMatchObject({ status: 'resolved', resolutionSummary: 'Cleared the spooler.' });
  });
});

/** Resolve and close a ticket, then the survey link the customers service mailed its caller. */
async function surveyLinkFor(title: string): Promise<{ number: string; link: string }> {
  const ticket = await newIncident(title);
  const read = await admin.get<{ version: number }>(`/v1/tickets/${ticket.ticketId}`);
  await admin.post(
    `/v1/tickets/${ticket.ticketId}/resolve`,
    { resolutionCode: 'fixed', resolutionSummary: 'Replaced the cable.' },
    { 'if-match': `"${read.body.version}"` },
  );
  await admin.post(`/v1/tickets/${ticket.ticketId}/close`, {});
  const mail = await eventually(
    async () =>
      rt.mailbox
        .messages('carol@acme.example')
        .find((m) => m.subject.startsWith('How did we do?') && m.subject.includes(ticket.number)),
    30_000,
    `the survey mail for ${ticket.number}`,
  );
  const link = /(http:\/\/\S+\/survey\/[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  expect(link, mail.text).toBeDefined();
  return { number: ticket.number, link: link! };
}

describe('the customer portal', () => {
  it("a customer reports an incident, sees only their organisation's tickets and public comments, replies and confirms", async () => {
    const page = await newPage();
    await signInAs(page, 'carol');
    await page.getByRole('heading', { name: 'Service portal', level: 1 }).waitFor();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Report an incident' }).click();
    await page.getByLabel('Title').fill('Portal journey: invoices page is blank');
    await page.getByLabel('Description').fill('Since this morning the invoices page shows nothing.');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Report incident' }).click();
    const heading = page.getByRole('heading', { name: /INC-\d+: Portal journey/ });
    await heading.waitFor();
    const number = (await heading.textContent())!.split(':')[0]!;
    const id = page.url().split('/').pop()!;

    // Staff answer: one public comment, one internal note; the customer sees the public one only.
    await admin.post(`/v1/tickets/${id}/comments`, { text: 'We are looking at it now.', visibility: 'public' });
    await admin.post(`/v1/tickets/${id}/comments`, {
      text: 'INTERNAL: suspect the PDF renderer',
      visibility: 'internal',
    });
    await page.reload();
    await page.getByText('We are looking at it now.').waitFor();
    expect(await page.getByText('INTERNAL: suspect the PDF renderer').count()).toBe(0);
    await expectAccessible(page);

    // Reply.
    await page.getByLabel('Reply').fill('Thanks, it is still blank for me.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByText('Thanks, it is still blank for me.').waitFor();

    // The list: ACME's tickets only (Globex has one in the demo data).
    await page.getByRole('link', { name: 'Our tickets' }).click();
    await page.getByRole('table', { name: 'Tickets' }).getByText(number).waitFor();
    const shown = await page.getByRole('table', { name: 'Tickets' }).textContent();
    expect(shown).not.toContain('Shared mailbox does not sync');
    const all = await admin.get<{ items: { number: string; customerId?: string }[] }>('/v1/tickets?limit=100');
    for (const t of all.body.items.filter((t) => t.customerId === 'globex')) expect(shown).not.toContain(t.number);
    await expectAccessible(page);

    // The desk resolves; Carol confirms.
    const current = await admin.get<{ version: number }>(`/v1/tickets/${id}`);
    await admin.post(
      `/v1/tickets/${id}/resolve`,
      { resolutionCode: 'fixed', resolutionSummary: 'Restarted the PDF renderer.' },
      { 'if-match': `"${current.body.version}"` },
    );
    await page.goto(`/tickets/${id}`);
    await page.getByRole('button', { name: 'Confirm resolution' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm resolution' }).click();
    await page.getByText(`${number}: resolution confirmed, closed.`).waitFor();
    expect((await admin.get<{ status: string }>(`/v1/tickets/${id}`)).body.status).toBe('closed');
  });

  it('the survey link from the mailbox works once without sign-in, says so the second time, and after expiry', async () => {
    const { number, link } = await surveyLinkFor('Survey journey: scanner offline');
    expect(link.startsWith(`${rt.consoleUrl}/survey/`)).toBe(true);

    const page = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'How did we do?' }).waitFor();
    await page.getByText(`Your ticket ${number}`).waitFor();
    expect(page.url()).not.toContain('/_local/idp/');
    await expectAccessible(page);
    await page.getByLabel('4: Satisfied').check();
    await page.getByLabel('Anything you want to tell us (optional)').fill('Quick and friendly.');
    await page.getByRole('button', { name: 'Send my answer' }).click();
    await page.getByText('Thank you for your answer').waitFor();

    const again = await newPage();
    await again.goto(link);
    await again.getByText('This survey was already answered').waitFor();
    await expectAccessible(again);

    // Another survey, opened after its 14 days: the page says it expired.
    const late = await surveyLinkFor('Survey journey: badge reader');
    rt.setTime(Date.now() + 15 * 86_400_000);
    try {
      const expired = await newPage();
      await expired.goto(late.link);
      await expired.getByText('This survey has expired').waitFor();
      expect(await expired.getByRole('button', { name: 'Send my answer' }).count()).toBe(0);
    } finally {
      rt.setTime(undefined);
    }
  });
});

describe('attachments', () => {
  it('an attachment goes up and comes down from the bucket, and an expired link is refused', async () => {
    const ticket = await newIncident('Attachment journey: the export fails');
    const page = await newPage();
    await signInAs(page, 'alice', `/tickets/${ticket.ticketId}`);
    await page.getByRole('heading', { name: new RegExp(ticket.number) }).waitFor();
    await page.locator('input[type=file]').setInputFiles({
      name: 'export.log',
      mimeType: 'text/plain',
      buffer: Buffer.from('ERROR 42: the export failed\n'),
    });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('export.log attached.').waitFor();
    await expectAccessible(page);

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download export.log' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('export.log');
    expect(readFileSync(await download.path(), 'utf8')).toBe('ERROR 42: the export failed\n');
    // From the bucket's domain (the AWS endpoint here), never the console's.
    expect(new URL(download.url()).origin).toBe(new URL(rt.awsUrl).origin);

    // Five minutes and a second later, S3 refuses the same link.
    const s3 = rt.s3!;
    const realNow = s3.now;
    s3.now = () => Date.now() + 301_000;
    try {
      const late = await page.request.get(download.url());
      expect(late.status()).toBe(403);
      expect(await late.text()).toContain('Request has expired');
    } finally {
      s3.now = realNow;
    }
  });
});

describe('accessibility', () => {
  it('axe finds no serious or critical violation on any page of the console or portal', async () => {
    const ticket = await newIncident('Accessibility tour: a ticket with a comment');
    await admin.post(`/v1/tickets/${ticket.ticketId}/comments`, { text: 'Looking into it.', visibility: 'public' });
    const ci = (await admin.get<{ items: { ciId: string }[] }>('/v1/cis?limit=1')).body.items[0]!;
    const survey = await surveyLinkFor('Accessibility tour: the survey page');
    const results = await axeTour(
      browser,
      rt,
      consolePages({ ticketId: ticket.ticketId, ciId: ci.ciId, surveyPath: new URL(survey.link).pathname }),
    );
    const bad = results
      .map((r) => ({
        page: `${r.user || 'anonymous'} ${r.path}`,
        v: r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
      }))
      .filter((r) => r.v.length);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(17);
  }, 300_000);
});
