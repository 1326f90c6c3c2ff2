import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { KeyValueStore } from './store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: KeyValueStore;
  }
}

export interface StorePluginOptions {
  redisUrl: string | undefined;
  commandTimeoutMs?: number;
}

async function storePlugin(app: FastifyInstance, options: StorePluginOptions): Promise<void> {
  let store: KeyValueStore;
  if (options.redisUrl) {
    const redis = new RedisStore({
      url: options.redisUrl,
      commandTimeoutMs: options.commandTimeoutMs ?? 1_000,
      log: app.log,
    });
    // A Redis that is down at boot must not stop the server: readiness reports it and
    // ioredis keeps reconnecting in the background.
    await redis
      .connect()
      .catch((error: unknown) => app.log.warn({ err: error }, 'redis not reachable at start'));
    store = redis;
    app.log.info('store: redis');
  } else {
    store = new MemoryStore();
    app.log.warn('store: REDIS_URL is not set, using the in-process store; run a single instance only');
  }
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
}

export default fp(storePlugin, { name: 'store' });
