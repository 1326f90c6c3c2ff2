/** What the API benchmarks share: the stack, the 100,000-message mailbox, and a running server. */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@westwind/server';
import { loadConfig } from '@westwind/server/config';
import type { FastifyInstance } from 'fastify';
import { ImapFlow } from 'imapflow';
import { parseSeedArgs, runSeed } from '../../infra/seed/cli.ts';
import { type StackEnv, stackUp } from '../../infra/stack/index.ts';

export const BENCH_USER = 'bench@westwind.test';
export const BENCH_PASSWORD = 'bench-password';
export const BENCH_MESSAGES = 100_000;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function imapClient(stack: StackEnv): ImapFlow {
  const client = new ImapFlow({
    host: stack.IMAP_HOST,
    port: stack.IMAP_PORT,
    secure: false,
    doSTARTTLS: false,
    auth: { user: BENCH_USER, pass: BENCH_PASSWORD },
    logger: false,
  });
  client.on('error', () => {});
  return client;
}

/** The stack, with the bench INBOX seeded once (reused when it already holds 100,000 messages). */
export async function benchStack(log: (line: string) => void): Promise<StackEnv> {
  const stack = await stackUp({ log });
  const client = imapClient(stack);
  await client.connect();
  const status = await client.status('INBOX', { messages: true });
  await client.logout();
  const messages = status ? (status.messages ?? 0) : 0;
  if (messages !== BENCH_MESSAGES) {
    log(`seeding ${BENCH_MESSAGES} messages into ${BENCH_USER} (found ${messages})`);
    const options = parseSeedArgs(
      ['--user', BENCH_USER, '--inbox-only', '--count', String(BENCH_MESSAGES), '--reset', '--quiet'],
      { MAIL_ROOT: stack.MAIL_ROOT, DOVECOT_CONFIG: stack.DOVECOT_CONFIG, DEMO_USER: stack.DEMO_USER },
    );
    if (options === 'help') throw new Error('unexpected help');
    await runSeed(options);
  }
  return stack;
}

export interface BenchServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The real server on a loopback port, configured like production but against the local stack. */
export async function benchServer(stack: StackEnv, env: Record<string, string> = {}): Promise<BenchServer> {
  const config = loadConfig({
    IMAP_HOST: stack.IMAP_HOST,
    IMAP_PORT: String(stack.IMAP_PORT),
    SMTP_HOST: stack.SMTP_HOST,
    SMTP_PORT: String(stack.SMTP_PORT),
    REDIS_URL: stack.REDIS_URL,
    UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
    SESSION_SECRET: 'westwind-bench-session-secret-0123456789abcdef',
    SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000',
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    WEB_DIST: path.join(repoRoot, 'apps/web/dist'),
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await buildApp({ config, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export { HttpSession } from '../support/http-session.ts';
