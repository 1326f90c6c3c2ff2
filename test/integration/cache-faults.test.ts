import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { SummaryCache } from '../../apps/server/dist/cache/summary-cache.js';
import { fetchSummaryPage } from '../../apps/server/dist/messages/list/fetch-page.js';
import { RedisStore } from '../../apps/server/dist/store/redis-store.js';
import {
  allRows,
  freePort,
  idOf,
  imap,
  message,
  newUser,
  serverUids,
  signedIn,
  startRedis,
  verify,
} from '../fault/cache-support.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** The cache keys of the only account cached for `address` in `redis`. */
async function cacheKeys(redis: Redis, address: string): Promise<string[]> {
  const whoKeys = await redis.keys('ww:c:{*}:who');
  for (const key of whoKeys) {
    if ((await redis.get(key))?.startsWith(`${address}|`)) return redis.keys(`${key.slice(0, -4)}*`);
  }
  return [];
}

describe('summary cache faults', () => {
  it('drops a corrupt summary, index or sync state and refetches it, never trusting it', async () => {
    const user = await newUser('cache-corrupt', 12);
    // Every page read through Redis, not from views and pages this process holds.
    const api = await signedIn(await app({ CACHE_FRESH_MS: '0' }), user);
    const before = await allRows(api, 'INBOX');
    const redis = new Redis(inject('stack').REDIS_URL);
    try {
      const keys = await cacheKeys(redis, user.address);
      const summaries = keys.find((k) => k.includes('}:s:'))!;
      const index = keys.find((k) => k.includes('}:i:'))!;
      const meta = keys.find((k) => k.includes('}:m:'))!;
      expect(await redis.hlen(summaries)).toBe(12);
      // A value that is not ours, one truncated, one with a valid shape but wrong types.
      const uids = before.map((r) => r.uid);
      await redis.hset(summaries, String(uids[0]), 'garbage');
      const packed = (await redis.hget(summaries, String(uids[1])))!;
      await redis.hset(summaries, String(uids[1]), packed.slice(0, -4));
      await redis.hset(summaries, String(uids[2]), '[1]\n[1,2,3,4,5,6,7,8,9,10,11,12]');
      expect(await allRows(api, 'INBOX')).toEqual(before);
      expect((await verify(user)).mismatches).toEqual([]);
      // A corrupt index and sync state: dropped and rebuilt.
      await redis.set(index, '5:x');
      expect(await allRows(api, 'INBOX')).toEqual(before);
      await redis.hset(meta, 'ms', 'not-a-number');
      expect(await allRows(api, 'INBOX')).toEqual(before);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('falls back to IMAP when Redis dies mid-sync, and uses the cache again once it is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let redis = await startRedis(port);
    stops.push(() => redis.stop());
    const user = await newUser('cache-redis', 30);
    // The cache on its own store connection (as the app builds it: no offline queue, deadlines),
    // driven directly: with a single Redis the app's sessions live there too, so a request
    // cannot even authenticate while it is down.
    const store = new RedisStore({ url, commandTimeoutMs: 300, log: { warn: () => {} } });
    await store.connect();
    // A registry of an idle app (prom-client is not a test dependency of its own).
    const registry = (await app()).metrics;
    const cache = new SummaryCache(store.client, { warn: () => {} }, registry, { cooldownMs: 200 });
    const pages = cache.forAccount('fault-account', `${user.address}|test:0`);
    const client = await imap(user);
    const direct = await imap(user);
    const query = { mailboxId: idOf('INBOX'), limit: 50, sort: 'date' as const, order: 'desc' as const };
    const list = () => fetchSummaryPage(client, 'INBOX', query, pages);
    try {
      expect((await list()).items.map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
      const lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.append('INBOX', message('while redis restarts'));
        await direct.messageDelete('1:5', { uid: true });
        await direct.messageFlagsAdd('10', ['\\Flagged'], { uid: true });
      } finally {
        lock.release();
      }
      // The list that syncs those changes races Redis being killed.
      const [during] = await Promise.all([list(), redis.stop()]);
      const truth = await serverUids(user, 'INBOX');
      expect(during.items.map((r) => r.uid)).toEqual(truth);
      // Down: served from IMAP, counted as fallbacks.
      const down = await list();
      expect(down.items.map((r) => r.uid)).toEqual(truth);
      expect(down.items.find((r) => r.uid === 10)?.flags.flagged).toBe(true);
      expect(await registry.getSingleMetricAsString('westwind_cache_fallbacks_total')).toMatch(/reason="/);

      // Back (empty): after the cool-down the cache is rebuilt and used again.
      redis = await startRedis(port);
      await direct.messageFlagsAdd('11', ['\\Seen'], { uid: true });
      const probe = new Redis(url);
      try {
        let keys: string[] = [];
        for (let i = 0; i < 60 && keys.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          const again = await list();
          expect(again.items.map((r) => r.uid)).toEqual(truth);
          keys = await probe.keys('ww:c:{fault-account}:s:*');
        }
        expect(keys.length).toBeGreaterThan(0);
      } finally {
        probe.disconnect();
      }
      const after = await list();
      expect(after.items.find((r) => r.uid === 11)?.flags.seen).toBe(true);
      expect(await registry.getSingleMetricAsString('westwind_cache_hits_total')).toMatch(/hits_total [1-9]/);
      expect((await verify(user, url)).mismatches).toEqual([]);
    } finally {
      await client.logout().catch(() => {});
      await direct.logout().catch(() => {});
      await store.close();
    }
  });

  it('rebuilds from scratch after a Redis restart behind a running app', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let redis = await startRedis(port);
    stops.push(() => redis.stop());
    const user = await newUser('cache-restart', 15);
    const server = await app({ REDIS_URL: url });
    expect((await allRows(await signedIn(server, user), 'INBOX', 5)).length).toBe(15);
    await redis.stop();
    redis = await startRedis(port);
    // Sessions were in that Redis too: sign in again (the store reconnects by itself).
    let api: Awaited<ReturnType<typeof signedIn>> | null = null;
    for (let i = 0; i < 50 && !api; i++) {
      await new Promise((r) => setTimeout(r, 100));
      api = await signedIn(server, user).catch(() => null);
    }
    expect(api).not.toBeNull();
    expect((await allRows(api!, 'INBOX', 5)).map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
    expect((await verify(user, url)).mismatches).toEqual([]);
  });
});
