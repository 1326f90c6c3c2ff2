import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import type { BatchedCounters, WindowCounter } from './batched-counters.js';

/** INCRBY within a fixed window that opens on the first hit: the total and the ms left. */
const INCR_IN_WINDOW = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return { total, ttl }`;

type Scripted = Redis & {
  wwIncrInWindow(key: string, delta: number, windowMs: number): Promise<[number, number]>;
};

export function redisWindowCounter(redis: Redis, prefix: string): WindowCounter {
  const scripted = redis as Scripted;
  if (typeof scripted.wwIncrInWindow !== 'function') {
    redis.defineCommand('wwIncrInWindow', { numberOfKeys: 1, lua: INCR_IN_WINDOW });
  }
  return async (key, delta, windowMs) => {
    const [total, ttlMs] = await scripted.wwIncrInWindow(prefix + key, delta, windowMs);
    return { total: Number(total), ttlMs: Number(ttlMs) };
  };
}

type Reply = Parameters<FastifyRateLimitStore['incr']>[1];

/**
 * @fastify/rate-limit's store interface (`incr`, `read`, `child`) over BatchedCounters. A route
 * with its own limits (sign-in: a handful of attempts per window, against password guessing)
 * counts under its own prefix, as the plugin's Redis store does, and every hit in Redis: only the
 * API-wide limit, hit by every request, is counted locally between flushes.
 */
export function batchedRateLimitStore(counters: BatchedCounters): FastifyRateLimitStoreCtor {
  return class BatchedRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _globalParams?: unknown,
      private readonly prefix = '',
      private readonly exact = false,
    ) {}

    incr(key: string, reply: Reply, timeWindow: number): void {
      const counted = this.exact
        ? counters.exactHit(this.prefix + key, timeWindow)
        : counters.hit(this.prefix + key, timeWindow);
      counted.then(
        (result) => reply(null, result),
        (error: unknown) => reply(error instanceof Error ? error : new Error(String(error))),
      );
    }

    read(key: string, reply: Reply): void {
      reply(null, counters.peek(this.prefix + key) ?? { current: 0, ttl: 0 });
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // What the plugin passes at run time (its own Redis store reads the same).
      const { routeInfo } = routeOptions as unknown as { routeInfo: { method: string; url: string } };
      return new BatchedRateLimitStore(undefined, `${this.prefix}${routeInfo.method}${routeInfo.url}-`, true);
    }
  };
}
