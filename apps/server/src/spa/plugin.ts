import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { API_PREFIX, ErrorCodes } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from '../errors.js';

/**
 * Serves the built SPA. Hashed assets are cached for a year; index.html never is, so a deploy
 * takes effect on the next load. Unknown non-API GETs get index.html (client-side routes).
 */
async function spaPlugin(app: FastifyInstance, options: { webDist: string }): Promise<void> {
  const indexPath = path.join(options.webDist, 'index.html');
  const built = existsSync(indexPath);
  if (built) {
    await app.register(fastifyStatic, {
      root: options.webDist,
      wildcard: true,
      index: false,
      setHeaders: (reply, filePath) => {
        const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
        reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    app.get('/', { schema: { hide: true } }, (_request, reply) => {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  } else {
    app.log.warn({ webDist: options.webDist }, 'the SPA is not built; run `pnpm build` to serve it');
  }

  app.setNotFoundHandler((request, reply) => {
    const isApi = request.url === API_PREFIX || request.url.startsWith(`${API_PREFIX}/`);
    if (built && !isApi && (request.method === 'GET' || request.method === 'HEAD')) {
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    }
    return reply
      .status(404)
      .send(errorBody(ErrorCodes.NOT_FOUND, `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}

export default fp(spaPlugin, { name: 'spa' });
