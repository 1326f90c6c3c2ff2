import { describe, expect, it } from 'vitest';
import { BatchedCounters, type WindowCounter } from './batched-counters.js';

/** Redis as the counter sees it: fixed windows that open on the first hit. */
function fakeRedis(clock: { now: number }) {
  const keys = new Map<string, { total: number; end: number }>();
  const calls: [string, number][] = [];
  const counter: WindowCounter = async (key, delta, windowMs) => {
    calls.push([key, delta]);
    let entry = keys.get(key);
    if (!entry || clock.now >= entry.end) {
      entry = { total: 0, end: clock.now + windowMs };
      keys.set(key, entry);
    }
    entry.total += delta;
    return { total: entry.total, ttlMs: entry.end - clock.now };
  };
  return { counter, calls, keys };
}

describe('BatchedCounters', () => {
  it('asks Redis for the first hit of a window, counts the rest locally until a flush', async () => {
    const clock = { now: 1_000 };
    const redis = fakeRedis(clock);
    const counters = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    expect(await counters.hit('ip', 60_000)).toEqual({ current: 1, ttl: 60_000 });
    clock.now += 10;
    expect(await counters.hit('ip', 60_000)).toEqual({ current: 2, ttl: 59_990 });
    expect(await counters.hit('ip', 60_000)).toEqual({ current: 3, ttl: 59_990 });
    expect(redis.calls).toEqual([['ip', 1]]);
    await counters.flush();
    expect(redis.calls).toEqual([
      ['ip', 1],
      ['ip', 2],
    ]);
    expect(redis.keys.get('ip')?.total).toBe(3);
    counters.close();
  });

  it('asks Redis again for a key it has not heard about within flushMs', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const one = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    const two = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    await one.hit('ip', 1_000);
    for (let i = 0; i < 4; i++) await two.hit('ip', 1_000);
    await two.flush();
    clock.now += 60;
    expect((await one.hit('ip', 1_000)).current).toBe(6);
    one.close();
    two.close();
  });

  it('takes back what other instances counted at each flush', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const one = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    const two = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    await one.hit('ip', 1_000);
    for (let i = 0; i < 5; i++) await two.hit('ip', 1_000);
    await two.flush();
    await one.hit('ip', 1_000);
    await one.flush();
    expect(one.peek('ip')?.current).toBe(7);
    expect((await one.hit('ip', 1_000)).current).toBe(8);
    one.close();
    two.close();
  });

  it('starts a new window after the old one ended, and forgets ended windows on flush', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const counters = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    await counters.hit('ip', 100);
    await counters.hit('ip', 100);
    clock.now = 150;
    await counters.flush();
    expect(counters.peek('ip')).toBeNull();
    expect(await counters.hit('ip', 100)).toEqual({ current: 1, ttl: 100 });
    counters.close();
  });

  it('keeps pending hits when Redis fails and sends them with a later flush', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    let down = false;
    const flaky: WindowCounter = (key, delta, windowMs) =>
      down ? Promise.reject(new Error('down')) : redis.counter(key, delta, windowMs);
    const counters = new BatchedCounters(flaky, { flushMs: 50, maxKeys: 10, now: () => clock.now });
    await counters.hit('ip', 1_000);
    await counters.hit('ip', 1_000);
    down = true;
    await counters.flush();
    down = false;
    await counters.flush();
    expect(redis.keys.get('ip')?.total).toBe(2);
    counters.close();
  });

  it('counts every hit in Redis once too many keys are held here', async () => {
    const clock = { now: 0 };
    const redis = fakeRedis(clock);
    const counters = new BatchedCounters(redis.counter, { flushMs: 50, maxKeys: 1, now: () => clock.now });
    await counters.hit('a', 1_000);
    await counters.hit('b', 1_000);
    await counters.hit('b', 1_000);
    expect(redis.calls.filter(([key]) => key === 'b')).toHaveLength(2);
    expect(redis.keys.get('b')?.total).toBe(2);
    counters.close();
  });
});
