import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * OpenAPI is generated from the route schemas, which come from the contract package, so the
 * document can never drift from what the server validates. Registered before any route.
 */
async function openapiPlugin(app: FastifyInstance, options: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Westwind API',
        description: 'Webmail API: sessions, mailboxes, messages, compose and real-time push',
        version: options.version,
      },
    },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openapiPlugin, { name: 'openapi' });
