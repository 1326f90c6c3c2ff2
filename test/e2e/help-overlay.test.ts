import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';
import { deliverOverLmtp } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';

describe('the keyboard shortcut help, loaded on demand, in Chromium', () => {
  const app = useAppInBrowser();
  const user = { address: `help-${randomUUID().slice(0, 8)}@westwind.test`, password: `pw-${randomUUID()}` };

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await deliverOverLmtp(
      'sender@example.org',
      user.address,
      `From: Sender <sender@example.org>\r\nTo: ${user.address}\r\nSubject: Hello\r\nMessage-ID: <${randomUUID()}@example.org>\r\n\r\nhello\r\n`,
    );
  });

  it('opens with ? and from the toolbar, lists the shortcuts, and closes', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const chunks: string[] = [];
    page.on('request', (request) => {
      if (/\/help-overlay-[^/]*\.js$/.test(request.url())) chunks.push(request.url());
    });
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(user.address);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(ROW).first().waitFor({ timeout: 20_000 });
    // Not part of the first load.
    expect(chunks).toEqual([]);

    await page.getByRole('listbox').focus();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor({ timeout: 10_000 });
    expect(await dialog.locator('dt').count()).toBe(15);
    await expect(dialog.textContent()).resolves.toContain('Go to Inbox');
    await page.screenshot({ path: artifactPath('help-overlay.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });

    // The toolbar's button opens it too (the chunk is fetched once).
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
    expect(chunks).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
