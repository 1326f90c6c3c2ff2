/**
 * The message reader: one message as a view model, its parts as safe downloads, its source.
 * Handlers stay thin: IMAP work is in ./view/fetch.ts, everything else in ../mail/ (pure).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError, MessageDetail, MessageDetailQuery, MessageParams } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import type { Email } from 'postal-mime';
import { Type } from 'typebox';
import { MAIL_BODY_CSP, mailBodyDocument } from '../mail/body-document.js';
import { signedProxyUrl } from '../mail/proxy-url.js';
import { buildMessageDetail, inlineImageDataUrls, parseMime } from '../mail/view-model.js';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { imagesAllowed, readSettings } from '../settings/service.js';
import { fetchForView, streamPart, streamSource } from './view/fetch.js';

export interface MessageViewOptions {
  /** Signs image-proxy URLs in body documents (see mail/proxy-url.ts). */
  serverSecret: Buffer;
  /** Sources larger than this are cut for display (attachments stay downloadable). Default 25 MB. */
  maxMessageBytes?: number;
  /** Deadline for streaming one part or a source to the browser. Default 10 min. */
  downloadDeadlineMs?: number;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const PROXY_URL_LIFETIME_MS = 60 * 60_000;

const errors = {
  400: ApiError,
  401: ApiError,
  404: ApiError,
  502: ApiError,
  503: ApiError,
  504: ApiError,
};

const PartParams = Type.Object({
  mailboxId: MessageParams.properties.mailboxId,
  uid: MessageParams.properties.uid,
  partId: Type.String({ minLength: 1, maxLength: 300, pattern: '^[1-9][0-9]*(\\.[1-9][0-9]*)*$' }),
});

/** `?x=1` as well as `?x=true`: the part URLs the sanitizer writes use the short form. */
const Flag = Type.Union([Type.Literal('1'), Type.Literal('0'), Type.Literal('true'), Type.Literal('false')]);
const isOn = (value: string | undefined) => value === '1' || value === 'true';

const PartQuery = Type.Object(
  { inline: Type.Optional({ ...Flag, description: 'Show inline: raster images and PDF only' }) },
  { additionalProperties: false },
);

const BodyQuery = Type.Object(
  { remoteContent: Type.Optional({ ...Flag, description: 'Load remote images through the image proxy' }) },
  { additionalProperties: false },
);

const RawQuery = Type.Object(
  { download: Type.Optional({ ...Flag, description: 'Save as a .eml file instead of showing' }) },
  { additionalProperties: false },
);

/** The person chose "always show images from this sender" for one of the message's senders. */
async function remoteContentAllowed(
  app: FastifyInstance,
  accountKey: string,
  email: Email,
): Promise<boolean> {
  const senders = [email.from, email.sender].flatMap((a) =>
    a && 'address' in a && a.address ? [{ address: a.address }] : [],
  );
  if (senders.length === 0) return false;
  return imagesAllowed(await readSettings(app.store, accountKey), senders);
}

export default async function messageViewRoutes(
  app: FastifyInstance,
  options: MessageViewOptions,
): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const downloadDeadlineMs = options.downloadDeadlineMs ?? 10 * 60_000;

  api.get(
    '/api/mailboxes/:mailboxId/messages/:uid',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        querystring: MessageDetailQuery,
        response: { 200: MessageDetail, ...errors },
      },
      preHandler: app.requireSession,
    },
    async (request) => {
      const { mailboxId, uid } = request.params;
      const fetched = await fetchForView(app, request, requireMailboxPath(mailboxId), uid, {
        maxBytes,
        markRead: request.query.markRead !== false,
      });
      if (fetched.markedRead) {
        // The list (cached pages) and the account's other devices hear of it now.
        await app.push.announce(request, request.session!.record.accountKey, [mailboxId]);
      }
      // Parsed after the IMAP connection went back to the pool.
      const { email, complete } = await parseMime(fetched.source);
      const remoteContent =
        request.query.remoteContent ??
        (await remoteContentAllowed(app, request.session!.record.accountKey, email));
      return buildMessageDetail({
        mailboxId,
        uid,
        email,
        complete,
        flags: fetched.flags,
        internalDate: fetched.internalDate,
        size: fetched.size,
        bodyStructure: fetched.bodyStructure,
        truncatedAt: fetched.truncated ? maxBytes : null,
        remoteContent,
      });
    },
  );

  // The HTML body as a document of its own for the reader's sandboxed iframe (see body-document.ts).
  api.get(
    '/api/mailboxes/:mailboxId/messages/:uid/body',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        querystring: BodyQuery,
        response: errors,
      },
      preHandler: app.requireSession,
    },
    async (request, reply) => {
      const { mailboxId, uid } = request.params;
      const fetched = await fetchForView(app, request, requireMailboxPath(mailboxId), uid, {
        maxBytes,
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
        truncatedAt: fetched.truncated ? maxBytes : null,
        remoteContent:
          request.query.remoteContent === undefined
            ? await remoteContentAllowed(app, request.session!.record.accountKey, email)
            : isOn(request.query.remoteContent),
        inlineImages: inlineImageDataUrls(email),
        // The frame's requests carry no cookie, so each proxied image carries its own signature.
        proxyUrl: (url) => signedProxyUrl(options.serverSecret, url, Date.now() + PROXY_URL_LIFETIME_MS),
      });
      return (
        reply
          .header('content-security-policy', MAIL_BODY_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .header('referrer-policy', 'no-referrer')
          .type('text/html; charset=utf-8')
          // A string with a non-JSON type is sent as is; the schema only describes the errors.
          .send(mailBodyDocument(detail.html ?? '') as never)
      );
    },
  );

  api.get(
    '/api/mailboxes/:mailboxId/messages/:uid/attachments/:partId',
    {
      schema: {
        tags: ['messages'],
        params: PartParams,
        querystring: PartQuery,
        response: errors,
      },
      preHandler: app.requireSession,
    },
    async (request, reply) => {
      const { mailboxId, uid, partId } = request.params;
      await streamPart(app, request, reply, requireMailboxPath(mailboxId), uid, partId, {
        inline: isOn(request.query.inline),
        deadlineMs: downloadDeadlineMs,
      });
      return reply;
    },
  );

  api.get(
    '/api/mailboxes/:mailboxId/messages/:uid/raw',
    {
      schema: {
        tags: ['messages'],
        params: MessageParams,
        querystring: RawQuery,
        response: errors,
      },
      preHandler: app.requireSession,
    },
    async (request, reply) => {
      const { mailboxId, uid } = request.params;
      await streamSource(app, request, reply, requireMailboxPath(mailboxId), uid, {
        download: isOn(request.query.download),
        deadlineMs: downloadDeadlineMs,
      });
      return reply;
    },
  );
}
