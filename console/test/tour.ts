import type { Browser, BrowserContext } from 'playwright-core';
import type { Runtime } from '../../infra/local/runtime';
import { axeAnalyze, signedInContext } from '../../test/support/browser';

/**
 * Every page of the console, as the user it is for, checked by axe-core (WCAG 2.1 A and AA rules).
 * The accessibility test asserts on it; the bench reports it per page.
 */
export interface PageVisit {
  user: string;
  path: string;
  /** The element that shows the page has its data. */
  ready: string;
}

export interface AxeResult extends PageVisit {
  violations: { id: string; impact: string; help: string; nodes: number; targets: string[] }[];
}

export function consolePages(ids: { ticketId: string; ciId: string; surveyPath?: string }): PageVisit[] {
  return [
    { user: 'alice', path: '/', ready: 'Home' },
    { user: 'alice', path: '/tickets', ready: 'Tickets' },
    { user: 'alice', path: `/tickets/${ids.ticketId}`, ready: 'Conversation' },
    { user: 'alice', path: '/tickets/new', ready: 'New ticket' },
    { user: 'conrad', path: '/cis', ready: '' },
    { user: 'conrad', path: `/cis/${ids.ciId}`, ready: '' },
    { user: 'conrad', path: '/ci-types', ready: '' },
    { user: 'petra', path: '/catalogue', ready: '' },
    { user: 'sam', path: '/agreements', ready: '' },
    { user: 'cora', path: '/customers', ready: '' },
    { user: 'cora', path: '/complaints', ready: '' },
    { user: 'rita', path: '/reports', ready: '' },
    { user: 'carol', path: '/', ready: 'Service portal' },
    { user: 'carol', path: '/tickets', ready: 'Tickets' },
    { user: 'carol', path: `/tickets/${ids.ticketId}`, ready: 'Conversation' },
    { user: 'carol', path: '/tickets/new', ready: 'Report an incident or request a service' },
    ...(ids.surveyPath ? [{ user: '', path: ids.surveyPath, ready: 'How did we do?' }] : []),
  ];
}

export async function axeTour(browser: Browser, rt: Runtime, pages: PageVisit[]): Promise<AxeResult[]> {
  const out: AxeResult[] = [];
  // One context per user, signed in once: each page still loads afresh in its own tab (sessionStorage,
  // which holds the session, is per tab and set by the context's init script), and the console's
  // immutable assets come from the context's cache after the first page.
  const contexts = new Map<string, BrowserContext>();
  try {
    for (const visit of pages) {
      let context = contexts.get(visit.user);
      if (!context) {
        context = visit.user
          ? await signedInContext(browser, rt, visit.user)
          : await browser.newContext({ baseURL: rt.consoleUrl });
        contexts.set(visit.user, context);
      }
      const page = await context.newPage();
      try {
        await page.goto(visit.path);
        if (visit.ready) await page.getByRole('heading', { name: visit.ready }).first().waitFor({ timeout: 30_000 });
        else await page.locator('h1').first().waitFor({ timeout: 30_000 });
        await page.waitForLoadState('networkidle');
        const result = await axeAnalyze(page);
        out.push({
          ...visit,
          violations: result.violations.map((v) => ({
            id: v.id,
            impact: v.impact ?? 'unknown',
            help: v.help,
            nodes: v.nodes.length,
            targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
          })),
        });
      } finally {
        await page.close();
      }
    }
  } finally {
    for (const context of contexts.values()) await context.close();
  }
  return out;
}
