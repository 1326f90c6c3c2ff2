import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { addMailUser, BASIC_IMAP_HOST } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';

const stack = inject('stack');
const ROW = '[role="listbox"] [data-uid]';
/** Must match the list's row height (message-row.svelte). */
const ROW_HEIGHT = 76;

interface Mail {
  subject: string;
  from?: string;
}

/** Real delivery into Dovecot over LMTP, as a mail server would; one connection for all. */
async function deliver(to: string, mails: Mail[]): Promise<void> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.LMTP_PORT, lmtp: true });
  for (const { subject, from = 'Sender <sender@example.org>' } of mails) {
    await lmtp.sendMail({
      envelope: { from: 'sender@example.org', to },
      raw: `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.org>\r\n\r\nhello\r\n`,
    });
  }
  lmtp.close();
}

interface Shown {
  title: string;
  body: string;
  tag: string;
}

interface Instrumented {
  __shown: Shown[];
  __notifications: Notification[];
  __setHidden(hidden: boolean): void;
}

/**
 * Runs in the page before the app: records every Notification the app constructs (and keeps the
 * objects, to click them), and lets the test hide the page as a background tab would be.
 */
function instrument(): void {
  const shown: Shown[] = [];
  const notifications: Notification[] = [];
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title: string, options: NotificationOptions = {}) {
      shown.push({ title, body: options.body ?? '', tag: options.tag ?? '' });
      super(title, options);
      notifications.push(this);
    }
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
  let hidden = false;
  const visibility = () => (hidden ? 'hidden' : 'visible');
  Object.defineProperty(Document.prototype, 'visibilityState', { get: visibility, configurable: true });
  Object.defineProperty(Document.prototype, 'hidden', { get: () => hidden, configurable: true });
  Object.assign(window, {
    __shown: shown,
    __notifications: notifications,
    __setHidden(value: boolean) {
      hidden = value;
      document.dispatchEvent(new Event('visibilitychange'));
    },
  });
}

const shownOn = (page: Page) => page.evaluate(() => (window as unknown as Instrumented).__shown);
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => (window as unknown as Instrumented).__setHidden(value), hidden);

const folderButton = (page: Page, label: string) =>
  page.getByRole('navigation').locator('button.folder').filter({ hasText: label });
const currentFolder = (page: Page) => page.getByRole('navigation').locator('button[aria-current="true"]');

/** Resolves once the list has taken in the new mail (the row is in the DOM). */
const rowWith = (page: Page, subject: string) =>
  page.locator(ROW).filter({ hasText: subject }).waitFor({ state: 'attached', timeout: 15_000 });

/** Time for a push, the changes call and a notification that should not come, to come. */
const settle = (page: Page) => page.waitForTimeout(2_000);

/** Dovecot as it is, and its listener without CONDSTORE (the notifier's changes call is then
 * answered by the summary cache's flags scan). */
const SERVERS = [
  { server: 'with QRESYNC', env: {}, artifact: '' },
  { server: 'without CONDSTORE', env: { IMAP_HOST: BASIC_IMAP_HOST }, artifact: '-flag-scan' },
];

describe.each(SERVERS)(
  'desktop notifications for pushed mail, in Chromium, server $server',
  ({ env, artifact }) => {
    const app = useAppInBrowser(env);
    const user = {
      address: `notify-${randomUUID().slice(0, 8)}@westwind.test`,
      password: `pw-${randomUUID()}`,
    };

    beforeAll(async () => {
      await addMailUser(user.address, user.password);
      await deliver(user.address, [{ subject: 'Already there' }]);
    });

    async function newContext(granted = true): Promise<BrowserContext> {
      const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
      if (granted) await context.grantPermissions(['notifications'], { origin: app.server.url });
      await context.addInitScript(instrument);
      return context;
    }

    async function signIn(context: BrowserContext): Promise<Page> {
      const page = await context.newPage();
      await signInThroughUi(page, app.server.url, user);
      return page;
    }

    /** A tab already signed in (the session cookie is the context's). */
    async function openTab(context: BrowserContext): Promise<Page> {
      const page = await context.newPage();
      await page.goto(app.server.url);
      await page.locator(ROW).first().waitFor({ timeout: 20_000 });
      return page;
    }

    async function turnOn(page: Page): Promise<void> {
      await page.getByRole('button', { name: 'Settings' }).click();
      const toggle = page.getByLabel('Notify me of new mail in the Inbox');
      await toggle.check();
      await expect.poll(() => toggle.isChecked()).toBe(true);
      await page.screenshot({ path: artifactPath(`notifications-setting${artifact}.png`) });
      await page.getByRole('button', { name: 'Cancel' }).click();
    }

    /** The notifier is loaded only once the setting is on; wait until it is. */
    const notifierLoaded = (page: Page) =>
      expect
        .poll(() =>
          page.evaluate(() =>
            performance.getEntriesByType('resource').some((e) => e.name.includes('/notifier-')),
          ),
        )
        .toBe(true);

    /** A tab signed in with notifications turned on and the notifier loaded. */
    async function signedInWithNotifications(context: BrowserContext): Promise<Page> {
      const page = await signIn(context);
      await turnOn(page);
      await notifierLoaded(page);
      return page;
    }

    it('is off by default: a hidden tab gets mail and shows nothing', async () => {
      const context = await newContext();
      const page = await signIn(context);
      const toggleState = await page.evaluate(() => localStorage.getItem('westwind.notify'));
      expect(toggleState).toBeNull();
      await setHidden(page, true);
      const subject = `Quiet ${randomUUID().slice(0, 6)}`;
      await deliver(user.address, [{ subject }]);
      await rowWith(page, subject);
      await settle(page);
      expect(await shownOn(page)).toEqual([]);
      await context.close();
    });

    it('says so when the browser does not allow notifications, and stays off', async () => {
      const context = await newContext(false);
      const page = await signIn(context);
      await page.getByRole('button', { name: 'Settings' }).click();
      const toggle = page.getByLabel('Notify me of new mail in the Inbox');
      await toggle.click();
      await page
        .getByRole('alert')
        .filter({ hasText: /blocked|not allowed/ })
        .waitFor({ timeout: 5_000 });
      expect(await toggle.isChecked()).toBe(false);
      expect(await page.evaluate(() => localStorage.getItem('westwind.notify'))).toBeNull();
      await context.close();
    });

    it('once turned on, notifies once per new Inbox message while hidden, and a click opens it', async () => {
      const context = await newContext();
      const page = await signedInWithNotifications(context);

      // Visible: the list shows the mail, no notification.
      const seen = `Seen ${randomUUID().slice(0, 6)}`;
      await deliver(user.address, [{ subject: seen }]);
      await rowWith(page, seen);
      await settle(page);
      expect(await shownOn(page)).toEqual([]);

      // Hidden, and looking at another folder: one notification, with sender and subject as text.
      await folderButton(page, 'Archive').click();
      await currentFolder(page).filter({ hasText: 'Archive' }).waitFor({ timeout: 5_000 });
      await setHidden(page, true);
      const subject = `Hello <b>${randomUUID().slice(0, 6)}</b>`;
      await deliver(user.address, [{ subject, from: '"Grace Hopper" <grace@example.org>' }]);
      await expect.poll(() => shownOn(page), { timeout: 15_000 }).toHaveLength(1);
      await settle(page);
      const shown = await shownOn(page);
      expect(shown).toHaveLength(1);
      expect(shown[0]).toMatchObject({ title: 'Grace Hopper', body: subject });
      expect(shown[0]?.tag).toMatch(/^westwind:.+\/\d+$/);

      // Clicking it brings the Inbox back and opens the message.
      await setHidden(page, false);
      await page.evaluate(() =>
        (window as unknown as Instrumented).__notifications[0]?.dispatchEvent(new Event('click')),
      );
      await page.locator('#reader-subject').filter({ hasText: subject }).waitFor({ timeout: 15_000 });
      await currentFolder(page).filter({ hasText: 'Inbox' }).waitFor({ timeout: 5_000 });

      // A burst while hidden: one notification that counts them.
      await setHidden(page, true);
      const burst = [1, 2, 3].map((n) => ({ subject: `Burst ${n} ${randomUUID().slice(0, 6)}` }));
      await deliver(user.address, burst);
      await expect.poll(async () => (await shownOn(page)).length, { timeout: 15_000 }).toBeGreaterThan(1);
      await settle(page);
      const after = (await shownOn(page)).slice(1);
      // Delivery may be seen in one push or split over two; either way nothing is told twice.
      const told = after.flatMap((n) => (n.title.endsWith('new messages') ? n.body.split('\n') : [n.body]));
      for (const { subject: s } of burst) expect(told.filter((line) => line.endsWith(s))).toHaveLength(1);
      await context.close();
    });

    it('notifies from one tab only when several are open', async () => {
      const context = await newContext();
      const first = await signedInWithNotifications(context);
      const second = await openTab(context);
      await notifierLoaded(second);
      await setHidden(first, true);
      await setHidden(second, true);
      const subject = `Both tabs ${randomUUID().slice(0, 6)}`;
      await deliver(user.address, [{ subject }]);
      await rowWith(first, subject);
      await rowWith(second, subject);
      await expect
        .poll(async () => (await shownOn(first)).length + (await shownOn(second)).length, { timeout: 15_000 })
        .toBe(1);
      await settle(first);
      expect((await shownOn(first)).length + (await shownOn(second)).length).toBe(1);
      await context.close();
    });
  },
);

describe('new mail above the part of the list being read, in Chromium', () => {
  const app = useAppInBrowser();
  const user = {
    address: `anchor-${randomUUID().slice(0, 8)}@westwind.test`,
    password: `pw-${randomUUID()}`,
  };
  const COUNT = 40;

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await deliver(
      user.address,
      Array.from({ length: COUNT }, (_, i) => ({ subject: `Old ${String(i).padStart(2, '0')}` })),
    );
  });

  it('keeps the row being read where it is on screen, and shows the new rows on scrolling up', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInThroughUi(page, app.server.url, user);

    const list = page.getByRole('listbox');
    await list.evaluate((el, top) => el.scrollTo({ top }), 15 * ROW_HEIGHT + 30);
    const reading = page.locator('#message-18');
    await reading.waitFor({ timeout: 5_000 });
    const uid = await reading.getAttribute('data-uid');
    // null once the row has left the rendered window (the list jumped elsewhere).
    const topOf = () =>
      page.evaluate(
        (u) =>
          document.querySelector(`[role="listbox"] [data-uid="${u}"]`)?.getBoundingClientRect().top ?? null,
        uid,
      );
    const before = await topOf();
    expect(before).not.toBeNull();

    const fresh = [`New A ${randomUUID().slice(0, 6)}`, `New B ${randomUUID().slice(0, 6)}`];
    await deliver(
      user.address,
      fresh.map((subject) => ({ subject })),
    );
    const status = page.locator('[role="status"]').filter({ hasText: /messages, \d+ unread/ });
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toContain(`${COUNT + 2} messages`);
    // Let any pushes still in flight land, then look again.
    await page.waitForTimeout(1_000);
    const after = await topOf();
    expect(after).not.toBeNull();
    expect(Math.abs((after ?? 0) - (before ?? 0))).toBeLessThanOrEqual(2);
    await page.screenshot({ path: artifactPath('push-anchored-list.png') });

    await list.evaluate((el) => el.scrollTo({ top: 0 }));
    for (const subject of fresh) await rowWith(page, subject);

    // At the top, new mail is what shows: it takes the first row, the list stays at the top.
    const slid = () => list.evaluate((el) => el.dataset.slid === 'yes');
    await list.evaluate((el) => {
      const rows = el.querySelector('.window');
      if (!rows) throw new Error('no .window in the list');
      new MutationObserver(() => {
        if (rows.classList.contains('slide')) el.dataset.slid = 'yes';
      }).observe(rows, { attributes: true, attributeFilter: ['class'] });
    });
    const top = `New C ${randomUUID().slice(0, 6)}`;
    await deliver(user.address, [{ subject: top }]);
    await page.locator('#message-0').filter({ hasText: top }).waitFor({ timeout: 15_000 });
    expect(await list.evaluate((el) => el.scrollTop)).toBe(0);
    // It slid in, and the animation ended (ready for the next one).
    await expect.poll(slid).toBe(true);
    await expect.poll(() => list.evaluate((el) => el.querySelector('.window.slide') === null)).toBe(true);

    // Moving the keyboard cursor still scrolls it into view (only moves by new mail do not).
    await list.focus();
    const cursor = page.locator(`${ROW}.focused`);
    // The cursor stayed on its message while the new mail came in above it.
    const start = Number((await cursor.getAttribute('id'))?.replace('message-', ''));
    expect(start).toBe(3);
    for (let i = 0; i < 14; i += 1) await page.keyboard.press('ArrowDown');
    await expect.poll(() => cursor.getAttribute('id')).toBe(`message-${start + 14}`);
    const [box, view] = await Promise.all([cursor.boundingBox(), list.boundingBox()]);
    expect(box && view && box.y + box.height <= view.y + view.height + 1).toBe(true);
    await context.close();
  });
});
