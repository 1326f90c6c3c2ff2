import { readFileSync } from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cache from './cache/plugin.js';
import composeRoutes from './compose/routes.js';
import type { Config } from './config/config.js';
import { registerErrorHandlers } from './errors.js';
import healthRoutes from './health/routes.js';
import imap from './imap/plugin.js';
import mailboxRoutes from './mailboxes/routes.js';
import messageRoutes from './messages/routes.js';
import messageViewRoutes from './messages/view-routes.js';
import observability from './observability/plugin.js';
import openapi from './openapi/plugin.js';
import imageProxyRoutes from './proxy/routes.js';
import pushHookRoutes from './push-hook/routes.js';
import realtime from './realtime/plugin.js';
import realtimeRoutes from './realtime/routes.js';
import searchRoutes from './search/routes.js';
import security from './security/plugin.js';
import sessions from './sessions/plugin.js';
import sessionRoutes from './sessions/routes.js';
import settingsRoutes from './settings/routes.js';
import spa from './spa/plugin.js';
import store from './store/plugin.js';
import threadRoutes from './threads/routes.js';
import upstream from './upstream/plugin.js';

// Re-exported so that code importing the built app also sees the decorators and request
// properties these plugins add to Fastify's types.
export type { ImapPluginOptions } from './imap/plugin.js';
export type { MetricsRegistry } from './observability/plugin.js';
export type { RealtimePluginOptions } from './realtime/plugin.js';
export type { AuthenticatedSession } from './sessions/plugin.js';
export type { StorePluginOptions } from './store/plugin.js';
export type { UpstreamService } from './upstream/plugin.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export interface BuildAppOptions {
  config: Config;
  /** Tests pass `false` or their own logger options. */
  logger?: FastifyServerOptions['logger'];
}

/** Builds the whole application without listening; `server.ts` listens, tests use `inject()`. */
export async function buildApp({ config, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? {
      level: config.logLevel,
      redact: {
        paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // Long-lived websocket and IDLE work means we close idle keep-alive sockets ourselves on shutdown.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Unknown body fields are an error, not silently dropped; types are coerced only where
    // strings must become numbers or arrays (query strings, path parameters).
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('shuttingDown', false);
  registerErrorHandlers(app);
  await app.register(observability);
  await app.register(openapi, { version });
  await app.register(security);
  await app.register(store, { redisUrl: config.redisUrl });
  await app.register(upstream, { config: config.upstream });
  await app.register(imap, { ...config.imapPool, connectTimeoutMs: config.upstream.connectTimeoutMs });
  if (config.session.secretGenerated) {
    app.log.warn('SESSION_SECRET is not set: using a random one, so a restart signs everyone out');
  }
  await app.register(sessions, {
    serverSecret: config.session.secret,
    idleTimeoutMs: config.session.idleTimeoutMs,
    maxAgeMs: config.session.maxAgeMs,
    apiRateLimitPerMinute: config.apiRateLimitPerMinute,
  });
  await app.register(cache, config.cache);
  await app.register(realtime, config.push);
  await app.register(healthRoutes, { config });
  await app.register(sessionRoutes, {
    serverSecret: config.session.secret,
    maxAgeMs: config.session.maxAgeMs,
    limits: { maxFailuresPerAccount: config.signIn.maxFailuresPerAccount, windowMs: config.signIn.windowMs },
    maxSignInsPerAddress: config.signIn.maxPerClientAddress,
    enablePushNotifications: config.pushHook.enabled && config.pushHook.setMetadata,
  });
  await app.register(mailboxRoutes);
  await app.register(messageRoutes);
  await app.register(messageViewRoutes, {
    maxMessageBytes: config.messageMaxBytes,
    serverSecret: config.session.secret,
  });
  await app.register(realtimeRoutes);
  await app.register(settingsRoutes);
  await app.register(composeRoutes, { config });
  await app.register(pushHookRoutes, { config });
  await app.register(searchRoutes);
  await app.register(threadRoutes);
  await app.register(imageProxyRoutes, {
    allowedNetworks: config.imageProxyAllowedNetworks,
    serverSecret: config.session.secret,
  });
  await app.register(spa, { webDist: config.webDist });
  return app;
}
