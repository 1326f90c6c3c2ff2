import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError, CsrfToken, SessionInfo, SignInRequest } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { setPushMetadata } from '../push-hook/metadata.js';
import { cookieOptions, SESSION_COOKIE } from './plugin.js';
import { type SignInLimits, sessionInfo, signIn } from './sign-in.js';

export interface SessionRoutesOptions {
  /** Turn on the mail server's push notifications for each user who signs in (push-hook/). */
  enablePushNotifications: boolean;
  serverSecret: Buffer;
  maxAgeMs: number;
  limits: SignInLimits;
  /** Sign-in attempts per client address per window (any outcome). */
  maxSignInsPerAddress: number;
}

const errors = {
  400: ApiError,
  401: ApiError,
  403: ApiError,
  429: ApiError,
  502: ApiError,
  503: ApiError,
  504: ApiError,
};

export default async function sessionRoutes(
  app: FastifyInstance,
  options: SessionRoutesOptions,
): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/csrf',
    { schema: { tags: ['session'], response: { 200: CsrfToken } } },
    async (_request, reply) => ({
      token: reply.generateCsrf(),
    }),
  );

  api.post(
    '/api/session',
    {
      schema: { tags: ['session'], body: SignInRequest, response: { 200: SessionInfo, ...errors } },
      config: {
        rateLimit: {
          max: options.maxSignInsPerAddress,
          timeWindow: options.limits.windowMs,
          keyGenerator: (request) => `sign-in:${request.ip}`,
        },
      },
    },
    async (request, reply) => {
      // Rotation: whatever session this browser had ends; the new one gets a fresh id.
      const previous = await app.sessions.load(request.cookies[SESSION_COOKIE]);
      const { cookie, record } = await signIn(app, request.body, options);
      if (previous) await app.sessions.destroy(previous);
      if (options.enablePushNotifications) {
        // In the background: sign-in must not wait for it, and IDLE covers a server without it.
        const credentials = { user: record.loginUser, password: request.body.password };
        app.imap
          .withConnection(record.accountKey, record.imap, credentials, (client) =>
            setPushMetadata(client, record.address),
          )
          .catch((error: unknown) => request.log.warn({ err: error }, 'enabling push notifications'));
      }
      reply.setCookie(SESSION_COOKIE, cookie, {
        ...cookieOptions,
        maxAge: Math.floor(options.maxAgeMs / 1000),
      });
      return sessionInfo(record);
    },
  );

  api.get(
    '/api/session',
    {
      schema: { tags: ['session'], response: { 200: SessionInfo, 401: ApiError } },
      preHandler: app.requireSession,
    },
    async (request) => sessionInfo(request.session!.record),
  );

  api.delete(
    '/api/session',
    { schema: { tags: ['session'], response: { 204: { type: 'null' }, 401: ApiError, 403: ApiError } } },
    async (request, reply) => {
      const session = await app.sessions.load(request.cookies[SESSION_COOKIE]);
      if (session) await app.sessions.destroy(session);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send(null);
    },
  );
}
