/**
 * MIME → the reader's view model (`MessageDetail`). Pure: the route fetches the source, flags and
 * BODYSTRUCTURE over IMAP and hands them here.
 *
 * Bodies come from postal-mime (RFC 2047 words, RFC 2231 parameters, charsets through
 * TextDecoder); the attachment list comes from the server's BODYSTRUCTURE, so each attachment
 * carries its IMAP part number (the opaque `partId` of the download route) and the list is
 * complete even when the source was cut at the size limit.
 */
import type { Attachment, EmailAddress, ListUnsubscribe, MessageDetail } from '@westwind/contract';
import type { MessageStructureObject } from 'imapflow';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { repairC1 } from './c1-repair.js';
import { flagsOf, keywordsOf } from './flags.js';
import { htmlToText, sanitizeHtml } from './sanitize.js';

/** MIME nesting beyond this is not parsed (postal-mime rejects it; BODYSTRUCTURE is cut). */
export const MAX_MIME_DEPTH = 50;
/** Total header bytes postal-mime accepts across all parts. */
export const MAX_HEADER_BYTES = 1024 * 1024;
const MAX_ADDRESSES = 500;
const MAX_REFERENCES = 200;
const MAX_ATTACHMENTS = 500;
const SNIPPET_CHARS = 200;

/** Parses a source; a message postal-mime refuses (too deep, huge headers) keeps its headers. */
export async function parseMime(source: Uint8Array): Promise<{ email: Email; complete: boolean }> {
  const options = {
    rfc822Attachments: true,
    maxNestingDepth: MAX_MIME_DEPTH,
    maxHeadersSize: MAX_HEADER_BYTES,
    attachmentEncoding: 'arraybuffer' as const,
  };
  try {
    return { email: repaired(await PostalMime.parse(source, options)), complete: true };
  } catch {
    // Retry with the top-level header block only, so the reader still shows who and what.
    const end = headerEnd(source);
    try {
      const head = source.subarray(0, Math.min(end, MAX_HEADER_BYTES));
      return { email: repaired(await PostalMime.parse(head, options)), complete: false };
    } catch {
      return { email: { headers: [], headerLines: [], attachments: [] }, complete: false };
    }
  }
}

function repaired(email: Email): Email {
  const fix = (list: Address[] | undefined) =>
    list?.map((a) =>
      a.group
        ? { ...a, name: repairC1(a.name), group: a.group.map((m) => ({ ...m, name: repairC1(m.name) })) }
        : { ...a, name: repairC1(a.name) },
    );
  return {
    ...email,
    subject: repairC1(email.subject),
    text: repairC1(email.text),
    html: repairC1(email.html),
    from: email.from ? fix([email.from])?.[0] : undefined,
    to: fix(email.to),
    cc: fix(email.cc),
    bcc: fix(email.bcc),
    replyTo: fix(email.replyTo),
  };
}

function headerEnd(source: Uint8Array): number {
  for (let i = 0; i + 1 < source.length; i++) {
    if (
      source[i] === 0x0a &&
      (source[i + 1] === 0x0a || (source[i + 1] === 0x0d && source[i + 2] === 0x0a))
    ) {
      return i + 1;
    }
  }
  return source.length;
}

/** An attachment as listed from BODYSTRUCTURE, before we know whether the HTML refers to it. */
export interface StructurePart extends Omit<Attachment, 'inline'> {
  disposition: string | null;
}

/**
 * The downloadable parts of a message: every leaf that is not a body text. `message/rfc822` parts
 * are listed whole, not entered. Nesting beyond MAX_MIME_DEPTH is ignored.
 */
export function partsFromStructure(root: MessageStructureObject | undefined): StructurePart[] {
  const parts: StructurePart[] = [];
  const walk = (node: MessageStructureObject, depth: number, isRoot: boolean): void => {
    if (depth > MAX_MIME_DEPTH || parts.length >= MAX_ATTACHMENTS) return;
    const type = (node.type || 'application/octet-stream').toLowerCase();
    if (type.startsWith('multipart/')) {
      for (const child of node.childNodes ?? []) walk(child, depth + 1, false);
      return;
    }
    // A single-part message has no part number in imapflow's tree; IMAP calls it part 1.
    const partId = node.part ?? (isRoot ? '1' : null);
    if (!partId || !isPartId(partId)) return;
    const disposition = node.disposition ? node.disposition.toLowerCase() : null;
    const filename = node.dispositionParameters?.filename ?? node.parameters?.name ?? null;
    const isBodyText =
      (type === 'text/plain' || type === 'text/html') && disposition !== 'attachment' && !filename;
    if (isBodyText) return;
    parts.push({
      partId,
      filename: filename ?? defaultName(type, parts.length + 1),
      contentType: type,
      size: decodedSize(node.size ?? 0, node.encoding),
      contentId: node.id ? stripBrackets(node.id) : null,
      disposition,
    });
  };
  if (root) walk(root, 0, true);
  return parts;
}

/** The form of our opaque part ids: an IMAP section number like "2" or "1.3.2". */
export function isPartId(value: string): boolean {
  return /^[1-9]\d{0,4}(?:\.[1-9]\d{0,4}){0,49}$/.test(value);
}

function defaultName(type: string, n: number): string {
  if (type === 'message/rfc822') return `message-${n}.eml`;
  const sub = type.split('/')[1] ?? 'bin';
  return `part-${n}.${/^[a-z0-9]{1,8}$/.test(sub) ? sub : 'bin'}`;
}

/** BODYSTRUCTURE sizes are of the encoded part; base64 is about 4/3 of the bytes, plus line breaks. */
function decodedSize(size: number, encoding: string | undefined): number {
  if ((encoding ?? '').toLowerCase() === 'base64') return Math.floor((size * 3) / 4 / (78 / 76));
  return size;
}

function stripBrackets(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}

/**
 * RFC 2369 List-Unsubscribe (+ RFC 8058 List-Unsubscribe-Post). Only http(s) and mailto URLs are
 * taken; one-click needs an https URL and the exact `List-Unsubscribe=One-Click` value.
 */
export function parseListUnsubscribe(
  header: string | undefined,
  post: string | undefined,
): ListUnsubscribe | null {
  if (!header) return null;
  let url: string | null = null;
  let mailto: string | null = null;
  for (const match of header.slice(0, 8192).matchAll(/<([^<>]*)>/g)) {
    const raw = match[1]!.replace(/\s+/g, '');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    if (raw === '' || /[\u0000-\u001f\u007f]/.test(raw)) continue;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      continue;
    }
    if ((parsed.protocol === 'https:' || parsed.protocol === 'http:') && url === null) {
      if (parsed.username || parsed.password) continue;
      url = parsed.href;
    } else if (parsed.protocol === 'mailto:' && mailto === null) {
      if (!/^mailto:[^@\s]+@[^@\s?]+(?:\?.*)?$/i.test(parsed.href)) continue;
      mailto = parsed.href;
    }
  }
  if (url === null && mailto === null) return null;
  const oneClick =
    !!url?.startsWith('https:') && (post ?? '').trim().toLowerCase() === 'list-unsubscribe=one-click';
  return { url, mailto, oneClick };
}

export function addressesOf(value: Address | Address[] | undefined): EmailAddress[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const out: EmailAddress[] = [];
  for (const entry of list) {
    const members = entry.group ?? [entry];
    for (const member of members) {
      if (out.length >= MAX_ADDRESSES) return out;
      const name = member.name ?? '';
      const address = member.address ?? '';
      if (name || address) out.push({ name, address });
    }
  }
  return out;
}

function messageIds(value: string | undefined, max: number): string[] {
  if (!value) return [];
  const ids = value.match(/<[^<>\s]{1,995}>/g) ?? [];
  return ids.slice(0, max);
}

function firstMessageId(value: string | undefined): string | null {
  const [id] = messageIds(value, 1);
  if (id) return id;
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, 998) : null;
}

function iso(value: Date | string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function header(email: Email, key: string): string | undefined {
  return email.headers.find((h) => h.key === key)?.value;
}

function snippetOf(text: string | null): string {
  if (!text) return '';
  return text
    .slice(0, SNIPPET_CHARS * 20)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, SNIPPET_CHARS);
}

export interface ViewInput {
  mailboxId: string;
  uid: number;
  email: Email;
  /** False when postal-mime could only read the headers (the body was refused as malformed). */
  complete: boolean;
  flags: Iterable<string> | undefined;
  internalDate: Date | string | undefined;
  size: number;
  bodyStructure: MessageStructureObject | undefined;
  /** The source was cut at the size limit: bodies may be incomplete, attachments are listed. */
  truncatedAt: number | null;
  remoteContent: boolean;
  proxyUrl?: (url: string) => string;
  /** Content-ID → data: URL, used instead of the part's URL (see `inlineImageDataUrls`). */
  inlineImages?: ReadonlyMap<string, string>;
}

const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/gif', 'image/jpeg', 'image/webp']);

/**
 * The body document is shown in a sandboxed frame with an opaque origin, whose requests carry no
 * SameSite=Strict cookie; so inline cid: images travel inside the document as data: URLs, for
 * raster types only and up to `maxTotalBytes` together (larger ones keep the part URL).
 */
export function inlineImageDataUrls(email: Email, maxTotalBytes = 5 * 1024 * 1024): Map<string, string> {
  const urls = new Map<string, string>();
  let total = 0;
  for (const attachment of email.attachments) {
    const contentId = attachment.contentId?.replace(/^<|>$/g, '');
    const type = attachment.mimeType.toLowerCase();
    if (!contentId || urls.has(contentId) || !INLINE_IMAGE_TYPES.has(type)) continue;
    const content =
      typeof attachment.content === 'string'
        ? Buffer.from(attachment.content, 'utf8')
        : Buffer.from(
            attachment.content instanceof ArrayBuffer
              ? new Uint8Array(attachment.content)
              : attachment.content,
          );
    if (total + content.length > maxTotalBytes) continue;
    total += content.length;
    urls.set(contentId, `data:${type};base64,${content.toString('base64')}`);
  }
  return urls;
}

/** Same-origin URL of one part; the SPA's iframe and the download links use it. */
export function partUrl(mailboxId: string, uid: number, partId: string): string {
  return `/api/mailboxes/${encodeURIComponent(mailboxId)}/messages/${uid}/attachments/${partId}`;
}

export function buildMessageDetail(input: ViewInput): MessageDetail {
  const { email, mailboxId, uid } = input;
  const parts = partsFromStructure(input.bodyStructure);
  const cidUrls = new Map<string, string>();
  for (const part of parts) {
    if (part.contentId && !cidUrls.has(part.contentId)) {
      cidUrls.set(
        part.contentId,
        input.inlineImages?.get(part.contentId) ?? `${partUrl(mailboxId, uid, part.partId)}?inline=1`,
      );
    }
  }

  let html: string | null = null;
  let hasRemoteContent = false;
  let referenced = new Set<string>();
  if (email.html) {
    const result = sanitizeHtml(email.html, {
      cidUrls,
      remoteContent: input.remoteContent,
      ...(input.proxyUrl ? { proxyUrl: input.proxyUrl } : {}),
    });
    html = result.html;
    hasRemoteContent = result.hasRemoteContent;
    referenced = result.referencedCids;
  }

  let text = email.text ?? null;
  const notices: string[] = [];
  if (input.truncatedAt !== null) {
    const mb = Math.round(input.truncatedAt / (1024 * 1024));
    notices.push(
      `[Westwind: this message is larger than ${mb} MB, so only its beginning is shown. ` +
        'Its attachments can still be downloaded, and "view source" has all of it.]',
    );
  } else if (!input.complete) {
    notices.push(
      '[Westwind: the body of this message is malformed and could not be shown. "View source" has all of it.]',
    );
  }
  if (notices.length > 0) text = [text, ...notices].filter(Boolean).join('\n\n');

  const attachments: Attachment[] = parts.map(({ disposition, ...part }) => ({
    ...part,
    inline: part.contentId !== null && referenced.has(part.contentId) && disposition !== 'attachment',
  }));

  const receivedAt = iso(input.internalDate) ?? new Date(0).toISOString();
  const flags = [...(input.flags ?? [])];
  const snippetSource = email.text ?? (html ? htmlToText(html) : null);
  return {
    summary: {
      mailboxId,
      uid,
      messageId: email.messageId ? firstMessageId(email.messageId) : null,
      inReplyTo: firstMessageId(email.inReplyTo),
      subject: email.subject ?? '',
      from: addressesOf(email.from),
      to: addressesOf(email.to),
      cc: addressesOf(email.cc),
      date: iso(email.date) ?? receivedAt,
      receivedAt,
      size: input.size,
      flags: flagsOf(flags),
      keywords: keywordsOf(flags),
      hasAttachments: attachments.some((a) => !a.inline),
      snippet: snippetOf(snippetSource),
    },
    replyTo: addressesOf(email.replyTo),
    bcc: addressesOf(email.bcc),
    references: messageIds(email.references, MAX_REFERENCES),
    html,
    text,
    attachments,
    listUnsubscribe: parseListUnsubscribe(
      header(email, 'list-unsubscribe'),
      header(email, 'list-unsubscribe-post'),
    ),
    hasRemoteContent,
    remoteContentShown: input.remoteContent && hasRemoteContent,
  };
}
