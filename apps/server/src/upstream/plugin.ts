import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { UpstreamConfig } from './policy-config.js';
import { type ResolveDeps, type ResolvedUpstream, resolveUpstream } from './resolve.js';

export interface UpstreamService {
  readonly config: UpstreamConfig;
  /** resolveUpstream with this server's policy; refusals are logged with their detail. */
  resolve(address: string): Promise<ResolvedUpstream>;
}

declare module 'fastify' {
  interface FastifyInstance {
    upstream: UpstreamService;
  }
}

export interface UpstreamPluginOptions {
  config: UpstreamConfig;
  /** Tests inject DNS and fetch fakes here. */
  deps?: ResolveDeps;
}

async function upstreamPlugin(app: FastifyInstance, options: UpstreamPluginOptions): Promise<void> {
  const { config, deps } = options;
  app.log.info(
    { mode: config.mode, allowedNetworks: config.allowedNetworks.map((n) => n.text) },
    'upstream policy loaded',
  );
  const service: UpstreamService = {
    config,
    async resolve(address) {
      try {
        return await resolveUpstream(address, config, deps);
      } catch (error) {
        // The client sees only the safe message; the operator needs the host, address and reason.
        const cause = (error as { cause?: unknown }).cause;
        app.log.warn(
          {
            code: (error as { code?: string }).code,
            detail: cause instanceof Error ? cause.message : undefined,
          },
          'upstream refused',
        );
        throw error;
      }
    },
  };
  app.decorate('upstream', service);
}

export default fp(upstreamPlugin, { name: 'upstream' });
