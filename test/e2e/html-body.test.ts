import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';

const stack = inject('stack');

// 1×1 red PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

function styledMessage(address: string): string {
  const boundary = 'b1';
  return [
    'From: "Styled Sender" <styled@example.org>',
    `To: ${address}`,
    'Subject: Styled newsletter',
    `Date: ${new Date().toUTCString()}`,
    'Message-ID: <styled-1@example.org>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><head><style>.headline { font-size: 32px; }</style></head><body>',
    '<p id="styled" class="headline" style="color: rgb(255, 0, 0)">Big red headline</p>',
    '<img id="logo" src="cid:logo@example.org" width="1" height="1" alt="logo">',
    '</body></html>',
    `--${boundary}`,
    'Content-Type: image/png',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <logo@example.org>',
    'Content-Disposition: inline; filename="logo.png"',
    '',
    PNG.toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

describe('an HTML body in the reader', () => {
  const app = useAppInBrowser();
  const address = `html-${randomUUID().slice(0, 8)}@westwind.test`;
  const password = `pw-${randomUUID()}`;

  beforeAll(async () => {
    await addMailUser(address, password);
    const client = new ImapFlow({
      host: stack.IMAP_HOST,
      port: stack.IMAP_PORT,
      secure: false,
      auth: { user: address, pass: password },
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    await client.append('INBOX', styledMessage(address));
    await client.logout();
  });

  it("keeps the mail's own styles and shows inline cid: images, with scripts still off", async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(address);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Styled newsletter').first().click();

    const frameElement = page.locator('iframe[title^="Message:"]');
    await frameElement.waitFor({ timeout: 20_000 });
    expect(await frameElement.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    const frame = await (await frameElement.elementHandle())!.contentFrame();
    expect(frame).not.toBeNull();
    await frame!.locator('#styled').waitFor();
    const style = await frame!.locator('#styled').evaluate((el) => {
      const computed = getComputedStyle(el);
      return { color: computed.color, fontSize: computed.fontSize };
    });
    expect(style).toEqual({ color: 'rgb(255, 0, 0)', fontSize: '32px' });
    await expect
      .poll(() => frame!.locator('#logo').evaluate((img) => (img as HTMLImageElement).naturalWidth), {
        timeout: 10_000,
      })
      .toBe(1);
    // The frame runs no scripts: a script URL navigation or inline handler would need them.
    expect(await frame!.evaluate(() => typeof document.scripts.length)).toBe('number');
    await page.screenshot({ path: artifactPath('reader-styled-html.png') });
    await context.close();
  });
});
