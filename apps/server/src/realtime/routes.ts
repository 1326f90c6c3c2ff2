import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppErrors } from '../errors.js';

/**
 * A websocket is opened by the page itself, so the browser sends its Origin; a page of another
 * site must not ride on the user's cookie (cross-site websocket hijacking).
 */
function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (!origin || origin !== `${request.protocol}://${request.host}`) throw new AppErrors.OriginRefused();
}

export default async function realtimeRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api/events',
    {
      websocket: true,
      schema: { hide: true },
      preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
        assertSameOrigin(request);
        await app.requireSession(request, reply);
      },
    },
    (socket, request) => {
      app.push.connect(socket, request.session!);
    },
  );
}
