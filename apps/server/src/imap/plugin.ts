import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ImapConnectionManager, type ImapConnectionManagerOptions } from './connection-manager.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The IMAP connection pool; see ImapConnectionManager. */
    imap: ImapConnectionManager;
  }
}

/** Everything of the manager's options except what the app provides (its logger and metrics). */
export type ImapPluginOptions = Omit<ImapConnectionManagerOptions, 'logger' | 'registry'>;

/**
 * Decorates `app.imap` with the instance's IMAP connection manager. On close (after in-flight
 * requests finished) it logs out every connection.
 */
async function imapPlugin(app: FastifyInstance, options: ImapPluginOptions): Promise<void> {
  const manager = new ImapConnectionManager({ ...options, logger: app.log, registry: app.metrics });
  app.decorate('imap', manager);
  app.addHook('onClose', async () => manager.closeAll());
}

export default fp(imapPlugin, { name: 'imap', dependencies: ['observability'] });
