/**
 * imapflow FETCH rows → the contract's `MessageSummary`. Pure: tests call these with row-shaped
 * objects. imapflow has already decoded RFC 2047 encoded words in the envelope.
 */
import type { EmailAddress, MessageFlags, MessageSummary } from '@westwind/contract';
import type { FetchMessageObject, MessageAddressObject, MessageStructureObject } from 'imapflow';

/** What a summary needs from a FETCH row. */
export type SummaryRow = Pick<
  FetchMessageObject,
  'uid' | 'envelope' | 'flags' | 'size' | 'internalDate' | 'bodyStructure'
>;

export function toAddresses(list: readonly MessageAddressObject[] | undefined): EmailAddress[] {
  const out: EmailAddress[] = [];
  for (const entry of list ?? []) {
    const name = (entry.name ?? '').trim();
    const address = (entry.address ?? '').trim();
    // Group syntax ("undisclosed-recipients:;") arrives as entries with neither.
    if (!name && !address) continue;
    out.push({ name, address });
  }
  return out;
}

/** Keywords that have a field of their own and so are not repeated in `keywords`. */
const MAPPED_KEYWORDS = new Set(['$forwarded']);

export function toFlags(flags: ReadonlySet<string> | undefined): { flags: MessageFlags; keywords: string[] } {
  const set = new Set([...(flags ?? [])].map((f) => f.toLowerCase()));
  // Sorted: servers need not keep an order, and the flags scan compares packed flags as text.
  const keywords = [...(flags ?? [])]
    .filter((flag) => !flag.startsWith('\\') && !MAPPED_KEYWORDS.has(flag.toLowerCase()))
    .sort();
  return {
    flags: {
      seen: set.has('\\seen'),
      flagged: set.has('\\flagged'),
      answered: set.has('\\answered'),
      draft: set.has('\\draft'),
      // RFC 5788 registered keyword; some clients wrote the non-standard \Forwarded.
      forwarded: set.has('$forwarded') || set.has('\\forwarded'),
    },
    keywords,
  };
}

function toDate(value: Date | string | undefined): Date | null {
  if (value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function lower(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

function isMultipart(node: MessageStructureObject): boolean {
  return lower(node.type).startsWith('multipart/');
}

function filenameOf(node: MessageStructureObject): string | undefined {
  return node.dispositionParameters?.filename ?? node.parameters?.name;
}

/**
 * Whether the message has something a user would call an attachment: a part with disposition
 * `attachment`, an attached message, or a non-text leaf that is not an inline image of an HTML
 * body (a `multipart/related` child without `attachment` disposition), or a named text part that
 * is not the body.
 */
export function hasAttachments(root: MessageStructureObject | undefined): boolean {
  if (!root) return false;
  const visit = (node: MessageStructureObject, parent: MessageStructureObject | null): boolean => {
    if (isMultipart(node)) return (node.childNodes ?? []).some((child) => visit(child, node));
    const disposition = lower(node.disposition);
    if (disposition === 'attachment') return true;
    if (node === root) return false;
    const type = lower(node.type);
    if (type === 'message/rfc822' || type === 'message/global') return true;
    if (type.startsWith('text/')) return disposition !== 'inline' && filenameOf(node) !== undefined;
    if (parent && lower(parent.type) === 'multipart/related') return false;
    return true;
  };
  return visit(root, null);
}

export interface TextPart {
  /** The part number for `BODY[...]`; `1` for a single-part message (RFC 3501 section 6.4.5). */
  part: string;
  type: 'text/plain' | 'text/html';
  encoding: string;
  charset: string;
}

/**
 * The part a snippet is taken from: the first text/plain body part, else the first text/html one,
 * never an attachment and never inside an attached message.
 */
export function snippetPart(root: MessageStructureObject | undefined): TextPart | null {
  if (!root) return null;
  let html: TextPart | null = null;
  const visit = (node: MessageStructureObject): TextPart | null => {
    if (isMultipart(node)) {
      for (const child of node.childNodes ?? []) {
        const found = visit(child);
        if (found) return found;
      }
      return null;
    }
    const type = lower(node.type);
    if (type !== 'text/plain' && type !== 'text/html') return null;
    if (lower(node.disposition) === 'attachment') return null;
    const part: TextPart = {
      part: node.part ?? '1',
      type,
      encoding: lower(node.encoding) || '7bit',
      charset: node.parameters?.charset ?? 'us-ascii',
    };
    if (type === 'text/plain') return part;
    html ??= part;
    return null;
  };
  return visit(root) ?? html;
}

export function toSummary(row: SummaryRow, mailboxId: string, snippet: string): MessageSummary {
  const envelope = row.envelope ?? {};
  const received = toDate(row.internalDate);
  const sent = toDate(envelope.date);
  const { flags, keywords } = toFlags(row.flags);
  const fallback = new Date(0).toISOString();
  return {
    mailboxId,
    uid: row.uid,
    messageId: envelope.messageId ?? null,
    inReplyTo: envelope.inReplyTo ?? null,
    subject: envelope.subject ?? '',
    from: toAddresses(envelope.from),
    to: toAddresses(envelope.to),
    cc: toAddresses(envelope.cc),
    date: (sent ?? received)?.toISOString() ?? fallback,
    receivedAt: received?.toISOString() ?? sent?.toISOString() ?? fallback,
    size: row.size ?? 0,
    flags,
    keywords,
    hasAttachments: hasAttachments(row.bodyStructure),
    snippet,
  };
}
