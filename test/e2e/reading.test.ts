import type { MailboxList, MessageDetail } from '@westwind/contract';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { randomMailUser, seedMailbox } from '../support/mail.ts';

const INBOX_COUNT = 60;

/** A row of the message list (the virtual list renders only what is on screen). */
const ROW = '[role="listbox"] [data-uid]';

describe('reading and organizing mail in Chromium', () => {
  const app = useAppInBrowser();
  const user = randomMailUser('read');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await seedMailbox(user.address, INBOX_COUNT);
  });

  async function signIn(viewport: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await app.browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await signInThroughUi(page, app.server.url, user);
    return { context, page };
  }

  const api = <T>(page: Page, path: string) =>
    page.evaluate(
      async (url) => (await fetch(url, { credentials: 'same-origin' })).json(),
      path,
    ) as Promise<T>;

  async function inbox(page: Page) {
    const { mailboxes } = await api<MailboxList>(page, '/api/mailboxes');
    const found = mailboxes.find((m) => m.role === 'inbox');
    if (!found) throw new Error('no inbox');
    return found;
  }

  const inboxButton = (page: Page) => page.getByRole('navigation').locator('button[aria-current="true"]');

  it('lists folders with counts, newest mail first, and opening a message marks it read', async () => {
    const { context, page } = await signIn({ width: 1280, height: 800 });
    const before = await inbox(page);
    expect(before.total).toBe(INBOX_COUNT);
    expect(before.unread).toBeGreaterThan(0);

    // Special-use folders first, with the Inbox's unread count.
    const folderNames = await page.getByRole('navigation').locator('.folder .label').allTextContents();
    expect(folderNames[0]).toBe('Inbox');
    for (const name of ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) expect(folderNames).toContain(name);
    await expect(inboxButton(page).locator('.count').textContent()).resolves.toContain(String(before.unread));

    // Newest first.
    const dates = await page
      .locator(`${ROW} time`)
      .evaluateAll((nodes) => nodes.map((n) => Date.parse(n.getAttribute('datetime') ?? '')));
    expect(dates.length).toBeGreaterThan(5);
    expect(dates).toEqual([...dates].sort((a, b) => b - a));

    // Open the first unread message: the reader shows it, the row and the count turn read.
    const unreadRow = page.locator(`${ROW}.unread`).first();
    const uid = Number(await unreadRow.getAttribute('data-uid'));
    const subject = (await unreadRow.locator('.subject').textContent())?.trim() ?? '';
    await unreadRow.click();
    await page.locator('#reader-subject').filter({ hasText: subject }).waitFor({ timeout: 15_000 });
    await page.locator(`${ROW}[data-uid="${uid}"]:not(.unread)`).waitFor({ timeout: 5_000 });
    await expect(inboxButton(page).locator('.count').textContent()).resolves.toContain(
      String(before.unread - 1),
    );
    const detail = await api<MessageDetail>(
      page,
      `/api/mailboxes/${before.id}/messages/${uid}?markRead=false`,
    );
    expect(detail.summary.flags.seen).toBe(true);
    // The HTML body, if any, is in a sandboxed frame without scripts or same-origin access.
    const frame = page.locator('.frame');
    if ((await frame.count()) > 0) {
      expect(await frame.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    }
    await page.screenshot({ path: artifactPath('reading-wide.png') });
    await context.close();
  });

  it('stars with s, deletes with #, and undoes the delete', async () => {
    const { context, page } = await signIn({ width: 1280, height: 800 });
    const box = await inbox(page);
    const list = page.getByRole('listbox');
    await list.focus();
    const first = page.locator(ROW).first();
    const uid = Number(await first.getAttribute('data-uid'));
    const subject = (await first.locator('.subject').textContent())?.trim() ?? '';
    const wasFlagged = (await first.locator('.star').getAttribute('aria-pressed')) === 'true';

    await page.keyboard.press('s');
    await page
      .locator(`${ROW}[data-uid="${uid}"] .star[aria-pressed="${String(!wasFlagged)}"]`)
      .waitFor({ timeout: 5_000 });
    await expect
      .poll(async () => {
        const d = await api<MessageDetail>(page, `/api/mailboxes/${box.id}/messages/${uid}?markRead=false`);
        return d.summary.flags.flagged;
      })
      .toBe(!wasFlagged);

    await page.keyboard.press('#');
    await page.locator(`${ROW}[data-uid="${uid}"]`).waitFor({ state: 'detached', timeout: 5_000 });
    const undo = page.getByRole('button', { name: 'Undo' });
    await undo.waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await inbox(page)).total).toBe(INBOX_COUNT - 1);
    await undo.click();
    const toast = page.locator('.toast').last();
    await toast.filter({ hasText: /Restored|Couldn’t/ }).waitFor({ timeout: 15_000 });
    await expect(toast.textContent()).resolves.toMatch(/Restored/);
    await expect.poll(async () => (await inbox(page)).total).toBe(INBOX_COUNT);
    // Back in the list (under a new UID).
    await page.locator(`${ROW} .subject`).filter({ hasText: subject }).first().waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('at phone width goes list → message → back', async () => {
    const { context, page } = await signIn({ width: 375, height: 740 });
    const list = page.getByRole('listbox');
    await expect(list.isVisible()).resolves.toBe(true);
    const row = page.locator(ROW).nth(1);
    const subject = (await row.locator('.subject').textContent())?.trim() ?? '';
    await row.click();
    await page.locator('#reader-subject').filter({ hasText: subject }).waitFor({ timeout: 15_000 });
    await expect(list.isVisible()).resolves.toBe(false);
    await page.screenshot({ path: artifactPath('reading-phone-message.png') });
    await page.getByRole('button', { name: 'Inbox' }).click();
    await list.waitFor({ state: 'visible', timeout: 5_000 });
    await expect(page.locator('#reader-subject').isVisible()).resolves.toBe(false);
    await page.screenshot({ path: artifactPath('reading-phone-list.png') });
    await context.close();
  });
});
