import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { signInThroughUi, useAppInBrowser } from '../support/e2e.ts';
import { randomMailUser, withImap } from '../support/mail.ts';

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
  const user = randomMailUser('html');

  beforeAll(async () => {
    await addMailUser(user.address, user.password);
    await withImap(user, (client) => client.append('INBOX', styledMessage(user.address)));
  });

  it("keeps the mail's own styles and shows inline cid: images, with scripts still off", async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInThroughUi(page, app.server.url, user);
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
