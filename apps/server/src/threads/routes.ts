import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiError,
  MailboxIdParams,
  ThreadDetail,
  ThreadListQuery,
  ThreadPage,
  ThreadParams,
  ThreadQuery,
} from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import { threadDetail, threadPage } from './service.js';

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

/** Conversations: a folder's threads, joined by the user's replies from Sent (see service.ts). */
export default async function threadRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/mailboxes/:mailboxId/threads',
    {
      schema: {
        tags: ['threads'],
        params: MailboxIdParams,
        querystring: ThreadListQuery,
        response: { 200: ThreadPage, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { mailboxId } = request.params;
      const path = requireMailboxPath(mailboxId);
      const { cursor, limit = 30 } = request.query;
      return withImap(app, request, (client) => threadPage(client, path, { mailboxId, cursor, limit }));
    },
  );

  api.get(
    '/api/threads/:threadId',
    {
      schema: {
        tags: ['threads'],
        params: ThreadParams,
        querystring: ThreadQuery,
        response: { 200: ThreadDetail, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { threadId } = request.params;
      const { mailboxId } = request.query;
      const path = requireMailboxPath(mailboxId);
      return withImap(app, request, (client) => threadDetail(client, path, { mailboxId, threadId }));
    },
  );
}
