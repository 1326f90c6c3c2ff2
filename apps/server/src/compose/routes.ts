/**
 * Compose and send: uploads, drafts, send with undo, reply/forward templates, identities and
 * contacts. Thin handlers; the work is in ./drafts.ts, ./send.ts, ./reply.ts (and the pure
 * ./text.ts, ./mime.ts), the IMAP adapter ./imap.ts and the SMTP adapter ./smtp.ts.
 */
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  ApiError,
  ComposeLimits,
  ContactList,
  ContactQuery,
  DraftInput,
  DraftParams,
  IdentityList,
  MessageParams,
  ReplyQuery,
  ReplyTemplate,
  ResumedDraft,
  SavedDraft,
  SendParams,
  SendRequest,
  SendResult,
  SendStatus,
  UndoResult,
  UploadResult,
} from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config/config.js';
import { AppErrors } from '../errors.js';
import { buildMessageDetail, inlineImageDataUrls, parseMime } from '../mail/view-model.js';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { fetchForView } from '../messages/view/fetch.js';
import { findContacts } from './contacts.js';
import {
  attachmentLimit,
  type ComposeContext,
  discardDraft,
  Invalid,
  ownerOf,
  resumeDraft,
  saveDraft,
  TooLarge,
} from './drafts.js';
import { readIdentities, writeIdentities } from './identities.js';
import { buildReplyTemplate } from './reply.js';
import { SendScheduler } from './send.js';
import { UploadStore, UploadTooLarge } from './uploads.js';

const errors = {
  400: ApiError,
  401: ApiError,
  403: ApiError,
  404: ApiError,
  409: ApiError,
  413: ApiError,
  502: ApiError,
  503: ApiError,
  504: ApiError,
};

const UploadParams = Type.Object({ uploadId: Type.String({ minLength: 1, maxLength: 64 }) });
const SWEEP_INTERVAL_MS = 30 * 60_000;
/** JSON bodies of drafts carry HTML with pasted images: larger than the API's default limit. */
const DRAFT_BODY_LIMIT = 16 * 1024 * 1024;

export default async function routes(app: FastifyInstance, options: { config: Config }): Promise<void> {
  const config = options.config.compose;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const uploads = new UploadStore(app.store, config.uploadDir, config.uploadTtlMs);
  await uploads.init();
  const ctx: ComposeContext = { app, config, uploads };
  const scheduler = new SendScheduler(ctx);
  const sweep = setInterval(() => {
    uploads.sweep().catch((error: unknown) => app.log.warn({ err: error }, 'upload sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await scheduler.close();
  });

  // Only in this plugin's scope: multipart bodies are accepted by the upload route alone.
  await app.register(multipart, {
    limits: { fileSize: config.attachmentMaxBytes, files: 1, fields: 4, parts: 5, headerPairs: 100 },
  });

  const session = { preHandler: app.requireSession };

  api.get(
    '/api/compose/limits',
    { schema: { tags: ['compose'], response: { 200: ComposeLimits, ...errors } }, ...session },
    async (request) => ({
      maxAttachmentBytes: await attachmentLimit(
        app.store,
        config,
        ownerOf(request).accountKey,
        request.session?.record.smtp,
      ),
      undoSendSeconds: config.undoSendSeconds,
    }),
  );

  api.post(
    '/api/compose/uploads',
    {
      schema: {
        tags: ['compose'],
        consumes: ['multipart/form-data'],
        response: { 201: UploadResult, ...errors },
      },
      ...session,
    },
    async (request, reply) => {
      const { accountKey } = ownerOf(request);
      const limit = await attachmentLimit(app.store, config, accountKey, request.session?.record.smtp);
      const tooLarge = () => new TooLarge(`The file is larger than the limit of ${limit} bytes`);
      if (Number(request.headers['content-length'] ?? 0) > limit + 64 * 1024) throw tooLarge();
      let file: Awaited<ReturnType<typeof request.file>>;
      try {
        file = await request.file({ limits: { fileSize: limit } });
      } catch (error) {
        throw mapMultipartError(error, tooLarge);
      }
      if (!file) throw new Invalid('The upload has no file');
      try {
        const result = await uploads.create(
          accountKey,
          file.file,
          { filename: file.filename, contentType: file.mimetype, maxBytes: limit },
          () => file.file.truncated,
        );
        return reply.status(201).send(result);
      } catch (error) {
        if (error instanceof UploadTooLarge) throw tooLarge();
        throw mapMultipartError(error, tooLarge);
      }
    },
  );

  api.delete(
    '/api/compose/uploads/:uploadId',
    {
      schema: { tags: ['compose'], params: UploadParams, response: { 204: Type.Null(), ...errors } },
      ...session,
    },
    async (request, reply) => {
      const deleted = await uploads.delete(ownerOf(request).accountKey, request.params.uploadId);
      if (!deleted) throw new AppErrors.AttachmentNotFound();
      return reply.status(204).send(null);
    },
  );

  api.put(
    '/api/compose/drafts/:draftId',
    {
      schema: {
        tags: ['compose'],
        params: DraftParams,
        body: DraftInput,
        response: { 200: SavedDraft, ...errors },
      },
      bodyLimit: DRAFT_BODY_LIMIT,
      ...session,
    },
    async (request) => {
      const draftId = request.params.draftId.toLowerCase();
      await scheduler.assertDraftEditable(request, draftId);
      return saveDraft(ctx, request, draftId, request.body);
    },
  );

  api.get(
    '/api/compose/drafts/:draftId',
    {
      schema: { tags: ['compose'], params: DraftParams, response: { 200: ResumedDraft, ...errors } },
      ...session,
    },
    async (request) => resumeDraft(ctx, request, { draftId: request.params.draftId.toLowerCase() }),
  );

  api.get(
    '/api/compose/drafts/from/:mailboxId/:uid',
    {
      schema: { tags: ['compose'], params: MessageParams, response: { 200: ResumedDraft, ...errors } },
      ...session,
    },
    async (request) => resumeDraft(ctx, request, request.params),
  );

  api.delete(
    '/api/compose/drafts/:draftId',
    {
      schema: { tags: ['compose'], params: DraftParams, response: { 204: Type.Null(), ...errors } },
      ...session,
    },
    async (request, reply) => {
      await discardDraft(ctx, request, request.params.draftId.toLowerCase());
      return reply.status(204).send(null);
    },
  );

  api.post(
    '/api/compose/send',
    {
      schema: {
        tags: ['compose'],
        body: SendRequest,
        response: { 200: SendResult, 202: SendResult, ...errors },
      },
      bodyLimit: DRAFT_BODY_LIMIT,
      ...session,
    },
    async (request, reply) => {
      const result = await scheduler.send(request, request.body.draftId.toLowerCase(), request.body.draft);
      return reply.status(result.status.state === 'scheduled' ? 202 : 200).send(result);
    },
  );

  api.get(
    '/api/compose/send/:sendId',
    {
      schema: { tags: ['compose'], params: SendParams, response: { 200: SendStatus, ...errors } },
      ...session,
    },
    async (request) => scheduler.status(request, request.params.sendId),
  );

  api.post(
    '/api/compose/send/:sendId/undo',
    {
      schema: { tags: ['compose'], params: SendParams, response: { 200: UndoResult, ...errors } },
      ...session,
    },
    async (request) => scheduler.undo(request, request.params.sendId),
  );

  api.get(
    '/api/mailboxes/:mailboxId/messages/:uid/reply',
    {
      schema: {
        tags: ['compose'],
        params: MessageParams,
        querystring: ReplyQuery,
        response: { 200: ReplyTemplate, ...errors },
      },
      ...session,
    },
    async (request) => {
      const { mailboxId, uid } = request.params;
      const fetched = await fetchForView(app, request, requireMailboxPath(mailboxId), uid, {
        maxBytes: options.config.messageMaxBytes,
        markRead: false,
      });
      const { email, complete } = await parseMime(fetched.source);
      const detail = buildMessageDetail({
        mailboxId,
        uid,
        email,
        complete,
        flags: fetched.flags,
        internalDate: fetched.internalDate,
        size: fetched.size,
        bodyStructure: fetched.bodyStructure,
        truncatedAt: fetched.truncated ? options.config.messageMaxBytes : null,
        remoteContent: false,
        inlineImages: inlineImageDataUrls(email),
      });
      const identities = await readIdentities(app.store, ownerOf(request));
      return buildReplyTemplate(detail, request.query.mode, identities);
    },
  );

  api.get(
    '/api/identities',
    { schema: { tags: ['compose'], response: { 200: IdentityList, ...errors } }, ...session },
    async (request) => ({ identities: await readIdentities(app.store, ownerOf(request)) }),
  );

  api.put(
    '/api/identities',
    {
      schema: { tags: ['compose'], body: IdentityList, response: { 200: IdentityList, ...errors } },
      ...session,
    },
    async (request) => ({
      identities: await writeIdentities(app.store, ownerOf(request), request.body.identities),
    }),
  );

  api.get(
    '/api/contacts',
    {
      schema: { tags: ['compose'], querystring: ContactQuery, response: { 200: ContactList, ...errors } },
      ...session,
    },
    async (request) => ({
      contacts: await findContacts(
        app.store,
        ownerOf(request).accountKey,
        request.query.q,
        request.query.limit ?? 10,
      ),
    }),
  );
}

/** @fastify/multipart's own errors to the contract's codes. */
function mapMultipartError(error: unknown, tooLarge: () => Error): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge() : error;
  }
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return Object.assign(new Error('Send the file as multipart/form-data'), {
      statusCode: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  }
  return error;
}
