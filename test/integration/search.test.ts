import { randomUUID } from 'node:crypto';
import { ErrorCodes, type SearchResult } from '@westwind/contract';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseQuery, toSearchObject } from '../../apps/server/src/search/query.ts';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { connectImap, createMailUser, type MailUser, seedMailbox, withFolder } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const id = (path: string) => Buffer.from(path, 'utf8').toString('base64url');

const TAG = `q${randomUUID().slice(0, 6)}`;

function message(options: {
  from: string;
  subject: string;
  body?: string;
  attachment?: boolean;
  date: Date;
}): string {
  const head = [
    `From: ${options.from}`,
    'To: someone@westwind.test',
    `Subject: ${options.subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    `Date: ${options.date.toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  const body = options.body ?? `Body of ${options.subject}`;
  if (!options.attachment) {
    return [...head, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  }
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '--b1',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 not really').toString('base64'),
    '--b1--',
    '',
  ].join('\r\n');
}

/** What IMAP itself returns for the query's search object, in `path`, newest first. */
function direct(user: MailUser, query: string, path = 'INBOX'): Promise<number[]> {
  return withFolder(user, path, async (client) => {
    const uids = (await client.search(toSearchObject(parseQuery(query)), { uid: true })) as number[];
    return [...uids].sort((a, b) => b - a);
  });
}

describe('GET /api/search', () => {
  let user: MailUser;
  let api: ApiClient;

  beforeAll(async () => {
    user = await createMailUser('search');
    await seedMailbox(user.address, 30);
    const client = await connectImap(user);
    try {
      const day = (d: string) => new Date(`${d}T12:00:00Z`);
      const put = (path: string, raw: string, flags: string[], date: Date) =>
        client.append(path, raw, flags, date);
      await put(
        'INBOX',
        message({
          from: `Alice <alice-${TAG}@example.org>`,
          subject: `${TAG} lunch plans`,
          date: day('2021-03-01'),
        }),
        ['\\Seen'],
        day('2021-03-01'),
      );
      await put(
        'INBOX',
        message({
          from: `Bob <bob-${TAG}@example.org>`,
          subject: `${TAG} quarterly report`,
          attachment: true,
          date: day('2021-03-05'),
        }),
        [],
        day('2021-03-05'),
      );
      await put(
        'INBOX',
        message({
          from: `Alice <alice-${TAG}@example.org>`,
          subject: `${TAG} Grüße aus Köln`,
          body: 'Schöne Grüße',
          date: day('2021-03-10'),
        }),
        ['\\Flagged'],
        day('2021-03-10'),
      );
      await put(
        'INBOX',
        message({
          from: `Carol <carol-${TAG}@example.org>`,
          subject: `${TAG} say "hi" (maybe)`,
          date: day('2021-03-12'),
        }),
        [],
        day('2021-03-12'),
      );
      await put(
        'Sent',
        message({ from: user.address, subject: `${TAG} reply to alice`, date: day('2021-03-08') }),
        ['\\Seen'],
        day('2021-03-08'),
      );
      await put(
        'Trash',
        message({
          from: `Alice <alice-${TAG}@example.org>`,
          subject: `${TAG} deleted thing`,
          date: day('2021-03-09'),
        }),
        ['\\Seen'],
        day('2021-03-09'),
      );
    } finally {
      await client.logout();
    }
  });

  beforeEach(async () => {
    api = await signedInClient(await app(), user);
  });

  async function search(query: Record<string, string | number>) {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return api.request({ url: `/api/search?${qs}` });
  }

  async function results(q: string, extra: Record<string, string | number> = {}): Promise<SearchResult> {
    const response = await search({ q, ...extra });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<SearchResult>();
  }

  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).request({ url: '/api/search?q=x' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
  });

  it.each([
    `from:alice-${TAG}`,
    `subject:${TAG}`,
    `subject:${TAG} is:unread`,
    `subject:${TAG} is:flagged`,
    `subject:${TAG} -is:unread`,
    `subject:${TAG} has:attachment`,
    'has:attachment',
    `subject:${TAG} before:2021-03-06`,
    `subject:${TAG} after:2021-03-06`,
    `from:alice-${TAG} OR from:carol-${TAG}`,
    `subject:"quarterly report" ${TAG}`,
    `${TAG} -lunch`,
    `subject:Grüße ${TAG}`,
    'is:unread',
  ])('%s finds what IMAP SEARCH finds, newest first', async (q) => {
    const expected = await direct(user, q);
    const found = await results(q, { limit: 200 });
    expect(found.items.map((m) => m.uid)).toEqual(expected);
    expect(found.total).toBe(expected.length);
    expect(found.folders).toBe(1);
    expect(found.items.every((m) => m.mailboxId === id('INBOX'))).toBe(true);
  });

  it('checks the crafted messages by subject', async () => {
    const subjects = async (q: string) => (await results(q)).items.map((m) => m.subject);
    expect(await subjects(`from:alice-${TAG}`)).toEqual([`${TAG} Grüße aus Köln`, `${TAG} lunch plans`]);
    expect(await subjects(`subject:${TAG} has:attachment`)).toEqual([`${TAG} quarterly report`]);
    expect(await subjects(`subject:${TAG} after:2021-03-06 before:2021-03-11`)).toEqual([
      `${TAG} Grüße aus Köln`,
    ]);
    expect(await subjects(`subject:"say \\"hi\\""`)).toEqual([`${TAG} say "hi" (maybe)`]);
    const page = await results(`subject:${TAG} is:unread`);
    expect(page.unread).toBe(page.total);
    expect(page.items[0]?.flags.seen).toBe(false);
  });

  it('pages by cursor without repeating or skipping', async () => {
    const all = await direct(user, 'is:unread');
    expect(all.length).toBeGreaterThan(4);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: SearchResult = await results('is:unread', cursor ? { limit: 3, cursor } : { limit: 3 });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((m) => m.uid));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('searches a named folder with in:, and every folder but Trash with in:all', async () => {
    const sent = await results(`in:sent ${TAG}`);
    expect(sent.items.map((m) => m.subject)).toEqual([`${TAG} reply to alice`]);
    expect(sent.items[0]?.mailboxId).toBe(id('Sent'));
    const everywhere = await results(`in:all subject:${TAG}`);
    expect(everywhere.folders).toBeGreaterThan(1);
    expect(everywhere.items.map((m) => m.subject)).toEqual([
      `${TAG} say "hi" (maybe)`,
      `${TAG} Grüße aus Köln`,
      `${TAG} reply to alice`,
      `${TAG} quarterly report`,
      `${TAG} lunch plans`,
    ]);
    expect(everywhere.items[2]?.mailboxId).toBe(id('Sent'));
    const trash = await results(`in:trash ${TAG}`);
    expect(trash.items.map((m) => m.subject)).toEqual([`${TAG} deleted thing`]);
    // Paging across folders.
    const first = await results(`in:anywhere subject:${TAG}`, { limit: 2 });
    const second = await results(`in:anywhere subject:${TAG}`, { limit: 2, cursor: first.nextCursor! });
    const third = await results(`in:anywhere subject:${TAG}`, { limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((m) => m.subject)).toEqual(
      everywhere.items.map((m) => m.subject),
    );
    expect(third.nextCursor).toBeNull();
    const missing = await search({ q: 'in:NoSuchFolder x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe(ErrorCodes.MAILBOX_NOT_FOUND);
  });

  it('answers bad queries with a clear 400', async () => {
    for (const q of ['before:yesterday', 'is:important', 'x OR', 'a'.repeat(501), '', '((((']) {
      const response = await search({ q });
      expect(response.statusCode, q).toBe(400);
      expect(response.json().error.code).toBe(ErrorCodes.VALIDATION_FAILED);
    }
    expect((await search({ q: 'x', cursor: 'not-a-cursor' })).json().error.code).toBe(
      ErrorCodes.INVALID_CURSOR,
    );
    expect((await search({ q: 'x', mailboxId: '!!' })).statusCode).toBe(404);
  });

  it('never fails on hostile strings', async () => {
    const hostile = [
      'x\r\nA1 LOGOUT',
      'subject:"\r\n* BYE"',
      'from:\u0000root',
      '"unbalanced',
      '\\"',
      ')(',
      '"(a) OR (b)"',
      '{5}\r\nhello',
      'from:{3+}',
      '* OR 1:*',
      '日本語 Ünïcode ✉️',
      `subject:${'😀'.repeat(100)}`,
      '%*"\\',
      '-"-"',
      'in:"INBOX\r\n"',
      'in:"../../etc"',
    ];
    for (const q of hostile) {
      const response = await search({ q });
      expect([200, 400, 404], `${JSON.stringify(q)}: ${response.body}`).toContain(response.statusCode);
    }
    // The session still works afterwards.
    expect((await search({ q: `subject:${TAG}` })).statusCode).toBe(200);
  });
});
