import { randomUUID } from 'node:crypto';
import { ErrorCodes, type Mailbox } from '@westwind/contract';
import type { ImapFlow } from 'imapflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { randomMailUser, seedMailbox, withImap } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();

/** One seeded user for the file: INBOX, the special-use folders, Projects/Westwind/Design, Reçus, 旅行. */
const user = randomMailUser('mbx');

beforeAll(async () => {
  await addMailUser(user.address, user.password);
  await seedMailbox(user.address, 40);
});

/** A folder name no other test uses. */
const unique = (label: string) => `${label} ${randomUUID().slice(0, 6)}`;
const idOf = (path: string) => Buffer.from(path, 'utf8').toString('base64url');

const signedIn = async (): Promise<ApiClient> => signedInClient(await app(), user);

/** Another IMAP client of the same account (another device, or a desktop mail program). */
const otherImapClient = <T>(fn: (imap: ImapFlow) => Promise<T>): Promise<T> => withImap(user, fn);

async function mailboxes(client: ApiClient): Promise<Mailbox[]> {
  const response = await client.request({ url: '/api/mailboxes' });
  expect(response.statusCode).toBe(200);
  return response.json<{ mailboxes: Mailbox[] }>().mailboxes;
}

async function create(client: ApiClient, name: string, parentId?: string | null) {
  return client.request({
    method: 'POST',
    url: '/api/mailboxes',
    payload: parentId === undefined ? { name } : { name, parentId },
  });
}

async function created(client: ApiClient, name: string, parentId?: string | null): Promise<Mailbox> {
  const response = await create(client, name, parentId);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<Mailbox>();
}

function patch(client: ApiClient, id: string, payload: Record<string, unknown>) {
  return client.request({ method: 'PATCH', url: `/api/mailboxes/${id}`, payload });
}

function remove(client: ApiClient, id: string) {
  return client.request({ method: 'DELETE', url: `/api/mailboxes/${id}` });
}

async function imapPaths(): Promise<Map<string, { subscribed: boolean; flags: Set<string> }>> {
  return otherImapClient(async (imap) => {
    const list = await imap.list();
    return new Map(
      list.map((entry) => [entry.path, { subscribed: entry.subscribed === true, flags: entry.flags }]),
    );
  });
}

function expectError(response: { statusCode: number; json: () => unknown }, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect((response.json() as { error: { code: string } }).error.code).toBe(code);
}

describe('GET /api/mailboxes', () => {
  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    expectError(await client.request({ url: '/api/mailboxes' }), 401, ErrorCodes.SESSION_REQUIRED);
  });

  it('lists the tree: special-use roles first, nested folders linked by parentId', async () => {
    const list = await mailboxes(await signedIn());
    const topLevel = list.filter((m) => m.parentId === null);
    expect(topLevel.slice(0, 6).map((m) => [m.path, m.role])).toEqual([
      ['INBOX', 'inbox'],
      ['Drafts', 'drafts'],
      ['Sent', 'sent'],
      ['Archive', 'archive'],
      ['Junk', 'junk'],
      ['Trash', 'trash'],
    ]);
    const byPath = new Map(list.map((m) => [m.path, m]));
    const design = byPath.get('Projects/Westwind/Design');
    expect(design).toMatchObject({ name: 'Design', delimiter: '/', role: null, selectable: true });
    expect(design?.parentId).toBe(byPath.get('Projects/Westwind')?.id);
    expect(byPath.get('Projects/Westwind')?.parentId).toBe(byPath.get('Projects')?.id);
    expect(byPath.get('Projects')?.parentId).toBeNull();
    expect(byPath.get('Reçus')).toMatchObject({ name: 'Reçus', role: null });
    expect(byPath.has('旅行')).toBe(true);
    // Each folder comes before its subfolders, and ids are the base64url of the path.
    for (const [index, mailbox] of list.entries()) {
      expect(mailbox.id).toBe(idOf(mailbox.path));
      if (mailbox.parentId) {
        expect(list.findIndex((m) => m.id === mailbox.parentId)).toBeLessThan(index);
      }
    }
  });

  it('reports the same message and unread counts as IMAP STATUS', async () => {
    const list = await mailboxes(await signedIn());
    const expected = await otherImapClient(async (imap) => {
      const counts = new Map<string, { total: number; unread: number }>();
      for (const mailbox of list.filter((m) => m.selectable)) {
        const status = await imap.status(mailbox.path, { messages: true, unseen: true });
        if (status) counts.set(mailbox.path, { total: status.messages ?? -1, unread: status.unseen ?? -1 });
      }
      return counts;
    });
    expect(list.find((m) => m.path === 'INBOX')?.total).toBe(40);
    expect(list.some((m) => m.unread > 0)).toBe(true);
    for (const mailbox of list.filter((m) => m.selectable)) {
      expect({ total: mailbox.total, unread: mailbox.unread }, mailbox.path).toEqual(
        expected.get(mailbox.path),
      );
    }
  });

  it('shows subscriptions and placeholders made by another client', async () => {
    const parent = unique('Ghost');
    const hidden = unique('Hidden');
    await otherImapClient(async (imap) => {
      await imap.mailboxCreate(`${parent}/child`);
      await imap.mailboxCreate(hidden);
      await imap.mailboxUnsubscribe(hidden);
    });
    const byPath = new Map((await mailboxes(await signedIn())).map((m) => [m.path, m]));
    expect(byPath.get(hidden)).toMatchObject({ subscribed: false, selectable: true });
    expect(byPath.get(parent)).toMatchObject({ selectable: false, total: 0, unread: 0 });
    expect(byPath.get(`${parent}/child`)).toMatchObject({ parentId: idOf(parent), subscribed: true });
  });
});

describe('POST /api/mailboxes', () => {
  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    expectError(await create(client, 'Nope'), 401, ErrorCodes.SESSION_REQUIRED);
  });

  it('requires the CSRF token', async () => {
    const client = await signedIn();
    const response = await client.request({
      method: 'POST',
      url: '/api/mailboxes',
      payload: { name: 'x' },
      csrf: false,
    });
    expectError(response, 403, ErrorCodes.CSRF_INVALID);
  });

  it('creates a subscribed folder at the top level and under a parent', async () => {
    const client = await signedIn();
    const name = unique('Receipts');
    const top = await created(client, name);
    expect(top).toEqual({
      id: idOf(name),
      path: name,
      name,
      parentId: null,
      delimiter: '/',
      role: null,
      subscribed: true,
      selectable: true,
      total: 0,
      unread: 0,
    });
    const child = await created(client, '2026', top.id);
    expect(child).toMatchObject({ path: `${name}/2026`, name: '2026', parentId: top.id, subscribed: true });
    const onServer = await imapPaths();
    expect(onServer.get(name)?.subscribed).toBe(true);
    expect(onServer.get(`${name}/2026`)?.subscribed).toBe(true);
    expect((await mailboxes(client)).map((m) => m.path)).toContain(`${name}/2026`);
  });

  it('creates folders under INBOX and under the seeded Projects/Westwind/Design', async () => {
    const client = await signedIn();
    const name = unique('Deep');
    const deep = await created(client, name, idOf('Projects/Westwind/Design'));
    expect(deep.path).toBe(`Projects/Westwind/Design/${name}`);
    expect((await created(client, name, idOf('INBOX'))).path).toBe(`INBOX/${name}`);
  });

  it.each([
    ['percent and star', 'a%b*c'],
    ['quotes and backslash', 'say "hi" it\'s \\ ok'],
    ['UTF-8', 'Reçus 旅行 🚀 Ωμέγα'],
    ['ampersand (modified UTF-7 escape)', 'R&D'],
    ['IMAP syntax', 'x) {5} NIL'],
  ])('handles a name with %s', async (_label, raw) => {
    const client = await signedIn();
    const name = `${raw} ${randomUUID().slice(0, 4)}`;
    const mailbox = await created(client, name);
    expect(mailbox).toMatchObject({ path: name, name, id: idOf(name) });
    expect((await imapPaths()).has(name)).toBe(true);
    const renamed = await patch(client, mailbox.id, { name: `${name} (renamed)` });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json<Mailbox>().path).toBe(`${name} (renamed)`);
    const deleted = await remove(client, renamed.json<Mailbox>().id);
    expect(deleted.statusCode).toBe(204);
    const after = await imapPaths();
    expect(after.has(name)).toBe(false);
    expect(after.has(`${name} (renamed)`)).toBe(false);
  });

  it('trims the name and composes it to NFC', async () => {
    const client = await signedIn();
    const suffix = randomUUID().slice(0, 4);
    const mailbox = await created(client, `  Cafe\u0301 ${suffix}  `);
    expect(mailbox.name).toBe(`Café ${suffix}`);
  });

  it.each([
    ['the delimiter', 'a/b', /cannot contain "\/"/],
    ['only white space', '   ', /empty/],
    ['control characters', 'bad\u0007name', /control/],
    ['a dot, which Maildir++ cannot store', 'v1.2', /Character not allowed in mailbox name: '\.'/],
    ['a leading tilde, which Dovecot refuses', '~home', /Begins with '~'/],
  ])('refuses a name with %s', async (_label, name, message) => {
    const response = await create(await signedIn(), name);
    expectError(response, 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expect(response.json().error.message).toMatch(message);
  });

  it('refuses a name longer than 255 characters or an empty one in validation', async () => {
    const client = await signedIn();
    expectError(await create(client, 'x'.repeat(256)), 400, ErrorCodes.VALIDATION_FAILED);
    expectError(await create(client, ''), 400, ErrorCodes.VALIDATION_FAILED);
  });

  it('refuses a name the server cannot hold because the path grows too long', async () => {
    const client = await signedIn();
    const parent = await created(client, 'p'.repeat(200));
    const response = await create(client, 'c'.repeat(80), parent.id);
    expectError(response, 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expect(response.json().error.message).toMatch(/mail server cannot hold/);
  });

  it('refuses a folder that exists, INBOX included', async () => {
    const client = await signedIn();
    expectError(await create(client, 'Projects'), 409, ErrorCodes.MAILBOX_EXISTS);
    expectError(await create(client, 'inbox'), 409, ErrorCodes.MAILBOX_EXISTS);
    expectError(await create(client, 'Westwind', idOf('Projects')), 409, ErrorCodes.MAILBOX_EXISTS);
  });

  it('refuses an unknown or malformed parent', async () => {
    const client = await signedIn();
    expectError(await create(client, 'x', idOf(unique('Nowhere'))), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await create(client, 'x', 'not base64!'), 404, ErrorCodes.MAILBOX_NOT_FOUND);
  });
});

describe('PATCH /api/mailboxes/:mailboxId', () => {
  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    expectError(await patch(client, idOf('Projects'), { name: 'x' }), 401, ErrorCodes.SESSION_REQUIRED);
  });

  it('renames a folder; its subfolders and subscriptions follow', async () => {
    const client = await signedIn();
    const name = unique('Trip');
    const trip = await created(client, name);
    await created(client, 'Photos', trip.id);
    const response = await patch(client, trip.id, { name: `${name} 2027` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ path: `${name} 2027`, name: `${name} 2027`, subscribed: true });
    const onServer = await imapPaths();
    expect(onServer.has(name)).toBe(false);
    expect(onServer.get(`${name} 2027`)?.subscribed).toBe(true);
    expect(onServer.get(`${name} 2027/Photos`)?.subscribed).toBe(true);
  });

  it('moves a folder under another parent and back to the top level, keeping its messages', async () => {
    const client = await signedIn();
    const name = unique('Mover');
    const mover = await created(client, name);
    await otherImapClient((imap) =>
      imap.append(name, 'From: a@westwind.test\r\nSubject: keep me\r\n\r\nbody\r\n', []),
    );
    const moved = await patch(client, mover.id, { parentId: idOf('Projects') });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({
      path: `Projects/${name}`,
      parentId: idOf('Projects'),
      total: 1,
      unread: 1,
    });
    const renamedAndMoved = await patch(client, moved.json<Mailbox>().id, {
      parentId: null,
      name: `${name}!`,
    });
    expect(renamedAndMoved.statusCode, renamedAndMoved.body).toBe(200);
    expect(renamedAndMoved.json()).toMatchObject({ path: `${name}!`, parentId: null, total: 1 });
  });

  it('subscribes and unsubscribes', async () => {
    const client = await signedIn();
    const mailbox = await created(client, unique('Lists'));
    const off = await patch(client, mailbox.id, { subscribed: false });
    expect(off.json()).toMatchObject({ subscribed: false });
    expect((await imapPaths()).get(mailbox.path)?.subscribed).toBe(false);
    const on = await patch(client, mailbox.id, { subscribed: true });
    expect(on.json()).toMatchObject({ subscribed: true });
    expect((await imapPaths()).get(mailbox.path)?.subscribed).toBe(true);
    // Subscription is not a rename: allowed on special-use folders too.
    const sent = await patch(client, idOf('Sent'), { subscribed: true });
    expect(sent.statusCode).toBe(200);
  });

  it('treats a rename to the same path as no change', async () => {
    const client = await signedIn();
    const mailbox = await created(client, unique('Same'));
    const response = await patch(client, mailbox.id, { name: mailbox.name, parentId: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(mailbox);
  });

  it('refuses to rename or move INBOX and special-use folders, or a folder holding one', async () => {
    const client = await signedIn();
    const inbox = await patch(client, idOf('INBOX'), { name: 'Old inbox' });
    expectError(inbox, 409, ErrorCodes.MAILBOX_PROTECTED);
    expect(inbox.json().error.message).toBe('The Inbox cannot be renamed or moved');
    const sent = await patch(client, idOf('Sent'), { parentId: idOf('Projects') });
    expectError(sent, 409, ErrorCodes.MAILBOX_PROTECTED);
    expect(sent.json().error.message).toBe('"Sent" is the Sent folder and cannot be renamed or moved');
    expectError(await patch(client, idOf('Trash'), { name: 'Bin' }), 409, ErrorCodes.MAILBOX_PROTECTED);
    const onServer = await imapPaths();
    expect(onServer.has('Sent') && onServer.has('Trash') && !onServer.has('Bin')).toBe(true);
  });

  it('refuses a target that exists, a move into its own subfolder, and a bad name', async () => {
    const client = await signedIn();
    const name = unique('Loop');
    const loop = await created(client, name);
    const inner = await created(client, 'inner', loop.id);
    expectError(await patch(client, loop.id, { name: 'Projects' }), 409, ErrorCodes.MAILBOX_EXISTS);
    expectError(await patch(client, loop.id, { parentId: inner.id }), 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expectError(await patch(client, loop.id, { parentId: loop.id }), 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expectError(await patch(client, loop.id, { name: 'a/b' }), 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expectError(await patch(client, loop.id, { name: 'a.b' }), 400, ErrorCodes.INVALID_MAILBOX_NAME);
    expect((await imapPaths()).has(`${name}/inner`)).toBe(true);
  });

  it('answers 404 for an unknown or malformed id, and for an unknown new parent', async () => {
    const client = await signedIn();
    expectError(
      await patch(client, idOf(unique('Nothing')), { name: 'x' }),
      404,
      ErrorCodes.MAILBOX_NOT_FOUND,
    );
    expectError(await patch(client, 'SU5CT1g=', { name: 'x' }), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await patch(client, '%E2%9C%93', { name: 'x' }), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    const mailbox = await created(client, unique('Orphan'));
    expectError(
      await patch(client, mailbox.id, { parentId: idOf(unique('Nowhere')) }),
      404,
      ErrorCodes.MAILBOX_NOT_FOUND,
    );
  });
});

describe('DELETE /api/mailboxes/:mailboxId', () => {
  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    expectError(await remove(client, idOf('Projects')), 401, ErrorCodes.SESSION_REQUIRED);
  });

  it('deletes a folder with its messages', async () => {
    const client = await signedIn();
    const name = unique('Old');
    const mailbox = await created(client, name);
    await otherImapClient((imap) => imap.append(name, 'Subject: bye\r\n\r\nbody\r\n', ['\\Seen']));
    const response = await remove(client, mailbox.id);
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect((await imapPaths()).has(name)).toBe(false);
    expect((await mailboxes(client)).some((m) => m.path === name)).toBe(false);
  });

  it('refuses INBOX and special-use folders', async () => {
    const client = await signedIn();
    const inbox = await remove(client, idOf('INBOX'));
    expectError(inbox, 409, ErrorCodes.MAILBOX_PROTECTED);
    expect(inbox.json().error.message).toBe('The Inbox cannot be deleted');
    for (const path of ['Sent', 'Drafts', 'Trash', 'Junk', 'Archive']) {
      const response = await remove(client, idOf(path));
      expectError(response, 409, ErrorCodes.MAILBOX_PROTECTED);
      expect(response.json().error.message).toBe(`"${path}" is the ${path} folder and cannot be deleted`);
    }
  });

  it('refuses a folder with subfolders until they are gone', async () => {
    const client = await signedIn();
    const parent = await created(client, unique('Parent'));
    const child = await created(client, 'child', parent.id);
    const refused = await remove(client, parent.id);
    expectError(refused, 409, ErrorCodes.MAILBOX_PROTECTED);
    expect(refused.json().error.message).toBe(`"${parent.path}" has subfolders; delete or move them first`);
    expect((await remove(client, child.id)).statusCode).toBe(204);
    expect((await remove(client, parent.id)).statusCode).toBe(204);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    const client = await signedIn();
    expectError(await remove(client, idOf(unique('Nothing'))), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await remove(client, 'not*base64'), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await remove(client, idOf('a\r\nb')), 404, ErrorCodes.MAILBOX_NOT_FOUND);
  });
});

describe('a folder changed by another IMAP client meanwhile', () => {
  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    expectError(await client.request({ url: '/api/mailboxes' }), 401, ErrorCodes.SESSION_REQUIRED);
  });

  it('is gone from the list and answers 404 once deleted elsewhere', async () => {
    const client = await signedIn();
    const mailbox = await created(client, unique('Elsewhere'));
    expect((await mailboxes(client)).some((m) => m.id === mailbox.id)).toBe(true);
    await otherImapClient((imap) => imap.mailboxDelete(mailbox.path));
    expect((await mailboxes(client)).some((m) => m.id === mailbox.id)).toBe(false);
    expectError(await patch(client, mailbox.id, { name: 'x' }), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await patch(client, mailbox.id, { subscribed: false }), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await remove(client, mailbox.id), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expectError(await create(client, 'child', mailbox.id), 404, ErrorCodes.MAILBOX_NOT_FOUND);
  });

  it('follows a rename made elsewhere', async () => {
    const client = await signedIn();
    const mailbox = await created(client, unique('Before'));
    await otherImapClient((imap) => imap.mailboxRename(mailbox.path, `${mailbox.path} after`));
    const list = await mailboxes(client);
    expect(list.some((m) => m.path === `${mailbox.path} after`)).toBe(true);
    expectError(await remove(client, mailbox.id), 404, ErrorCodes.MAILBOX_NOT_FOUND);
    expect((await remove(client, idOf(`${mailbox.path} after`))).statusCode).toBe(204);
  });
});

describe('POST /api/mailboxes/:mailboxId/empty', () => {
  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).request({
      method: 'POST',
      url: `/api/mailboxes/${idOf('Trash')}/empty`,
    });
    expect(response.statusCode).toBe(401);
  });

  it('empties Trash for good and refuses ordinary folders', async () => {
    const client = await signedIn();
    const trash = (await mailboxes(client)).find((m) => m.role === 'trash')!;
    await otherImapClient(async (imap) => {
      for (let i = 0; i < 3; i++) {
        await imap.append(trash.path, `From: a@example.org\r\nSubject: junk ${i}\r\n\r\nx\r\n`);
      }
    });
    const emptied = await client.request({ method: 'POST', url: `/api/mailboxes/${trash.id}/empty` });
    expect(emptied.statusCode).toBe(200);
    expect(emptied.json().affected).toBeGreaterThanOrEqual(3);
    const status = await otherImapClient((imap) => imap.status(trash.path, { messages: true }));
    expect(status ? status.messages : undefined).toBe(0);

    const refused = await client.request({ method: 'POST', url: `/api/mailboxes/${idOf('INBOX')}/empty` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('MAILBOX_PROTECTED');
  });
});
