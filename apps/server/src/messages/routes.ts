import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiError,
  MailboxChanges,
  MailboxChangesQuery,
  MailboxIdParams,
  MessageActionRequest,
  MessageActionResult,
  MessageListQuery,
  MessagePage,
} from '@westwind/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cacheAccountOf } from '../cache/summary-cache.js';
import { AppErrors } from '../errors.js';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import { runMessageAction } from './actions/run-action.js';
import { CachedList, sendPage } from './list/cached-list.js';
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

/** The account and server a session's cache keys belong to, for `cache:verify`. */
function accountOf(request: FastifyRequest): { accountKey: string; who: string } {
  const record = request.session?.record;
  if (!record) throw new AppErrors.SessionRequired();
  return cacheAccountOf(record);
}

/**
 * The message list, its changes and message actions. (Opening one message is in view-routes.ts.)
 * With Redis as the store, lists go through the summary cache (../cache); with the in-process
 * store there is no cache and every page is read from IMAP (one instance, nothing to share).
 */
export default async function messageRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const cache = app.summaryCache;
  const cachedList = new CachedList(cache);

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
    async (request, reply) => {
      const { mailboxId } = request.params;
      const path = requireMailboxPath(mailboxId);
      const { cursor, limit = 50, sort = 'date', order = 'desc' } = request.query;
      const { accountKey, who } = accountOf(request);
      const query = { mailboxId, cursor, limit, sort, order };
      const pageCache = cache.enabled ? cache.forAccount(accountKey, who) : undefined;
      const list = () => withImap(app, request, (client) => fetchSummaryPage(client, path, query, pageCache));
      const page = await cachedList.page(accountKey, query, reply, async () => {
        try {
          return await list();
        } catch (error) {
          // A pooled connection can be dropped under us (Dovecot disconnects a session whose
          // selected folder was deleted by another client). Reading is idempotent: retry once.
          if (!(error instanceof AppErrors.UpstreamUnavailable)) throw error;
          return list();
        }
      });
      return sendPage(request, reply, page as never);
    },
  );

  api.get(
    '/api/mailboxes/:mailboxId/changes',
    {
      schema: {
        tags: ['messages'],
        params: MailboxIdParams,
        querystring: MailboxChangesQuery,
        response: { 200: MailboxChanges, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { mailboxId } = request.params;
      const path = requireMailboxPath(mailboxId);
      const { since, maxChanges = 500 } = request.query;
      const { accountKey, who } = accountOf(request);
      return withImap(app, request, (client) =>
        cache.changes(client, path, { accountKey, who, mailboxId, since, maxChanges }),
      );
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
      const source = requireMailboxPath(mailboxId);
      const target = targetMailboxId === undefined ? undefined : requireMailboxPath(targetMailboxId);
      if ((action === 'move' || action === 'copy') && target === undefined) {
        throw new AppErrors.MailboxNotFound();
      }
      const { accountKey, who } = accountOf(request);
      const result = await withImap(app, request, async (client) => {
        const outcome = await runMessageAction(client, source, { uids, action, target });
        // Keep the cache current at once (the next list would catch up by itself, a round trip later).
        await cache.refresh(client, source, accountKey, mailboxId, who, uids);
        return outcome;
      });
      // The account's other devices hear of it now, not at the next poll. A delete lands in a
      // Trash we did not look up here: every folder's counts are refreshed then.
      const touched =
        action === 'delete' ? ['*'] : [mailboxId, ...(targetMailboxId ? [targetMailboxId] : [])];
      void app.push.announce(request, accountKey, touched);
      return result;
    },
  );
}
