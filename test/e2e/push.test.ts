import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';

const stack = inject('stack');
const ROW = '[role="listbox"] [data-uid]';

/** Real delivery into Dovecot over LMTP, as a mail server would. */
async function deliver(to: string, subject: string): Promise<void> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.LMTP_PORT, lmtp: true });
  await lmtp.sendMail({
    envelope: { from: 'sender@example.org', to },
    raw: `From: Sender <sender@example.org>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.org>\r\n\r\nhello\r\n`,
  });
  lmtp.close();
}

describe('push in Chromium', () => {
  const app = useAppInBrowser();
  const user = { address: `live-${randomUUID().slice(0, 8)}@westwind.test`, password: `pw-${randomUUID()}` };

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await deliver(user.address, 'Already there');
  });

  async function signIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(user.address);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator(ROW).first().waitFor({ timeout: 20_000 });
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
    const imap = new ImapFlow({
      host: stack.IMAP_HOST,
      port: stack.IMAP_PORT,
      secure: false,
      auth: { user: user.address, pass: user.password },
      logger: false,
    });
    imap.on('error', () => {});
    await imap.connect();
    await imap.mailboxOpen('INBOX');
    const uid = Number(await rowOn(phone.page).getAttribute('data-uid'));
    await imap.messageFlagsRemove(String(uid), ['\\Flagged'], { uid: true });
    await imap.logout();
    await rowOn(phone.page).locator('.star[aria-pressed="false"]').waitFor({ timeout: 15_000 });
    await rowOn(laptop.page).locator('.star[aria-pressed="false"]').waitFor({ timeout: 15_000 });

    await rowOn(phone.page).click();
    await phone.page.keyboard.press('#');
    await rowOn(laptop.page).waitFor({ state: 'detached', timeout: 15_000 });
    await phone.context.close();
    await laptop.context.close();
  });
});
