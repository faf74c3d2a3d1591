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

/** The axe-core rules the console is held to: WCAG 2.1 A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * An axe-core run of the page as it is now, with the same rules (`AXE_TAGS`), for its violations
 * only, done the cheap way (a third to a half of the default's time on the console's pages):
 * - `resultTypes: ['violations']` builds selectors and HTML snippets for violating nodes only, not
 *   for every passing one (axe-core API, "Performance"); the rules that run are the same.
 * - legacy mode runs `axe.run` in the page itself, where the default mode runs `axe.runPartial` in
 *   every frame and then `axe.finishRun` in a new blank page, and ignores `resultTypes` (axe-core
 *   issue 4427). The modes differ only for frames, so a page with frames gets the default mode.
 * `options()` replaces the options `withTags` sets, so it comes first.
 */
export function axeAnalyze(page: Page) {
  const builder = new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).withTags(AXE_TAGS);
  return (page.frames().length === 1 ? builder.setLegacyMode() : builder).analyze();
}

/** Serious and critical accessibility violations on the page as it is now (axe-core, WCAG 2.1 AA). */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  const result = await axeAnalyze(page);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact ?? '',
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}
