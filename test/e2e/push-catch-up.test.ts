import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser, BASIC_IMAP_HOST } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { connectImap, deliverOverLmtp } from '../support/mail.ts';

/** Must match the list's row height (message-row.svelte). */
const ROW_HEIGHT = 76;
/** Well past the first page (50 rows, or what fills the screen and the read-ahead). */
const COUNT = 150;

const mail = (to: string, subject: string) =>
  `From: Sender <sender@example.org>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.org>\r\n\r\nhello\r\n`;

/**
 * Against Dovecot as it is (QRESYNC deltas) and against its listener without CONDSTORE and
 * QRESYNC (the summary cache's bounded flags scan; a flag change moves no STATUS item there, so
 * the watch's count of flag changes seen in IDLE is what tells the client).
 */
const SERVERS = [
  { server: 'with QRESYNC', env: {}, artifact: '', since: /since=\d+%3A\d+/ },
  {
    server: 'without CONDSTORE',
    env: { IMAP_HOST: BASIC_IMAP_HOST },
    artifact: '-flag-scan',
    since: /since=\d+%3As\d+/,
  },
];

describe.each(SERVERS)(
  'the list catches up through the changes call, in Chromium, server $server',
  ({ env, artifact }) => {
    const app = useAppInBrowser(env);
    const user = {
      address: `catchup-${randomUUID().slice(0, 8)}@westwind.test`,
      password: `pw-${randomUUID()}`,
    };

    beforeAll(async () => {
      await addMailUser(user.address, user.password);
      // UIDs 1..COUNT in delivery order: the row at index i (newest first) is UID COUNT - i.
      for (let i = 1; i <= COUNT; i += 1) {
        await deliverOverLmtp('sender@example.org', user.address, mail(user.address, `Old ${i}`));
      }
    });

    /** What another mail program does: stars one message and deletes another. */
    async function starAndDelete(flagged: number, deleted: number): Promise<void> {
      const imap = await connectImap(user);
      try {
        await imap.mailboxOpen('INBOX');
        await imap.messageFlagsAdd(String(flagged), ['\\Flagged'], { uid: true });
        await imap.messageDelete(String(deleted), { uid: true });
      } finally {
        await imap.logout();
      }
    }

    const rowOf = (page: Page, uid: number) => page.locator(`[role="listbox"] [data-uid="${uid}"]`);
    const topOf = (page: Page, uid: number) =>
      page.evaluate(
        (u) =>
          document.querySelector(`[role="listbox"] [data-uid="${u}"]`)?.getBoundingClientRect().top ?? null,
        uid,
      );

    /** A signed-in page; `fromTop` collects list requests from the top (a reload), `changes` the catch-ups. */
    async function open() {
      const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const fromTop: string[] = [];
      const changes: string[] = [];
      page.on('request', (request) => {
        const url = request.url();
        if (/\/api\/mailboxes\/[^/]+\/messages\?/.test(url) && !url.includes('cursor=')) fromTop.push(url);
        if (/\/api\/mailboxes\/[^/]+\/changes\?/.test(url)) changes.push(url);
      });
      await signInThroughUi(page, app.server.url, user);
      const list = page.getByRole('listbox');
      const status = page.locator('[role="status"]').filter({ hasText: /messages, \d+ unread/ });
      return { context, page, list, status, fromTop, changes };
    }

    it('shows flags and deletions far down the list, and new mail at the top, without reloading', async () => {
      const { context, page, list, status, fromTop, changes } = await open();
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain(`${COUNT} messages`);
      // Row 100 on top of the viewport: UIDs 50 and below were loaded by a later page.
      await list.evaluate((el, top) => el.scrollTo({ top }), 100 * ROW_HEIGHT);
      const flagged = COUNT - 102;
      const deleted = COUNT - 104;
      await rowOf(page, deleted).waitFor({ timeout: 10_000 });
      await rowOf(page, flagged).locator('.star[aria-pressed="false"]').waitFor({ timeout: 5_000 });
      const loadsBefore = fromTop.length;
      const before = await topOf(page, flagged);
      expect(before).not.toBeNull();

      // Another mail program stars one of the rows on screen and deletes another.
      await starAndDelete(flagged, deleted);
      await rowOf(page, flagged).locator('.star[aria-pressed="true"]').waitFor({ timeout: 15_000 });
      await rowOf(page, deleted).waitFor({ state: 'detached', timeout: 15_000 });
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain(`${COUNT - 1} messages`);

      // New mail comes in above: what is being read stays where it is.
      const subject = `Fresh ${randomUUID().slice(0, 6)}`;
      await deliverOverLmtp('sender@example.org', user.address, mail(user.address, subject));
      await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain(`${COUNT} messages`);
      await page.waitForTimeout(500);
      const after = await topOf(page, flagged);
      expect(after).not.toBeNull();
      expect(Math.abs((after ?? 0) - (before ?? 0))).toBeLessThanOrEqual(2);
      await page.screenshot({ path: artifactPath(`push-catch-up-scrolled${artifact}.png`) });

      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.locator('#message-0').filter({ hasText: subject }).waitFor({ timeout: 5_000 });
      await expect(page.locator('#message-1').textContent()).resolves.toContain(`Old ${COUNT}`);

      expect(changes.length).toBeGreaterThan(0);
      expect(fromTop.slice(loadsBefore)).toEqual([]);
      await context.close();
    });

    it('catches up on what changed while the connection was down, without reloading', async () => {
      const { context, page, list, status, fromTop, changes } = await open();
      await expect.poll(() => status.textContent(), { timeout: 10_000 }).toContain(`${COUNT} messages`);
      await list.evaluate((el, top) => el.scrollTo({ top }), 100 * ROW_HEIGHT);
      const uidAt = async (index: number) => {
        const row = page.locator(`#message-${index}`);
        await row.waitFor({ timeout: 10_000 });
        return Number(await row.getAttribute('data-uid'));
      };
      const flagged = await uidAt(106);
      const deleted = await uidAt(104);
      await rowOf(page, flagged).locator('.star[aria-pressed="false"]').waitFor({ timeout: 5_000 });
      const loadsBefore = fromTop.length;
      const changesBefore = changes.length;

      // Offline emulation blocks new connections but leaves an open websocket be: the app's own
      // reconnect (as on waking from sleep) drops it, and the next attempts fail until back online.
      await context.setOffline(true);
      await page.evaluate(() => window.dispatchEvent(new Event('online')));
      await page.getByTestId('offline').waitFor({ timeout: 15_000 });
      const subject = `While away ${randomUUID().slice(0, 6)}`;
      await starAndDelete(flagged, deleted);
      await deliverOverLmtp('sender@example.org', user.address, mail(user.address, subject));
      await context.setOffline(false);

      await rowOf(page, flagged).locator('.star[aria-pressed="true"]').waitFor({ timeout: 20_000 });
      await rowOf(page, deleted).waitFor({ state: 'detached', timeout: 15_000 });
      await page.getByTestId('offline').waitFor({ state: 'detached', timeout: 15_000 });
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      await page.locator('#message-0').filter({ hasText: subject }).waitFor({ timeout: 10_000 });
      expect(changes.length).toBeGreaterThan(changesBefore);
      expect(fromTop.slice(loadsBefore)).toEqual([]);
      await context.close();
    });
  },
);
