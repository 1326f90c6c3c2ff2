import { randomUUID } from 'node:crypto';
import { ErrorCodes, type ThreadDetail, type ThreadPage, type ThreadSummary } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { connectImap, createMailUser, type MailUser, seedMailbox, withFolder } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const INBOX = Buffer.from('INBOX').toString('base64url');
const SENT = Buffer.from('Sent').toString('base64url');

type User = MailUser;

async function seededUser(count: number): Promise<User> {
  const user = await createMailUser('threads');
  await seedMailbox(user.address, count);
  return user;
}

const signedIn = async (user: User): Promise<ApiClient> => signedInClient(await app(), user);

async function page(client: ApiClient, query: Record<string, string | number> = {}): Promise<ThreadPage> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await client.request({ url: `/api/mailboxes/${INBOX}/threads${qs ? `?${qs}` : ''}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ThreadPage>();
}

async function allThreads(client: ApiClient, limit: number): Promise<ThreadSummary[]> {
  const items: ThreadSummary[] = [];
  let cursor: string | null = null;
  do {
    const current: ThreadPage = await page(client, cursor ? { limit, cursor } : { limit });
    expect(current.items.length).toBeLessThanOrEqual(limit);
    items.push(...current.items);
    cursor = current.nextCursor;
  } while (cursor);
  return items;
}

async function detail(client: ApiClient, threadId: string): Promise<ThreadDetail> {
  const response = await client.request({ url: `/api/threads/${threadId}?mailboxId=${INBOX}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ThreadDetail>();
}

function inboxUids(user: User): Promise<number[]> {
  return withFolder(user, 'INBOX', async (client) =>
    ((await client.search({ all: true }, { uid: true })) as number[]).sort((a, b) => a - b),
  );
}

describe('GET /api/mailboxes/:mailboxId/threads', () => {
  let user: User;

  beforeAll(async () => {
    user = await seededUser(60);
  });

  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).request({ url: `/api/mailboxes/${INBOX}/threads` });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
    const one = await new ApiClient(await app()).request({ url: `/api/threads/abc?mailboxId=${INBOX}` });
    expect(one.statusCode).toBe(401);
  });

  it('pages through every INBOX message once, newest activity first, with Sent replies joined', async () => {
    const client = await signedIn(user);
    const threads = await allThreads(client, 7);
    expect(new Set(threads.map((t) => t.threadId)).size).toBe(threads.length);
    for (let i = 1; i < threads.length; i++) {
      expect(threads[i - 1]!.lastDate >= threads[i]!.lastDate).toBe(true);
    }
    const inInbox = threads.flatMap((t) => t.messages.filter((m) => m.mailboxId === INBOX).map((m) => m.uid));
    expect(inInbox.sort((a, b) => a - b)).toEqual(await inboxUids(user));
    // The seeder writes the user's replies to Sent: some conversations must show them.
    const withSent = threads.filter((t) => t.messages.some((m) => m.mailboxId === SENT));
    expect(withSent.length).toBeGreaterThan(0);
    for (const thread of threads) {
      expect(thread.messageCount).toBe(thread.messages.length);
      expect(thread.unreadCount).toBeLessThanOrEqual(thread.messageCount);
      expect(thread.latest.date).toBe(thread.lastDate);
      expect(thread.participants.length).toBeGreaterThan(0);
    }
    // Threads with more than one message exist (the seeder writes conversations).
    expect(threads.some((t) => t.messages.filter((m) => m.mailboxId === INBOX).length > 1)).toBe(true);
  });

  it('opens a conversation with its Sent replies in date order', async () => {
    const client = await signedIn(user);
    const threads = await allThreads(client, 50);
    const thread = threads.find((t) => t.messages.some((m) => m.mailboxId === SENT))!;
    const opened = await detail(client, thread.threadId);
    expect(opened.messages.map((m) => ({ mailboxId: m.mailboxId, uid: m.uid }))).toEqual(thread.messages);
    const dates = opened.messages.map((m) => m.date);
    expect([...dates].sort()).toEqual(dates);
    const mine = opened.messages.filter((m) => m.mailboxId === SENT);
    expect(mine.length).toBeGreaterThan(0);
    for (const m of mine) expect(m.from[0]?.address).toBe(user.address);
    const ids = new Set(opened.messages.map((m) => m.messageId));
    // Every reply of the user answers a message of this conversation.
    for (const m of mine) if (m.inReplyTo) expect(ids.has(m.inReplyTo)).toBe(true);
  });

  it('adds a reply delivered later to its conversation and moves it to the top', async () => {
    const client = await signedIn(user);
    const threads = await allThreads(client, 50);
    const thread = threads.find((t) => t.messages.some((m) => m.mailboxId === SENT) && t !== threads[0])!;
    const opened = await detail(client, thread.threadId);
    const mine = opened.messages.filter((m) => m.mailboxId === SENT).at(-1)!;
    const references = opened.messages.map((m) => m.messageId).filter(Boolean);
    const raw = [
      'From: Late Replier <late@example.org>',
      `To: ${user.address}`,
      `Subject: Re: ${thread.subject}`,
      `Message-ID: <${randomUUID()}@example.org>`,
      `In-Reply-To: ${mine.messageId}`,
      `References: ${references.join(' ')}`,
      `Date: ${new Date(Date.now() + 60_000).toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Answering your reply.',
      '',
    ].join('\r\n');
    const direct = await connectImap(user);
    try {
      await direct.append('INBOX', raw, []);
    } finally {
      await direct.logout();
    }
    const first = await page(client, { limit: 3 });
    expect(first.items[0]!.threadId).toBe(thread.threadId);
    expect(first.items[0]!.messageCount).toBe(thread.messageCount + 1);
    expect(first.items[0]!.unreadCount).toBe(thread.unreadCount + 1);
    expect(first.items[0]!.latest.from[0]?.address).toBe('late@example.org');
    expect(first.items[0]!.latest.snippet).toContain('Answering your reply');
  });

  it('refuses a bad cursor and an unknown conversation', async () => {
    const client = await signedIn(user);
    const bad = await client.request({ url: `/api/mailboxes/${INBOX}/threads?cursor=nonsense` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe(ErrorCodes.INVALID_CURSOR);
    const missing = await client.request({ url: `/api/threads/AAAAAAAAAAAAAAAAAAAAAA?mailboxId=${INBOX}` });
    expect(missing.statusCode).toBe(404);
    const folder = await client.request({ url: `/api/mailboxes/${SENT}x/threads` });
    expect(folder.statusCode).toBe(404);
  });
});
