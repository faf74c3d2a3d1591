import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Runtime } from '../../infra/local/runtime';
import { CONSOLE_CLIENT_ID } from '../../infra/local/runtime';
import { DEMO_USERS } from '../../infra/local/seed';

/**
 * The console in a real browser: Debian's Chromium driven by playwright-core (PLATFORM-NOTES
 * "Browser tests"). Background networking is off: this machine's network is closed and Chromium
 * would keep trying Google's hosts.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser context already signed in as a demo user, without the sign-in pages: the session
 * oidc-client-ts keeps in sessionStorage, holding a token the runtime minted for that user. For
 * pages whose subject is not sign-in (the sign-in journeys go through the provider's pages).
 */
export async function signedInContext(browser: Browser, rt: Runtime, user: string): Promise<BrowserContext> {
  const demo = DEMO_USERS.find((u) => u.user === user);
  if (!demo) throw new Error(`no demo user ${user}`);
  const token = await rt.token({
    user: demo.user,
    roles: [...demo.roles],
    ...(demo.customer ? { customer: demo.customer } : {}),
  });
  const config = (await (await fetch(`${rt.consoleUrl}/config.json`)).json()) as { authority: string };
  const key = `oidc.user:${config.authority}:${CONSOLE_CLIENT_ID}`;
  const stored = JSON.stringify({
    id_token: token,
    access_token: token,
    token_type: 'Bearer',
    scope: 'openid email profile',
    profile: { sub: `user-${demo.user}`, iss: config.authority, aud: CONSOLE_CLIENT_ID, exp: 0, iat: 0 },
    expires_at: Math.floor(Date.now() / 1000) + 3600,
  });
  const context = await browser.newContext({ baseURL: rt.consoleUrl });
  await context.addInitScript(
    ([k, v]) => {
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
        k as string,
        v as string,
      );
    },
    [key, stored],
  );
  return context;
}

/** Serious and critical accessibility violations on the page as it is now (axe-core, WCAG 2.1 AA). */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}
