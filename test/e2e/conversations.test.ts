import type { ThreadPage } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { randomMailUser, seedMailbox } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';
const THREAD_ROW = '[data-thread]';
const INBOX = Buffer.from('INBOX').toString('base64url');
const SENT = Buffer.from('Sent').toString('base64url');

describe('conversation view in Chromium', () => {
  const app = useAppInBrowser();
  const user = randomMailUser('conv');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await seedMailbox(user.address, 40);
  });

  it('toggles to conversations, opens one with the user’s own reply, and toggles back', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      page.on('pageerror', (error) => {
        throw error;
      });
      await signInThroughUi(page, app.server.url, user);

      await page.getByRole('button', { name: 'Conversations', exact: true }).click();
      await page.locator(THREAD_ROW).first().waitFor({ timeout: 20_000 });
      expect(await page.locator(ROW).count()).toBe(0);

      // A conversation that includes a reply from Sent, as the API lists it.
      const threads = (await page.evaluate(
        async (url) => (await fetch(url, { credentials: 'same-origin' })).json(),
        `/api/mailboxes/${INBOX}/threads?limit=100`,
      )) as ThreadPage;
      const withReply = threads.items.find((t) => t.messages.some((m) => m.mailboxId === SENT));
      expect(withReply).toBeDefined();
      const row = page.locator(`${THREAD_ROW}[data-thread="${withReply!.threadId}"]`);
      while ((await row.count()) === 0) {
        await page.getByRole('button', { name: 'More conversations' }).click();
      }
      if (withReply!.messageCount > 1)
        await expect(row.locator('.count').textContent()).resolves.toBe(String(withReply!.messageCount));
      await row.click();

      const messages = page.locator('[data-conversation-message]');
      await page.locator('#conversation-subject').waitFor({ timeout: 15_000 });
      await expect.poll(() => messages.count(), { timeout: 10_000 }).toBe(withReply!.messageCount);
      // The newest message is expanded, older ones collapsed.
      const heads = page.locator('[data-conversation-message] > .head');
      await expect(heads.last().getAttribute('aria-expanded')).resolves.toBe('true');
      if (withReply!.messageCount > 1)
        await expect(heads.first().getAttribute('aria-expanded')).resolves.toBe('false');

      // The user's own reply from Sent is there; expanding it shows its body with the reader's parts.
      const mine = page.locator('[data-conversation-message][data-mine]').first();
      await expect(mine.locator('.from').textContent()).resolves.toBe('Me');
      if ((await mine.locator('.head').getAttribute('aria-expanded')) === 'false')
        await mine.locator('.head').click();
      await mine.locator('iframe, .meta').first().waitFor({ timeout: 15_000 });

      // The choice is remembered across a reload.
      await page.reload();
      await page.locator(THREAD_ROW).first().waitFor({ timeout: 20_000 });

      // And back to the flat list.
      await page.getByRole('button', { name: 'Messages', exact: true }).click();
      await page.locator(ROW).first().waitFor({ timeout: 20_000 });
      expect(await page.locator(THREAD_ROW).count()).toBe(0);
      expect(await page.evaluate(() => localStorage.getItem('westwind.listMode'))).toBe('messages');
    } finally {
      await context.close();
    }
  });
});
