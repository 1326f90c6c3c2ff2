/**
 * The XSS / remote-content suite of issue 4, in the real SPA in Chromium: one hostile message per
 * attack class of DESIGN.md (test/security/payloads.ts), each opened through the UI the way a
 * person would (sign in, click the message), then judged on outcomes only:
 * - no script ran: no dialog, no `window.__xss` in the app or in any frame, no popup;
 * - nothing loaded while images are blocked: every request the browser made went to the app's
 *   own origin (none to a non-loopback host, none to the loopback sentinel that stands in for a
 *   remote server, none through the image proxy), and the sentinel counted zero hits;
 * - nothing covers the app: the top bar is still what is under the pointer, "Sign out" is still
 *   clickable, and no element of the mail is positioned fixed/sticky/absolute;
 * - hostile subject, sender and attachment names show as text;
 * - "Show images" brings the remote image in, through /api/proxy/image only.
 * How the reader builds its iframe (srcdoc, or a body route with its own CSP) is not asserted.
 */
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { withImap } from '../support/mail.ts';
import { type ImageServer, startImageServer } from './image-server.ts';
import { attachmentNames, buildMessage, cases, fill, type MailCase } from './payloads.ts';

const ROW = '[role="listbox"] [data-uid]';
const PROXY_NETWORKS = '127.0.0.0/8';

let sentinel: ImageServer;
const users = new Map<string, { address: string; password: string }>();

// The proxy must reach the loopback sentinel once images are shown.
beforeAll(async () => {
  sentinel = await startImageServer();
});
const app = useAppInBrowser({ IMAGE_PROXY_ALLOWED_NETWORKS: PROXY_NETWORKS });
beforeAll(async () => {
  // One fresh user per case, so each INBOX holds exactly that message.
  for (const mail of cases) {
    const user = {
      address: `xss-${mail.name}-${randomUUID().slice(0, 6)}@westwind.test`,
      password: `pw-${randomUUID()}`,
    };
    await addMailUser(user.address, user.password);
    users.set(mail.name, user);
    await withImap(user, (imap) =>
      imap.append('INBOX', buildMessage(mail, user.address, sentinel.origin), []),
    );
  }
});
afterAll(async () => {
  await sentinel?.close();
});

interface Observed {
  context: BrowserContext;
  page: Page;
  requests: string[];
  dialogs: string[];
  /** Pages opened besides the app's own (popups, new tabs). */
  popups: { readonly length: number };
}

async function openCase(mail: MailCase): Promise<Observed> {
  const user = users.get(mail.name);
  if (!user) throw new Error(`no user for ${mail.name}`);
  const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const requests: string[] = [];
  const dialogs: string[] = [];
  const opened: Page[] = [];
  context.on('request', (request) => requests.push(request.url()));
  context.on('page', (page) => opened.push(page));
  const page = await context.newPage();
  const popups = {
    get length() {
      return opened.filter((p) => p !== page).length;
    },
  };
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  try {
    await signInThroughUi(page, app.server.url, user);
    await page.locator(ROW).first().click();
    await page
      .locator('#reader-subject')
      .filter({ hasText: `[${mail.name}]` })
      .waitFor({ timeout: 15_000 });
    await bodyShown(page);
  } catch (error) {
    await page.screenshot({ path: artifactPath(`security-failed-${mail.name}.png`) }).catch(() => {});
    await context.close();
    throw error;
  }
  return { context, page, requests, dialogs, popups };
}

/** Waits for the message body (an HTML frame or the text body) and for its frame to load. */
async function bodyShown(page: Page): Promise<void> {
  const body = page.locator('article.message iframe, article.message .text-body, article.message .empty');
  await body.first().waitFor({ timeout: 15_000 });
  const frame = page.locator('article.message iframe').first();
  if ((await frame.count()) > 0) {
    const handle = await frame.elementHandle();
    const content = await handle?.contentFrame();
    await content?.waitForLoadState('load');
  }
  // Let late loads (CSS, images, meta refresh) happen if they are going to.
  await page.waitForTimeout(1_200);
}

const mailFrames = (page: Page): Frame[] => page.frames().filter((f) => f !== page.mainFrame());

/** Anything in the rendered mail that could run or that covers more than its own box. */
async function frameViolations(frame: Frame): Promise<string[]> {
  try {
    return await frame.evaluate(() => {
      const found: string[] = [];
      if ((window as { __xss?: unknown }).__xss !== undefined)
        found.push('window.__xss is set in the mail frame');
      for (const el of document.querySelectorAll('*')) {
        const tag = el.tagName.toLowerCase();
        if (tag === 'script') found.push('a <script> element');
        for (const attr of el.attributes) {
          if (attr.name.toLowerCase().startsWith('on')) found.push(`${tag}[${attr.name}]`);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: browsers ignore these in URLs
          const value = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
          if (/^(?:javascript|vbscript|data:text|data:image\/svg|data:application)/.test(value)) {
            found.push(`${tag}[${attr.name}=${attr.value.slice(0, 60)}]`);
          }
        }
        const position = getComputedStyle(el).position;
        if (position === 'fixed' || position === 'sticky' || position === 'absolute') {
          found.push(`${tag} is position:${position}`);
        }
      }
      return found;
    });
  } catch (error) {
    // A frame that went away (re-rendered) has nothing left to judge.
    if (/detached|destroyed|Target closed/i.test(String(error))) return [];
    throw error;
  }
}

/** Anything in the app's own document that a message could have injected. */
async function appViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    if ((window as { __xss?: unknown }).__xss !== undefined) found.push('window.__xss is set in the app');
    for (const el of document.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      for (const attr of el.attributes) {
        if (attr.name.toLowerCase().startsWith('on')) found.push(`app ${tag}[${attr.name}]`);
      }
      if (
        tag === 'script' &&
        (el as HTMLScriptElement).src &&
        new URL((el as HTMLScriptElement).src).origin !== location.origin
      ) {
        found.push(`app script from ${(el as HTMLScriptElement).src}`);
      }
      if (tag === 'a' && el.hasAttribute('href')) {
        const url = new URL((el as HTMLAnchorElement).href);
        if (!['http:', 'https:', 'mailto:'].includes(url.protocol))
          found.push(`app link to ${url.href.slice(0, 80)}`);
      }
      if ((tag === 'img' || tag === 'iframe') && el.getAttribute('src')) {
        const url = new URL(el.getAttribute('src') ?? '', location.href);
        if (url.origin !== location.origin && !['data:', 'blob:', 'about:'].includes(url.protocol)) {
          found.push(`app ${tag} from ${url.href.slice(0, 80)}`);
        }
      }
    }
    return found;
  });
}

/** Requests that left for anywhere but the app itself, or went through the proxy. */
function foreignRequests(requests: string[], appOrigin: string, { proxyAllowed = false } = {}): string[] {
  return requests.filter((raw) => {
    const url = new URL(raw);
    if (['data:', 'blob:', 'about:'].includes(url.protocol)) return false;
    if (url.origin !== appOrigin) return true;
    return !proxyAllowed && url.pathname.startsWith('/api/proxy/');
  });
}

/** The top bar is what the pointer hits, and "Sign out" is clickable. */
async function assertAppNotCovered(page: Page): Promise<void> {
  const topBar = page.locator('header.top-bar');
  const box = await topBar.boundingBox();
  expect(box, 'top bar').not.toBeNull();
  if (!box) return;
  const points = [
    [box.x + 5, box.y + box.height / 2],
    [box.x + box.width / 2, box.y + box.height / 2],
    [box.x + box.width - 5, box.y + box.height / 2],
  ];
  for (const [x, y] of points) {
    const hit = await page.evaluate(
      ([px, py]) => {
        const el = document.elementFromPoint(px ?? 0, py ?? 0);
        return el ? { inTopBar: el.closest('header.top-bar') !== null, tag: el.tagName } : null;
      },
      [x, y],
    );
    expect(hit?.inTopBar, `element at ${x},${y} is ${hit?.tag}`).toBe(true);
  }
  const signOut = page.getByRole('button', { name: 'Sign out' });
  await signOut.click({ trial: true, timeout: 3_000 });
  const signOutBox = await signOut.boundingBox();
  if (signOutBox) {
    const onButton = await page.evaluate(
      ([px, py]) =>
        document
          .elementFromPoint(px ?? 0, py ?? 0)
          ?.closest('button')
          ?.textContent?.trim() ?? null,
      [signOutBox.x + signOutBox.width / 2, signOutBox.y + signOutBox.height / 2],
    );
    expect(onButton).toBe('Sign out');
  }
  // The mail frame stays inside the reader, below the top bar.
  for (const frame of await page.locator('iframe').all()) {
    const frameBox = await frame.boundingBox();
    if (frameBox) expect(frameBox.y).toBeGreaterThanOrEqual(box.y + box.height - 1);
  }
}

async function assertInert(mail: MailCase, observed: Observed): Promise<void> {
  const { page } = observed;
  const violations = [...(await appViolations(page))];
  for (const frame of mailFrames(page)) violations.push(...(await frameViolations(frame)));
  expect(violations, `${mail.name}: things that could run or overlay`).toEqual([]);
  expect(observed.dialogs, `${mail.name}: dialogs`).toEqual([]);
  expect(observed.popups.length, `${mail.name}: popups`).toBe(0);
  expect(foreignRequests(observed.requests, app.server.url), `${mail.name}: requests`).toEqual([]);
  expect(
    sentinel.requests.map((r) => r.url),
    `${mail.name}: the remote sentinel was reached`,
  ).toEqual([]);
  await assertAppNotCovered(page);
}

describe('hostile HTML mail in the real SPA (Chromium)', () => {
  for (const mail of cases.filter((c) => !c.remoteImages)) {
    it(`${mail.attackClass}: ${mail.name}`, async () => {
      const observed = await openCase(mail);
      try {
        await assertInert(mail, observed);
        const { page } = observed;
        if (mail.name === 'fixed-overlay')
          await page.screenshot({ path: artifactPath('security-overlay.png') });

        if (mail.subject) {
          const subject = `${fill(mail.subject, sentinel.origin)} [${mail.name}]`;
          const heading = page.locator('#reader-subject');
          await expect(heading.textContent()).resolves.toBe(subject);
          await expect(heading.locator('*').count()).resolves.toBe(0);
          const rowSubject = page.locator(`${ROW} .subject`).first();
          await expect(rowSubject.textContent()).resolves.toContain(fill(mail.subject, sentinel.origin));
        }
        if (mail.from) {
          const from = page.locator('article.message header dd').first();
          await expect(from.textContent()).resolves.toContain('<img src=x onerror=window.__xss=1;alert(1)>');
          await expect(from.locator('*').count()).resolves.toBe(0);
          await expect(page.locator(`${ROW}`).first().textContent()).resolves.toContain('<img src=x onerror');
        }
        if (mail.attachments) {
          const names = await page.locator('.attachments .name').allTextContents();
          expect(names.map((n) => n.trim()).sort()).toEqual(attachmentNames(mail, sentinel.origin).sort());
          await expect(page.locator('.attachments img, .attachments svg').count()).resolves.toBe(0);
        }
        if (mail.text !== undefined) {
          const body = page.locator('article.message .text-body');
          await expect(body.textContent()).resolves.toContain(
            '"><img src=x onerror=window.__xss=1;alert(1)>',
          );
          await expect(body.locator('img, svg, script').count()).resolves.toBe(0);
          const hrefs = await body
            .locator('a')
            .evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).href));
          expect(hrefs.length).toBeGreaterThan(0);
          for (const href of hrefs) expect(href).toMatch(/^(?:https?:|mailto:)/);
          for (const href of hrefs) expect(href).not.toMatch(/["'<>]/);
        }
      } finally {
        await observed.context.close();
      }
    });
  }

  it('remote images stay blocked until "Show images", then come only through /api/proxy/image', async () => {
    const mail = cases.find((c) => c.remoteImages);
    if (!mail) throw new Error('no remote-images case');
    const observed = await openCase(mail);
    const { page } = observed;
    try {
      await assertInert(mail, observed);
      const show = page.getByRole('button', { name: 'Show images', exact: true });
      await show.waitFor({ timeout: 5_000 });

      const proxied = page.waitForResponse(
        (response) =>
          response.url().includes('/api/proxy/image') &&
          response.url().includes(encodeURIComponent('/remote-img.png')),
        { timeout: 15_000 },
      );
      await show.click();
      const response = await proxied;
      expect(response.status()).toBe(200);
      expect(response.headers()['content-type']).toBe('image/png');
      await bodyShown(page);

      // The image is really shown in the mail (decoded, not blocked by CSP or CORP).
      await expect
        .poll(
          async () => {
            for (const frame of mailFrames(page)) {
              const width = await frame
                .evaluate(
                  () => (document.getElementById('r1') as HTMLImageElement | null)?.naturalWidth ?? -1,
                )
                .catch(() => -1);
              if (width > 0) return width;
            }
            return 0;
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);

      // The browser still talked only to the app; the sentinel was reached by the proxy only.
      expect(foreignRequests(observed.requests, app.server.url, { proxyAllowed: true })).toEqual([]);
      const proxyRequests = observed.requests.filter((u) => u.includes('/api/proxy/image'));
      expect(proxyRequests.length).toBeGreaterThan(0);
      for (const url of proxyRequests) {
        const target = new URL(url).searchParams.get('url') ?? '';
        expect(target.startsWith(sentinel.origin) || target.startsWith('https://evil.example/')).toBe(true);
      }
      const hits = sentinel.requests.map((r) => r.url);
      expect(hits).toContain('/remote-img.png');
      for (const hit of sentinel.requests) {
        expect(hit.headers['user-agent']).toBe('Westwind-ImageProxy/1');
        expect(hit.headers.cookie).toBeUndefined();
        expect(hit.headers.referer).toBeUndefined();
      }
      // srcset is dropped, never proxied.
      expect(hits).not.toContain('/remote-2x.png');
      expect(observed.dialogs).toEqual([]);
      await assertAppNotCovered(page);
      await page.screenshot({ path: artifactPath('security-remote-images-shown.png') });
    } finally {
      await observed.context.close();
    }
  });
});
