import { HealthStatus } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { imapGreeting, timedProbe } from './probes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when shutdown starts so load balancers stop sending traffic before we close. */
    shuttingDown: boolean;
  }
}

/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: it can serve mail). */
export default async function healthRoutes(app: FastifyInstance, options: { config: Config }): Promise<void> {
  const { config } = options;
  const responses = { 200: HealthStatus, 503: HealthStatus };

  app.get('/healthz', { schema: { tags: ['health'], response: responses } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { tags: ['health'], response: responses } }, async (_request, reply) => {
    if (app.shuttingDown) return reply.status(503).send({ status: 'unavailable' as const });
    const imapEndpoint = config.readinessImap;
    const [store, imap] = await Promise.all([
      timedProbe(config.readyTimeoutMs, () => app.store.ping()),
      imapEndpoint
        ? timedProbe(config.readyTimeoutMs, () => imapGreeting(imapEndpoint, config.readyTimeoutMs))
        : null,
    ]);
    // With per-domain or discovered servers there is no single upstream to probe.
    const checks = { [`store:${app.store.kind}`]: store, ...(imap ? { imap } : {}) };
    const ok = store.ok && (imap?.ok ?? true);
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? ('ok' as const) : ('unavailable' as const), checks });
  });
}
