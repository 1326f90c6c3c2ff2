import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiError,
  MailboxIdParams,
  MessageActionRequest,
  MessageActionResult,
  MessageListQuery,
  MessagePage,
} from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { AppErrors } from '../errors.js';
import { mailboxPathOf } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import { runMessageAction } from './actions/run-action.js';
import { fetchSummaryPage } from './list/fetch-page.js';

const errors = {
  400: ApiError,
  401: ApiError,
  403: ApiError,
  404: ApiError,
  429: ApiError,
  501: ApiError,
  502: ApiError,
  503: ApiError,
  504: ApiError,
  507: ApiError,
};

function pathOf(mailboxId: string): string {
  const path = mailboxPathOf(mailboxId);
  if (path === null) throw new AppErrors.MailboxNotFound();
  return path;
}

/** The message list and message actions. (Opening one message is in view-routes.ts.) */
export default async function messageRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/api/mailboxes/:mailboxId/messages',
    {
      schema: {
        tags: ['messages'],
        params: MailboxIdParams,
        querystring: MessageListQuery,
        response: { 200: MessagePage, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { mailboxId } = request.params;
      const path = pathOf(mailboxId);
      const { cursor, limit = 50, sort = 'date', order = 'desc' } = request.query;
      const list = () =>
        withImap(app, request, (client) =>
          fetchSummaryPage(client, path, { mailboxId, cursor, limit, sort, order }),
        );
      try {
        return await list();
      } catch (error) {
        // A pooled connection can be dropped under us (Dovecot disconnects a session whose
        // selected folder was deleted by another client). Reading is idempotent: retry once.
        if (!(error instanceof AppErrors.UpstreamUnavailable)) throw error;
        return list();
      }
    },
  );

  api.post(
    '/api/messages/actions',
    {
      schema: {
        tags: ['messages'],
        body: MessageActionRequest,
        response: { 200: MessageActionResult, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { mailboxId, uids, action, targetMailboxId } = request.body;
      const source = pathOf(mailboxId);
      const target = targetMailboxId === undefined ? undefined : pathOf(targetMailboxId);
      if ((action === 'move' || action === 'copy') && target === undefined) {
        throw new AppErrors.MailboxNotFound();
      }
      return withImap(app, request, (client) => runMessageAction(client, source, { uids, action, target }));
    },
  );
}
