/**
 * Drafts and message preparation: a DraftInput checked, its attachments resolved (uploads,
 * parts of other messages, whole messages), threading headers looked up, and the MIME built —
 * once with Bcc for the Drafts and Sent folders, once without for SMTP.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import createError from '@fastify/error';
import {
  type DraftInput,
  ErrorCodes,
  type Identity,
  type ResumedDraft,
  type SavedDraft,
  type UploadResult,
} from '@westwind/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { AppErrors } from '../errors.js';
import { sanitizeHtml } from '../mail/sanitize.js';
import { inlineImageDataUrls, parseMime } from '../mail/view-model.js';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import type { KeyValueStore } from '../store/store.js';
import type { ComposeConfig } from './config.js';
import { type AccountOwner, pickIdentity, readIdentities } from './identities.js';
import {
  appendMessage,
  deleteDraftVersions,
  draftVersions,
  fetchPart,
  fetchSource,
  roleFolder,
  type ThreadHeaders,
  threadHeaders,
} from './imap.js';
import { buildMime, draftIdOf, draftInputOf, envelopeRecipients, type ResolvedAttachment } from './mime.js';
import { advertisedSize, type SmtpEndpoint } from './smtp.js';
import { domainOf, hasLineBreak, isValidAddress, replyReferences, sanitizeFilename } from './text.js';
import type { UploadStore } from './uploads.js';

export const Invalid = createError(ErrorCodes.VALIDATION_FAILED, '%s', 400);
export const TooLarge = createError(ErrorCodes.BODY_TOO_LARGE, '%s', 413);

export interface ComposeContext {
  app: FastifyInstance;
  config: ComposeConfig;
  uploads: UploadStore;
}

export const draftKey = (accountKey: string, draftId: string) =>
  `ww:account:{${accountKey}}:draft:${draftId}`;
const smtpSizeKey = (accountKey: string) => `ww:account:{${accountKey}}:smtp-size`;
const DRAFT_MAP_TTL_MS = 90 * 86_400_000;

export function ownerOf(request: FastifyRequest): AccountOwner {
  const session = request.session;
  if (!session) throw new AppErrors.SessionRequired();
  return {
    accountKey: session.record.accountKey,
    address: session.record.address,
    displayName: session.record.displayName,
  };
}

/**
 * The per-message attachment limit: the operator's, or less when the SMTP server's SIZE is
 * smaller. SIZE is learned from each send, or asked of the server (EHLO, no sign-in) the first
 * time when `endpoint` is given; a server that cannot be asked does not lower the limit.
 */
export async function attachmentLimit(
  store: KeyValueStore,
  config: ComposeConfig,
  accountKey: string,
  endpoint?: SmtpEndpoint,
): Promise<number> {
  const raw = await store.get(smtpSizeKey(accountKey)).catch(() => null);
  let smtp = raw !== null && /^\d{1,12}$/.test(raw) ? Number(raw) : null;
  if (smtp === null && endpoint) {
    smtp = await advertisedSize(endpoint, 5_000).catch(() => null);
    // Unreachable: not asked again for a while (0 means "no SIZE known").
    await store
      .set(smtpSizeKey(accountKey), String(smtp ?? 0), smtp === null ? 10 * 60_000 : 7 * 86_400_000)
      .catch(() => undefined);
  }
  // Base64 grows attachments by a third; leave room for it and for the body.
  const fromSmtp = smtp ? Math.floor((smtp * 3) / 4) - 64 * 1024 : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(config.attachmentMaxBytes, fromSmtp));
}

/** Remembers the advertised SIZE (0: none) for a week. */
export async function rememberSmtpSize(
  store: KeyValueStore,
  accountKey: string,
  size: number,
): Promise<void> {
  await store.set(smtpSizeKey(accountKey), String(Math.max(0, size)), 7 * 86_400_000).catch(() => undefined);
}

/** Checks what the schema cannot: addresses, CR/LF (belt and braces), the identity. */
export function checkDraft(draft: DraftInput, identities: readonly Identity[], forSend: boolean): Identity {
  for (const field of ['to', 'cc', 'bcc'] as const) {
    for (const entry of draft[field]) {
      if (hasLineBreak(entry.name) || hasLineBreak(entry.address)) {
        throw new Invalid(`A line break is not allowed in ${field} addresses`);
      }
      if (!isValidAddress(entry.address.trim())) {
        throw new Invalid(`${JSON.stringify(entry.address)} is not a valid email address`);
      }
    }
  }
  if (hasLineBreak(draft.subject)) throw new Invalid('A line break is not allowed in the subject');
  if ((draft.inReplyTo === undefined) !== (draft.mode === undefined)) {
    throw new Invalid('inReplyTo and mode go together');
  }
  if (forSend && draft.to.length + draft.cc.length + draft.bcc.length === 0) {
    throw new Invalid('Add at least one recipient');
  }
  const identity = pickIdentity(identities, draft.identityId);
  if (!identity) throw new Invalid('The sending identity does not exist');
  return identity;
}

export interface Prepared {
  identity: Identity;
  messageId: string;
  /** With Bcc and Westwind's draft headers: for Drafts and Sent. */
  storedMime: Buffer;
  /** Without Bcc: what goes over SMTP. Null for a draft save. */
  sendMime: Buffer | null;
  recipients: string[];
  thread: ThreadHeaders | null;
}

/** Attachments as factories: each build reads its own streams. */
type AttachmentSource = () => ResolvedAttachment;

async function resolveAttachments(
  ctx: ComposeContext,
  client: ImapFlow,
  accountKey: string,
  draft: DraftInput,
  limit: number,
): Promise<AttachmentSource[]> {
  const out: AttachmentSource[] = [];
  let total = 0;
  const add = (size: number) => {
    total += size;
    if (total > limit) {
      throw new TooLarge(`The attachments are larger than ${limit} bytes together`);
    }
  };
  for (const item of draft.attachments) {
    if ('uploadId' in item) {
      const upload = await ctx.uploads.get(accountKey, item.uploadId);
      if (!upload) throw new AppErrors.AttachmentNotFound();
      add(upload.size);
      out.push(() => ({
        filename: upload.filename,
        contentType: upload.contentType,
        content: upload.open(),
      }));
    } else if ('fromMessage' in item) {
      const { mailboxId, uid, partId } = item.fromMessage;
      const part = await fetchPart(client, requireMailboxPath(mailboxId), uid, partId, limit - total);
      add(part.content.length);
      const filename = sanitizeFilename(part.filename);
      out.push(() => ({ filename, contentType: part.contentType, content: part.content }));
    } else {
      const { mailboxId, uid } = item.messageAsAttachment;
      const source = await fetchSource(client, requireMailboxPath(mailboxId), uid, limit - total);
      add(source.length);
      out.push(() => ({ filename: `message-${uid}.eml`, contentType: 'message/rfc822', content: source }));
    }
  }
  return out;
}

/** Everything up to the MIME, on one borrowed IMAP connection. */
export async function prepare(
  ctx: ComposeContext,
  request: FastifyRequest,
  client: ImapFlow,
  draftId: string,
  draft: DraftInput,
  options: { forSend: boolean },
): Promise<Prepared> {
  const owner = ownerOf(request);
  const identity = checkDraft(draft, await readIdentities(ctx.app.store, owner), options.forSend);
  const limit = await attachmentLimit(
    ctx.app.store,
    ctx.config,
    owner.accountKey,
    request.session?.record.smtp,
  );
  let thread: ThreadHeaders | null = null;
  if (draft.inReplyTo) {
    thread = await threadHeaders(
      client,
      requireMailboxPath(draft.inReplyTo.mailboxId),
      draft.inReplyTo.uid,
    ).catch((error: unknown) => {
      // The original was deleted meanwhile: the reply still goes, without threading headers.
      if ((error as { code?: string }).code === ErrorCodes.MESSAGE_NOT_FOUND) return null;
      throw error;
    });
  }
  const attachments = await resolveAttachments(ctx, client, owner.accountKey, draft, limit);
  const messageId = `<${randomUUID()}@${domainOf(identity.address)}>`;
  const replying = draft.mode === 'reply' || draft.mode === 'replyAll';
  const inReplyTo = replying && thread?.messageId ? thread.messageId : null;
  const references =
    replying && thread ? replyReferences(thread.references, thread.inReplyTo, thread.messageId) : [];
  const date = new Date();
  const base = {
    draft,
    draftId,
    from: { name: identity.name, address: identity.address },
    identityId: identity.id,
    messageId,
    date,
    inReplyTo,
    references,
  };
  const storedMime = await buildMime({ ...base, attachments: attachments.map((a) => a()), keepBcc: true });
  const sendMime = options.forSend
    ? await buildMime({ ...base, attachments: attachments.map((a) => a()), keepBcc: false })
    : null;
  return { identity, messageId, storedMime, sendMime, recipients: envelopeRecipients(draft), thread };
}

/** APPENDs a draft version and removes the older ones; remembers where it is. */
export async function storeDraft(
  ctx: ComposeContext,
  client: ImapFlow,
  accountKey: string,
  draftId: string,
  mime: Buffer,
): Promise<SavedDraft> {
  const drafts = await roleFolder(client, 'drafts');
  const uid = await appendMessage(client, drafts.path, mime, ['\\Draft', '\\Seen'], draftId);
  await deleteDraftVersions(client, drafts.path, draftId, uid);
  const saved: SavedDraft = { draftId, mailboxId: drafts.id, uid };
  await ctx.app.store.set(draftKey(accountKey, draftId), JSON.stringify(saved), DRAFT_MAP_TTL_MS);
  await ctx.app.push.changed(accountKey, [drafts.id]).catch(() => undefined);
  return saved;
}

export function saveDraft(
  ctx: ComposeContext,
  request: FastifyRequest,
  draftId: string,
  draft: DraftInput,
): Promise<SavedDraft> {
  const { accountKey } = ownerOf(request);
  return withImap(ctx.app, request, async (client) => {
    const prepared = await prepare(ctx, request, client, draftId, draft, { forSend: false });
    return storeDraft(ctx, client, accountKey, draftId, prepared.storedMime);
  });
}

/** Deletes every version of a draft from Drafts. */
export async function discardDraft(
  ctx: ComposeContext,
  request: FastifyRequest,
  draftId: string,
): Promise<void> {
  const { accountKey } = ownerOf(request);
  await withImap(ctx.app, request, async (client) => {
    const drafts = await roleFolder(client, 'drafts');
    await deleteDraftVersions(client, drafts.path, draftId, null);
    await ctx.app.push.changed(accountKey, [drafts.id]).catch(() => undefined);
  });
  await ctx.app.store.delete(draftKey(accountKey, draftId));
}

/** Where the newest version of a draft is (searched by its header, so any device's save counts). */
export async function locateDraft(
  client: ImapFlow,
  draftId: string,
): Promise<{ path: string; mailboxId: string; uid: number } | null> {
  const drafts = await roleFolder(client, 'drafts');
  const uids = await draftVersions(client, drafts.path, draftId);
  const newest = uids.sort((a, b) => b - a)[0];
  return newest ? { path: drafts.path, mailboxId: drafts.id, uid: newest } : null;
}

/**
 * A stored draft back as DraftInput. Its attachments (not the inline images, which go back into
 * the HTML as data: URLs) are copied into fresh uploads; the HTML is sanitized like any mail.
 */
export async function resumeDraft(
  ctx: ComposeContext,
  request: FastifyRequest,
  where: { mailboxId: string; uid: number } | { draftId: string },
): Promise<ResumedDraft> {
  const { accountKey } = ownerOf(request);
  const found = await withImap(ctx.app, request, async (client) => {
    let location: { path: string; mailboxId: string; uid: number } | null;
    if ('draftId' in where) location = await locateDraft(client, where.draftId);
    else location = { path: requireMailboxPath(where.mailboxId), mailboxId: where.mailboxId, uid: where.uid };
    if (!location) throw new AppErrors.MessageNotFound();
    const source = await fetchSource(client, location.path, location.uid, ctx.config.attachmentMaxBytes * 2);
    return { location, source };
  });
  const { email } = await parseMime(found.source);
  const draft = draftInputOf(email);
  const draftId = 'draftId' in where ? where.draftId : (draftIdOf(email) ?? randomUUID());
  const inline = inlineImageDataUrls(email, 10 * 1024 * 1024);
  if (draft.html) {
    draft.html = sanitizeHtml(draft.html, { cidUrls: inline }).html;
  }
  const attachments: UploadResult[] = [];
  for (const attachment of email.attachments) {
    const contentId = attachment.contentId?.replace(/^<|>$/g, '');
    if (contentId && inline.has(contentId) && attachment.disposition !== 'attachment') continue;
    const content =
      typeof attachment.content === 'string'
        ? Buffer.from(attachment.content, 'utf8')
        : Buffer.from(attachment.content as ArrayBuffer);
    const upload = await ctx.uploads.create(accountKey, Readable.from([content]), {
      filename: attachment.filename ?? undefined,
      contentType: attachment.mimeType,
      maxBytes: ctx.config.attachmentMaxBytes,
    });
    attachments.push(upload);
    draft.attachments.push({ uploadId: upload.uploadId });
  }
  return {
    draftId,
    mailboxId: found.location.mailboxId,
    uid: found.location.uid,
    draft,
    attachments,
  };
}
