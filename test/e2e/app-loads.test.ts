import { describe, expect, it } from 'vitest';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';

describe('the app in Chromium', () => {
  const app = useAppInBrowser();

  for (const viewport of [
    { name: 'desktop', width: 1280, height: 800 },
    { name: 'phone', width: 375, height: 740 },
  ]) {
    it(`loads and renders the login form (${viewport.name})`, async () => {
      const context = await app.browser.newContext({ viewport });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error')
          problems.push(`console: ${message.text()} @ ${message.location().url}`);
      });
      page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));

      const response = await page.goto(app.server.url, { waitUntil: 'networkidle' });
      expect(response?.status()).toBe(200);
      await page.getByRole('heading', { name: 'Sign in to Westwind' }).waitFor();
      const form = page.getByTestId('login-form');
      await expect(form.locator('input[name="address"]').isVisible()).resolves.toBe(true);
      await expect(form.locator('input[name="password"]').isVisible()).resolves.toBe(true);
      await page.screenshot({ path: artifactPath(`login-${viewport.name}.png`), fullPage: true });
      // A CSP violation or a missing asset shows up here; the strict CSP must not break the app.
      // The only expected failure: asking for the session before signing in answers 401.
      expect(problems.filter((p) => !/status of 401 .*@ .*\/api\/session$/.test(p))).toEqual([]);
      await context.close();
    });
  }
});
