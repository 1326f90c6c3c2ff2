import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { KeyValueStore } from './store.js';

export interface RedisStoreOptions {
  url: string;
  commandTimeoutMs: number;
  log: Pick<FastifyBaseLogger, 'warn'>;
}

const ACQUIRE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Reconnect forever with capped, jittered backoff: Redis coming back must heal the instance. */
function retryStrategy(attempt: number): number {
  return Math.min(200 * 2 ** Math.min(attempt, 5), 5_000) + Math.floor(Math.random() * 250);
}

/**
 * Redis-backed store. The offline queue is off and every command has a deadline, so a Redis
 * outage surfaces as a fast error the caller can fall back from, never as requests piling up.
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  constructor(private readonly options: RedisStoreOptions) {
    this.client = new Redis(options.url, {
      // Commands of concurrent requests issued in one tick go out in one write: a cached page
      // needs several (rate limit, session, cache), and the syscalls, not Redis, were the cost.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(options.commandTimeoutMs, 2_000),
      lazyConnect: true,
      retryStrategy,
    });
    this.logErrors(this.client);
  }

  private logErrors(connection: Redis): void {
    let lastErrorLog = 0;
    connection.on('error', (error: Error) => {
      // ioredis emits an error per failed reconnect; once every 10 s is plenty in the log.
      if (Date.now() - lastErrorLog > 10_000) {
        lastErrorLog = Date.now();
        this.options.log.warn({ err: error }, 'redis connection error');
      }
    });
  }

  /**
   * Connects, waiting at most `deadlineMs`. Past that, or on failure, the connection keeps being
   * retried in the background and commands fail fast until it is up.
   */
  async connect(deadlineMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const connecting = this.client.connect();
    connecting.catch(() => {});
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`redis not connected within ${deadlineMs} ms`)),
            deadlineMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  get(key: string): Promise<string | null> {
    return this.client.get(key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.client.set(key, value);
    else await this.client.set(key, value, 'PX', ttlMs);
  }

  async replace(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key, value, 'PX', ttlMs, 'XX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; resetInMs: number }> {
    const replies = await this.client.multi().incr(key).pexpire(key, ttlMs, 'NX').pttl(key).exec();
    const [count, , ttl] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    return { count: count ?? 0, resetInMs: ttl !== undefined && ttl > 0 ? ttl : ttlMs };
  }

  async setAdd(key: string, member: string, ttlMs: number): Promise<void> {
    await this.client.multi().sadd(key, member).pexpire(key, ttlMs).exec();
  }

  async setRemove(key: string, member: string): Promise<number> {
    const replies = await this.client.multi().srem(key, member).scard(key).exec();
    const remaining = replies?.[1];
    if (!remaining || remaining[0]) throw remaining?.[0] ?? new Error('redis: no reply');
    return Number(remaining[1]);
  }

  setMembers(key: string): Promise<string[]> {
    return this.client.smembers(key);
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.client.eval(ACQUIRE_LEASE, 1, key, owner, String(ttlMs))) === 1;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    await this.client.eval(RELEASE_LEASE, 1, key, owner);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) {
      // A subscribed connection can do nothing else, so it is a second one. Its offline queue
      // stays on: SUBSCRIBE may be issued before it is connected and ioredis re-subscribes after
      // a reconnect.
      this.subscriber = new Redis(this.options.url, { lazyConnect: false, retryStrategy });
      this.logErrors(this.subscriber);
      this.subscriber.on('message', (from: string, message: string) => {
        for (const handler of this.handlers.get(from) ?? []) handler(message);
      });
    }
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
      // Not awaited: with Redis down the reply would only come once it is back, and nobody should
      // wait for that; ioredis sends the SUBSCRIBE as soon as the connection is up.
      this.subscriber.subscribe(channel).catch((error: unknown) => {
        this.options.log.warn({ err: error, channel }, 'redis subscribe failed');
      });
    }
    handlers.add(onMessage);
    return async () => {
      handlers.delete(onMessage);
      if (handlers.size === 0 && this.handlers.get(channel) === handlers) {
        this.handlers.delete(channel);
        // Not awaited, for the same reason as SUBSCRIBE: with Redis down it would wait for its return.
        this.subscriber?.unsubscribe(channel).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    for (const connection of [this.subscriber, this.client]) {
      if (!connection || connection.status === 'end') continue;
      if (connection.status !== 'ready') {
        connection.disconnect();
        continue;
      }
      await connection.quit().catch(() => connection.disconnect());
    }
  }
}
