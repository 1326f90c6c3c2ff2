import { describe, expect, it } from 'vitest';
import { useApps } from '../support/server.ts';

const app = useApps();

/** A client address of its own per run: the counters live in the shared Redis. */
const address = () =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the API rate limit', () => {
  it('counts one client address across instances and refuses past the limit with 429 RATE_LIMITED', async () => {
    const [one, two] = [
      await app({ API_RATE_LIMIT_PER_MINUTE: '10' }),
      await app({ API_RATE_LIMIT_PER_MINUTE: '10' }),
    ];
    const remoteAddress = address();
    const call = async (instance: typeof one) =>
      (await instance.inject({ url: '/api/session', remoteAddress })).statusCode;
    const first = [];
    for (let i = 0; i < 6; i++) first.push(await call(one));
    expect(first.every((status) => status !== 429)).toBe(true);
    // Counts reach the other instance with the next flush (every 50 ms).
    await sleep(150);
    const second = [];
    for (let i = 0; i < 6; i++) second.push(await call(two));
    await sleep(150);
    expect(second.filter((status) => status === 429).length).toBeGreaterThanOrEqual(2);
    const refused = await two.inject({ url: '/api/session', remoteAddress });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The first instance hears of the second's counts too.
    expect(await call(one)).toBe(429);
    // Another address is not affected.
    expect((await one.inject({ url: '/api/session', remoteAddress: address() })).statusCode).not.toBe(429);
  });
});
