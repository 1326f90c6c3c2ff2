import { ErrorCodes, type MailboxChanges, type MessagePage } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { keysFor, RedisCache } from '../../apps/server/dist/cache/redis-cache.js';
import { UidIndex } from '../../apps/server/dist/cache/uid-index.js';
import { BASIC_IMAP_HOST } from '../../infra/stack/index.ts';
import {
  allRows,
  borrows,
  changes,
  flagOn,
  idOf,
  imap,
  newUser,
  page,
  serverUids,
  signedIn,
  verify,
} from '../fault/cache-support.ts';
import { HttpSession } from '../support/http-session.ts';
import { PushClient } from '../support/push-client.ts';
import { type RunningServer, stackConfig, startServer, useApps } from '../support/server.ts';

/**
 * The summary cache against a server without CONDSTORE (Dovecot's listener that hides it and
 * QRESYNC): a bounded flags scan per sync, the cache's own generations as states, and a change
 * log for the changes call. cache.test.ts runs the common sync tests against it too; these look
 * past the scan window.
 */
const apps = useApps();
const servers: RunningServer[] = [];
const sockets: PushClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => {})));
});
// The selection trust stays at its default: a flags scan must never take a pooled connection's
// selected view for the mailbox's state (there is no modseq to ask it for).
const app = (overrides: Record<string, string> = {}) =>
  apps({ IMAP_HOST: BASIC_IMAP_HOST, CACHE_FRESH_MS: '0', ...overrides });

async function metric(instance: FastifyInstance, name: string): Promise<number> {
  const text = await instance.metrics.getSingleMetricAsString(name);
  return Number(/ (\d+)$/m.exec(text)?.[1] ?? 0);
}

const flagged = (rows: MessagePage['items'], uid: number) => rows.find((r) => r.uid === uid)?.flags.flagged;

describe('summary cache on a server without CONDSTORE (bounded flags scan)', () => {
  it('states are the cache’s own generations and move only when something changed', async () => {
    const user = await newUser('scan-state', 8);
    const api = await signedIn(await app(), user);
    const first = await page(api, 'INBOX');
    expect(first.state).toMatch(/^\d+:s\d+$/);
    expect((await page(api, 'INBOX')).state).toBe(first.state);
    const quiet = await changes(api, 'INBOX', first.state);
    expect(quiet).toMatchObject({ newState: first.state, created: [], updated: [], destroyed: [] });
    const direct = await imap(user);
    try {
      await flagOn(direct, 8);
    } finally {
      await direct.logout();
    }
    const delta = await changes(api, 'INBOX', first.state);
    expect(delta.newState).not.toBe(first.state);
    expect(delta.updated.map((r) => [r.uid, r.flags.flagged])).toEqual([[8, true]]);
  });

  it('shows a flag changed below the window right on the page that shows it, and tells the changes call', async () => {
    // 8 newest rows and a slice of 2 older ones per sync, besides the shown ones.
    const instance = await app({ CACHE_FLAG_SCAN_WINDOW: '8' });
    const user = await newUser('scan-deep', 30);
    const api = await signedIn(instance, user);
    const first = await page(api, 'INBOX', { limit: 10 });
    const second = await page(api, 'INBOX', { limit: 10, cursor: first.nextCursor! });
    const third = await page(api, 'INBOX', { limit: 10, cursor: second.nextCursor! });
    expect(third.items.map((r) => r.uid)).toContain(3);
    const direct = await imap(user);
    try {
      await flagOn(direct, 3);
    } finally {
      await direct.logout();
    }
    const again = await page(api, 'INBOX', { limit: 10, cursor: second.nextCursor! });
    expect(flagged(again.items, 3)).toBe(true);
    const delta = await changes(api, 'INBOX', third.state);
    expect(delta.updated.map((r) => [r.uid, r.flags.flagged])).toEqual([[3, true]]);
    expect((await verify(user)).mismatches).toEqual([]);
    expect(await metric(instance, 'westwind_cache_scanned_flags_total')).toBeGreaterThan(0);
  });

  it('reaches a flag changed below the window within its turn of the older slices, with nobody paging there', async () => {
    const user = await newUser('scan-rotate', 30);
    const api = await signedIn(await app({ CACHE_FLAG_SCAN_WINDOW: '8' }), user);
    expect(await allRows(api, 'INBOX', 10)).toHaveLength(30);
    let state = (await page(api, 'INBOX', { limit: 5 })).state;
    const direct = await imap(user);
    try {
      await flagOn(direct, 2);
    } finally {
      await direct.logout();
    }
    const seen: number[] = [];
    // 22 rows below the 8 newest, 2 of them per sync: every one within 11 syncs.
    let syncs = 0;
    while (syncs < 12 && seen.length === 0) {
      const delta = await changes(api, 'INBOX', state);
      seen.push(...delta.updated.filter((r) => r.flags.flagged).map((r) => r.uid));
      state = delta.newState;
      syncs++;
    }
    expect(seen).toEqual([2]);
    expect(syncs).toBeGreaterThan(1);
    expect((await verify(user)).mismatches).toEqual([]);
  });

  it('serves a current first page from Redis alone after a scan', async () => {
    const instance = await app({ CACHE_FRESH_MS: '60000' });
    const user = await newUser('scan-fresh', 12);
    const api = await signedIn(instance, user);
    const first = await page(api, 'INBOX', { limit: 5 });
    const before = await borrows(instance);
    for (let i = 0; i < 5; i++) expect(await page(api, 'INBOX', { limit: 5 })).toEqual(first);
    expect(await borrows(instance)).toBe(before);
    // A deeper page asks the server: only the newest rows are scanned every time.
    await page(api, 'INBOX', { limit: 5, cursor: first.nextCursor! });
    expect(await borrows(instance)).toBe(before + 1);
  });

  it('answers a long catch-up in parts (maxChanges), losing none', async () => {
    const user = await newUser('scan-parts', 8);
    const api = await signedIn(await app(), user);
    const first = await page(api, 'INBOX');
    const direct = await imap(user);
    try {
      // Three generations: one change each, seen by a changes call in between.
      let state = first.state;
      for (const uid of [3, 5, 7]) {
        await flagOn(direct, uid);
        state = (await changes(api, 'INBOX', state)).newState;
      }
    } finally {
      await direct.logout();
    }
    const told: number[] = [];
    let since = first.state;
    for (let call = 0; call < 5; call++) {
      const response = await api.request({
        url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(since)}&maxChanges=1`,
      });
      expect(response.statusCode, response.body).toBe(200);
      const part = response.json<MailboxChanges>();
      told.push(...part.updated.map((r) => r.uid));
      since = part.newState;
      if (!part.hasMoreChanges) break;
    }
    expect(told).toEqual([3, 5, 7]);
  });

  it('makes a client start over from a state the change log cannot answer', async () => {
    const user = await newUser('scan-lost', 6);
    const api = await signedIn(await app(), user);
    const before = await page(api, 'INBOX');
    const direct = await imap(user);
    let logKey = '';
    try {
      await flagOn(direct, 6);
      const after = await changes(api, 'INBOX', before.state);
      expect(after.updated.map((r) => r.uid)).toEqual([6]);
      // The log lost (Redis restarted, say): the earlier state can no longer be answered.
      const redis = new Redis(inject('stack').REDIS_URL);
      try {
        const logs = await redis.keys('ww:c:{*}:g:*');
        const mine = [];
        for (const key of logs)
          if ((await redis.hexists(key, after.newState.split(':')[1]!)) === 1) mine.push(key);
        expect(mine).toHaveLength(1);
        logKey = mine[0]!;
        await redis.del(logKey);
      } finally {
        redis.disconnect();
      }
      const lost = await api.request({
        url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(before.state)}`,
      });
      expect(lost.statusCode).toBe(400);
      expect(lost.json().error.code).toBe(ErrorCodes.INVALID_CURSOR);
      // A generation the cache never reached, and a state of the other kind.
      for (const since of [
        `${before.state.split(':')[0]}:s99999999999999`,
        `${before.state.split(':')[0]}:5`,
      ]) {
        const response = await api.request({
          url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(since)}`,
        });
        expect(response.json().error?.code, since).toBe(ErrorCodes.INVALID_CURSOR);
      }
      // The current state still works.
      expect((await changes(api, 'INBOX', after.newState)).updated).toEqual([]);
      // The cached flags gone (evicted, over the account's bound): nothing can say what changed
      // since, so even the current state makes the client start over, once.
      const redis2 = new Redis(inject('stack').REDIS_URL);
      try {
        const summaries = await redis2.keys('ww:c:{*}:s:*');
        let dropped = 0;
        for (const key of summaries) {
          if ((await redis2.hexists(key, '6')) === 1 && key.replace(':s:', ':g:') === logKey)
            dropped += await redis2.del(key);
        }
        expect(dropped).toBe(1);
      } finally {
        redis2.disconnect();
      }
      await flagOn(direct, 5);
      const gone = await api.request({
        url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(after.newState)}`,
      });
      expect(gone.json().error?.code).toBe(ErrorCodes.INVALID_CURSOR);
      const fresh = await page(api, 'INBOX');
      expect(flagged(fresh.items, 5)).toBe(true);
      expect((await changes(api, 'INBOX', fresh.state)).updated).toEqual([]);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout();
    }
  });

  it('leaves such a server uncached with CACHE_FLAG_SCAN_WINDOW=0: pages from IMAP, no changes call', async () => {
    const user = await newUser('scan-off', 5);
    const api = await signedIn(await app({ CACHE_FLAG_SCAN_WINDOW: '0' }), user);
    const first = await page(api, 'INBOX');
    expect(first.items).toHaveLength(5);
    expect(first.state).not.toMatch(/:s\d+$/);
    const response = await api.request({
      url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(`${first.state.split(':')[0]}:s1`)}`,
    });
    expect(response.statusCode).toBe(501);
    expect(response.json().error.code).toBe(ErrorCodes.NOT_IMPLEMENTED);
  });

  it('pushes a flag change by another client with the list’s own state, and the changes call has it', async () => {
    const running = await startServer(
      stackConfig(inject('stack'), { IMAP_HOST: BASIC_IMAP_HOST, PUSH_LINGER_S: '1' }),
    );
    servers.push(running);
    const user = await newUser('scan-push', 5);
    const session = new HttpSession(running.url);
    await session.signIn(user.address, user.password);
    const first = (await (
      await session.fetch(`/api/mailboxes/${idOf('INBOX')}/messages`)
    ).json()) as MessagePage;
    const socket = await PushClient.open(running.url, session.cookieHeader());
    sockets.push(socket);
    await socket.next((e) => e.type === 'ready');
    socket.hello({ states: {} });
    const settled = await socket.mailbox(idOf('INBOX'));
    // The watch pushes the state of the flags-scanned cache, the one the list gave.
    expect(settled.state).toBe(first.state);
    // \Flagged moves neither the count nor the unread count, nor any STATUS item: the IDLE wake
    // makes the watch scan.
    const pushed = socket.mailbox(
      idOf('INBOX'),
      (e) => e.total === settled.total && e.unread === settled.unread,
    );
    const direct = await imap(user);
    try {
      await flagOn(direct, 2);
    } finally {
      await direct.logout();
    }
    const event = await pushed;
    expect(event.state).toMatch(/^\d+:s\d+$/);
    expect(event.state).not.toBe(first.state);
    const response = await session.fetch(
      `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(first.state)}`,
    );
    const delta = (await response.json()) as MailboxChanges;
    expect(delta.updated.map((r) => [r.uid, r.flags.flagged])).toEqual([[2, true]]);
    expect(delta.newState).toBe(event.state);
  });

  it('drops a folder’s cached flags whole when over the account’s bound, and its clients start over', async () => {
    const user = await newUser('scan-bound', 150);
    const api = await signedIn(
      await app({ CACHE_FLAG_SCAN_WINDOW: '10', CACHE_MAX_SUMMARIES_PER_ACCOUNT: '100' }),
      user,
    );
    const first = await page(api, 'INBOX', { limit: 5 });
    // 30 pages of 5: past 100 cached rows the bound is enforced (every 20 writes).
    const rows = await allRows(api, 'INBOX', 5);
    expect(rows.map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
    const stale = await api.request({
      url: `/api/mailboxes/${idOf('INBOX')}/changes?since=${encodeURIComponent(first.state)}`,
    });
    expect(stale.json().error?.code).toBe(ErrorCodes.INVALID_CURSOR);
    const again = await page(api, 'INBOX', { limit: 5 });
    expect((await changes(api, 'INBOX', again.state)).updated).toEqual([]);
    expect((await verify(user)).mismatches).toEqual([]);
  });

  it('refuses to commit a scan whose cached flags went meanwhile, and to refill a gone summary hash', async () => {
    const redis = new Redis(inject('stack').REDIS_URL);
    const cache = new RedisCache(redis);
    const keys = keysFor(`scan-race-${Date.now()}`, idOf('INBOX'));
    try {
      const token = await cache.lock(keys);
      expect(token).not.toBeNull();
      const base = {
        token: token!,
        uidValidity: '7',
        uidNext: 4,
        index: UidIndex.fromUids([1, 2, 3]),
        removed: [],
        flags: [] as [number, string][],
      };
      const scan = { logEntry: null, unread: 0, nextFrom: 0, stubs: [[3, '[0]']] as [number, string][] };
      expect(
        await cache.commit(keys, {
          ...base,
          reset: true,
          modseq: 's1048576',
          scan: { ...scan, needsSummaries: false },
        }),
      ).toBe('committed');
      expect(await redis.hget(keys.summaries, '3')).toBe('[0]\n');
      await redis.del(keys.summaries);
      // A scan that compared with cached flags, committed after they were evicted.
      expect(
        await cache.commit(keys, {
          ...base,
          reset: false,
          modseq: 's1048577',
          scan: { ...scan, needsSummaries: true },
        }),
      ).toBe('baseline-lost');
      expect((await redis.hget(keys.meta, 'ms')) ?? '').toBe('s1048576');
      // A page's summaries are not written into the gone hash either.
      expect(await cache.putPacked(keys, { uidValidity: '7', modseq: 's1048576' }, [[3, '[0]\n[1]']])).toBe(
        false,
      );
      expect(await redis.exists(keys.summaries)).toBe(0);
      await cache.unlock(keys, token!);
    } finally {
      await cache.drop(keys).catch(() => {});
      redis.disconnect();
    }
  });
});
