import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { deliverOverLmtp, type MailUser, randomMailUser, withFolder } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';
const COMPOSER = '[data-testid="composer"]';

type User = MailUser;

/** Real delivery into Dovecot over LMTP, as a mail server would. */
const deliver = (from: string, to: string, subject: string, messageId: string): Promise<void> =>
  deliverOverLmtp(
    from,
    to,
    `From: Bob <${from}>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: ${messageId}\r\nDate: ${new Date().toUTCString()}\r\n\r\nWhat do you think of the plan?\r\n`,
  );

/** The messages of a user's INBOX whose subject contains `subject`, read over IMAP. */
function inboxMessages(user: User, subject: string) {
  return withFolder(user, 'INBOX', async (imap) => {
    const found: { subject: string; source: string }[] = [];
    const uids = (await imap.search({ subject }, { uid: true })) || [];
    if (uids.length > 0) {
      for await (const message of imap.fetch(uids, { envelope: true, source: true }, { uid: true })) {
        found.push({
          subject: message.envelope?.subject ?? '',
          source: message.source?.toString('latin1') ?? '',
        });
      }
    }
    return found;
  });
}

describe('composing and sending in Chromium', () => {
  // The API rate limit counts per client address in the shared Redis; every browser here is
  // 127.0.0.1, and other suites running at the same time would otherwise eat this file's share.
  const app = useAppInBrowser({ UNDO_SEND_SECONDS: '2', API_RATE_LIMIT_PER_MINUTE: '1000000' });
  const alice = randomMailUser('alice');
  const bob = randomMailUser('bob');
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await addMailUser(alice.address, alice.password);
    await addMailUser(bob.address, bob.password);
    await deliver(bob.address, alice.address, 'Plans for Friday', `<${randomUUID()}@westwind.test>`);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
  });

  async function signIn(
    user: User,
    viewport = { width: 1280, height: 800 },
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await app.browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    page.on('console', (m) => {
      if (m.type() === 'error') console.error('[browser]', m.text());
    });
    await signInThroughUi(page, app.server.url, user, 'compose-signin-failed.png');
    return { context, page };
  }

  it('sends with an attachment and upload progress, undoes once, then sends for real', async () => {
    const { context, page } = await signIn(alice);
    const subject = `Quarterly report ${randomUUID().slice(0, 6)}`;

    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const composer = page.locator(COMPOSER);
    await composer.waitFor();
    await composer.getByLabel('To', { exact: true }).fill(bob.address);
    await composer.getByLabel('To', { exact: true }).press('Enter');
    await expect(composer.locator('.chip').textContent()).resolves.toContain(bob.address);
    await composer.getByLabel('Subject').fill(subject);
    await composer.getByRole('textbox', { name: /Message body/ }).click();
    await page.keyboard.type('Here is the report. ');
    await page.keyboard.press('Control+b');
    await page.keyboard.type('Numbers are up.');

    // A slow uplink, so the progress bar is visible while the file goes up.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 600_000,
    });
    const attachment = Buffer.alloc(1_200_000, 'westwind report line\n');
    await composer.locator('input[type="file"]').setInputFiles({
      name: 'report.txt',
      mimeType: 'text/plain',
      buffer: attachment,
    });
    const progress = composer.getByTestId('upload-progress');
    await progress.waitFor();
    await expect
      .poll(async () => Number(await progress.getAttribute('value')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: artifactPath('compose-upload-progress.png') });
    await composer
      .locator('.file', { hasText: 'report.txt' })
      .locator('.size')
      .filter({ hasText: 'MB' })
      .waitFor({
        timeout: 20_000,
      });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await page.screenshot({ path: artifactPath('compose-desktop.png') });

    // Send, then undo inside the 2 s window: the composer comes back with everything.
    await composer.getByRole('button', { name: 'Send', exact: true }).dblclick();
    const toast = page.getByTestId('send-toast');
    await toast.getByRole('button', { name: 'Undo' }).click();
    await composer.waitFor();
    await expect(composer.getByLabel('Subject').inputValue()).resolves.toBe(subject);
    await expect(composer.locator('.file', { hasText: 'report.txt' }).count()).resolves.toBe(1);
    await new Promise((r) => setTimeout(r, 3500));
    expect(await inboxMessages(bob, subject)).toHaveLength(0);

    // Send again; a double click still sends once.
    await composer.getByRole('button', { name: 'Send', exact: true }).dblclick();
    await page.getByTestId('send-toast').filter({ hasText: 'Message sent' }).waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await inboxMessages(bob, subject)).length, { timeout: 20_000 }).toBe(1);
    const [received] = await inboxMessages(bob, subject);
    expect(received?.source).toContain('report.txt');
    expect(received?.source).toMatch(/Numbers are up/);
    // The local copy is gone once the server confirmed the send.
    const kept = await page.evaluate(() =>
      Object.keys(localStorage).filter((k) => k.startsWith('westwind.draft.')),
    );
    expect(kept).toEqual([]);
  });

  it('replies to a message with the quoted original, Re: and the caret at the top', async () => {
    const { page } = await signIn(alice);
    await page.locator(ROW).filter({ hasText: 'Plans for Friday' }).click();
    await page.locator('#reader-subject').filter({ hasText: 'Plans for Friday' }).waitFor();
    await page.keyboard.press('r');
    const composer = page.locator(COMPOSER);
    await composer.waitFor();
    const subject = composer.getByLabel('Subject');
    await expect.poll(() => subject.inputValue(), { timeout: 10_000 }).toBe('Re: Plans for Friday');
    await expect(composer.locator('.chip').textContent()).resolves.toContain('Bob');
    const body = composer.getByRole('textbox', { name: /Message body/ });
    await expect(body.textContent()).resolves.toContain('What do you think of the plan?');
    // The caret is at the top, above the quote: typing goes first.
    const marker = `Sounds good ${randomUUID().slice(0, 4)}`;
    await page.keyboard.type(marker);
    const text = ((await body.textContent()) ?? '').trim();
    expect(text.startsWith(marker)).toBe(true);
    await page.screenshot({ path: artifactPath('compose-reply.png') });
    await composer.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('send-toast').filter({ hasText: 'Message sent' }).waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => (await inboxMessages(bob, 'Re: Plans for Friday')).length, { timeout: 20_000 })
      .toBe(1);
    const [reply] = await inboxMessages(bob, 'Re: Plans for Friday');
    expect(reply?.source).toMatch(/^In-Reply-To: </im);
    expect(reply?.source).toContain(marker);

    // f forwards: Fwd: subject, no recipients yet, the caret in To.
    await page.locator('#reader-subject').click();
    await page.keyboard.press('f');
    await expect
      .poll(() => composer.getByLabel('Subject').inputValue(), { timeout: 10_000 })
      .toBe('Fwd: Plans for Friday');
    await expect(composer.locator('.chip').count()).resolves.toBe(0);
    await composer.getByRole('button', { name: 'Discard' }).click();
    await composer.getByRole('button', { name: 'Discard' }).click();
    await composer.waitFor({ state: 'detached' });
  });

  it('keeps a draft through a page reload, even when the server could not save it', async () => {
    const { page } = await signIn(alice, { width: 375, height: 740 });
    // The server is unreachable for drafts: only the browser's copy can save this one.
    await page.route('**/api/compose/drafts/**', (route) => route.abort());
    await page.keyboard.press('c');
    const composer = page.locator(COMPOSER);
    await composer.waitFor();
    const subject = `Unsent thoughts ${randomUUID().slice(0, 6)}`;
    await composer.getByLabel('Subject').fill(subject);
    await composer.getByRole('textbox', { name: /Message body/ }).click();
    await page.keyboard.type('Do not lose this sentence.');
    await composer
      .getByTestId('save-status')
      .filter({ hasText: 'Saved on this device' })
      .waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifactPath('compose-phone.png') });

    await page.unroute('**/api/compose/drafts/**');
    await page.reload();
    const offer = page.getByRole('alertdialog');
    await offer.filter({ hasText: 'unsent draft' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifactPath('compose-restore-offer.png') });
    await offer.getByRole('button', { name: 'Restore' }).click();
    await composer.waitFor();
    await expect(composer.getByLabel('Subject').inputValue()).resolves.toBe(subject);
    await expect(composer.getByRole('textbox', { name: /Message body/ }).textContent()).resolves.toContain(
      'Do not lose this sentence.',
    );
    // Restored, it reaches the Drafts folder now that the server answers.
    await composer
      .getByTestId('save-status')
      .filter({ hasText: /^Saved$/ })
      .waitFor({ timeout: 15_000 });

    // Closed, it sits in Drafts; opening it there resumes it in the composer.
    await composer.getByRole('button', { name: 'Save and close' }).click();
    await composer.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Folders' }).click();
    await page
      .getByRole('navigation')
      .getByRole('button', { name: /Drafts/ })
      .click();
    await page.locator(ROW).filter({ hasText: subject }).click();
    await composer.waitFor();
    await expect.poll(() => composer.getByLabel('Subject').inputValue(), { timeout: 10_000 }).toBe(subject);
    await expect(composer.getByRole('textbox', { name: /Message body/ }).textContent()).resolves.toContain(
      'Do not lose this sentence.',
    );
  });

  it('opens several drafts at once, suggests contacts, and explains a rejected recipient', async () => {
    const { page } = await signIn(alice);
    const compose = page.getByRole('button', { name: 'Compose', exact: true });
    await compose.click();
    await compose.click();
    const windows = page.locator(COMPOSER);
    await expect.poll(() => windows.count()).toBe(2);
    const [first, second] = [windows.nth(0), windows.nth(1)];
    await first.getByLabel('Subject').fill('First of two');
    await first.getByRole('button', { name: 'Minimize' }).click();

    // Bob was written to before: typing part of his address suggests him.
    const to = second.getByLabel('To', { exact: true });
    await to.fill(bob.address.slice(0, 6));
    await second.getByRole('option', { name: new RegExp(bob.address) }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifactPath('compose-two-windows.png') });
    await to.press('Enter');
    await expect(second.locator('.chip').getAttribute('title')).resolves.toContain(bob.address);

    // Pasting several addresses makes several chips; an invalid one is marked and blocks sending.
    await second.locator('.chip button').click();
    await to.focus();
    await page.evaluate(
      (text) => {
        const data = new DataTransfer();
        data.setData('text/plain', text);
        document.activeElement?.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true }),
        );
      },
      `"Ghost, The" <ghost-${randomUUID().slice(0, 6)}@westwind.test>; not-an-address`,
    );
    await expect.poll(() => second.locator('.chip').count()).toBe(2);
    await expect(second.locator('.chip.invalid').count()).resolves.toBe(1);
    await second.getByLabel('Subject').fill('Into the void');
    await second.getByRole('button', { name: 'Send', exact: true }).click();
    await second.getByRole('alert').filter({ hasText: 'not-an-address' }).waitFor();

    // The SMTP server refuses the unknown user: the composer comes back and says who.
    await second.getByRole('button', { name: 'Remove not-an-address' }).click();
    await second.getByRole('button', { name: 'Send', exact: true }).click();
    const reopened = page.locator(COMPOSER, { hasText: 'Into the void' });
    await reopened
      .getByRole('alert')
      .filter({ hasText: /refused .*ghost-/ })
      .waitFor({ timeout: 30_000 });
    await expect(reopened.locator('.chip.invalid').count()).resolves.toBe(1);
    await page.screenshot({ path: artifactPath('compose-rejected.png') });
  });

  it('inserts the identity’s signature and swaps it with the identity', async () => {
    const { page } = await signIn(alice);
    const alias = alice.address.replace('@', '+news@');
    const status = await page.evaluate(
      async ({ primary, alias }) => {
        const { token } = await (await fetch('/api/csrf')).json();
        const response = await fetch('/api/identities', {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-csrf-token': token },
          body: JSON.stringify({
            identities: [
              {
                id: 'primary',
                name: 'Alice',
                address: primary,
                signatureHtml: '<p>Alice at work</p>',
                signatureText: 'Alice at work',
                isDefault: true,
              },
              {
                id: 'news',
                name: 'Alice News',
                address: alias,
                signatureHtml: '<p>The newsletter desk</p>',
                signatureText: 'The newsletter desk',
                isDefault: false,
              },
            ],
          }),
        });
        return response.status;
      },
      { primary: alice.address, alias },
    );
    expect(status).toBe(200);
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const composer = page.locator(COMPOSER);
    const body = composer.getByRole('textbox', { name: /Message body/ });
    await expect.poll(() => body.textContent()).toContain('Alice at work');
    await composer.getByLabel('From').selectOption('news');
    await expect.poll(() => body.textContent()).toContain('The newsletter desk');
    expect(await body.textContent()).not.toContain('Alice at work');
  });

  it('pastes HTML as a safe subset', async () => {
    const { page } = await signIn(alice);
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const body = page.locator(COMPOSER).getByRole('textbox', { name: /Message body/ });
    await body.click();
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData(
        'text/html',
        '<p onclick="alert(1)" style="position:fixed">Hello <b>bold</b> <a href="javascript:alert(1)">bad</a> ' +
          '<a href="https://example.org/">good</a><img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>' +
          '<svg><a href="javascript:alert(1)"><text>svg</text></a></svg></p>',
      );
      document.activeElement?.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true }),
      );
    });
    const html = await body.innerHTML();
    expect(html).toContain('<b>bold</b>');
    expect(html).toContain('href="https://example.org/"');
    expect(html).not.toMatch(/javascript:|onclick|onerror|<img|<script|<svg|style=/i);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});
