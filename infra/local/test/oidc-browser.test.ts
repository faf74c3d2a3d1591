import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portfolio } from '../../../services/portfolio/service';
import { client as apiClient } from '../../../test/support/runtime';
import { type Runtime, startRuntime } from '../runtime';

/**
 * The sign-in page in a real browser (Debian's Chromium through playwright-core): axe finds no
 * serious or critical violation, a person signs in by keyboard alone (Tab, Enter), and the
 * browser follows the form's redirect to the client despite the page's content security policy.
 */
let rt: Runtime;
let browser: Browser;
let app: Server;
let appUrl: string;

beforeAll(async () => {
  // The client's callback: a page that says it was reached (what the console's /callback would do).
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html lang="en"><title>Callback</title><main><h1>Back at the app</h1></main></html>');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  rt = await startRuntime({ awsPort: 0, apiPort: 0, waitScale: 0, schedules: false, services: [portfolio] });
  rt.oidc.registerClient({
    clientId: 'browser-app',
    redirectUris: [`${appUrl}/callback`],
    postLogoutRedirectUris: [`${appUrl}/`],
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await rt?.close();
  await new Promise((resolve) => app?.close(resolve));
});

function authorizeUrl(challenge: string, redirectUri = `${appUrl}/callback`): string {
  const url = new URL(`${rt.oidc.issuer}/authorize`);
  for (const [k, v] of Object.entries({
    client_id: 'browser-app',
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    state: 'kb-1',
    nonce: 'n-kb',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(k, v);
  return url.toString();
}

async function seriousViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe('the sign-in page in Chromium', () => {
  it('passes axe and signs a person in by keyboard alone', async () => {
    // Prepare
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const context = await browser.newContext();
    const page = await context.newPage();
    const cspErrors: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
    });
    try {
      await page.goto(authorizeUrl(challenge));
      expect(await seriousViolations(page)).toEqual([]);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Sign in/);
      // Act: Tab to the third user (maria is second after admin), then Enter.
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate('document.activeElement?.textContent');
      expect(focused).toBe('Sign in as maria');
      await Promise.all([page.waitForURL(`${appUrl}/callback?**`), page.keyboard.press('Enter')]);
      // Assess: back at the client with a code and the state; the code buys maria's tokens.
      const back = new URL(page.url());
      expect(back.searchParams.get('state')).toBe('kb-1');
      const res = await fetch(`${rt.oidc.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'browser-app',
          code: back.searchParams.get('code')!,
          redirect_uri: `${appUrl}/callback`,
          code_verifier: verifier,
        }),
      });
      const tokens = (await res.json()) as { access_token: string };
      expect(res.status).toBe(200);
      expect((await apiClient(rt, tokens.access_token).get('/v1/services')).status).toBe(200);
      expect(cspErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows an accessible error page for a redirect URI it does not know, and stays there', async () => {
    // Prepare
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      // Act
      const res = await page.goto(authorizeUrl('x'.repeat(43), 'https://evil.example/callback'));
      // Assess
      expect(res?.status()).toBe(400);
      expect(new URL(page.url()).origin).toBe(new URL(rt.awsUrl).origin);
      expect(await page.getByRole('alert').textContent()).toMatch(/redirect URI is not registered/);
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
