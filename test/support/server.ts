import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@westwind/server';
import { type Config, loadConfig } from '@westwind/server/config';
import type { FastifyInstance } from 'fastify';
import { afterEach, inject } from 'vitest';
import type { StackEnv } from '../../infra/stack/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Server configuration pointing at the local stack; `overrides` are environment variables. */
export function stackConfig(stack: StackEnv, overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    IMAP_HOST: stack.IMAP_HOST,
    IMAP_PORT: String(stack.IMAP_PORT),
    SMTP_HOST: stack.SMTP_HOST,
    SMTP_PORT: String(stack.SMTP_PORT),
    REDIS_URL: stack.REDIS_URL,
    // The local stack listens on loopback, which the SSRF guard refuses unless allowed.
    UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
    SESSION_SECRET: 'westwind-test-session-secret-0123456789abcdef',
    // Every test client comes from loopback and per-address counters live in the shared Redis:
    // limits meant for one person would make parallel suites and reruns flaky. Tests of the
    // limits themselves set their own.
    SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000',
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    WEB_DIST: path.join(repoRoot, 'apps/web/dist'),
    LOG_LEVEL: 'warn',
    ...overrides,
  });
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Starts the real app on a free loopback port, as `pnpm start` would. */
export async function startServer(config: Config): Promise<RunningServer> {
  const app = await buildApp({ config, logger: { level: process.env.TEST_LOG_LEVEL ?? 'warn' } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * For an integration file: `app(overrides)` builds the real app against the local stack (not
 * listening; use `inject`), and every app built in a test is closed after it.
 */
export function useApps(): (overrides?: Record<string, string | undefined>) => Promise<FastifyInstance> {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  return async (overrides = {}) => {
    const app = await buildApp({ config: stackConfig(inject('stack'), overrides), logger: false });
    apps.push(app);
    return app;
  };
}
