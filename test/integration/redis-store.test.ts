import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../apps/server/src/store/redis-store.ts';

const stack = inject('stack');
const silentLog = { warn() {} } as never;

describe('RedisStore against real Redis', () => {
  const store = new RedisStore({ url: stack.REDIS_URL, commandTimeoutMs: 1_000, log: silentLog });
  const prefix = `test:{${randomUUID()}}:`;
  afterAll(() => store.close());

  it('sets, reads, expires and deletes', async () => {
    await store.connect();
    await store.set(`${prefix}a`, 'value', 200);
    expect(await store.get(`${prefix}a`)).toBe('value');
    expect(await store.client.pttl(`${prefix}a`)).toBeGreaterThan(0);
    await store.delete(`${prefix}a`);
    expect(await store.get(`${prefix}a`)).toBeNull();
  });

  it('increments atomically with the window fixed at the first hit', async () => {
    const key = `${prefix}counter`;
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment(key, 5_000)));
    const counts = results.map((r) => r.count).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    for (const { resetInMs } of results) expect(resetInMs).toBeLessThanOrEqual(5_000);
    const ttl = await store.client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5_000);
    await store.delete(key);
  });

  it('keeps sets and counts what remains', async () => {
    const key = `${prefix}set`;
    await store.setAdd(key, 'a', 5_000);
    await store.setAdd(key, 'b', 5_000);
    expect((await store.setMembers(key)).sort()).toEqual(['a', 'b']);
    expect(await store.setRemove(key, 'a')).toBe(1);
    expect(await store.setRemove(key, 'b')).toBe(0);
  });

  it('delivers published messages to another connection', async () => {
    const other = new RedisStore({ url: stack.REDIS_URL, commandTimeoutMs: 1_000, log: silentLog });
    await other.connect();
    const channel = `${prefix}events`;
    const received: string[] = [];
    await other.subscribe(channel, (message) => received.push(message));
    // Subscribing does not wait for Redis to confirm, so publish until the subscriber hears it.
    await expect
      .poll(async () => {
        await store.publish(channel, 'hello');
        return received[0];
      })
      .toBe('hello');
    await other.close();
  });

  it('grants a lease to exactly one of many contenders', async () => {
    const key = `${prefix}lease`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.acquireLease(key, `owner-${i}`, 5_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `owner-${results.indexOf(true)}`;
    expect(await store.acquireLease(key, winner, 5_000)).toBe(true);
    await store.releaseLease(key, 'someone-else');
    expect(await store.get(key)).toBe(winner);
    await store.releaseLease(key, winner);
    expect(await store.get(key)).toBeNull();
  });

  it('fails fast instead of queueing when Redis is unreachable', async () => {
    const dead = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200, log: silentLog });
    await dead.connect().catch(() => {});
    // With the offline queue on, this would hang until the test times out.
    await expect(dead.get('x')).rejects.toThrow();
    await dead.close();
  });
});
