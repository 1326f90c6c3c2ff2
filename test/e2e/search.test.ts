import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { randomMailUser, seedMailbox, simpleMessage, withImap } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';
const TAG = `e2e${randomUUID().slice(0, 6)}`;

describe('search in Chromium', () => {
  const app = useAppInBrowser();
  const user = randomMailUser('search');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await seedMailbox(user.address, 25);
    await withImap(user, async (client) => {
      await client.append('INBOX', simpleMessage(`${TAG} first match`, 'Ann <ann@example.org>'), []);
      await client.append('INBOX', simpleMessage(`${TAG} second match`, 'Ann <ann@example.org>'), []);
      await client.append('INBOX', simpleMessage(`${TAG} third match`, 'Ben <ben@example.org>'), []);
      await client.append('Sent', simpleMessage(`${TAG} sent match`, user.address), ['\\Seen']);
    });
  });

  async function signIn(): Promise<Page> {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await signInThroughUi(page, app.server.url, user);
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
