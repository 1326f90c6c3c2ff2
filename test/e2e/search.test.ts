import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSeedArgs, runSeed } from '../../infra/seed/cli.ts';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';

const stack = inject('stack');
const ROW = '[role="listbox"] [data-uid]';
const TAG = `e2e${randomUUID().slice(0, 6)}`;

function message(subject: string, from: string): string {
  return [
    `From: ${from}`,
    'To: someone@westwind.test',
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}`,
    '',
  ].join('\r\n');
}

describe('search in Chromium', () => {
  const app = useAppInBrowser();
  const address = `search-${randomUUID().slice(0, 8)}@westwind.test`;
  const password = `pw-${randomUUID()}`;

  beforeAll(async () => {
    await addMailUser(address, password);
    const options = parseSeedArgs(['--user', address, '--count', '25', '--quiet', '--workers', '0'], {
      MAIL_ROOT: stack.MAIL_ROOT,
      DOVECOT_CONFIG: stack.DOVECOT_CONFIG,
      DEMO_USER: stack.DEMO_USER,
    });
    if (options === 'help') throw new Error('unexpected help');
    await runSeed(options);
    const client = new ImapFlow({
      host: stack.IMAP_HOST,
      port: stack.IMAP_PORT,
      secure: false,
      auth: { user: address, pass: password },
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.append('INBOX', message(`${TAG} first match`, 'Ann <ann@example.org>'), []);
      await client.append('INBOX', message(`${TAG} second match`, 'Ann <ann@example.org>'), []);
      await client.append('INBOX', message(`${TAG} third match`, 'Ben <ben@example.org>'), []);
      await client.append('Sent', message(`${TAG} sent match`, address), ['\\Seen']);
    } finally {
      await client.logout();
    }
  });

  async function signIn(): Promise<Page> {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(address);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(ROW).first().waitFor({ timeout: 20_000 });
    return page;
  }

  const subjects = (page: Page) => page.locator(`${ROW} .subject`).allTextContents();

  async function searchFor(page: Page, query: string) {
    await page.getByRole('listbox').focus();
    await page.keyboard.press('/');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('search-input');
    await page.keyboard.type(query);
    await page.keyboard.press('Enter');
    await page.locator('[data-search-chip]').waitFor({ timeout: 10_000 });
  }

  it('finds matching rows, opens one, and clears the search', async () => {
    const page = await signIn();
    const before = await page.locator(ROW).count();

    await searchFor(page, `subject:${TAG} from:ann`);
    await expect
      .poll(async () => (await subjects(page)).map((s) => s.trim()), { timeout: 10_000 })
      .toEqual([`${TAG} second match`, `${TAG} first match`]);
    await expect(page.locator('[data-search-chip]').textContent()).resolves.toContain('2 results');

    // Open one: the reader shows it.
    await page.locator(ROW).first().click();
    await page
      .locator('#reader-subject')
      .filter({ hasText: `${TAG} second match` })
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifactPath('search-results.png') });

    // Clear: the folder's rows come back.
    await page.getByRole('button', { name: 'Clear search' }).click();
    await page.locator('[data-search-chip]').waitFor({ state: 'detached' });
    await expect.poll(() => page.locator(ROW).count(), { timeout: 10_000 }).toBe(before);
    await page.context().close();
  });

  it('searches every folder with in:all, opens a row from Sent, and Esc clears', async () => {
    const page = await signIn();
    await searchFor(page, `in:all ${TAG}`);
    await expect.poll(async () => (await subjects(page)).length, { timeout: 10_000 }).toBe(4);
    const sentRow = page.locator(ROW).filter({ hasText: `${TAG} sent match` });
    await sentRow.click();
    await page
      .locator('#reader-subject')
      .filter({ hasText: `${TAG} sent match` })
      .waitFor({ timeout: 10_000 });

    await page.locator('#search-input').focus();
    await page.keyboard.press('Escape');
    await page.locator('[data-search-chip]').waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('shows an error line for a bad query', async () => {
    const page = await signIn();
    await searchFor(page, 'before:someday');
    await page.getByRole('alert').filter({ hasText: 'before: needs a date' }).waitFor({ timeout: 10_000 });
    await page.context().close();
  });
});
