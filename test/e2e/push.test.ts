import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { deliverOverLmtp, randomMailUser, withImap } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';

/** Real delivery into Dovecot over LMTP, as a mail server would. */
const deliver = (to: string, subject: string): Promise<void> =>
  deliverOverLmtp(
    'sender@example.org',
    to,
    `From: Sender <sender@example.org>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.org>\r\n\r\nhello\r\n`,
  );

describe('push in Chromium', () => {
  const app = useAppInBrowser();
  const user = randomMailUser('live');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await deliver(user.address, 'Already there');
  });

  async function signIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInThroughUi(page, app.server.url, user);
    return { context, page };
  }

  it('shows newly delivered mail without a reload, with the unread count in the title', async () => {
    const { context, page } = await signIn();
    const subject = `Fresh ${randomUUID().slice(0, 6)}`;
    await deliver(user.address, subject);
    await page.locator(ROW).filter({ hasText: subject }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.title(), { timeout: 10_000 }).toMatch(/^\(\d+\) /);
    await page.screenshot({ path: artifactPath('push-new-mail.png') });
    await context.close();
  });

  it('carries a star and a delete from one device to another, and a flag set by another client', async () => {
    const phone = await signIn();
    const laptop = await signIn();
    const subject = `Shared ${randomUUID().slice(0, 6)}`;
    await deliver(user.address, subject);
    const rowOn = (page: Page) => page.locator(ROW).filter({ hasText: subject });
    await rowOn(phone.page).waitFor({ timeout: 15_000 });
    await rowOn(laptop.page).waitFor({ timeout: 15_000 });

    await rowOn(phone.page).locator('.star').click();
    await rowOn(laptop.page).locator('.star[aria-pressed="true"]').waitFor({ timeout: 15_000 });

    // Another mail client (not Westwind) takes the star off again.
    await withImap(user, async (imap) => {
      await imap.mailboxOpen('INBOX');
      const uid = Number(await rowOn(phone.page).getAttribute('data-uid'));
      await imap.messageFlagsRemove(String(uid), ['\\Flagged'], { uid: true });
    });
    await rowOn(phone.page).locator('.star[aria-pressed="false"]').waitFor({ timeout: 15_000 });
    await rowOn(laptop.page).locator('.star[aria-pressed="false"]').waitFor({ timeout: 15_000 });

    await rowOn(phone.page).click();
    await phone.page.keyboard.press('#');
    await rowOn(laptop.page).waitFor({ state: 'detached', timeout: 15_000 });
    await phone.context.close();
    await laptop.context.close();
  });
});
