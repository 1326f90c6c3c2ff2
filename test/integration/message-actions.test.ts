import { randomUUID } from 'node:crypto';
import { ErrorCodes, type MessageActionResult } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { createMailUser, type MailUser, withFolder, withImap } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const id = (path: string) => Buffer.from(path, 'utf8').toString('base64url');

type User = MailUser;

function message(subject: string): string {
  return [
    'From: Someone <someone@example.org>',
    'To: user@westwind.test',
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Body.',
    '',
  ].join('\r\n');
}

/** A fresh user with INBOX, Archive, Trash (\Trash) and Junk (\Junk); `n` messages in INBOX. */
async function newUser(
  n: number,
  options: { trash?: boolean } = {},
): Promise<{ user: User; uids: number[] }> {
  const user = await createMailUser('act');
  const uids = await withImap(user, async (client) => {
    await client.mailboxCreate('Archive');
    await client.mailboxCreate('Junk');
    if (options.trash !== false) await client.mailboxCreate('Trash');
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const appended = await client.append('INBOX', message(`message ${i}`));
      const uid = appended === false ? undefined : appended.uid;
      if (uid) out.push(uid);
    }
    return out;
  });
  return { user, uids };
}

async function flagsOf(user: User, path: string): Promise<Map<number, Set<string>>> {
  return withFolder(user, path, async (client) => {
    const rows =
      client.mailbox && client.mailbox.exists > 0
        ? await client.fetchAll('1:*', { uid: true, flags: true })
        : [];
    return new Map(rows.map((row) => [row.uid, row.flags ?? new Set<string>()]));
  });
}

const signedIn = async (user: User): Promise<ApiClient> => signedInClient(await app(), user);

async function act(client: ApiClient, payload: Record<string, unknown>) {
  return client.request({ method: 'POST', url: '/api/messages/actions', payload });
}

describe('POST /api/messages/actions', () => {
  let trashy: boolean;

  beforeAll(async () => {
    // The stack's Dovecot marks a folder named Trash / Junk with special-use (auto-configured
    // namespace); check it so the delete tests know what they exercise.
    const { user } = await newUser(0);
    trashy = await withImap(user, async (client) =>
      (await client.list()).some((mailbox) => mailbox.specialUse === '\\Trash'),
    );
  });

  it('requires authentication', async () => {
    const client = new ApiClient(await app());
    const response = await act(client, { mailboxId: id('INBOX'), uids: [1], action: 'read' });
    expect([401, 403]).toContain(response.statusCode);
    const withCsrf = new ApiClient(await app());
    await withCsrf.csrf();
    const again = await act(withCsrf, { mailboxId: id('INBOX'), uids: [1], action: 'read' });
    expect(again.statusCode).toBe(401);
    expect(again.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
  });

  it('sets and clears \\Seen and \\Flagged, visible over IMAP', async () => {
    const { user, uids } = await newUser(3);
    const client = await signedIn(user);
    const read = await act(client, { mailboxId: id('INBOX'), uids: uids.slice(0, 2), action: 'read' });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json<MessageActionResult>().affected).toBe(2);
    expect((await act(client, { mailboxId: id('INBOX'), uids, action: 'flag' })).json().affected).toBe(3);
    let flags = await flagsOf(user, 'INBOX');
    expect(uids.map((uid) => flags.get(uid)?.has('\\Seen'))).toEqual([true, true, false]);
    expect(uids.every((uid) => flags.get(uid)?.has('\\Flagged'))).toBe(true);
    await act(client, { mailboxId: id('INBOX'), uids: [uids[0]], action: 'unread' });
    await act(client, { mailboxId: id('INBOX'), uids: [uids[1]], action: 'unflag' });
    flags = await flagsOf(user, 'INBOX');
    expect(flags.get(uids[0]!)?.has('\\Seen')).toBe(false);
    expect(flags.get(uids[1]!)?.has('\\Flagged')).toBe(false);
    expect(flags.get(uids[2]!)?.has('\\Flagged')).toBe(true);
  });

  it('moves and copies with the new UIDs', async () => {
    const { user, uids } = await newUser(4);
    const client = await signedIn(user);
    const copy = await act(client, {
      mailboxId: id('INBOX'),
      uids: [uids[0]],
      action: 'copy',
      targetMailboxId: id('Archive'),
    });
    expect(copy.statusCode, copy.body).toBe(200);
    expect(copy.json<MessageActionResult>()).toEqual({
      affected: 1,
      uidMap: { [uids[0]!]: expect.any(Number) },
    });
    const move = await act(client, {
      mailboxId: id('INBOX'),
      uids: uids.slice(1, 3),
      action: 'move',
      targetMailboxId: id('Archive'),
    });
    const moved = move.json<MessageActionResult>();
    expect(moved.affected).toBe(2);
    expect(
      Object.keys(moved.uidMap ?? {})
        .map(Number)
        .sort(),
    ).toEqual(uids.slice(1, 3).sort());
    expect([...(await flagsOf(user, 'INBOX')).keys()].sort()).toEqual([uids[0], uids[3]].sort());
    const archive = await flagsOf(user, 'Archive');
    expect(archive.size).toBe(3);
    for (const target of Object.values(moved.uidMap ?? {})) expect(archive.has(target)).toBe(true);
  });

  it('answers 404 for a target or source folder that does not exist', async () => {
    const { user, uids } = await newUser(1);
    const client = await signedIn(user);
    for (const payload of [
      { mailboxId: id('INBOX'), uids, action: 'move', targetMailboxId: id('Nowhere') },
      { mailboxId: id('INBOX'), uids, action: 'copy' },
      { mailboxId: id('Nowhere'), uids, action: 'read' },
      { mailboxId: 'bad id!', uids, action: 'read' },
    ]) {
      const response = await act(client, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(404);
      expect(response.json().error.code).toBe(ErrorCodes.MAILBOX_NOT_FOUND);
    }
    expect((await flagsOf(user, 'INBOX')).size).toBe(1);
  });

  it('deletes to Trash, and expunges in Trash', async () => {
    const { user, uids } = await newUser(2);
    const client = await signedIn(user);
    const trashPath = await withImap(user, async (direct) => {
      const trash = (await direct.list()).find((mailbox) => mailbox.specialUse === '\\Trash');
      return trash?.path;
    });
    const deleted = await act(client, { mailboxId: id('INBOX'), uids, action: 'delete' });
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json<MessageActionResult>().affected).toBe(2);
    expect((await flagsOf(user, 'INBOX')).size).toBe(0);
    if (!trashPath) {
      expect(trashy).toBe(false);
      return;
    }
    const inTrash = [...(await flagsOf(user, trashPath)).keys()];
    expect(inTrash).toHaveLength(2);
    const expunged = await act(client, { mailboxId: id(trashPath), uids: [inTrash[0]], action: 'delete' });
    expect(expunged.json<MessageActionResult>()).toEqual({ affected: 1 });
    expect([...(await flagsOf(user, trashPath)).keys()]).toEqual([inTrash[1]]);
  });

  it('expunges when the account has no Trash', async () => {
    const { user, uids } = await newUser(2, { trash: false });
    const hasTrash = await withImap(user, async (direct) =>
      (await direct.list()).some((mailbox) => mailbox.specialUse === '\\Trash'),
    );
    const client = await signedIn(user);
    const response = await act(client, { mailboxId: id('INBOX'), uids: [uids[0]], action: 'delete' });
    expect(response.statusCode).toBe(200);
    expect([...(await flagsOf(user, 'INBOX')).keys()]).toEqual([uids[1]]);
    if (!hasTrash) expect(response.json()).toEqual({ affected: 1 });
  });

  it('leaves out a message another client deleted between list and action', async () => {
    const { user, uids } = await newUser(3);
    const client = await signedIn(user);
    const list = await client.request({ url: `/api/mailboxes/${id('INBOX')}/messages` });
    expect(list.json().items).toHaveLength(3);
    await withFolder(user, 'INBOX', (direct) => direct.messageDelete(String(uids[1]), { uid: true }));
    const read = await act(client, { mailboxId: id('INBOX'), uids, action: 'read' });
    expect(read.json<MessageActionResult>().affected).toBe(2);
    const move = await act(client, {
      mailboxId: id('INBOX'),
      uids: [uids[1]],
      action: 'move',
      targetMailboxId: id('Archive'),
    });
    expect(move.statusCode).toBe(200);
    expect(move.json<MessageActionResult>()).toEqual({ affected: 0, uidMap: {} });
  });

  it('handles a large batch of UIDs, most of which do not exist', async () => {
    const { user, uids } = await newUser(2);
    const client = await signedIn(user);
    const many = [...uids, ...Array.from({ length: 4998 }, (_, i) => 10_000 + i * 3)];
    const response = await act(client, { mailboxId: id('INBOX'), uids: many, action: 'flag' });
    expect(response.statusCode).toBe(200);
    expect(response.json<MessageActionResult>().affected).toBe(2);
  });

  it('validates the request', async () => {
    const { user } = await newUser(0);
    const client = await signedIn(user);
    for (const payload of [
      { mailboxId: id('INBOX'), uids: [], action: 'read' },
      { mailboxId: id('INBOX'), uids: [0], action: 'read' },
      { mailboxId: id('INBOX'), uids: [1], action: 'explode' },
    ]) {
      const response = await act(client, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});
