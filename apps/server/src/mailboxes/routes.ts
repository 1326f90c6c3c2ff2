import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiError,
  CreateMailboxRequest,
  Mailbox,
  MailboxIdParams,
  MailboxList,
  MessageActionResult,
  UpdateMailboxRequest,
} from '@westwind/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withImap } from '../sessions/imap-access.js';
import { createMailbox, deleteMailbox, emptyMailbox, listMailboxes, updateMailbox } from './service.js';

/** Failures any folder route can answer with besides its own. */
const upstream = { 401: ApiError, 502: ApiError, 503: ApiError, 504: ApiError };
const changes = { ...upstream, 400: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 507: ApiError };

/** Folders: list (with counts), create, rename / move / (un)subscribe, delete. Logic in service.ts. */
export default async function mailboxRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  /**
   * The account's other devices and the summary cache hear of it at once: a folder made, renamed,
   * moved or deleted changes the tree (`*`: which folders' cached pages still hold is unknown).
   */
  const announce = async (request: FastifyRequest, mailboxIds: string[]) => {
    const accountKey = request.session?.record.accountKey;
    if (!accountKey) return;
    await app.push.announce(request, accountKey, mailboxIds, { tree: mailboxIds.includes('*') });
  };
  const tags = ['mailboxes'];

  api.get(
    '/api/mailboxes',
    { schema: { tags, response: { 200: MailboxList, ...upstream } }, preHandler: app.requireSession },
    async (request) => withImap(app, request, (client) => listMailboxes(client)),
  );

  api.post(
    '/api/mailboxes',
    {
      schema: { tags, body: CreateMailboxRequest, response: { 201: Mailbox, ...changes } },
      preHandler: app.requireSession,
    },
    async (request, reply) => {
      const mailbox = await withImap(app, request, (client) => createMailbox(client, request.body));
      await announce(request, ['*']);
      return reply.status(201).send(mailbox);
    },
  );

  api.patch(
    '/api/mailboxes/:mailboxId',
    {
      schema: {
        tags,
        params: MailboxIdParams,
        body: UpdateMailboxRequest,
        response: { 200: Mailbox, ...changes },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const mailbox = await withImap(app, request, (client) =>
        updateMailbox(client, request.params.mailboxId, request.body),
      );
      await announce(request, ['*']);
      return mailbox;
    },
  );

  api.delete(
    '/api/mailboxes/:mailboxId',
    {
      schema: { tags, params: MailboxIdParams, response: { 204: { type: 'null' }, ...changes } },
      preHandler: app.requireSession,
    },
    async (request, reply) => {
      await withImap(app, request, (client) => deleteMailbox(client, request.params.mailboxId));
      await announce(request, ['*']);
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/mailboxes/:mailboxId/empty',
    {
      schema: { tags, params: MailboxIdParams, response: { 200: MessageActionResult, ...changes } },
      preHandler: app.requireSession,
    },
    async (request) => {
      const result = await withImap(app, request, (client) => emptyMailbox(client, request.params.mailboxId));
      await announce(request, [request.params.mailboxId]);
      return result;
    },
  );
}
