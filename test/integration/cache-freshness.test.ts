import { gunzipSync } from 'node:zlib';
import type { MessagePage } from '@westwind/contract';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  borrows,
  changes,
  flagOn,
  idOf,
  imap,
  message,
  newUser,
  page,
  signedIn,
  verify,
} from '../fault/cache-support.ts';
import { HttpSession } from '../support/http-session.ts';
import { PushClient } from '../support/push-client.ts';
import { type RunningServer, stackConfig, startServer, useApps } from '../support/server.ts';

/**
 * A warm page is served from Redis without borrowing an IMAP connection while the server was
 * seen at the cached state within CACHE_FRESH_MS; a change made through Westwind or seen by the
 * realtime watch ends that at once, a change nobody saw shows once the sighting is older.
 */
const app = useApps();
const servers: RunningServer[] = [];
const sockets: PushClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => {})));
});

const flagged = (rows: MessagePage['items'], uid: number) => rows.find((r) => r.uid === uid)?.flags.flagged;

describe('serving warm pages without asking the server', () => {
  it('serves a current page from Redis alone, without an IMAP connection', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('fresh-warm', 12);
    const api = await signedIn(instance, user);
    const first = await page(api, 'INBOX', { limit: 5 });
    await page(api, 'INBOX', { limit: 5 });
    const before = await borrows(instance);
    for (let i = 0; i < 5; i++) {
      const again = await page(api, 'INBOX', { limit: 5 });
      expect(again).toEqual(first);
    }
    // The next page too, by cursor, once its rows are cached.
    const second = await page(api, 'INBOX', { limit: 5, cursor: first.nextCursor! });
    const afterFill = await borrows(instance);
    expect(await page(api, 'INBOX', { limit: 5, cursor: first.nextCursor! })).toEqual(second);
    expect(await borrows(instance)).toBe(afterFill);
    expect(afterFill - before).toBeLessThanOrEqual(1);
  });

  it('asks the server once, not once per request, when many requests find the sighting ended', async () => {
    const instance = await app({ CACHE_FRESH_MS: '200' });
    const user = await newUser('fresh-herd', 10);
    const api = await signedIn(instance, user);
    const warm = await page(api, 'INBOX');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = await borrows(instance);
    const pages = await Promise.all(Array.from({ length: 60 }, () => page(api, 'INBOX')));
    for (const again of pages) expect(again.items).toEqual(warm.items);
    expect((await borrows(instance)) - before).toBeLessThanOrEqual(2);
  });

  it('sends a cached page gzipped to a client that accepts it, and plain to one that does not', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('fresh-gzip', 30);
    const api = await signedIn(instance, user);
    await page(api, 'INBOX');
    const url = `/api/mailboxes/${idOf('INBOX')}/messages`;
    const plain = await api.request({ url, headers: { 'accept-encoding': 'identity' } });
    const zipped = await api.request({ url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 3);
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual(plain.json());
  });

  it('shows an action made through Westwind in the very next page', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('fresh-action', 6);
    const api = await signedIn(instance, user);
    const warm = await page(api, 'INBOX');
    await page(api, 'INBOX');
    const uid = warm.items[2]!.uid;
    expect(flagged(warm.items, uid)).toBe(false);
    for (const [action, expected] of [
      ['flag', true],
      ['unflag', false],
    ] as const) {
      const response = await api.request({
        method: 'POST',
        url: '/api/messages/actions',
        payload: { mailboxId: idOf('INBOX'), uids: [uid], action },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(flagged((await page(api, 'INBOX')).items, uid)).toBe(expected);
    }
    // A delete lands in a Trash the route does not look up: every folder stops being trusted.
    const trashBefore = await page(api, 'Trash').catch(() => null);
    const response = await api.request({
      method: 'POST',
      url: '/api/messages/actions',
      payload: { mailboxId: idOf('INBOX'), uids: [uid], action: 'delete' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect((await page(api, 'INBOX')).items.map((r) => r.uid)).not.toContain(uid);
    if (trashBefore) expect((await page(api, 'Trash')).total).toBe(trashBefore.total + 1);
  });

  it('shows an action made through another instance in the next page of this one', async () => {
    const [one, two] = [await app({ CACHE_FRESH_MS: '60000' }), await app({ CACHE_FRESH_MS: '60000' })];
    const user = await newUser('fresh-instances', 6);
    const [onOne, onTwo] = [await signedIn(one, user), await signedIn(two, user)];
    const warm = await page(onOne, 'INBOX');
    await page(onOne, 'INBOX');
    const uid = warm.items[3]!.uid;
    const response = await onTwo.request({
      method: 'POST',
      url: '/api/messages/actions',
      payload: { mailboxId: idOf('INBOX'), uids: [uid], action: 'flag' },
    });
    expect(response.statusCode, response.body).toBe(200);
    // Told through the store's pub/sub, which is asynchronous: a moment, not a sighting's lifetime.
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) {
      seen = flagged((await page(onOne, 'INBOX')).items, uid) === true;
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen).toBe(true);
  });

  it('keeps the folder state right on a pooled connection that has it selected, across deletes and arrivals', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('fresh-modseq', 8);
    const [one, two] = [await signedIn(instance, user), await signedIn(instance, user)];
    const warm = await page(one, 'INBOX');
    await page(one, 'INBOX');
    const uid = warm.items[2]!.uid;
    // The delete runs on the account's pooled connection, which has INBOX selected: the server
    // reports the new HIGHESTMODSEQ on the MOVE's reply, not on a later NOOP.
    const response = await two.request({
      method: 'POST',
      url: '/api/messages/actions',
      payload: { mailboxId: idOf('INBOX'), uids: [uid], action: 'delete' },
    });
    expect(response.statusCode, response.body).toBe(200);
    const delta = await changes(one, 'INBOX', warm.state);
    expect(delta.destroyed).toContain(uid);
    expect(delta.newState).not.toBe(warm.state);
    const direct = await imap(user);
    try {
      await direct.append('INBOX', message('arrived'));
    } finally {
      await direct.logout().catch(() => {});
    }
    const next = await changes(one, 'INBOX', delta.newState);
    expect(next.created.map((r) => r.subject)).toEqual(['arrived']);
    expect((await verify(user)).mismatches).toEqual([]);
  });

  it('shows a change by another mail client once the sighting is older than CACHE_FRESH_MS', async () => {
    const instance = await app({ CACHE_FRESH_MS: '300' });
    const user = await newUser('fresh-other', 6);
    const api = await signedIn(instance, user);
    const warm = await page(api, 'INBOX');
    const uid = warm.items[0]!.uid;
    const direct = await imap(user);
    try {
      await flagOn(direct, uid);
      let seen = false;
      for (let i = 0; i < 50 && !seen; i++) {
        seen = flagged((await page(api, 'INBOX')).items, uid) === true;
        if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seen).toBe(true);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout().catch(() => {});
    }
  });

  it('notices a folder recreated under the same name once the checked selection is older than CACHE_SELECTION_TRUST_S', async () => {
    const instance = await app({ CACHE_FRESH_MS: '0', CACHE_SELECTION_TRUST_S: '1' });
    const user = await newUser('fresh-recreate', 0);
    const api = await signedIn(instance, user);
    const direct = await imap(user);
    try {
      await direct.mailboxCreate('Again');
      for (const subject of ['one', 'two']) await direct.append('Again', message(subject));
      // Twice: the second is answered on the pooled connection that has the folder selected.
      await page(api, 'Again');
      expect((await page(api, 'Again')).items.map((r) => r.subject)).toEqual(['two', 'one']);
      await direct.mailboxDelete('Again');
      await direct.mailboxCreate('Again');
      await direct.append('Again', message('three'));
      let subjects: string[] = [];
      for (let i = 0; i < 40 && subjects[0] !== 'three'; i++) {
        subjects = (await page(api, 'Again')).items.map((r) => r.subject);
        if (subjects[0] !== 'three') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(subjects).toEqual(['three']);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout().catch(() => {});
    }
  });

  it('notices at once a folder deleted and made again through Westwind', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('fresh-tree', 0);
    const api = await signedIn(instance, user);
    const direct = await imap(user);
    const create = async () => {
      const response = await api.request({
        method: 'POST',
        url: '/api/mailboxes',
        payload: { name: 'Again' },
      });
      expect(response.statusCode, response.body).toBe(201);
    };
    try {
      await create();
      for (const subject of ['one', 'two']) await direct.append('Again', message(subject));
      await page(api, 'Again');
      expect((await page(api, 'Again')).items.map((r) => r.subject)).toEqual(['two', 'one']);
      const removed = await api.request({ method: 'DELETE', url: `/api/mailboxes/${idOf('Again')}` });
      expect(removed.statusCode, removed.body).toBe(204);
      await create();
      await direct.append('Again', message('three'));
      expect((await page(api, 'Again')).items.map((r) => r.subject)).toEqual(['three']);
    } finally {
      await direct.logout().catch(() => {});
    }
  });

  it('shows a change the realtime watch saw in the next page, however long sightings last', async () => {
    const running = await startServer(
      stackConfig(inject('stack'), { CACHE_FRESH_MS: '60000', SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000' }),
    );
    servers.push(running);
    const user = await newUser('fresh-watch', 6);
    const session = new HttpSession(running.url);
    await session.signIn(user.address, user.password);
    const push = await PushClient.open(running.url, session.cookieHeader());
    sockets.push(push);
    await push.next((e): e is { type: 'ready'; heartbeatSeconds: number } => e.type === 'ready');
    push.hello({ states: {} });
    const list = async () => {
      const response = await session.fetch(`/api/mailboxes/${idOf('INBOX')}/messages`);
      expect(response.status).toBe(200);
      return (await response.json()) as MessagePage;
    };
    const warm = await list();
    await list();
    const uid = warm.items[1]!.uid;
    const direct = await imap(user);
    try {
      await flagOn(direct, uid);
      await push.mailbox(idOf('INBOX'), (e) => e.state !== warm.state);
      expect(flagged((await list()).items, uid)).toBe(true);
    } finally {
      await direct.logout().catch(() => {});
    }
  });
});
