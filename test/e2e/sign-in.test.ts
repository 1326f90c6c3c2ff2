import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { artifactPath } from '../support/browser.ts';
import { useAppInBrowser } from '../support/e2e.ts';

const stack = inject('stack');

describe('signing in and out in Chromium', () => {
  const app = useAppInBrowser();

  it('shows a clear error for a wrong password and keeps what was typed', async () => {
    // A user of its own, so failed attempts never count against the demo account's limit.
    const address = `e2e-${randomUUID().slice(0, 8)}@westwind.test`;
    await addMailUser(address, `pw-${randomUUID()}`);
    const page = await (await app.browser.newContext()).newPage();
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(address);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect(alert.textContent({ timeout: 15_000 })).resolves.toMatch(
      /address or password is not correct/i,
    );
    await expect(page.getByLabel('Email address').inputValue()).resolves.toBe(address);
    await page.context().close();
  });

  it('signs in through the login screen, lands on the mail shell, survives a reload and signs out', async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(app.server.url);
    await page.getByLabel('Email address').fill(stack.DEMO_USER);
    await page.getByLabel('Password').fill(stack.DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const signOut = page.getByRole('button', { name: 'Sign out' });
    await signOut.waitFor({ timeout: 15_000 });
    await expect(page.getByText(stack.DEMO_USER).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('navigation').count()).resolves.toBeGreaterThan(0);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'ww_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
    // The session cookie is invisible to page scripts.
    await expect(page.evaluate(() => document.cookie)).resolves.not.toMatch(/ww_session/);
    await page.screenshot({ path: artifactPath('shell-signed-in.png') });

    await page.reload();
    await signOut.waitFor({ timeout: 15_000 });

    await signOut.click();
    await page.getByRole('heading', { name: 'Sign in to Westwind' }).waitFor({ timeout: 15_000 });
    expect((await context.cookies()).some((c) => c.name === 'ww_session')).toBe(false);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Westwind' }).waitFor({ timeout: 15_000 });
    await context.close();
  });
});
