import type { Page } from 'playwright-core';

/** What the focused element says: its accessible-ish text (label, text, placeholder) and tag. */
export function focused(page: Page): Promise<{ tag: string; text: string }> {
  // A string, so this Node-side file needs no DOM types.
  return page.evaluate(`(() => {
    const el = document.activeElement;
    if (!el) return { tag: '', text: '' };
    const text =
      el.getAttribute('aria-label') ??
      ((el.textContent || '').trim() ||
        el.getAttribute('placeholder') ||
        (el.id ? (document.querySelector('label[for="' + el.id + '"]') || {}).textContent : '') ||
        '');
    return { tag: el.tagName.toLowerCase(), text: String(text).trim() };
  })()`);
}

/**
 * Press Tab (or Shift+Tab) until the focused element matches: how a keyboard user reaches a
 * control. Fails after `max` presses, naming what was focused on the way.
 */
export async function tabTo(
  page: Page,
  matches: (f: { tag: string; text: string }) => boolean,
  options: { max?: number; backwards?: boolean } = {},
): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < (options.max ?? 120); i++) {
    await page.keyboard.press(options.backwards ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (matches(f)) return;
    seen.push(`${f.tag}:${f.text.slice(0, 30)}`);
  }
  throw new Error(`keyboard focus never reached the control; went through ${seen.slice(-25).join(' | ')}`);
}

/** Sign in through the OpenID provider's page (the local one lists the demo users as buttons). */
export async function signInAs(page: Page, user: string, start = '/'): Promise<void> {
  await page.goto(start);
  await page.waitForURL(/\/_local\/idp\/authorize/);
  await page
    .getByRole('button', { name: new RegExp(`\\b${user}\\b`, 'i') })
    .first()
    .click();
  await page.waitForURL((url) => !url.pathname.includes('/_local/idp/') && !url.pathname.startsWith('/callback'));
}
