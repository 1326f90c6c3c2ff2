import { randomUUID } from 'node:crypto';
import { ErrorCodes, type MessagePage } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { connectImap, createMailUser, type MailUser, seedMailbox } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const INBOX = Buffer.from('INBOX').toString('base64url');

type User = MailUser;

/** A fresh user with a seeded mailbox (INBOX of `count` messages and the other folders). */
async function seededUser(count: number): Promise<User> {
  const user = await createMailUser('list');
  await seedMailbox(user.address, count);
  return user;
}

const signedIn = async (user: User): Promise<ApiClient> => signedInClient(await app(), user);

function listUrl(query: Record<string, string | number> = {}, mailboxId = INBOX): string {
  const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const qs = params.toString();
  return `/api/mailboxes/${mailboxId}/messages${qs ? `?${qs}` : ''}`;
}

async function page(client: ApiClient, query: Record<string, string | number> = {}): Promise<MessagePage> {
  const response = await client.request({ url: listUrl(query) });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MessagePage>();
}

/** Every page of the folder in order, calling `between` after the first. */
async function pageThrough(
  client: ApiClient,
  query: Record<string, string | number>,
  between?: () => Promise<void>,
): Promise<MessagePage['items']> {
  const items: MessagePage['items'] = [];
  let cursor: string | null = null;
  let first = true;
  do {
    const current = await page(client, cursor ? { ...query, cursor } : query);
    items.push(...current.items);
    cursor = current.nextCursor;
    if (first && between) await between();
    first = false;
  } while (cursor);
  return items;
}

function message(subject: string): string {
  return [
    'From: Late Sender <late@example.org>',
    `To: someone@westwind.test`,
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Arrived while someone was paging.',
    '',
  ].join('\r\n');
}

describe('GET /api/mailboxes/:mailboxId/messages', () => {
  let user: User;
  let allUids: number[];

  beforeAll(async () => {
    user = await seededUser(45);
    const client = await connectImap(user);
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        allUids = (await client.search({ all: true }, { uid: true })) as number[];
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).request({ url: listUrl() });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
  });

  it('serves the first page newest first, as IMAP has it', async () => {
    const client = await signedIn(user);
    const first = await page(client, { limit: 10 });
    const direct = await connectImap(user);
    let expected: { uid: number; subject: string; seen: boolean; size: number; from: string }[];
    let highestModseq: bigint | undefined;
    let uidValidity: bigint;
    try {
      const lock = await direct.getMailboxLock('INBOX');
      try {
        const mailbox = direct.mailbox as Exclude<typeof direct.mailbox, false>;
        highestModseq = mailbox.highestModseq;
        uidValidity = mailbox.uidValidity;
        const newest = [...allUids].sort((a, b) => b - a).slice(0, 10);
        const rows = await direct.fetchAll(
          newest.join(','),
          { uid: true, envelope: true, flags: true, size: true },
          { uid: true },
        );
        rows.sort((a, b) => b.uid - a.uid);
        expected = rows.map((row) => ({
          uid: row.uid,
          subject: row.envelope?.subject ?? '',
          seen: row.flags?.has('\\Seen') ?? false,
          size: row.size ?? 0,
          from: row.envelope?.from?.[0]?.address ?? '',
        }));
      } finally {
        lock.release();
      }
    } finally {
      await direct.logout();
    }
    expect(first.total).toBe(allUids.length);
    expect(first.state).toBe(`${uidValidity}:${highestModseq}`);
    expect(first.unread).toBeGreaterThan(0);
    expect(
      first.items.map((item) => ({
        uid: item.uid,
        subject: item.subject,
        seen: item.flags.seen,
        size: item.size,
        from: item.from[0]?.address ?? '',
      })),
    ).toEqual(expected);
    expect(first.nextCursor).toEqual(expect.any(String));
    // Snippets come from the text part, as one clean line.
    expect(first.items.filter((item) => item.snippet.length > 0).length).toBeGreaterThan(5);
    for (const item of first.items) expect(item.snippet).not.toMatch(/[\r\n<>]|=[0-9A-F]{2}/);
  });

  it('pages through every message exactly once while new mail arrives', async () => {
    const client = await signedIn(user);
    const items = await pageThrough(client, { limit: 7 }, async () => {
      const direct = await connectImap(user);
      try {
        await direct.append('INBOX', message(`late ${randomUUID()}`));
      } finally {
        await direct.logout();
      }
    });
    const uids = items.map((item) => item.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect([...uids].sort((a, b) => a - b)).toEqual([...allUids].sort((a, b) => a - b));
    expect(uids).toEqual([...uids].sort((a, b) => b - a));
    // The next first page shows the new message on top.
    const top = await page(client, { limit: 1 });
    expect(top.items[0]?.subject).toMatch(/^late /);
    allUids.push(top.items[0]!.uid);
  });

  it('pages oldest first', async () => {
    const client = await signedIn(user);
    const uids = (await pageThrough(client, { limit: 9, order: 'asc' })).map((item) => item.uid);
    expect(uids).toEqual([...allUids].sort((a, b) => a - b));
  });

  it.each(['size', 'subject', 'from'] as const)('sorts by %s across pages', async (sort) => {
    const client = await signedIn(user);
    for (const order of ['asc', 'desc'] as const) {
      const items = await pageThrough(client, { limit: 8, sort, order });
      const uids = items.map((item) => item.uid);
      expect(new Set(uids).size).toBe(uids.length);
      expect([...uids].sort((a, b) => a - b)).toEqual([...allUids].sort((a, b) => a - b));
      if (sort === 'size') {
        const sizes = items.map((item) => item.size);
        expect(sizes).toEqual([...sizes].sort((a, b) => (order === 'asc' ? a - b : b - a)));
      }
    }
  });

  it('continues a size-sorted listing after its last row was deleted', async () => {
    const client = await signedIn(user);
    const first = await page(client, { limit: 5, sort: 'size', order: 'asc' });
    const gone = first.items.at(-1)!;
    const direct = await connectImap(user);
    try {
      const lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.messageDelete(String(gone.uid), { uid: true });
      } finally {
        lock.release();
      }
    } finally {
      await direct.logout();
    }
    allUids.splice(allUids.indexOf(gone.uid), 1);
    const second = await page(client, { limit: 5, sort: 'size', order: 'asc', cursor: first.nextCursor! });
    const seen = new Set(first.items.map((item) => item.uid));
    for (const item of second.items) {
      expect(seen.has(item.uid)).toBe(false);
      expect(item.size).toBeGreaterThanOrEqual(gone.size);
    }
    expect(second.items.length).toBe(5);
  });

  it('refuses a malformed cursor, or one from another sort or order', async () => {
    const client = await signedIn(user);
    const first = await page(client, { limit: 5 });
    const queries: Record<string, string>[] = [
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('{"v":1}').toString('base64url') },
      { cursor: first.nextCursor!, sort: 'size' },
      { cursor: first.nextCursor!, order: 'asc' },
    ];
    for (const query of queries) {
      const response = await client.request({ url: listUrl(query) });
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().error.code).toBe(ErrorCodes.INVALID_CURSOR);
    }
  });

  it('refuses a cursor from before the folder was recreated (another UIDVALIDITY)', async () => {
    // Another client recreates the folder: seen at once only when every page asks the server
    // (the windows that let pages skip that are tested in cache-freshness.test.ts).
    const client = await signedInClient(
      await app({ CACHE_FRESH_MS: '0', CACHE_SELECTION_TRUST_S: '0' }),
      user,
    );
    const direct = await connectImap(user);
    try {
      await direct.mailboxCreate('Recreated');
      await direct.append('Recreated', message('one'));
      await direct.append('Recreated', message('two'));
    } finally {
      await direct.logout();
    }
    const id = Buffer.from('Recreated').toString('base64url');
    const first = await client.request({ url: listUrl({ limit: 1 }, id) });
    const cursor = first.json<MessagePage>().nextCursor!;
    const again = await connectImap(user);
    try {
      await again.mailboxDelete('Recreated');
      await again.mailboxCreate('Recreated');
      await again.append('Recreated', message('three'));
    } finally {
      await again.logout();
    }
    const response = await client.request({ url: listUrl({ limit: 1, cursor }, id) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(ErrorCodes.INVALID_CURSOR);
  });

  it('answers 404 for a folder that does not exist or an id that is not one', async () => {
    const client = await signedIn(user);
    for (const id of [Buffer.from('No such folder').toString('base64url'), 'not_an-id!']) {
      const response = await client.request({ url: listUrl({}, encodeURIComponent(id)) });
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe(ErrorCodes.MAILBOX_NOT_FOUND);
    }
  });

  it('validates the query', async () => {
    const client = await signedIn(user);
    const queries: Record<string, string | number>[] = [
      { limit: 0 },
      { limit: 500 },
      { sort: 'color' },
      { order: 'up' },
    ];
    for (const query of queries) {
      const response = await client.request({ url: listUrl(query) });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(ErrorCodes.VALIDATION_FAILED);
    }
  });

  it('lists an empty folder', async () => {
    const client = await signedIn(user);
    const direct = await connectImap(user);
    try {
      await direct.mailboxCreate('Empty');
    } finally {
      await direct.logout();
    }
    const response = await client.request({ url: listUrl({}, Buffer.from('Empty').toString('base64url')) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ total: 0, unread: 0, items: [], nextCursor: null });
  });
});
