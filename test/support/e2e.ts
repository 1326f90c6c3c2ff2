import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { artifactPath, launchBrowser } from './browser.ts';
import type { MailUser } from './mail.ts';
import { type RunningServer, stackConfig, startServer } from './server.ts';

export interface AppInBrowser {
  readonly server: RunningServer;
  readonly browser: Browser;
}

/**
 * For an e2e file: the real server against the local stack, and Chromium, started once before
 * the file's tests and stopped after them.
 */
export function useAppInBrowser(overrides: Record<string, string | undefined> = {}): AppInBrowser {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startServer(stackConfig(inject('stack'), overrides));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('the server is not started yet (use it inside a test)');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not started yet (use it inside a test)');
      return browser;
    },
  };
}

/**
 * Signs `user` in through the login screen at `baseUrl` and waits for the first row of the
 * message list. If the list never shows, a screenshot goes to `artifactName` (when given) before
 * the error is rethrown.
 */
export async function signInThroughUi(
  page: Page,
  baseUrl: string,
  user: MailUser,
  artifactName?: string,
): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Email address').fill(user.address);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .locator('[role="listbox"] [data-uid]')
    .first()
    .waitFor({ timeout: 20_000 })
    .catch(async (error) => {
      if (artifactName) await page.screenshot({ path: artifactPath(artifactName) });
      throw error;
    });
}
