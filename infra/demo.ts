/**
 * `pnpm demo`: the local stack up, the demo mailbox seeded once, the app built and served in the
 * foreground against the stack. Redis is used when REDIS_URL is set; otherwise the server runs on
 * its in-process store, as a single instance would in production.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPushHookEnv } from './stack/dovecot.ts';
import { mailHome, type StackEnv, stackUp } from './stack/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';

function log(line: string): void {
  process.stdout.write(`[demo] ${line}\n`);
}

function inboxIsEmpty(env: StackEnv): boolean {
  const maildir = path.join(mailHome(env, env.DEMO_USER), 'Maildir');
  const count = (dir: string) => {
    try {
      return readdirSync(path.join(maildir, dir)).length;
    } catch {
      return 0;
    }
  };
  return count('cur') + count('new') === 0;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    log(`\`${command} ${args.join(' ')}\` failed`);
    process.exit(result.status ?? 1);
  }
}

/** A session secret kept in the run directory, so restarting the demo keeps people signed in. */
function demoSessionSecret(env: StackEnv): string {
  const file = path.join(env.RUN_DIR, 'demo-session-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

async function waitUntilReady(url: string, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

const env = await stackUp({ log });
if (inboxIsEmpty(env)) {
  log(`seeding ${env.DEMO_USER}`);
  const { seedCommand } = await import('./seed/cli.ts');
  await seedCommand(['--user', env.DEMO_USER, '--count', '500']);
}
if (!process.argv.includes('--no-build')) run('pnpm', ['build']);
// Dovecot's push-notification plugin calls the server's hook listener: new mail in milliseconds.
const pushHook = await readPushHookEnv();

const server = spawn(process.execPath, [path.join(repoRoot, 'apps/server/dist/server.js')], {
  cwd: repoRoot,
  stdio: 'inherit',
  env: {
    ...process.env,
    HOST: host,
    PORT: String(port),
    IMAP_HOST: env.IMAP_HOST,
    IMAP_PORT: String(env.IMAP_PORT),
    SMTP_HOST: env.SMTP_HOST,
    SMTP_PORT: String(env.SMTP_PORT),
    // The local stack listens on loopback, which the SSRF guard refuses unless allowed.
    UPSTREAM_ALLOWED_NETWORKS: process.env.UPSTREAM_ALLOWED_NETWORKS ?? '127.0.0.0/8',
    ALLOWED_DOMAINS: process.env.ALLOWED_DOMAINS ?? 'westwind.test',
    SESSION_SECRET: process.env.SESSION_SECRET ?? demoSessionSecret(env),
    ...(pushHook
      ? Object.fromEntries(Object.entries(pushHook).map(([key, value]) => [key, String(value)]))
      : {}),
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

const url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;
if (await waitUntilReady(url, 30_000)) {
  log('');
  log(`Westwind is running at ${url}`);
  log(`Demo login: ${env.DEMO_USER} / ${env.DEMO_PASSWORD}`);
  log(
    `Store: ${process.env.REDIS_URL ? `Redis at ${process.env.REDIS_URL}` : 'in-process (set REDIS_URL to use Redis)'}`,
  );
  log('Stop with Ctrl-C; `pnpm stack down` stops the mail stack.');
} else {
  log(`the server did not become ready at ${url}/readyz within 30 s; see its log above`);
}
