/**
 * DraftInput → RFC 5322 message with nodemailer's MailComposer (it encodes every header, so a
 * value can never start a new header line; CR/LF are refused before this anyway), and back:
 * the headers Westwind keeps in a draft so it can be resumed.
 */
import type { Readable } from 'node:stream';
import type { ComposeMode, DraftInput, MessageRef } from '@westwind/contract';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Email } from 'postal-mime';
import { addressesOf } from '../mail/view-model.js';

export const DRAFT_ID_HEADER = 'X-Westwind-Draft-Id';
export const SOURCE_HEADER = 'X-Westwind-Source';
export const IDENTITY_HEADER = 'X-Westwind-Identity';

export interface ResolvedAttachment {
  filename: string;
  contentType: string;
  content: Readable | Buffer;
}

export interface BuildInput {
  draft: DraftInput;
  draftId: string;
  from: { name: string; address: string };
  identityId: string;
  messageId: string;
  date: Date;
  inReplyTo: string | null;
  references: string[];
  attachments: ResolvedAttachment[];
  /** Drafts keep Bcc in their headers; a sent message never does. */
  keepBcc: boolean;
}

export function buildMime(input: BuildInput): Promise<Buffer> {
  const { draft } = input;
  const headers: Record<string, string> = {
    [DRAFT_ID_HEADER]: input.draftId,
    [IDENTITY_HEADER]: input.identityId,
  };
  if (draft.inReplyTo && draft.mode) {
    headers[SOURCE_HEADER] = formatSource(draft.mode, draft.inReplyTo);
  }
  const composer = new MailComposer({
    from: input.from,
    to: draft.to,
    cc: draft.cc,
    bcc: draft.bcc,
    subject: draft.subject,
    text: draft.text,
    ...(draft.html !== undefined && draft.html !== '' ? { html: draft.html } : {}),
    messageId: input.messageId,
    date: input.date,
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references.length > 0 ? { references: input.references } : {}),
    headers,
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      contentDisposition: 'attachment' as const,
    })),
    // Images pasted into the editor arrive as data: URLs; they become inline cid: parts.
    attachDataUrls: true,
    disableFileAccess: true,
    disableUrlAccess: true,
    xMailer: false,
  });
  const node = composer.compile();
  node.keepBcc = input.keepBcc;
  return node.build();
}

/** The SMTP envelope: every To, Cc and Bcc address, each once. */
export function envelopeRecipients(draft: DraftInput): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const entry of [...draft.to, ...draft.cc, ...draft.bcc]) {
    const key = entry.address.trim().toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry.address.trim());
  }
  return out;
}

export function formatSource(mode: ComposeMode, ref: MessageRef): string {
  return `${mode}; mailbox=${ref.mailboxId}; uid=${ref.uid}`;
}

export function parseSource(value: string | undefined): { mode: ComposeMode; ref: MessageRef } | null {
  const match = /^(reply|replyAll|forward); mailbox=([A-Za-z0-9_-]{1,2048}); uid=([1-9][0-9]{0,9})$/.exec(
    value?.trim() ?? '',
  );
  if (!match) return null;
  const uid = Number(match[3]);
  if (uid > 4294967295) return null;
  return { mode: match[1] as ComposeMode, ref: { mailboxId: match[2] as string, uid } };
}

function header(email: Email, name: string): string | undefined {
  return email.headers.find((h) => h.key === name.toLowerCase())?.value;
}

export function draftIdOf(email: Email): string | null {
  const value = header(email, DRAFT_ID_HEADER)?.trim() ?? '';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? value.toLowerCase()
    : null;
}

const clean = (value: string) => value.replace(/[\r\n]+/g, ' ').slice(0, 998);

/**
 * A parsed draft back to the composer's input (attachments are filled in by the caller). The
 * HTML is the caller's to sanitize: a draft in the Drafts folder may have been written by
 * anything, so it is untrusted like any other message.
 */
export function draftInputOf(email: Email): DraftInput {
  const addresses = (list: Email['to']) =>
    addressesOf(list)
      .filter((a) => a.address.includes('@'))
      .map((a) => ({ name: clean(a.name).slice(0, 256), address: clean(a.address).slice(0, 320) }));
  const draft: DraftInput = {
    to: addresses(email.to),
    cc: addresses(email.cc),
    bcc: addresses(email.bcc),
    subject: clean(email.subject ?? ''),
    text: email.text ?? '',
    attachments: [],
  };
  if (email.html) draft.html = email.html;
  const identity = header(email, IDENTITY_HEADER)?.trim();
  if (identity && /^[A-Za-z0-9_-]{1,64}$/.test(identity)) draft.identityId = identity;
  const source = parseSource(header(email, SOURCE_HEADER));
  if (source) {
    draft.inReplyTo = source.ref;
    draft.mode = source.mode;
  }
  return draft;
}
