/**
 * Pure helpers of the composer: file names, subjects, recipients and quoting. No network; the
 * unit tests call them directly.
 */
import type { ComposeAddress, ComposeMode, EmailAddress } from '@westwind/contract';

/** CR or LF anywhere: such a value would end a header line, so it is refused, never "cleaned". */
export function hasLineBreak(value: string): boolean {
  return /[\r\n]/.test(value);
}

// C0/C1 controls, DEL, bidi overrides and isolates, zero-width and BOM characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const UNSAFE_FILENAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * A file name that is safe to show and to put in Content-Disposition: only the last path
 * segment (both separators), no control or bidi characters, no leading dots, at most 200
 * characters (the extension kept), never empty.
 */
export function sanitizeFilename(raw: string | undefined | null, fallback = 'attachment'): string {
  let name = (raw ?? '').normalize('NFC').replace(UNSAFE_FILENAME_CHARS, '');
  name = name.split(/[\\/]/).pop() ?? '';
  name = name.replace(/[<>:"|?*]/g, '_').trim();
  name = name.replace(/^\.+/, '').trim();
  if (name.length > 200) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
    name = name.slice(0, 200 - ext.length) + ext;
  }
  return name === '' ? fallback : name;
}

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** A bare `type/subtype` (parameters dropped), or application/octet-stream. */
export function sanitizeContentType(raw: string | undefined | null): string {
  const type = (raw ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return CONTENT_TYPE.test(type) ? type : 'application/octet-stream';
}

const REPLY_PREFIX = /^\s*((re|aw|sv|antw|vs|ref|odp|r)\s*(\[\d+\])?\s*:\s*)+/i;
const FORWARD_PREFIX = /^\s*((fwd?|fw|tr|wg|rv|enc|vs)\s*(\[\d+\])?\s*:\s*)+/i;

/** `Re: subject` without stacking (`Re: Re: Aw:` becomes one `Re:`). */
export function replySubject(subject: string): string {
  const base = subject.replace(REPLY_PREFIX, '').trim();
  return `Re: ${base}`.trimEnd();
}

/** `Fwd: subject` without stacking. */
export function forwardSubject(subject: string): string {
  const base = subject.replace(FORWARD_PREFIX, '').trim();
  return `Fwd: ${base}`.trimEnd();
}

const lower = (address: string) => address.trim().toLowerCase();

function unique(list: EmailAddress[], exclude: Set<string>): ComposeAddress[] {
  const out: ComposeAddress[] = [];
  for (const entry of list) {
    const key = lower(entry.address);
    if (!key.includes('@') || exclude.has(key)) continue;
    exclude.add(key);
    out.push({ name: entry.name.replace(/[\r\n]+/g, ' '), address: entry.address.trim() });
  }
  return out;
}

export interface OriginalHeaders {
  from: EmailAddress[];
  replyTo: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
}

/**
 * Recipients of a reply. Reply goes to Reply-To (or From); reply-all adds the original To and Cc,
 * without the user's own addresses and without duplicates. A reply to one's own message goes to
 * its original recipients.
 */
export function replyRecipients(
  mode: ComposeMode,
  original: OriginalHeaders,
  ownAddresses: readonly string[],
): { to: ComposeAddress[]; cc: ComposeAddress[] } {
  if (mode === 'forward') return { to: [], cc: [] };
  const own = new Set(ownAddresses.map(lower));
  const fromSelf = original.from.length > 0 && original.from.every((a) => own.has(lower(a.address)));
  const primary = fromSelf ? original.to : original.replyTo.length > 0 ? original.replyTo : original.from;
  const seen = new Set(own);
  let to = unique(primary, seen);
  // Replying to oneself only: keep the address rather than an empty To.
  if (to.length === 0 && !fromSelf) to = unique(primary, new Set());
  if (mode === 'reply') return { to, cc: [] };
  const rest = fromSelf ? original.cc : [...original.to, ...original.cc];
  return { to, cc: unique(rest, seen) };
}

/** `> ` quoting of plain text, with the attribution line above. */
export function quoteText(attribution: string, text: string): string {
  const body = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  const quoted = body
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n');
  return `${attribution}\n${quoted}\n`;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function formatAddress(address: EmailAddress | undefined): string {
  if (!address) return 'someone';
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** "On <date>, <sender> wrote:" */
export function replyAttribution(date: string, from: EmailAddress | undefined): string {
  const when = new Date(date);
  const shown = Number.isNaN(when.getTime()) ? date : when.toUTCString();
  return `On ${shown}, ${formatAddress(from)} wrote:`;
}

export function forwardHeaderBlock(fields: {
  from: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  date: string;
  subject: string;
}): string[] {
  const list = (a: EmailAddress[]) => a.map(formatAddress).join(', ');
  const lines = ['---------- Forwarded message ----------', `From: ${list(fields.from)}`];
  lines.push(`Date: ${fields.date}`, `Subject: ${fields.subject}`, `To: ${list(fields.to)}`);
  if (fields.cc.length > 0) lines.push(`Cc: ${list(fields.cc)}`);
  return lines;
}

/** References of a reply: the original's References (or its In-Reply-To), then its Message-ID. */
export function replyReferences(
  references: readonly string[],
  inReplyTo: string | null,
  messageId: string | null,
  max = 50,
): string[] {
  const chain = references.length > 0 ? [...references] : inReplyTo ? [inReplyTo] : [];
  if (messageId) chain.push(messageId);
  const ids = [...new Set(chain.filter((id) => /^<[^<>\s]{1,995}>$/.test(id)))];
  // Keep the thread root and the newest ids (RFC 5322 §3.6.4 allows trimming the middle).
  return ids.length > max ? [ids[0] as string, ...ids.slice(ids.length - max + 1)] : ids;
}

/** The domain of an address, lower case, for Message-ID generation. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = at >= 0 ? address.slice(at + 1).toLowerCase() : '';
  return /^[a-z0-9.-]+$/.test(domain) && domain !== '' ? domain : 'westwind.invalid';
}

/**
 * A mailbox address we accept: `local@domain`, the local part a dot-atom (UTF-8 allowed,
 * RFC 6531) or a quoted string (RFC 5321 §4.1.2, e.g. `"john..doe"@example.org`), the domain
 * a host name (IDN allowed) or an address literal. Deliberately permissive otherwise: the SMTP
 * server has the last word.
 */
export function isValidAddress(address: string): boolean {
  if (address.length > 320 || /[\r\n\0]/.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const localOk =
    /^"(?:[^"\\]|\\[\x20-\x7e])*"$/.test(local) ||
    /^[^\s"(),:;<>@[\\\].]+(\.[^\s"(),:;<>@[\\\].]+)*$/u.test(local);
  const domainOk =
    /^\[[0-9a-fA-F:.]{2,}\]$/.test(domain) ||
    /^(?!-)[^\s"(),:;<>@[\\\]]{1,63}(\.[^\s"(),:;<>@[\\\].]{1,63})*$/u.test(domain);
  return localOk && local.length <= 128 && domainOk;
}
