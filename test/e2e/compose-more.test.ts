import { randomUUID } from 'node:crypto';
import type { IdentityList } from '@westwind/contract';
import type { MessageStructureObject } from 'imapflow';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { createMailUser, deliverOverLmtp, type MailUser, withFolder } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';
const COMPOSER = '[data-testid="composer"]';

type User = MailUser;

const deliver = deliverOverLmtp;

/** A fresh user with one message from Bob in INBOX. */
async function userWithHello(prefix: string): Promise<User> {
  const user = await createMailUser(prefix);
  await deliver(
    'bob@westwind.test',
    user.address,
    `From: Bob <bob@westwind.test>\r\nTo: ${user.address}\r\nSubject: Hello\r\nMessage-ID: <${randomUUID()}@westwind.test>\r\nDate: ${new Date().toUTCString()}\r\n\r\nHi.\r\n`,
  );
  return user;
}

interface Found {
  uid: number;
  source: Buffer;
  flags: Set<string>;
  structure: MessageStructureObject | undefined;
}

/** The messages of a folder whose subject contains `subject`, read over IMAP. */
function messages(user: User, folder: string, subject: string): Promise<Found[]> {
  return withFolder(user, folder, async (imap) => {
    const found: Found[] = [];
    const uids = (await imap.search({ subject }, { uid: true })) || [];
    if (uids.length === 0) return found;
    for await (const m of imap.fetch(
      uids,
      { source: true, flags: true, bodyStructure: true },
      { uid: true },
    )) {
      found.push({
        uid: m.uid,
        source: m.source ?? Buffer.alloc(0),
        flags: m.flags ?? new Set(),
        structure: m.bodyStructure,
      });
    }
    return found;
  });
}

function findPart(
  node: MessageStructureObject | undefined,
  type: string,
): MessageStructureObject | undefined {
  if (!node) return undefined;
  if (node.type === type) return node;
  for (const child of node.childNodes ?? []) {
    const hit = findPart(child, type);
    if (hit) return hit;
  }
  return undefined;
}

/** A part's bytes as sent (transfer encoding undone), read over IMAP. */
function partBytes(user: User, uid: number, part: string): Promise<Buffer> {
  return withFolder(user, 'INBOX', async (imap) => {
    const { content } = await imap.download(String(uid), part, { uid: true });
    const chunks: Buffer[] = [];
    if (content) for await (const chunk of content) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  });
}

describe('composing in Chromium: identities, forward as attachment, drafts offline', () => {
  // The API rate limit counts per client address in the shared Redis; every browser here is
  // 127.0.0.1, and other suites running at the same time would otherwise eat this file's share.
  const app = useAppInBrowser({ UNDO_SEND_SECONDS: '2', API_RATE_LIMIT_PER_MINUTE: '1000000' });
  const contexts: BrowserContext[] = [];

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
  });

  async function signIn(user: User): Promise<{ context: BrowserContext; page: Page }> {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error('[browser error]', error));
    page.on('console', (m) => {
      if (m.type() === 'error') console.error('[browser]', m.text());
    });
    await signInThroughUi(page, app.server.url, user, 'compose-more-signin-failed.png');
    return { context, page };
  }

  const api = <T>(page: Page, path: string) =>
    page.evaluate(
      async (p) => (await fetch(p, { headers: { accept: 'application/json' } })).json(),
      path,
    ) as Promise<T>;

  it('edits identities in settings: checks fields, guards unsaved edits, keeps them, and the composer uses them', async () => {
    const alice = await userWithHello('alice');
    const { page } = await signIn(alice);
    const alias = alice.address.replace('@', '+team@');
    const hostile = '<img src=x onerror="window.__pwned=1">';

    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const rows = dialog.getByTestId('identity');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    // The sign-in address is fixed and cannot be removed.
    const primary = rows.nth(0);
    await expect(primary.getByLabel('Address', { exact: true }).inputValue()).resolves.toBe(alice.address);
    expect(await primary.getByLabel('Address', { exact: true }).getAttribute('readonly')).not.toBeNull();
    expect(await primary.getByRole('button', { name: /Remove/ }).count()).toBe(0);

    // A new identity with a bad address: the field says why and nothing is saved.
    await dialog.getByRole('button', { name: 'Add identity' }).click();
    const added = rows.nth(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id ?? '')).toMatch(/address$/);
    await page.keyboard.type('not an address');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await added.getByText('isn’t a valid email address').waitFor();
    expect(await added.getByLabel('Address', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id ?? '')).toMatch(/address$/);
    expect((await api<IdentityList>(page, '/api/identities')).identities).toHaveLength(1);

    await added.getByLabel('Address', { exact: true }).fill(alias);
    await added.getByLabel('Name', { exact: true }).fill(`Alice Team ${hostile}`);
    await added.getByLabel('Signature', { exact: true }).fill(`Alice, for the team\n${hostile}`);
    await added.getByLabel('Default', { exact: true }).check();
    await page.screenshot({ path: artifactPath('settings-identities.png') });

    // Leaving with unsaved edits asks first, by the Cancel button and by Escape.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const warning = dialog.getByRole('alert').filter({ hasText: 'aren’t saved yet' });
    await warning.waitFor();
    await warning.getByRole('button', { name: 'Keep editing' }).click();
    await added.getByLabel('Name', { exact: true }).press('Escape');
    await warning.waitFor();
    expect(await dialog.isVisible()).toBe(true);
    await warning.getByRole('button', { name: 'Keep editing' }).click();

    // The server's own refusal lands on its field too (answered here as the real server words it).
    await page.route('**/api/identities', (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({
            status: 400,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'VALIDATION_FAILED',
                message: 'Invalid body: identities/1/name must NOT have more than 256 characters',
              },
            }),
          })
        : route.fallback(),
    );
    await dialog.getByRole('button', { name: 'Save' }).click();
    await added.getByText('Too long for the server: at most 256 characters.').waitFor();
    expect(await added.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    await page.unroute('**/api/identities');

    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const stored = (await api<IdentityList>(page, '/api/identities')).identities;
    expect(stored.map((i) => [i.address, i.isDefault])).toEqual([
      [alice.address, false],
      [alias, true],
    ]);

    // Still there after a reload, default and all.
    await page.reload();
    await page.locator(ROW).first().waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await expect(rows.nth(1).getByLabel('Address', { exact: true }).inputValue()).resolves.toBe(alias);
    await expect(rows.nth(1).getByLabel('Signature', { exact: true }).inputValue()).resolves.toContain(
      'Alice, for the team',
    );
    expect(await rows.nth(1).getByLabel('Default', { exact: true }).isChecked()).toBe(true);
    // Nothing changed: Cancel closes at once.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // A new message is from the default identity, with its signature, all as text.
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const composer = page.locator(COMPOSER);
    const body = composer.getByRole('textbox', { name: /Message body/ });
    await expect.poll(() => body.textContent(), { timeout: 10_000 }).toContain('Alice, for the team');
    expect(await body.textContent()).toContain(hostile);
    expect(await body.locator('img').count()).toBe(0);
    const from = composer.getByLabel('From');
    await expect(from.inputValue()).resolves.toBe(stored[1]?.id);
    await expect(from.locator('option:checked').textContent()).resolves.toContain(`Alice Team ${hostile}`);
    // Switching to the primary identity (no signature) takes the signature away.
    await from.selectOption('primary');
    await expect.poll(() => body.textContent()).not.toContain('Alice, for the team');
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();

    // Removing the identity (the default) moves the default back to the sign-in address; a
    // composer already loaded picks up the change without a reload, and a window that was sending
    // as the removed identity moves to the default, signature and all.
    await from.selectOption(stored[1]?.id as string);
    await expect.poll(() => body.textContent()).toContain('Alice, for the team');
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await rows
      .nth(1)
      .getByRole('button', { name: /^Remove / })
      .click();
    expect(await rows.nth(0).getByLabel('Default', { exact: true }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api<IdentityList>(page, '/api/identities')).identities.map((i) => i.id)).toEqual([
      'primary',
    ]);
    await expect.poll(() => from.count()).toBe(0);
    await expect.poll(() => body.textContent()).not.toContain('Alice, for the team');
  });

  it('forwards a message as an attachment: the recipient gets the original’s bytes as message/rfc822', async () => {
    const alice = await createMailUser('alice');
    const bob = await createMailUser('bob');
    const subject = `Contract draft ${randomUUID().slice(0, 6)}`;
    await deliver(
      'carol@westwind.test',
      alice.address,
      [
        'From: Carol <carol@westwind.test>',
        `To: ${alice.address}`,
        `Subject: ${subject}`,
        `Message-ID: <${randomUUID()}@westwind.test>`,
        `Date: ${new Date().toUTCString()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        'Clause 7 needs another look — señor Müller agrees.',
        '',
      ].join('\r\n'),
    );
    const [original] = await messages(alice, 'INBOX', subject);
    expect(original).toBeDefined();

    const { page } = await signIn(alice);
    await page.locator(ROW).filter({ hasText: subject }).click();
    await page.locator('#reader-subject').filter({ hasText: subject }).waitFor();
    await page
      .getByRole('toolbar', { name: 'Message' })
      .getByRole('button', { name: 'Forward as attachment' })
      .click();
    const composer = page.locator(COMPOSER);
    await composer.waitFor();
    await expect
      .poll(() => composer.getByLabel('Subject').inputValue(), { timeout: 10_000 })
      .toBe(`Fwd: ${subject}`);
    const chip = composer.locator('.file', { hasText: '.eml' });
    await expect(chip.textContent()).resolves.toContain(`message-${original?.uid}.eml`);
    // No quoted body: the original travels only as the attachment.
    expect(await composer.getByRole('textbox', { name: /Message body/ }).textContent()).not.toContain(
      'Clause 7',
    );
    // The caret waits in To.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id ?? '')).toMatch(/-to$/);
    await page.keyboard.type(bob.address);
    await page.keyboard.press('Enter');
    await page.screenshot({ path: artifactPath('compose-forward-as-attachment.png') });
    await composer.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByTestId('send-toast').filter({ hasText: 'Message sent' }).waitFor({ timeout: 30_000 });

    await expect
      .poll(async () => (await messages(bob, 'INBOX', `Fwd: ${subject}`)).length, { timeout: 20_000 })
      .toBe(1);
    const [received] = await messages(bob, 'INBOX', `Fwd: ${subject}`);
    const part = findPart(received?.structure, 'message/rfc822');
    expect(part?.part).toBeDefined();
    const bytes = await partBytes(bob, received?.uid as number, part?.part as string);
    expect(bytes.equals(original?.source as Buffer)).toBe(true);
    // The original is marked as forwarded.
    await expect
      .poll(async () =>
        (await messages(alice, 'INBOX', subject))
          .find((m) => m.uid === original?.uid)
          ?.flags.has('$Forwarded'),
      )
      .toBe(true);
  });

  it('keeps typing through a dropped connection and saves the newest text once it is back', async () => {
    const alice = await userWithHello('alice');
    const { context, page } = await signIn(alice);
    const subject = `Offline notes ${randomUUID().slice(0, 6)}`;
    await page.getByRole('button', { name: 'Compose', exact: true }).click();
    const composer = page.locator(COMPOSER);
    const status = composer.getByTestId('save-status');
    await composer.getByLabel('Subject').fill(subject);
    await composer.getByRole('textbox', { name: /Message body/ }).click();
    await page.keyboard.type('First part.');
    await status.filter({ hasText: /^Saved$/ }).waitFor({ timeout: 15_000 });
    const draftId = await composer.getAttribute('data-draft-id');
    const local = () =>
      page.evaluate(
        (id) => JSON.parse(localStorage.getItem(`westwind.draft.${id}`) ?? 'null'),
        draftId,
      ) as Promise<{
        synced: boolean;
        draft: { text: string };
      } | null>;

    // The connection drops mid-sentence; typing goes on.
    await context.setOffline(true);
    await page.keyboard.type(' Second part, typed offline.');
    await status.filter({ hasText: 'Saved on this device only' }).waitFor({ timeout: 15_000 });
    expect(await status.getAttribute('title')).toMatch(/Not saved to the server yet/);
    await expect.poll(async () => (await local())?.draft.text).toContain('Second part, typed offline.');
    expect((await local())?.synced).toBe(false);
    await page.screenshot({ path: artifactPath('compose-offline.png') });

    // Back online: saved to Drafts without another keystroke.
    await context.setOffline(false);
    await status.filter({ hasText: /^Saved$/ }).waitFor({ timeout: 20_000 });
    await expect
      .poll(async () => (await messages(alice, 'Drafts', subject)).map((m) => m.source.toString('utf8')), {
        timeout: 10_000,
      })
      .toEqual([expect.stringContaining('Second part, typed offline.')]);

    // Now only the server is unreachable (the browser thinks it is online, so no `online` event),
    // and the page is reloaded before it comes back.
    await page.route('**/api/compose/drafts/**', (route) => route.abort('connectionrefused'));
    await composer.getByRole('textbox', { name: /Message body/ }).press('End');
    await page.keyboard.type(' Third part, server away.');
    await status.filter({ hasText: 'Saved on this device only' }).waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await local())?.draft.text).toContain('Third part, server away.');
    await page.reload();
    const offer = page.getByRole('alertdialog');
    await offer.filter({ hasText: 'unsent draft' }).waitFor({ timeout: 20_000 });
    await offer.getByRole('button', { name: 'Restore' }).click();
    await composer.waitFor();
    const body = composer.getByRole('textbox', { name: /Message body/ });
    await expect(body.textContent()).resolves.toContain('Third part, server away.');
    await status.filter({ hasText: 'Saved on this device only' }).waitFor({ timeout: 15_000 });

    // The server answers again: the retry (with backoff) saves the newest text by itself.
    await page.unroute('**/api/compose/drafts/**');
    await status.filter({ hasText: /^Saved$/ }).waitFor({ timeout: 30_000 });
    await expect
      .poll(async () => (await messages(alice, 'Drafts', subject)).map((m) => m.source.toString('utf8')), {
        timeout: 10_000,
      })
      .toEqual([expect.stringContaining('Third part, server away.')]);
    expect((await local())?.synced).toBe(true);
  });
});
