import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PushHub, type PushOptions } from './hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    push: PushHub;
  }
}

/**
 * Realtime push: websocket support (registered before any route, as @fastify/websocket needs),
 * the hub of this instance's clients, and its shutdown. The route is in routes.ts.
 */
export type RealtimePluginOptions = PushOptions;

async function realtimePlugin(app: FastifyInstance, options: RealtimePluginOptions): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const hub = new PushHub(app, options);
  app.decorate('push', hub);
  app.addHook('onReady', async () => hub.start());
  // Before the IMAP pool and the store close: watches log out and release their leases.
  app.addHook('preClose', async () => hub.close());
}

export default fp(realtimePlugin, { name: 'realtime', dependencies: ['store', 'imap', 'cache'] });
