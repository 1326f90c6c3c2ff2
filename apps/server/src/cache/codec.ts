/**
 * The packed form of a cached summary and the checks on everything read back from Redis. Pure.
 *
 * Encoding: two JSON arrays with a fixed field order, joined by a newline — `FLAGS\nREST`.
 * - JSON arrays, not a binary format: no field names are stored (about half the bytes of the
 *   JSON object), `JSON.parse` is native and faster than a hand-written Buffer decoder in JS, and
 *   the result is easy to validate field by field. msgpack is not a dependency here.
 * - Flags first and apart: the sync's commit script (Lua, atomic) replaces only the text before
 *   the first newline, so flag changes never need a read-modify-write from the app. JSON escapes
 *   every newline inside strings, so the first raw newline is always the separator.
 * - Dates as epoch milliseconds, addresses as flat [name, address, …] lists.
 */
import type { EmailAddress, MessageFlags, MessageSummary } from '@westwind/contract';

export const CODEC_VERSION = 1;

/** Any packed value longer than this is refused as corrupt. */
export const MAX_PACKED_CHARS = 64 * 1024;

const FLAG_BITS: [keyof MessageFlags, number][] = [
  ['seen', 1],
  ['flagged', 2],
  ['answered', 4],
  ['draft', 8],
  ['forwarded', 16],
];

export function packFlags(flags: MessageFlags, keywords: readonly string[]): string {
  let bits = 0;
  for (const [name, bit] of FLAG_BITS) if (flags[name]) bits |= bit;
  return JSON.stringify([bits, ...keywords]);
}

export function unpackFlags(text: string): { flags: MessageFlags; keywords: string[] } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > 201) return null;
  const [bits, ...keywords] = value as unknown[];
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 0 || bits > 31) return null;
  if (!keywords.every((k): k is string => typeof k === 'string' && k.length > 0 && k.length <= 256))
    return null;
  const flags = Object.fromEntries(
    FLAG_BITS.map(([name, bit]) => [name, (bits & bit) !== 0]),
  ) as MessageFlags;
  return { flags, keywords };
}

function packAddresses(list: readonly EmailAddress[]): string[] {
  return list.flatMap((a) => [a.name, a.address]);
}

function unpackAddresses(value: unknown): EmailAddress[] | null {
  if (!Array.isArray(value) || value.length % 2 !== 0 || value.length > 2000) return null;
  const out: EmailAddress[] = [];
  for (let i = 0; i < value.length; i += 2) {
    const name = value[i];
    const address = value[i + 1];
    if (typeof name !== 'string' || typeof address !== 'string') return null;
    out.push({ name, address });
  }
  return out;
}

/**
 * The flags of a row the flags scan read but nobody has listed yet (`FLAGS\n`, no rest): what the
 * next scan compares with. A read of the summary counts it as a miss, not as corrupt.
 */
export function isFlagsStub(value: string): boolean {
  return value.length > 1 && value.indexOf('\n') === value.length - 1;
}

/** The summary without `mailboxId` and `uid` (the hash field is the UID; the key names the mailbox). */
export function packSummary(summary: MessageSummary): string {
  const rest = [
    CODEC_VERSION,
    summary.messageId,
    summary.inReplyTo,
    summary.subject,
    packAddresses(summary.from),
    packAddresses(summary.to),
    packAddresses(summary.cc),
    Date.parse(summary.date),
    Date.parse(summary.receivedAt),
    summary.size,
    summary.hasAttachments ? 1 : 0,
    summary.snippet,
  ];
  return `${packFlags(summary.flags, summary.keywords)}\n${JSON.stringify(rest)}`;
}

const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isTime = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 8.64e15;

/** The summary, or null when the value is not one we wrote (corrupt, truncated, other version). */
export function unpackSummary(text: string, mailboxId: string, uid: number): MessageSummary | null {
  if (typeof text !== 'string' || text.length > MAX_PACKED_CHARS) return null;
  if (!Number.isInteger(uid) || uid < 1 || uid > 0xffffffff) return null;
  const cut = text.indexOf('\n');
  if (cut < 0) return null;
  const flags = unpackFlags(text.slice(0, cut));
  if (!flags) return null;
  let rest: unknown;
  try {
    rest = JSON.parse(text.slice(cut + 1));
  } catch {
    return null;
  }
  if (!Array.isArray(rest) || rest.length !== 12 || rest[0] !== CODEC_VERSION) return null;
  const [, messageId, inReplyTo, subject, fromRaw, toRaw, ccRaw, date, receivedAt, size, att, snippet] =
    rest as unknown[];
  if (!isNullableString(messageId) || !isNullableString(inReplyTo)) return null;
  if (typeof subject !== 'string' || typeof snippet !== 'string') return null;
  if (!isTime(date) || !isTime(receivedAt)) return null;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return null;
  if (att !== 0 && att !== 1) return null;
  const from = unpackAddresses(fromRaw);
  const to = unpackAddresses(toRaw);
  const cc = unpackAddresses(ccRaw);
  if (!from || !to || !cc) return null;
  return {
    mailboxId,
    uid,
    messageId,
    inReplyTo,
    subject,
    from,
    to,
    cc,
    date: new Date(date).toISOString(),
    receivedAt: new Date(receivedAt).toISOString(),
    size,
    flags: flags.flags,
    keywords: flags.keywords,
    hasAttachments: att === 1,
    snippet,
  };
}

/** Sync state of one mailbox: never evicted (no TTL). */
export interface MailboxMeta {
  uidValidity: string;
  /**
   * HIGHESTMODSEQ the cache is synced to, or, for a server without CONDSTORE, `s` and the cache's
   * own generation (see scanModseq).
   */
  modseq: string;
  uidNext: number;
  /** Messages in the index. */
  count: number;
  /** Unseen count, valid at `unreadModseq`. */
  unread: number | null;
  unreadModseq: string | null;
  /** Flags scan only: where the next sync's slice of older UIDs starts (flag-scan.ts). */
  scanFrom: number;
}

const MODSEQ = /^s?\d{1,20}$/;

/**
 * A server without CONDSTORE has no mod-sequences; the cache numbers its own changes instead
 * (a generation, bumped by every sync that finds one). Written `s<n>` so a state from one kind is
 * never read as the other (a server that gains CONDSTORE starts the cache again).
 */
export function scanModseq(generation: bigint): string {
  return `s${generation}`;
}

export function isScanModseq(modseq: string): boolean {
  return modseq.startsWith('s');
}

/** The number of either kind of modseq, for ordering within one kind. */
export function modseqNumber(modseq: string): bigint {
  return BigInt(isScanModseq(modseq) ? modseq.slice(1) : modseq);
}

/** From HGETALL; null when absent or invalid (the caller drops the mailbox's cache and resyncs). */
export function readMeta(fields: Record<string, string>): MailboxMeta | null {
  const { uv, ms, un, n, ur, urm, sf } = fields;
  if (uv === undefined || ms === undefined || un === undefined || n === undefined) return null;
  if (!/^\d{1,10}$/.test(uv) || !MODSEQ.test(ms) || !/^\d{1,10}$/.test(un) || !/^\d{1,10}$/.test(n))
    return null;
  let unread: number | null = null;
  let unreadModseq: string | null = null;
  if (ur !== undefined && urm !== undefined && /^\d{1,10}$/.test(ur) && MODSEQ.test(urm)) {
    unread = Number(ur);
    unreadModseq = urm;
  }
  const scanFrom = sf !== undefined && /^\d{1,10}$/.test(sf) ? Number(sf) : 0;
  return {
    uidValidity: uv,
    modseq: ms,
    uidNext: Number(un),
    count: Number(n),
    unread,
    unreadModseq,
    scanFrom,
  };
}

/** The opaque state string of a mailbox (the list page's `state` and the changes call's `since`). */
export function stateOf(uidValidity: string, modseq: string): string {
  return `${uidValidity}:${modseq}`;
}

export function parseState(text: string): { uidValidity: string; modseq: string } | null {
  const match = /^(\d{1,10}):(s?\d{1,20})$/.exec(text);
  return match ? { uidValidity: match[1]!, modseq: match[2]! } : null;
}
