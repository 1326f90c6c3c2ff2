import { randomUUID } from 'node:crypto';
import type { Mailbox, MailboxList, MessageDetail, Settings } from '@westwind/contract';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { randomMailUser, seedMailbox, simpleMessage, withImap } from '../support/mail.ts';

const ROW = '[role="listbox"] [data-uid]';
const TAG = `more${randomUUID().slice(0, 6)}`;
const NEWS = 'news@example.org';

describe('more reading and organizing in Chromium', () => {
  const app = useAppInBrowser();
  const user = randomMailUser('more');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await seedMailbox(user.address, 30);
    await withImap(user, async (client) => {
      const html = [
        '<p>Our news. <a id="link" href="https://real.example.net/login">https://your-bank.example.com</a></p>',
        `<img id="remote" src="https://images.example.org/${TAG}.png" alt="banner">`,
      ].join('');
      await client.append('INBOX', simpleMessage(`${TAG} newsletter`, `News <${NEWS}>`, html), []);
      await client.append('Sent', simpleMessage(`${TAG} sent elsewhere`, user.address), ['\\Seen']);
    });
  });

  async function signIn(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await app.browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await signInThroughUi(page, app.server.url, user);
    return page;
  }

  const api = <T>(page: Page, path: string, method = 'GET', body?: unknown) =>
    page.evaluate(
      async ({ url, method, body }) => {
        const headers: Record<string, string> = {};
        if (method !== 'GET') {
          const { token } = await (await fetch('/api/csrf')).json();
          headers['x-csrf-token'] = token;
          headers['content-type'] = 'application/json';
        }
        const response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.json();
      },
      { url: path, method, body },
    ) as Promise<T>;

  async function folder(page: Page, role: NonNullable<Mailbox['role']>): Promise<Mailbox> {
    const { mailboxes } = await api<MailboxList>(page, '/api/mailboxes');
    const found = mailboxes.find((m) => m.role === role);
    if (!found) throw new Error(`no ${role} folder`);
    return found;
  }
  const total = async (page: Page, role: NonNullable<Mailbox['role']>) => (await folder(page, role)).total;
  const toolbar = (page: Page) => page.getByRole('toolbar', { name: 'Message actions' });
  const openFolder = (page: Page, name: string) =>
    page.getByRole('navigation').locator('.folder').filter({ hasText: name }).first().click();

  async function searchFor(page: Page, query: string) {
    await page.locator('#search-input').fill(query);
    await page.keyboard.press('Enter');
    await page.locator('[data-search-chip]').waitFor({ timeout: 10_000 });
  }

  it('selects a range with shift-click, deletes it, and undo brings every message back', async () => {
    const page = await signIn();
    const inboxTotal = await total(page, 'inbox');
    const subjects = (await page.locator(`${ROW} .subject`).allTextContents())
      .slice(1, 5)
      .map((s) => s.trim());

    await page
      .locator(ROW)
      .nth(1)
      .click({ modifiers: ['Control'] });
    await page
      .locator(ROW)
      .nth(4)
      .click({ modifiers: ['Shift'] });
    await toolbar(page).getByText('4 selected').waitFor();
    await page.screenshot({ path: artifactPath('bulk-selected.png') });
    await toolbar(page).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator(`${ROW}.selected`).count()).toBe(0);
    await expect.poll(() => total(page, 'inbox'), { timeout: 10_000 }).toBe(inboxTotal - 4);

    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('.toast').filter({ hasText: 'Restored 4 messages' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => total(page, 'inbox'), { timeout: 10_000 }).toBe(inboxTotal);
    for (const subject of subjects) {
      await page.locator(`${ROW} .subject`).filter({ hasText: subject }).first().waitFor({ timeout: 10_000 });
    }
    await page.context().close();
  });

  it('marks as spam with !, and "Not spam" in Junk moves it back to the Inbox', async () => {
    const page = await signIn();
    const [inboxTotal, junkTotal] = [await total(page, 'inbox'), await total(page, 'junk')];
    const first = page.locator(ROW).first();
    const subject = (await first.locator('.subject').textContent())?.trim() ?? '';
    await first.click({ modifiers: ['Control'] });
    await page.getByRole('listbox').focus();
    await page.keyboard.press('!');
    await page.locator('.toast').filter({ hasText: 'Marked as spam' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => total(page, 'junk'), { timeout: 10_000 }).toBe(junkTotal + 1);

    await openFolder(page, 'Junk');
    await page.locator(`${ROW} .subject`).filter({ hasText: subject }).click();
    await page.locator('#reader-subject').filter({ hasText: subject }).waitFor({ timeout: 10_000 });
    await page.getByRole('toolbar', { name: 'Message' }).getByRole('button', { name: 'Not spam' }).click();
    await expect.poll(() => total(page, 'junk'), { timeout: 10_000 }).toBe(junkTotal);
    await expect.poll(() => total(page, 'inbox'), { timeout: 10_000 }).toBe(inboxTotal);
    await page.context().close();
  });

  it('copies to another folder with the folder picker', async () => {
    const page = await signIn();
    const [inboxTotal, archiveTotal] = [await total(page, 'inbox'), await total(page, 'archive')];
    await page
      .locator(ROW)
      .nth(2)
      .click({ modifiers: ['Control'] });
    await toolbar(page).getByRole('button', { name: 'Copy to…' }).click();
    const dialog = page.getByRole('dialog', { name: /Copy message to/ });
    await dialog.waitFor();
    await page.screenshot({ path: artifactPath('copy-picker.png') });
    await dialog.getByRole('button', { name: 'Archive' }).click();
    await page
      .locator('.toast')
      .filter({ hasText: 'Copied message to Archive' })
      .waitFor({ timeout: 10_000 });
    await expect.poll(() => total(page, 'archive'), { timeout: 10_000 }).toBe(archiveTotal + 1);
    expect(await total(page, 'inbox')).toBe(inboxTotal);
    await page.context().close();
  });

  it('empties Trash after a confirmation', async () => {
    const page = await signIn();
    await page
      .locator(ROW)
      .nth(0)
      .click({ modifiers: ['Control'] });
    await page
      .locator(ROW)
      .nth(1)
      .click({ modifiers: ['Control'] });
    await toolbar(page).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => total(page, 'trash'), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

    await openFolder(page, 'Trash');
    await page.locator(ROW).first().waitFor({ timeout: 10_000 });
    await toolbar(page).getByRole('button', { name: 'Empty Trash' }).click();
    const dialog = page.getByRole('dialog', { name: 'Empty Trash?' });
    await dialog.waitFor();
    await page.screenshot({ path: artifactPath('empty-trash-dialog.png') });
    // Cancel first: nothing happens.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await total(page, 'trash')).toBeGreaterThanOrEqual(2);

    await toolbar(page).getByRole('button', { name: 'Empty Trash' }).click();
    await page
      .getByRole('dialog', { name: 'Empty Trash?' })
      .getByRole('button', { name: 'Empty Trash' })
      .click();
    await expect.poll(() => total(page, 'trash'), { timeout: 10_000 }).toBe(0);
    await page.getByText('Trash is empty.').waitFor({ timeout: 10_000 });
    await page.context().close();
  });

  it('always shows images from a sender once asked, and the setting can be undone', async () => {
    const page = await signIn();
    const inbox = await folder(page, 'inbox');
    await page
      .locator(`${ROW} .subject`)
      .filter({ hasText: `${TAG} newsletter` })
      .click();
    const frame = page.locator('iframe[title^="Message:"]');
    await frame.waitFor({ timeout: 15_000 });
    expect(await frame.getAttribute('src')).not.toContain('remoteContent=1');
    // A link shows where it really goes, whatever its text says.
    const link = page.frameLocator('iframe[title^="Message:"]').locator('#link');
    expect(await link.getAttribute('title')).toBe('https://real.example.net/login');
    expect(await link.getAttribute('rel')).toContain('noopener');

    await page.getByRole('button', { name: `Always show images from ${NEWS}` }).click();
    await expect.poll(() => frame.getAttribute('src'), { timeout: 10_000 }).toContain('remoteContent=1');
    const settings = await api<Settings>(page, '/api/settings');
    expect(settings.imagesAllowedFrom).toContain(NEWS);
    const uid = Number(await page.locator(`${ROW}.open`).getAttribute('data-uid'));
    const detail = await api<MessageDetail>(
      page,
      `/api/mailboxes/${inbox.id}/messages/${uid}?markRead=false`,
    );
    expect(detail.remoteContentShown).toBe(true);

    // The sender is listed in Settings, and can be removed there.
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('button', { name: `Remove ${NEWS}` }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api<Settings>(page, '/api/settings')).imagesAllowedFrom).toEqual([]);
    await page.context().close();
  });

  it('honours the mark-read delay: "never" leaves a message unread, a delay marks it later', async () => {
    const page = await signIn();
    const inbox = await folder(page, 'inbox');
    async function setDelay(choice: RegExp, seconds?: number) {
      await page.getByRole('button', { name: 'Settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      await dialog.getByLabel(choice).check();
      if (seconds !== undefined) await dialog.getByLabel('Seconds before marking read').fill(String(seconds));
      await page.screenshot({ path: artifactPath('settings-dialog.png') });
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    const seen = async (uid: number) =>
      (await api<MessageDetail>(page, `/api/mailboxes/${inbox.id}/messages/${uid}?markRead=false`)).summary
        .flags.seen;

    await setDelay(/Never/);
    expect((await api<Settings>(page, '/api/settings')).markReadDelaySeconds).toBeNull();
    const unread = page.locator(`${ROW}.unread`);
    const first = Number(await unread.first().getAttribute('data-uid'));
    await unread.first().click();
    await page.locator('#reader-subject').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1500);
    expect(await seen(first)).toBe(false);
    await page.locator(`${ROW}[data-uid="${first}"].unread`).waitFor();

    await setDelay(/After/, 1);
    const second = Number(
      await page.locator(`${ROW}.unread:not([data-uid="${first}"])`).first().getAttribute('data-uid'),
    );
    await page.locator(`${ROW}[data-uid="${second}"]`).click();
    await page.locator(`${ROW}[data-uid="${second}"]:not(.unread)`).waitFor({ timeout: 10_000 });
    expect(await seen(second)).toBe(true);

    await setDelay(/As soon as/);
    await page.context().close();
  });

  it('unsubscribes and subscribes a folder from its dialog', async () => {
    const page = await signIn();
    const projects = async () =>
      (await api<MailboxList>(page, '/api/mailboxes')).mailboxes.find((m) => m.name === 'Projects');
    expect((await projects())?.subscribed).toBe(true);
    async function setSubscribed(on: boolean) {
      await openFolder(page, 'Projects');
      await page.getByRole('navigation').getByRole('button', { name: 'Rename' }).click();
      const dialog = page.getByRole('dialog', { name: /Rename/ });
      await dialog.getByLabel(/Subscribed/).setChecked(on);
      await dialog.getByRole('button', { name: 'Rename' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    await setSubscribed(false);
    await expect.poll(async () => (await projects())?.subscribed, { timeout: 10_000 }).toBe(false);
    await setSubscribed(true);
    await expect.poll(async () => (await projects())?.subscribed, { timeout: 10_000 }).toBe(true);
    await page.context().close();
  });

  it('at phone width, the new actions and dialogs fit the screen', async () => {
    const page = await signIn({ width: 375, height: 740 });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page
      .locator(`${ROW} .subject`)
      .filter({ hasText: `${TAG} newsletter` })
      .click();
    await page.locator('#reader-subject').waitFor({ timeout: 10_000 });
    await page.getByRole('toolbar', { name: 'Message' }).getByRole('button', { name: 'Spam' }).waitFor();
    expect(await fits()).toBe(true);
    await page.screenshot({ path: artifactPath('reader-actions-phone.png') });
    await page.getByRole('toolbar', { name: 'Message' }).getByRole('button', { name: 'Copy to…' }).click();
    await page.getByRole('dialog', { name: /Copy message to/ }).waitFor();
    await page.screenshot({ path: artifactPath('copy-picker-phone.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('dialog', { name: 'Settings' }).getByText('Mark a message as read').waitFor();
    expect(await fits()).toBe(true);
    await page.screenshot({ path: artifactPath('settings-phone.png') });
    await page.context().close();
  });

  it('acts on search results from another folder (in:all)', async () => {
    const page = await signIn();
    const sent = await folder(page, 'sent');
    await searchFor(page, `${TAG} nothing-like-this-anywhere`);
    await page.getByText('No messages match').waitFor({ timeout: 10_000 });

    await searchFor(page, `in:all ${TAG} sent elsewhere`);
    const row = page.locator(ROW).filter({ hasText: `${TAG} sent elsewhere` });
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-mailbox')).toBe(sent.id);
    const uid = Number(await row.getAttribute('data-uid'));

    // Star it: the flag lands on the message in Sent.
    await row.getByRole('button', { name: 'Star' }).click();
    await expect
      .poll(
        async () =>
          (await api<MessageDetail>(page, `/api/mailboxes/${sent.id}/messages/${uid}?markRead=false`)).summary
            .flags.flagged,
        { timeout: 10_000 },
      )
      .toBe(true);

    // Delete it from the results: it leaves Sent; undo puts it back.
    await row.click({ modifiers: ['Control'] });
    await toolbar(page).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    await page
      .locator('.toast')
      .filter({ hasText: /Moved to Trash|Couldn’t/ })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('.toast').first().textContent()).toContain('Moved to Trash: message.');
    await expect.poll(() => total(page, 'sent'), { timeout: 10_000 }).toBe(sent.total - 1);
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.locator('.toast').filter({ hasText: 'Restored' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => total(page, 'sent'), { timeout: 10_000 }).toBe(sent.total);
    await page.context().close();
  });
});
