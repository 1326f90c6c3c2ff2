import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError, Settings } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { readSettings, writeSettings } from './service.js';

/** Per-account preferences shared by all of the account's devices. */
export default async function settingsRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = { 400: ApiError, 401: ApiError, 403: ApiError };

  api.get(
    '/api/settings',
    {
      schema: { tags: ['settings'], response: { 200: Settings, ...errors } },
      preHandler: app.requireSession,
    },
    async (request) => readSettings(app.store, request.session!.record.accountKey),
  );

  api.put(
    '/api/settings',
    {
      schema: { tags: ['settings'], body: Settings, response: { 200: Settings, ...errors } },
      preHandler: app.requireSession,
    },
    async (request) => writeSettings(app.store, request.session!.record.accountKey, request.body),
  );
}
