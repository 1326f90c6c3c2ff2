import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config/config.js';
import type {} from '../realtime/plugin.js';
import type {} from '../sessions/plugin.js';
import { PushHookListener } from './listener.js';
import { addressOf, imapServerFor } from './notification.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The push hook's separate listener, or null when PUSH_HOOK_SECRET is not set. */
    pushHook: PushHookListener | null;
  }
}

/**
 * Instant new-mail push from Dovecot's push_notification plugin (OX driver): a separate
 * listener (PUSH_HOOK_HOST:PUSH_HOOK_PORT, loopback by default) that turns each notification
 * into a refresh request for the account's watch, wherever it runs. A notification is only a
 * hint: the watch reads the real state over IMAP, so a forged one can at worst cause a sync.
 * Off unless PUSH_HOOK_SECRET is set. Operator docs: README.md in this folder.
 */
async function pushHookPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const settings = config.pushHook;
  if (!settings.enabled) {
    app.decorate('pushHook', null);
    return;
  }
  const listener = new PushHookListener(settings, {
    accountKeysFor(user) {
      const address = addressOf(user, settings.defaultDomain);
      const server = address ? imapServerFor(address, config.upstream) : null;
      return address && server ? [app.sessions.accountKeyFor(address, server.host, server.port)] : [];
    },
    // A delivery is news the user waits for: no coalescing (see AccountWatch.refresh).
    changed: (accountKey, mailboxIds) => app.push.changed(accountKey, mailboxIds, { urgent: true }),
    log: app.log,
  });
  app.decorate('pushHook', listener);
  if (config.upstream.mode === 'discover') {
    app.log.warn('push hook: UPSTREAM_MODE=discover cannot map notified users to accounts; IDLE only');
  }
  // After the hub subscribed (onReady hooks run in registration order), before anything else closes.
  app.addHook('onReady', async () => {
    const address = await listener.listen();
    app.log.info({ host: address.address, port: address.port }, 'push hook listening');
  });
  app.addHook('preClose', async () => listener.close());
}

export default fp(pushHookPlugin, { name: 'push-hook', dependencies: ['realtime', 'sessions'] });
