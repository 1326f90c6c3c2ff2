import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError, SearchQuery, SearchResult } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { AppErrors } from '../errors.js';
import { mailboxPathOf } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import { parseQuery } from './query.js';
import { runSearch } from './service.js';

const errors = {
  400: ApiError,
  401: ApiError,
  403: ApiError,
  404: ApiError,
  429: ApiError,
  502: ApiError,
  503: ApiError,
  504: ApiError,
};

const INBOX_ID = Buffer.from('INBOX', 'utf8').toString('base64url');

/** `GET /api/search`: Gmail-like queries run as IMAP UID SEARCH (see query.ts and service.ts). */
export default async function searchRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/search',
    {
      schema: {
        tags: ['search'],
        querystring: SearchQuery,
        response: { 200: SearchResult, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { q, mailboxId = INBOX_ID, cursor, limit = 50 } = request.query;
      // Parsed before any IMAP work, so a bad query is a 400 without touching the server.
      const parsed = parseQuery(q);
      const path = mailboxPathOf(mailboxId);
      if (path === null) throw new AppErrors.MailboxNotFound();
      const search = () =>
        withImap(app, request, (client) =>
          runSearch(client, { query: q, parsed, mailboxId, path, cursor, limit }),
        );
      try {
        return await search();
      } catch (error) {
        // As for the list: a pooled connection dropped under us is retried once (reading only).
        if (!(error instanceof AppErrors.UpstreamUnavailable)) throw error;
        return search();
      }
    },
  );
}
