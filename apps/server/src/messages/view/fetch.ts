/**
 * IMAP side of the reader. Each function holds the mailbox lock only as long as it talks to the
 * server; streamed downloads run inside the borrowed connection (its stream must not be read
 * after the connection goes back to the pool), so they finish or fail before `withImap` returns.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FetchMessageObject, FetchQueryObject, ImapFlow, MessageStructureObject } from 'imapflow';
import { AppErrors } from '../../errors.js';
import {
  contentDisposition,
  mayShowInline,
  PART_CSP,
  servedContentType,
} from '../../mail/attachment-headers.js';
import { partsFromStructure } from '../../mail/view-model.js';
import { withImap } from '../../sessions/imap-access.js';

/**
 * UID FETCH of one message, after a NOOP: a pooled connection may have had the mailbox selected
 * for a while, and servers report messages added or expunged by other clients only between
 * commands (RFC 9051 §7.4.1, §5.5). Without it a message deleted elsewhere would still be served
 * (Dovecot keeps it readable until this session hears of the EXPUNGE) and a new one not found.
 */
async function fetchMessage(
  client: ImapFlow,
  uid: number,
  query: FetchQueryObject,
): Promise<FetchMessageObject> {
  await client.noop();
  const message = await client.fetchOne(String(uid), { ...query, uid: true }, { uid: true });
  if (!message || message.uid !== uid) throw new AppErrors.MessageNotFound();
  return message;
}

export interface FetchedForView {
  source: Buffer;
  /** The source was cut at `maxBytes`. */
  truncated: boolean;
  flags: Set<string>;
  internalDate: Date | string | undefined;
  size: number;
  bodyStructure: MessageStructureObject | undefined;
  /** \Seen was set now (the caller tells the cache and the account's other devices). */
  markedRead: boolean;
}

/**
 * Fetches what the reader needs in one UID FETCH (BODY.PEEK, so reading never sets \Seen by
 * itself), then sets \Seen when asked. At most `maxBytes` of the source are fetched.
 */
export function fetchForView(
  app: FastifyInstance,
  request: FastifyRequest,
  path: string,
  uid: number,
  options: { maxBytes: number; markRead: boolean },
): Promise<FetchedForView> {
  return withImap(app, request, async (client) => {
    const lock = await client.getMailboxLock(path);
    try {
      const message = await fetchMessage(client, uid, {
        flags: true,
        internalDate: true,
        size: true,
        bodyStructure: true,
        source: { start: 0, maxLength: options.maxBytes },
      });
      const flags = new Set(message.flags ?? []);
      let markedRead = false;
      if (options.markRead && !flags.has('\\Seen')) {
        markedRead = await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
        if (markedRead) flags.add('\\Seen');
      }
      const size = message.size ?? message.source?.length ?? 0;
      return {
        source: message.source ?? Buffer.alloc(0),
        truncated: size > options.maxBytes,
        flags,
        internalDate: message.internalDate,
        size,
        bodyStructure: message.bodyStructure,
        markedRead,
      };
    } finally {
      lock.release();
    }
  });
}

/** Sends `content` as the reply body and waits until it is written or has failed. */
async function pipeToReply(reply: FastifyReply, content: Readable): Promise<void> {
  const body = new PassThrough();
  reply.send(body);
  await pipeline(content, body);
}

/** Runs a streaming download; a failure after the headers went out ends the response instead. */
async function streaming(request: FastifyRequest, reply: FastifyReply, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    if (!reply.sent && !reply.raw.headersSent) throw error;
    request.log.warn({ err: error }, 'download interrupted');
    reply.raw.destroy();
  }
}

/** Streams one listed part with headers that never let it render as active content. */
export function streamPart(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  uid: number,
  partId: string,
  options: { inline: boolean; deadlineMs: number },
): Promise<void> {
  return streaming(request, reply, () =>
    withImap(
      app,
      request,
      async (client) => {
        const lock = await client.getMailboxLock(path);
        try {
          const message = await client.fetchOne(
            String(uid),
            { uid: true, bodyStructure: true },
            { uid: true },
          );
          if (!message || message.uid !== uid) throw new AppErrors.MessageNotFound();
          // Only parts the reader lists can be fetched: never the body texts or a multipart.
          const part = partsFromStructure(message.bodyStructure).find((p) => p.partId === partId);
          if (!part) throw new AppErrors.AttachmentNotFound();
          const download = await client.download(String(uid), partId, { uid: true, decodeText: false });
          if (!download.content) throw new AppErrors.AttachmentNotFound();
          const inline = options.inline && mayShowInline(part.contentType);
          reply
            .header('content-type', servedContentType(part.contentType))
            .header(
              'content-disposition',
              contentDisposition(inline ? 'inline' : 'attachment', part.filename),
            )
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', PART_CSP)
            .header('cache-control', 'private, no-store')
            .header('cross-origin-resource-policy', 'same-origin');
          await pipeToReply(reply, download.content);
        } finally {
          lock.release();
        }
      },
      { deadlineMs: options.deadlineMs },
    ),
  );
}

/** Streams the whole message source ("view source"), as plain text that cannot render. */
export function streamSource(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  uid: number,
  options: { download: boolean; deadlineMs: number },
): Promise<void> {
  return streaming(request, reply, () =>
    withImap(
      app,
      request,
      async (client) => {
        const lock = await client.getMailboxLock(path);
        try {
          await fetchMessage(client, uid, { size: true });
          const download = await client.download(String(uid), undefined, { uid: true });
          if (!download.content) throw new AppErrors.MessageNotFound();
          reply
            .header('content-type', options.download ? 'message/rfc822' : 'text/plain; charset=utf-8')
            .header(
              'content-disposition',
              contentDisposition(options.download ? 'attachment' : 'inline', `message-${uid}.eml`),
            )
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', PART_CSP)
            .header('cache-control', 'private, no-store');
          await pipeToReply(reply, download.content);
        } finally {
          lock.release();
        }
      },
      { deadlineMs: options.deadlineMs },
    ),
  );
}
