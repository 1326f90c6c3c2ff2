import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import WebSocket from 'ws';
import type { StackEnv } from '../../../infra/stack/index.ts';
import { resolveLayout } from '../../../infra/stack/layout.ts';
import { upsertUsers } from '../../../infra/stack/users.ts';
import { PushClient } from '../../support/push-client.ts';
import {
  accountOf,
  inPool,
  inspectorUrl,
  parseVmRss,
  type SessionStep,
  sessionsOutcome,
} from '../capacity.ts';
import { round, type Scenario } from '../harness.ts';
import { benchStack, HttpSession } from '../support.ts';

/**
 * Distinct accounts. Each watched account costs Westwind two IMAP connections (IDLE + the pooled
 * command connection) and Dovecot two processes, and the stack is shared with other test runs,
 * so sessions beyond this many share accounts (several devices of one person).
 */
const ACCOUNTS = 500;
/** Cumulative session counts. The first step is one session per account. */
const STEPS = [500, 1000, 2000];
/** Sign-ins + websocket opens in flight at once. */
const CONCURRENCY = 32;
/** The whole scenario, sign-outs included, stays under 5 minutes. */
const BUDGET_MS = 4 * 60_000;
/** Accounts that get a message after each step; every session of each must see the frame. */
const PROBES = 3;
const PROBE_TIMEOUT_MS = 15_000;
const FD_LIMIT = 20_000;
const SESSION_SECRET = 'westwind-bench-sessions-secret-0123456789abcdef';
const INBOX = Buffer.from('INBOX').toString('base64url');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (line: string) => process.stdout.write(`  ${line}\n`);
const account = (i: number) => ({
  address: `sessbench-${i}@westwind.test`,
  password: `sessbench-password-${i}`,
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function rssOf(pid: number): Promise<number> {
  const rss = parseVmRss(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (rss === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return rss;
}

async function openFileLimit(pid: number): Promise<string> {
  const limits = await readFile(`/proc/${pid}/limits`, 'utf8').catch(() => '');
  const match = /^Max open files\s+(\d+)\s+(\d+)/m.exec(limits);
  return match ? match[1]! : 'unknown';
}

/**
 * The production entry point (`node apps/server/dist/server.js`) in its own process, so its RSS
 * is the server's alone. A shell raises the descriptor limit first and `exec`s node (same pid).
 */
async function startChild(
  stack: StackEnv,
): Promise<{ child: ChildProcess; url: string; inspector: string | undefined }> {
  const port = await freePort();
  const child = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" --inspect=127.0.0.1:0 "$1"`,
      process.execPath,
      path.join(repoRoot, 'apps/server/dist/server.js'),
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOST: '127.0.0.1',
        PORT: String(port),
        IMAP_HOST: stack.IMAP_HOST,
        IMAP_PORT: String(stack.IMAP_PORT),
        SMTP_HOST: stack.SMTP_HOST,
        SMTP_PORT: String(stack.SMTP_PORT),
        REDIS_URL: stack.REDIS_URL,
        UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
        SESSION_SECRET,
        SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000',
        API_RATE_LIMIT_PER_MINUTE: '1000000',
        WEB_DIST: path.join(repoRoot, 'apps/web/dist'),
        LOG_LEVEL: 'warn',
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url, inspector: inspectorUrl(stderr) };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`server not ready within 30 s: ${stderr}`);
}

/**
 * A full garbage collection in the server through its inspector, so RSS is read after the heap
 * has shrunk to what is live and steps compare like with like. Bounded to 10 s.
 */
async function collectGarbage(inspector: string | undefined): Promise<boolean> {
  if (!inspector) return false;
  const socket = new WebSocket(inspector);
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.once('open', () =>
        socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })),
      );
      socket.on('message', (data) => {
        const reply = JSON.parse(data.toString()) as { id?: number; error?: unknown };
        if (reply.id !== 1) return;
        clearTimeout(timer);
        resolve(reply.error === undefined);
      });
    });
  } finally {
    socket.terminate();
  }
}

async function settledRss(pid: number, inspector: string | undefined): Promise<number> {
  await collectGarbage(inspector);
  await sleep(500);
  return rssOf(pid);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(12_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

interface Held {
  account: number;
  session: HttpSession;
  push: PushClient;
}

/** INBOX message count as Dovecot sees it now: what the next frame must exceed. */
async function inboxTotal(stack: StackEnv, i: number): Promise<number> {
  const { address, password } = account(i);
  const client = new ImapFlow({
    host: stack.IMAP_HOST,
    port: stack.IMAP_PORT,
    secure: false,
    doSTARTTLS: false,
    auth: { user: address, pass: password },
    logger: false,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout().catch(() => {});
  }
}

/**
 * Delivers one message to each probe account and waits for the INBOX frame on every open
 * session of those accounts. Returns the slowest delivery → frame time, or undefined on a miss.
 */
async function probePush(
  stack: StackEnv,
  held: readonly Held[],
  accounts: readonly number[],
): Promise<number | undefined> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.LMTP_PORT, lmtp: true });
  try {
    const times = await Promise.all(
      accounts.map(async (i) => {
        const clients = held.filter((h) => h.account === i && h.push.closeCode === undefined);
        if (clients.length === 0) return undefined;
        const before = await inboxTotal(stack, i);
        const frames = clients.map((h) => h.push.mailbox(INBOX, (e) => e.total > before, PROBE_TIMEOUT_MS));
        const sent = performance.now();
        const { address } = account(i);
        await lmtp.sendMail({
          envelope: { from: 'bench@westwind.test', to: address },
          raw: `From: bench@westwind.test\r\nTo: ${address}\r\nSubject: sessions probe\r\n\r\nx\r\n`,
        });
        const arrived = await Promise.all(frames.map((f) => f.then(() => performance.now())));
        return Math.max(...arrived) - sent;
      }),
    ).catch(() => [undefined]);
    if (times.some((t) => t === undefined)) return undefined;
    return Math.max(...(times as number[]));
  } finally {
    lmtp.close();
  }
}

/**
 * How many idle signed-in sessions, each with its websocket open, one server process holds
 * with push still working, and what each costs in server RSS. The server runs in a child
 * process (the production entry point); RSS is read from /proc before the first session and
 * after each step (500, 1000, 2000 sessions over 500 distinct accounts, round-robin) has
 * settled. After each step a message is delivered to 3 accounts and every session of those
 * must get the INBOX frame. rss_bytes_per_session = (RSS at the largest held step − RSS before)
 * / sessions held; the per-step figures, including the one-account-per-session first step,
 * are in the notes.
 */
export const sessions: Scenario = {
  name: 'sessions',
  description: 'idle signed-in sessions with a websocket that one instance holds, and RSS each',
  async run() {
    const started = Date.now();
    const deadline = started + BUDGET_MS;
    const stack = await benchStack(log);
    const layout = await resolveLayout();
    await upsertUsers(
      layout,
      Array.from({ length: ACCOUNTS }, (_, i) => account(i)),
    );

    const { child, url, inspector } = await startChild(stack);
    const pid = child.pid!;
    const held: Held[] = [];
    const steps: SessionStep[] = [];
    const notes: string[] = [];
    let failures = 0;
    let retries = 0;
    let firstError = '';
    try {
      // Warm the code paths that every session uses, so the baseline is not just a cold process.
      for (let i = 0; i < 3; i++) await fetch(`${url}/readyz`).then((r) => r.text());
      await sleep(1000);
      const baseRss = await settledRss(pid, inspector);
      notes.push(
        `base RSS ${round(baseRss / 2 ** 20, 1)} MiB; RSS read after a full GC (${inspector ? 'via the inspector' : 'UNAVAILABLE: raw RSS'}); fd limit ${await openFileLimit(pid)}`,
      );
      log(`server pid ${pid}, RSS ${round(baseRss / 2 ** 20, 1)} MiB`);

      let opened = 0;
      for (const [stepIndex, target] of STEPS.entries()) {
        if (Date.now() > deadline - 60_000) {
          notes.push(`stopped before ${target}: time budget`);
          break;
        }
        const stepStarted = Date.now();
        await inPool(opened, target, CONCURRENCY, deadline - 45_000, async (index) => {
          const i = accountOf(index, ACCOUNTS);
          const session = new HttpSession(url);
          try {
            const { address, password } = account(i);
            // One retry a second later: the stack is shared, and a Dovecot restart by another
            // run is not this server's capacity. Retries are counted in the notes.
            await session.signIn(address, password).catch(async () => {
              retries += 1;
              await sleep(1000);
              await session.signIn(address, password);
            });
            const push = await PushClient.open(url, session.cookieHeader());
            held.push({ account: i, session, push });
            await push.next(
              (e): e is { type: 'ready'; heartbeatSeconds: number } => e.type === 'ready',
              10_000,
            );
            push.hello({ states: {} });
          } catch (error) {
            failures += 1;
            firstError ||= error instanceof Error ? error.message : String(error);
          }
        });
        opened = target;
        if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) at ${target}`);
        // Let the account watches connect and their first LIST-STATUS settle.
        await sleep(3000);
        const open = held.filter((h) => h.push.closeCode === undefined).length;
        const rssBytes = await settledRss(pid, inspector);
        const probeAccounts = Array.from(
          { length: PROBES },
          (_, k) => (stepIndex * PROBES + k) % Math.min(ACCOUNTS, target),
        );
        const slowest = await probePush(stack, held, probeAccounts);
        const pushOk = slowest !== undefined;
        steps.push({ target, open, rssBytes, pushOk });
        const perSession = Math.round((rssBytes - baseRss) / Math.max(1, open));
        const accountsNow = Math.min(ACCOUNTS, open);
        notes.push(
          `${open}/${target} open over ${accountsNow} accounts: ${round(perSession / 1024, 1)} KB/session, push ${pushOk ? `ok (slowest ${round(slowest ?? 0, 0)} ms)` : 'MISSED'}`,
        );
        log(
          `${open}/${target} sessions open in ${round((Date.now() - stepStarted) / 1000, 1)} s, RSS ${round(rssBytes / 2 ** 20, 1)} MiB (${round(perSession / 1024, 1)} KB each), push ${pushOk ? 'ok' : 'missed'}`,
        );
        if (open < target || !pushOk) break;
      }
      const [first, last] = [steps[0], steps.at(-1)];
      if (first && last && last.open > first.open) {
        const marginal = (last.rssBytes - first.rssBytes) / (last.open - first.open);
        notes.push(`each session beyond one per account: ${round(marginal / 1024, 1)} KB`);
      }
      if (retries > 0) notes.push(`${retries} sign-ins needed their one retry`);
      if (failures > 0)
        notes.push(`${failures} sessions failed to open (first: ${firstError.slice(0, 120)})`);

      const outcome = sessionsOutcome(baseRss, steps);
      const figures = {
        held: outcome.held,
        rss_bytes_per_session: outcome.rssBytesPerSession,
        push_ok: outcome.pushOk,
      };
      return {
        figures,
        target: '≥ 2,000 held with push_ok, ≤ 150 KB each',
        met: figures.held >= 2000 && figures.push_ok && figures.rss_bytes_per_session <= 150 * 1024,
        notes: `server in a child process (dist/server.js); ${notes.join('; ')}`,
      };
    } finally {
      for (const h of held) h.push.close();
      // Sign everyone out so the shared Redis keeps no bench sessions; bounded to a minute.
      await inPool(0, held.length, CONCURRENCY, Date.now() + 60_000, async (index) => {
        await held[index]!.session.signOut().catch(() => {});
      });
      await stopChild(child);
      log(`sessions scenario took ${round((Date.now() - started) / 1000, 0)} s`);
    }
  },
};
