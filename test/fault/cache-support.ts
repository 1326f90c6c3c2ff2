/** Shared by the summary-cache tests: users, a raw IMAP client, the API calls and the verifier. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { MailboxChanges, MessagePage } from '@westwind/contract';
import { findAccounts, type VerifyReport, verifyAccount } from '@westwind/server/cache';
import type { FastifyInstance } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';
import { expect, inject } from 'vitest';
import { type ApiClient, signedInClient } from '../support/api-client.ts';
import { connectImap, createMailUser, seedMailbox } from '../support/mail.ts';

export interface User {
  address: string;
  password: string;
}

export const idOf = (path: string) => Buffer.from(path).toString('base64url');

/** A fresh user; with `count` > 0 a seeded INBOX (and the other folders). */
export async function newUser(prefix: string, count: number): Promise<User> {
  const user = await createMailUser(prefix);
  if (count > 0) await seedMailbox(user.address, count, ['--inbox-only']);
  return user;
}

export const imap: (user: User) => Promise<ImapFlow> = connectImap;

export function message(subject: string): string {
  return [
    'From: Cache Tester <cache@example.org>',
    'To: someone@westwind.test',
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}.`,
    '',
  ].join('\r\n');
}

export const signedIn: (app: FastifyInstance, user: User) => Promise<ApiClient> = signedInClient;

export async function page(
  client: ApiClient,
  mailbox: string,
  query: Record<string, string | number> = {},
): Promise<MessagePage> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await client.request({
    url: `/api/mailboxes/${idOf(mailbox)}/messages${qs ? `?${qs}` : ''}`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MessagePage>();
}

/** Every row of the folder, page by page (date order, newest first). */
export async function allRows(
  client: ApiClient,
  mailbox: string,
  limit = 100,
): Promise<MessagePage['items']> {
  const rows: MessagePage['items'] = [];
  let cursor: string | null = null;
  do {
    const current: MessagePage = await page(client, mailbox, cursor ? { limit, cursor } : { limit });
    rows.push(...current.items);
    cursor = current.nextCursor;
  } while (cursor);
  return rows;
}

export async function changes(client: ApiClient, mailbox: string, since: string): Promise<MailboxChanges> {
  const response = await client.request({
    url: `/api/mailboxes/${idOf(mailbox)}/changes?since=${encodeURIComponent(since)}`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MailboxChanges>();
}

/** How many times the app borrowed an IMAP connection. */
export async function borrows(instance: FastifyInstance): Promise<number> {
  const text = await instance.metrics.getSingleMetricAsString('westwind_imap_borrow_wait_seconds');
  return Number(/_count(?:\{[^}]*\})? (\d+)/.exec(text)?.[1] ?? 0);
}

/** Flags INBOX message `uid` as another mail client would. */
export async function flagOn(client: ImapFlow, uid: number): Promise<void> {
  const lock = await client.getMailboxLock('INBOX');
  try {
    expect(await client.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true })).toBe(true);
  } finally {
    lock.release();
  }
}

/** `cache:verify` for `user` against the Redis at `redisUrl`: the report of every cached account. */
export async function verify(user: User, redisUrl = inject('stack').REDIS_URL): Promise<VerifyReport> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const client = await imap(user);
  const total: VerifyReport = { mailboxes: 0, summaries: 0, stale: [], mismatches: [] };
  try {
    const accounts = await findAccounts(redis, user.address);
    expect(accounts.length).toBeGreaterThan(0);
    for (const { accountKey } of accounts) {
      const report = await verifyAccount(redis, client, accountKey);
      total.mailboxes += report.mailboxes;
      total.summaries += report.summaries;
      total.stale.push(...report.stale);
      total.mismatches.push(...report.mismatches);
    }
  } finally {
    await client.logout().catch(() => {});
    redis.disconnect();
  }
  return total;
}

/** The UIDs of `mailbox` on the server, newest first. */
export async function serverUids(user: User, mailbox: string): Promise<number[]> {
  const client = await imap(user);
  try {
    const lock = await client.getMailboxLock(mailbox, { readOnly: true });
    try {
      const uids = (await client.search({ all: true }, { uid: true })) || [];
      return [...uids].sort((a, b) => b - a);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server on `port` (never the shared one), resolved once it answers PING. */
export async function startRedis(port: number): Promise<{ stop(): Promise<void> }> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
