import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { launchBrowser } from './browser.ts';
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
