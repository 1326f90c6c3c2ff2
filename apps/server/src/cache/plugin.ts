import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisStore } from '../store/redis-store.js';
import { SummaryCache, type SummaryCacheOptions } from './summary-cache.js';

declare module 'fastify' {
  interface FastifyInstance {
    summaryCache: SummaryCache;
  }
}

/**
 * The summary cache, one per app: the message list reads through it, and the realtime watch and
 * every action that changes a mailbox tell it what they saw, so a page served without asking the
 * server is never older than what this account's clients were told. Disabled (every page from
 * IMAP) with the in-process store.
 */
async function cachePlugin(app: FastifyInstance, options: SummaryCacheOptions): Promise<void> {
  const redis = app.store.kind === 'redis' ? (app.store as RedisStore).client : null;
  app.decorate('summaryCache', new SummaryCache(redis, app.log, app.metrics, options));
}

export default fp(cachePlugin, { name: 'cache', dependencies: ['store', 'observability'] });
