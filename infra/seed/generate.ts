/**
 * Deterministic generator of realistic mail for the local Dovecot.
 *
 * Pure: no I/O, no clock, no Math.random. The same seed and options always
 * produce byte-identical messages. Messages are produced lazily, one
 * conversation at a time, so a 100,000-message mailbox never sits in memory.
 *
 * Model: every "home" folder (INBOX, Archive, Projects/..., Junk, ...) is filled
 * with conversations. A conversation is a chronological list of messages; the
 * ones the user wrote go to Sent (their replies, forwards, list posts), so
 * threads (Message-ID / In-Reply-To / References) span INBOX and Sent.
 */
import {
  COLLEAGUES,
  CONTACTS,
  FILE_NAMES,
  firstName,
  GREETINGS,
  type Lang,
  LIST_TOPICS,
  LISTS,
  LOCAL_DOMAIN,
  NEWSLETTERS,
  NOTIFIERS,
  type Person,
  PROMO_SENTENCES,
  RECEIPT_SHOPS,
  SENTENCES,
  SIGNOFFS,
  SPAM,
  SUBJECTS,
  TRAVEL,
} from './corpus.js';
import { makeCsv, makeDocx, makeIcs, makeJpeg, makePdf, makePng, makeXlsx } from './files.js';
import {
  type Address,
  addressListTokens,
  addressTokens,
  base64Body,
  CRLF,
  canEncode,
  encodeCharset,
  encodeWords,
  foldHeader,
  type HeaderTextStyle,
  headerTextTokens,
  headerWithParams,
  paramTokens,
  quotedPrintable,
  rawHeader,
  toCrlf,
} from './mime.js';
import { hashHex, Rng, type SeedValue } from './prng.js';

export type { Address } from './mime.js';
export type { SeedValue } from './prng.js';

export const DEFAULT_REFERENCE_DATE = '2026-11-01T12:00:00Z';
export const DEFAULT_SPAN_DAYS = 730;
/** Per-message cap unless `large` is set. */
export const DEFAULT_MAX_SIZE = 200 * 1024;
/** Hard ceiling even for `large` seeds. */
export const LARGE_MAX_SIZE = 10 * 1024 * 1024;

const DAY = 86_400_000;
const MINUTE = 60_000;

// ---------------------------------------------------------------------------
// public types

export type MessageKind =
  | 'personal'
  | 'list'
  | 'newsletter'
  | 'notification'
  | 'invite'
  | 'legacy'
  | 'forward'
  | 'bounce'
  | 'design'
  | 'receipt'
  | 'travel'
  | 'spam'
  | 'draft';

export interface AttachmentInfo {
  filename: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  disposition: 'attachment' | 'inline';
  contentId?: string;
}

export interface MessageSpec {
  folder: string;
  /** Ordinal in generation order (stable for a given seed and options). */
  seq: number;
  kind: MessageKind;
  threadId: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  /** The instant of the Date header (and of the maildir mtime / INTERNALDATE). */
  date: Date;
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  subject: string;
  /** IMAP system flags: \Seen \Answered \Flagged \Draft. */
  flags: string[];
  /** IMAP keywords such as $Forwarded, $Junk, $label1. */
  keywords: string[];
  /** Charset of the main text part. */
  charset: string;
  listId?: string;
  attachments: AttachmentInfo[];
}

export interface GeneratedMessage extends MessageSpec {
  raw: Buffer;
}

export interface GenerateOptions {
  seed: SeedValue;
  /** Mailbox owner, e.g. demo@westwind.test. */
  user: string;
  userName?: string;
  /** Dates are spread over the `spanDays` before this instant (default 2026-11-01T12:00:00Z). */
  referenceDate?: string | Date;
  spanDays?: number;
  /** Number of messages to put in each home folder (Sent is derived from replies). */
  counts: Record<string, number>;
  /** Only render/yield messages of these folders (default: all). */
  folders?: readonly string[];
  /** Allow multi-megabyte messages (rare, up to ~10 MB). */
  large?: boolean;
  /** Per-message size cap when not `large` (default 200 KiB). */
  maxSize?: number;
  /** Render only messages with seq % count === index (for parallel writers); seq stays global. */
  shard?: { index: number; count: number };
}

// ---------------------------------------------------------------------------
// folders

export const SPECIAL_USE: Record<string, string> = {
  Sent: '\\Sent',
  Drafts: '\\Drafts',
  Trash: '\\Trash',
  Junk: '\\Junk',
  Archive: '\\Archive',
};

function refDate(opts: { referenceDate?: string | Date }): Date {
  const d = new Date(opts.referenceDate ?? DEFAULT_REFERENCE_DATE);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid reference date: ${String(opts.referenceDate)}`);
  return d;
}

/** All folders the seed knows about, parents before children. */
export function seedFolders(referenceDate?: string | Date): string[] {
  const y = refDate({ referenceDate }).getUTCFullYear();
  return [
    'INBOX',
    'Sent',
    'Drafts',
    'Trash',
    'Junk',
    'Archive',
    `Archive/${y - 1}`,
    `Archive/${y - 2}`,
    'Projects',
    'Projects/Westwind',
    'Projects/Westwind/Design',
    'Reçus',
    '旅行',
  ];
}

/**
 * Home-folder message counts for an INBOX of `inbox` messages. Other folders
 * get proportionate amounts; Sent is not listed (it is filled by the user's
 * replies and forwards in every thread).
 */
export function folderCounts(
  inbox: number,
  opts: { inboxOnly?: boolean; referenceDate?: string | Date } = {},
): Record<string, number> {
  if (opts.inboxOnly) return { INBOX: inbox };
  const y = refDate(opts).getUTCFullYear();
  const p = (ratio: number, min = 1) => (inbox === 0 ? 0 : Math.max(min, Math.round(inbox * ratio)));
  return {
    INBOX: inbox,
    Archive: p(0.16),
    [`Archive/${y - 1}`]: p(0.12),
    [`Archive/${y - 2}`]: p(0.04),
    'Projects/Westwind': p(0.08),
    'Projects/Westwind/Design': p(0.03),
    Reçus: p(0.02),
    旅行: p(0.01),
    Drafts: p(0.01, 3),
    Trash: p(0.04),
    Junk: p(0.03),
  };
}

// ---------------------------------------------------------------------------
// parties

type ClientStyle = 'thunderbird' | 'outlook' | 'gmail' | 'apple' | 'westwind' | 'bulk' | 'bot';

interface Party extends Address {
  lang: Lang;
  tz: number;
  style: ClientStyle;
}

const PERSON_STYLES: ClientStyle[] = ['thunderbird', 'outlook', 'gmail', 'apple'];

function party(p: Person): Party {
  const h = Number.parseInt(hashHex('style', p.address).slice(0, 6), 16);
  const style = p.colleague
    ? h % 2 === 0
      ? 'westwind'
      : 'thunderbird'
    : PERSON_STYLES[h % PERSON_STYLES.length]!;
  return { name: p.name, address: p.address, lang: p.lang, tz: p.tz, style };
}

const domainOf = (a: string) => a.slice(a.lastIndexOf('@') + 1);

// ---------------------------------------------------------------------------
// plans (what a message is, before bytes)

type AttachmentType = 'pdf' | 'png' | 'jpg' | 'docx' | 'xlsx' | 'csv' | 'txt';

interface AttachmentPlan {
  type: AttachmentType;
  filename: string;
  /** Target raw size in bytes. */
  size: number;
  inline?: boolean;
  cid?: string;
}

type HtmlMode = 'none' | 'alt' | 'only';
type HtmlTemplate = 'mail' | 'newsletter' | 'notification' | 'spam' | 'receipt' | 'travel';

interface Plan {
  folder: string;
  kind: MessageKind;
  threadId: string;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  time: number;
  from: Party;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  sender?: Address;
  subject: string;
  noSubject?: boolean;
  lang: Lang;
  text: string;
  html: HtmlMode;
  template: HtmlTemplate;
  charset: string;
  flowed: boolean;
  attachments: AttachmentPlan[];
  /** `id` is the bare list identifier (RFC 2919), `name` its phrase. */
  list?: { id: string; name: string; post?: string; unsubscribe: string; archive?: string };
  precedence?: 'list' | 'bulk';
  autoSubmitted?: boolean;
  calendar?: string;
  forwardedInner?: Plan;
  reportOf?: Plan;
  fromUser: boolean;
  forwardOf?: string;
  answers?: string;
  flags: string[];
  keywords: string[];
  headerStyle: HeaderTextStyle;
}

interface Ctx {
  seed: string;
  user: Party;
  ref: number;
  start: number;
  large: boolean;
  maxSize: number;
  people: Party[];
  colleagues: Party[];
  listMembers: Party[];
}

interface Conv {
  ctx: Ctx;
  rng: Rng;
  folder: string;
  k: number;
  threadId: string;
  plans: Plan[];
  /** earliest / latest allowed instants for this folder */
  lo: number;
  hi: number;
}

// ---------------------------------------------------------------------------
// dates

function formatDate(time: number, tz: number): string {
  const d = new Date(time + tz * MINUTE);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  const sign = tz < 0 ? '-' : '+';
  const a = Math.abs(tz);
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${sign}${p(Math.floor(a / 60))}${p(a % 60)}`;
}

/** Start instant of a conversation: newest most dense (truncated exponential + uniform tail). */
function sampleStart(rng: Rng, lo: number, hi: number, tz: number): number {
  const span = hi - lo;
  let age: number;
  if (rng.chance(0.65)) {
    const mean = Math.min(span, 120 * DAY) / 2.5;
    age = -Math.log(1 - rng.float() * (1 - Math.exp(-span / mean))) * mean;
  } else {
    age = rng.float() * span;
  }
  let t = hi - age;
  // nudge into local working hours most of the time
  if (rng.chance(0.8)) {
    const local = t + tz * MINUTE;
    const dayStart = local - (((local % DAY) + DAY) % DAY);
    const hour = 7.5 + rng.float() * 11.5;
    const nt = dayStart + hour * 3_600_000 - tz * MINUTE;
    if (nt >= lo && nt <= hi) t = nt;
  }
  return Math.floor(t / 1000) * 1000;
}

/** Gap until the next message in a thread: minutes to a few days (log-normal-ish). */
function replyGap(rng: Rng): number {
  const minutes = Math.exp(Math.log(70) + 1.6 * (rng.float() + rng.float() + rng.float() - 1.5));
  return (
    Math.floor((Math.min(6 * 24 * 60, Math.max(2, minutes)) * MINUTE) / 1000) * 1000 + rng.int(0, 59) * 1000
  );
}

// ---------------------------------------------------------------------------
// text

function sentences(rng: Rng, lang: Lang, n: number): string {
  const pool = SENTENCES[lang];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    // most non-English writers mix in some English sentences
    const cjk = lang === 'ja' || lang === 'zh' || lang === 'ko';
    const src = lang !== 'en' && !cjk && rng.chance(0.25) ? SENTENCES.en : pool;
    out.push(rng.pick(src));
  }
  const joiner = lang === 'ja' || lang === 'zh' ? '' : ' ';
  return out.join(joiner);
}

function wrap(text: string, width: number): string {
  if (/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/.test(text)) return text; // no spaces to wrap on
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

function composeText(
  rng: Rng,
  from: Party,
  to: Address | undefined,
  lang: Lang,
  opts: { paragraphs?: number; long?: boolean; signature?: boolean } = {},
): string {
  const paras: string[] = [];
  if (to) paras.push(GREETINGS[lang](firstName(to)));
  const n = opts.long
    ? rng.int(12, 40)
    : (opts.paragraphs ??
      rng.weighted([
        [1, 4],
        [2, 4],
        [3, 2],
        [5, 1],
      ] as const));
  for (let i = 0; i < n; i++) paras.push(sentences(rng, lang, rng.int(1, 4)));
  if (rng.chance(0.12)) paras[paras.length - 1] += rng.pick([' 🙂', ' 👍', ' 🎉', ' 🙏', ' 😅']);
  const name = from.name ? firstName(from) : from.address;
  paras.push(`${rng.pick(SIGNOFFS[lang])}\n${name}`);
  let text = paras.join('\n\n');
  if (opts.signature !== false && rng.chance(0.35)) {
    text += `\n\n-- \n${from.name ?? from.address}\n${rng.pick(['+1 555 0100', '+33 1 55 55 01 23', '+49 30 5550 1234', '+81 3-5555-0123'])}`;
  }
  return text;
}

const WROTE: Partial<Record<Lang, (d: string, who: string) => string>> = {
  en: (d, w) => `On ${d}, ${w} wrote:`,
  fr: (d, w) => `Le ${d}, ${w} a écrit :`,
  de: (d, w) => `Am ${d} schrieb ${w}:`,
  es: (d, w) => `El ${d}, ${w} escribió:`,
  ru: (d, w) => `${d}, ${w} пишет:`,
  ja: (d, w) => `${d} ${w}:`,
};

function quote(prev: Plan, lang: Lang): string {
  const who = prev.from.name ? `${prev.from.name} <${prev.from.address}>` : prev.from.address;
  const d = formatDate(prev.time, prev.from.tz);
  const head = (WROTE[lang] ?? WROTE.en!)(d, who);
  const lines = prev.text.split('\n').slice(0, 60);
  return `${head}\n${lines.map((l) => (l.startsWith('>') ? `>${l}` : l === '' ? '>' : `> ${l}`)).join('\n')}`;
}

function replySubject(subject: string, style: ClientStyle, lang: Lang): string {
  if (/^(re|aw|sv|réf)\s?:/i.test(subject)) return subject;
  const prefix = lang === 'de' && style === 'outlook' ? 'AW:' : style === 'outlook' ? 'RE:' : 'Re:';
  return `${prefix} ${subject}`;
}

function fillNumber(rng: Rng, s: string): string {
  return s.replace('{n}', String(rng.int(100, 9999)));
}

// ---------------------------------------------------------------------------
// ids

function makeMessageId(rng: Rng, conv: Conv, i: number, from: Party): string {
  const h = hashHex(conv.ctx.seed, conv.folder, conv.k, i);
  const dom = domainOf(from.address);
  switch (from.style) {
    case 'outlook':
      return `<AM${h.slice(0, 4).toUpperCase()}PR0${rng.int(1, 9)}MB${h.slice(4, 8).toUpperCase()}${h.slice(8, 24).toUpperCase()}@${dom.replace(/\./g, '').slice(0, 12)}.prod.outlook.example>`;
    case 'gmail':
      return `<CA+${Buffer.from(h.slice(0, 30), 'hex').toString('base64').replace(/\//g, '_').replace(/=+$/, '')}@mail.gmail.example>`;
    case 'apple':
      return `<${h.slice(0, 8).toUpperCase()}-${h.slice(8, 12).toUpperCase()}-${h.slice(12, 16).toUpperCase()}-${h.slice(16, 20).toUpperCase()}-${h.slice(20, 32).toUpperCase()}@${dom}>`;
    case 'thunderbird':
      return `<${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}@${dom}>`;
    default:
      return `<${h.slice(0, 24)}.${conv.k}.${i}@${dom}>`;
  }
}

function headerStyleFor(rng: Rng, from: Party, charset = 'UTF-8'): HeaderTextStyle {
  if (charset.toUpperCase() !== 'UTF-8')
    return { kind: 'words', encoding: rng.chance(0.5) ? 'Q' : 'B', charset };
  switch (from.style) {
    case 'gmail':
      return rng.chance(0.35) ? { kind: 'raw' } : { kind: 'words', encoding: 'B', charset: 'UTF-8' };
    case 'outlook':
      return { kind: 'words', encoding: 'B', charset: 'utf-8' };
    case 'thunderbird':
      return { kind: 'words', encoding: 'Q', charset: 'UTF-8', plainPrefix: rng.chance(0.5) };
    case 'apple':
      return { kind: 'words', encoding: 'Q', charset: 'utf-8' };
    case 'bulk':
      return rng.chance(0.15)
        ? { kind: 'raw' }
        : { kind: 'words', encoding: rng.chance(0.5) ? 'Q' : 'B', charset: 'UTF-8' };
    default:
      return { kind: 'words', encoding: rng.chance(0.5) ? 'Q' : 'B', charset: 'UTF-8', plainPrefix: true };
  }
}

// ---------------------------------------------------------------------------
// attachments

const ATTACHMENT_TYPES: [AttachmentType, number][] = [
  ['pdf', 5],
  ['png', 3],
  ['jpg', 3],
  ['docx', 2],
  ['xlsx', 2],
  ['csv', 1],
  ['txt', 1],
];

function attachmentName(rng: Rng, type: AttachmentType): string {
  switch (type) {
    case 'txt':
      return rng.pick(['build.log', 'notes.txt', 'README.txt']);
    default:
      return fillNumber(rng, rng.pick(FILE_NAMES[type]));
  }
}

/** Attachments for a message within a raw-byte budget. */
function planAttachments(
  rng: Rng,
  ctx: Ctx,
  count: number,
  opts: { big?: number; types?: AttachmentType[] } = {},
): AttachmentPlan[] {
  const out: AttachmentPlan[] = [];
  // base64 grows by 4/3 (+ line breaks): keep the encoded total under the cap with room for text
  let budget = Math.floor((ctx.maxSize - 30_000) * 0.72);
  for (let i = 0; i < count; i++) {
    const type = opts.types ? rng.pick(opts.types) : rng.weighted(ATTACHMENT_TYPES);
    let size = type === 'txt' || type === 'csv' ? rng.logInt(400, 30_000) : rng.logInt(3_000, 120_000);
    if (i === 0 && opts.big) size = opts.big;
    else size = Math.min(size, Math.max(0, budget));
    if (size < 300 && !(i === 0 && opts.big)) break;
    budget -= size;
    out.push({ type, filename: attachmentName(rng, type), size });
  }
  return out;
}

function maybeBig(rng: Rng, conv: Conv, i: number): number | undefined {
  const ctx = conv.ctx;
  if (!ctx.large) return undefined;
  // guaranteed big ones in the first INBOX conversations, then ~1 in 2,000 messages
  if (conv.folder === 'INBOX' && i === 0) {
    const slot = BIG_SLOTS.get(conv.k);
    if (slot) return slot;
  }
  return rng.chance(1 / 2000) ? rng.logInt(1_100_000, 7_000_000) : undefined;
}

/** conversation index → raw attachment size, for the guaranteed multi-MB messages. */
const BIG_SLOTS = new Map<number, number>([
  [2, 1_400_000],
  [5, 3_600_000],
  [9, 7_200_000],
]);

// ---------------------------------------------------------------------------
// conversation builders

function basePlan(conv: Conv, i: number, from: Party, time: number, fields: Partial<Plan>): Plan {
  const { rng, ctx } = conv;
  const fromUser = from.address === ctx.user.address;
  const plan: Plan = {
    folder: fromUser ? 'Sent' : conv.folder,
    kind: 'personal',
    threadId: conv.threadId,
    messageId: makeMessageId(rng, conv, i, from),
    references: [],
    time,
    from,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    subject: '',
    lang: from.lang,
    text: '',
    html: 'none',
    template: 'mail',
    charset: 'UTF-8',
    flowed: false,
    attachments: [],
    fromUser,
    flags: [],
    keywords: [],
    headerStyle: headerStyleFor(rng, from),
    ...fields,
  };
  return plan;
}

function replyLinks(parent: Plan): Pick<Plan, 'inReplyTo' | 'references'> {
  return { inReplyTo: parent.messageId, references: [...parent.references, parent.messageId] };
}

function htmlModeFor(rng: Rng, from: Party): HtmlMode {
  switch (from.style) {
    case 'thunderbird':
      return rng.chance(0.3) ? 'alt' : 'none';
    case 'apple':
      return rng.chance(0.6) ? 'alt' : 'none';
    case 'outlook':
    case 'gmail':
    case 'westwind':
      return rng.chance(0.9) ? 'alt' : 'none';
    default:
      return 'alt';
  }
}

function pickOthers(rng: Rng, ctx: Ctx, exclude: Party[], n: number): Party[] {
  const pool = ctx.people.filter((p) => !exclude.some((e) => e.address === p.address));
  return rng.sample(pool, n);
}

/** Person-to-person thread; `userFirst` starts it from the user (in Sent). */
function personalThread(conv: Conv, userFirst: boolean, kind: MessageKind = 'personal'): void {
  const { rng, ctx } = conv;
  const pool = kind === 'design' ? ctx.colleagues : ctx.people;
  const other = rng.pick(pool);
  const extraTo = rng.chance(0.2) ? pickOthers(rng, ctx, [other], rng.int(1, 3)) : [];
  const cc = rng.chance(0.3) ? pickOthers(rng, ctx, [other, ...extraTo], rng.int(1, 2)) : [];
  const lang: Lang = rng.chance(0.7) ? other.lang : 'en';
  const subjLang = lang;
  let subject = fillNumber(rng, rng.pick(SUBJECTS[subjLang]));
  if (kind === 'design')
    subject = rng.pick([
      'Mockups for the thread view',
      'New icon set',
      'Dark mode colours',
      'Compose screen v2',
      'Logo explorations',
    ]);
  let t = sampleStart(rng, conv.lo, conv.hi, other.tz);
  const length = rng.weighted([
    [1, 5],
    [2, 4],
    [3, 3],
    [4, 2],
    [6, 1],
    [9, 0.4],
  ] as const);
  let speaker: Party = userFirst ? ctx.user : other;
  let prev: Plan | undefined;
  for (let i = 0; i < length; i++) {
    if (t > conv.hi) break;
    const isUser = speaker.address === ctx.user.address;
    const recipients: Address[] = isUser ? [other, ...extraTo] : [ctx.user, ...extraTo];
    const msgLang: Lang = isUser ? (lang === 'en' || rng.chance(0.5) ? 'en' : lang) : lang;
    const long = rng.chance(0.04);
    let text = composeText(rng, speaker, recipients[0], msgLang, { long });
    if (prev) {
      text = rng.chance(0.8) ? `${text}\n\n${quote(prev, msgLang)}` : `${quote(prev, msgLang)}\n\n${text}`;
    }
    const big = maybeBig(rng, conv, i);
    const wantsAttachment =
      big !== undefined || rng.chance(i === 0 ? (kind === 'design' ? 0.7 : 0.22) : 0.08);
    const attachments = wantsAttachment
      ? planAttachments(
          rng,
          ctx,
          rng.weighted([
            [1, 6],
            [2, 2],
            [3, 1],
          ] as const),
          {
            big,
            types: kind === 'design' ? ['png', 'jpg', 'pdf'] : undefined,
          },
        )
      : [];
    const html = htmlModeFor(rng, speaker);
    // inline images (multipart/related) in design threads and some HTML mail
    if (html === 'alt' && (kind === 'design' ? rng.chance(0.6) : rng.chance(0.05))) {
      const n = rng.int(1, 2);
      for (let j = 0; j < n; j++) {
        const type: AttachmentType = rng.chance(0.5) ? 'png' : 'jpg';
        attachments.push({
          type,
          filename: type === 'png' ? `image00${j + 1}.png` : `image00${j + 1}.jpg`,
          size: Math.min(rng.logInt(2_000, 60_000), Math.max(1_000, ctx.maxSize / 4)),
          inline: true,
          cid: `${hashHex(conv.ctx.seed, conv.folder, conv.k, i, j).slice(0, 16)}@${domainOf(speaker.address)}`,
        });
      }
    }
    const plan = basePlan(conv, i, speaker, t, {
      kind,
      to: recipients,
      cc,
      bcc: isUser && rng.chance(0.08) ? [rng.pick(ctx.colleagues)] : [],
      replyTo:
        !isUser && rng.chance(0.05)
          ? [
              {
                name: speaker.name,
                address: `reply+${hashHex(conv.threadId).slice(0, 8)}@${domainOf(speaker.address)}`,
              },
            ]
          : [],
      subject: prev ? replySubject(prev.subject, speaker.style, msgLang) : subject,
      lang: msgLang,
      text,
      html,
      flowed: speaker.style === 'thunderbird' && rng.chance(0.7),
      attachments,
      ...(prev ? replyLinks(prev) : {}),
    });
    if (isUser && prev) plan.answers = prev.messageId;
    conv.plans.push(plan);
    prev = plan;
    // next speaker: replies alternate; sometimes a Cc'd person chimes in
    if (isUser) speaker = other;
    else if (rng.chance(kind === 'design' ? 0.6 : 0.45)) speaker = ctx.user;
    else if (cc.length > 0 && rng.chance(0.5)) speaker = cc[0] as Party;
    else if (rng.chance(0.5)) speaker = ctx.user;
    else break;
    t += replyGap(rng);
  }
  // the user forwards a message now and then ($Forwarded on the original)
  const lastInbound = conv.plans.filter((p) => !p.fromUser).at(-1);
  if (lastInbound && rng.chance(0.04)) {
    const ft = lastInbound.time + replyGap(rng);
    if (ft <= conv.hi) {
      const to = rng.pick(ctx.colleagues.filter((c) => c.address !== ctx.user.address));
      const text = `${composeText(rng, ctx.user, to, 'en', { paragraphs: 1, signature: false })}\n\n---------- Forwarded message ---------\nFrom: ${lastInbound.from.name ?? ''} <${lastInbound.from.address}>\nDate: ${formatDate(lastInbound.time, lastInbound.from.tz)}\nSubject: ${lastInbound.subject}\n\n${lastInbound.text}`;
      conv.plans.push(
        basePlan(conv, 50, ctx.user, ft, {
          kind,
          to: [to],
          subject: `Fwd: ${lastInbound.subject}`,
          text,
          html: 'alt',
          forwardOf: lastInbound.messageId,
          attachments: lastInbound.attachments.filter((a) => !a.inline),
          ...replyLinks(lastInbound),
        }),
      );
    }
  }
  // and sometimes leaves an unfinished reply in Drafts
  const last = conv.plans.at(-1);
  if (last && !last.fromUser && rng.chance(0.02)) {
    const dt = last.time + replyGap(rng);
    if (dt <= conv.hi) {
      const draft = basePlan(conv, 60, ctx.user, dt, {
        kind: 'draft',
        to: [last.from],
        subject: replySubject(last.subject, 'westwind', 'en'),
        text: `${sentences(rng, 'en', 1)}\n\n${quote(last, 'en')}`,
        html: 'alt',
        ...replyLinks(last),
      });
      draft.folder = 'Drafts';
      conv.plans.push(draft);
    }
  }
}

function listThread(conv: Conv): void {
  const { rng, ctx } = conv;
  const list = conv.folder.startsWith('Projects') ? LISTS[0]! : rng.pick(LISTS);
  const listAddr: Address = { name: list.name, address: list.post };
  const topic = fillNumber(rng, rng.pick(LIST_TOPICS));
  const length = rng.weighted([
    [1, 4],
    [2, 3],
    [3, 3],
    [5, 2],
    [8, 1],
    [14, 0.3],
  ] as const);
  let t = sampleStart(rng, conv.lo, conv.hi, 0);
  const posts: Plan[] = [];
  for (let i = 0; i < length && t <= conv.hi; i++) {
    const parent = posts.length > 0 ? (rng.chance(0.7) ? posts.at(-1)! : rng.pick(posts)) : undefined;
    const speaker = parent && rng.chance(0.12) ? ctx.user : rng.pick(ctx.listMembers);
    const lang: Lang = speaker.lang === 'en' || rng.chance(0.6) ? 'en' : speaker.lang;
    let text = composeText(rng, speaker, undefined, lang, { paragraphs: rng.int(1, 4) });
    if (parent) text = `${quote(parent, lang)}\n\n${text}`;
    text += `\n\n_______________________________________________\n${list.name} mailing list -- ${list.post}\nTo unsubscribe send an email to ${list.post.replace('@', '-leave@')}`;
    const plan = basePlan(conv, i, speaker, t, {
      kind: 'list',
      to: [listAddr],
      cc: parent && rng.chance(0.3) && parent.from.address !== speaker.address ? [parent.from] : [],
      subject: parent
        ? replySubject(`${list.subjectTag} ${topic}`, speaker.style, 'en')
        : `${list.subjectTag} ${topic}`,
      lang,
      text,
      html: speaker.style === 'outlook' || speaker.style === 'gmail' ? 'alt' : 'none',
      flowed: rng.chance(0.5),
      attachments: rng.chance(0.05) ? planAttachments(rng, ctx, 1, { types: ['txt', 'png'] }) : [],
      list: {
        id: list.id,
        name: list.name,
        post: list.post,
        unsubscribe: `<mailto:${list.post.replace('@', '-leave@')}>, <https://${domainOf(list.post)}/mailman3/lists/${list.id}/unsubscribe>`,
        archive: `<https://${domainOf(list.post)}/archives/list/${list.post}/>`,
      },
      precedence: 'list',
      ...(parent ? replyLinks(parent) : {}),
    });
    plan.sender = { address: list.post.replace('@', '-bounces@') };
    if (plan.fromUser && parent) plan.answers = parent.messageId;
    conv.plans.push(plan);
    posts.push(plan);
    t += replyGap(rng);
  }
}

function newsletter(conv: Conv): void {
  const { rng, ctx } = conv;
  const nl = rng.pick(NEWSLETTERS);
  const from: Party = {
    name: nl.name,
    address: nl.from,
    lang: /[а-я]/i.test(nl.name) ? 'ru' : nl.domain.includes('cafe') ? 'fr' : 'en',
    tz: 0,
    style: 'bulk',
  };
  const t = sampleStart(rng, conv.lo, conv.hi, 0);
  const subject = fillNumber(rng, rng.pick(nl.subjects));
  const promo = PROMO_SENTENCES[from.lang] ?? PROMO_SENTENCES.en!;
  const blocks = Array.from({ length: rng.int(3, 8) }, () => rng.sample(promo, rng.int(1, 3)).join(' '));
  const text = [
    subject,
    ...blocks,
    `Unsubscribe: https://${nl.domain}/u/${hashHex(ctx.user.address, nl.domain).slice(0, 12)}`,
  ].join('\n\n');
  const attachments: AttachmentPlan[] = [];
  if (rng.chance(0.4)) {
    attachments.push({
      type: 'png',
      filename: 'logo.png',
      size: rng.logInt(1_500, 12_000),
      inline: true,
      cid: `logo-${hashHex(nl.domain).slice(0, 8)}@${nl.domain}`,
    });
  }
  const unsubId = hashHex(ctx.seed, nl.domain, ctx.user.address).slice(0, 16);
  conv.plans.push(
    basePlan(conv, 0, from, t, {
      kind: 'newsletter',
      to: [{ address: ctx.user.address }],
      subject,
      lang: from.lang,
      text,
      html: rng.chance(0.15) ? 'only' : 'alt',
      template: 'newsletter',
      attachments,
      list: {
        id: nl.listId,
        name: nl.name,
        unsubscribe: `<https://${nl.domain}/unsubscribe/${unsubId}>, <mailto:unsubscribe-${unsubId}@${nl.domain}?subject=unsubscribe>`,
      },
      precedence: 'bulk',
    }),
  );
}

function notification(conv: Conv): void {
  const { rng, ctx } = conv;
  const n = rng.pick(NOTIFIERS);
  const from: Party = { name: n.name, address: n.address, lang: 'en', tz: 0, style: 'bot' };
  let t = sampleStart(rng, conv.lo, conv.hi, 0);
  if (n.kind === 'calendar') {
    invite(conv, from, t);
    return;
  }
  if (n.kind === 'review') {
    // a pull request with several notifications threaded on the first one
    const pr = rng.int(100, 2000);
    const title = rng.pick([
      'Fix IDLE reconnect backoff',
      'Add QRESYNC support',
      'Sanitize SVG in HTML mail',
      'Thread view includes Sent',
    ]);
    const count = rng.int(1, 5);
    let root: Plan | undefined;
    for (let i = 0; i < count && t <= conv.hi; i++) {
      const who = rng.pick(ctx.colleagues);
      const body =
        i === 0
          ? `${who.name} opened pull request #${pr}: ${title}\n\n${sentences(rng, 'en', 3)}`
          : `${who.name} commented on #${pr}:\n\n${sentences(rng, 'en', rng.int(1, 3))}`;
      const plan = basePlan(conv, i, { ...from, name: `${who.name} (via Code Review)` }, t, {
        kind: 'notification',
        to: [{ address: ctx.user.address }],
        subject: `${i === 0 ? '' : 'Re: '}[westwind/westwind] ${title} (PR #${pr})`,
        text: `${body}\n\n—\nReply to this email directly or view it on Code Review:\nhttps://review.example/westwind/westwind/pull/${pr}`,
        html: 'alt',
        template: 'notification',
        ...(root ? { inReplyTo: root.messageId, references: [root.messageId] } : {}),
      });
      plan.replyTo = [
        { name: 'westwind/westwind', address: `reply+${hashHex(pr).slice(0, 20)}@reply.review.example` },
      ];
      conv.plans.push(plan);
      root ??= plan;
      t += replyGap(rng);
    }
    return;
  }
  const texts: Record<string, [string, string]> = {
    ci: [
      `[CI] ${rng.pick(['✅ Passed', '❌ Failed', '⚠️ Flaky'])}: westwind main #${rng.int(1000, 9999)}`,
      `Pipeline finished in ${rng.int(2, 19)}m ${rng.int(0, 59)}s.\n\nCommit: ${hashHex(ctx.seed, conv.k).slice(0, 12)}\nBranch: main\n\n${sentences(rng, 'en', 2)}`,
    ],
    billing: [
      `Your invoice for ${rng.pick(['September', 'October', 'November'])} is available`,
      `Amount due: $${rng.int(5, 400)}.${rng.int(10, 99)}\n\nThe invoice is attached as a PDF.`,
    ],
    security: [
      'Security alert: new sign-in from Firefox on Linux',
      `We noticed a new sign-in to your account.\n\nLocation: Zürich, Switzerland (approximate)\nIf this was you, you can ignore this message.`,
    ],
  };
  const [subject, text] = texts[n.kind] ?? ['Notification', 'Hello'];
  conv.plans.push(
    basePlan(conv, 0, from, t, {
      kind: 'notification',
      to: [{ address: ctx.user.address }],
      subject,
      text,
      html: n.kind === 'ci' ? 'none' : 'alt',
      template: 'notification',
      autoSubmitted: true,
      attachments:
        n.kind === 'billing'
          ? [
              {
                type: 'pdf',
                filename: `invoice-${rng.int(10000, 99999)}.pdf`,
                size: rng.logInt(4_000, 40_000),
              },
            ]
          : n.kind === 'ci' && rng.chance(0.3)
            ? planAttachments(rng, ctx, 1, { types: ['txt'] })
            : [],
    }),
  );
}

function invite(conv: Conv, organizerIn: Party | undefined, start: number): void {
  const { rng, ctx } = conv;
  const organizer = organizerIn && organizerIn.style !== 'bot' ? organizerIn : rng.pick(ctx.colleagues);
  const attendees = [ctx.user, ...rng.sample(ctx.colleagues, 2)].filter(
    (a, i, arr) => arr.findIndex((b) => b.address === a.address) === i,
  );
  const summary = rng.pick([
    'Sprint planning',
    'Design review',
    '1:1',
    'Réunion d’équipe',
    'Release retro 🚀',
  ]);
  const meetAt = Math.floor((start + rng.int(1, 14) * DAY) / (30 * MINUTE)) * 30 * MINUTE;
  const ics = makeIcs({
    uid: `${hashHex(ctx.seed, conv.folder, conv.k)}@westwind.test`,
    summary,
    description: sentences(rng, 'en', 2),
    start: new Date(meetAt),
    minutes: rng.pick([30, 45, 60]),
    stamp: new Date(start),
    organizer: { name: organizer.name ?? organizer.address, address: organizer.address },
    attendees: attendees.map((a) => ({ name: a.name ?? a.address, address: a.address })),
    location: rng.pick(['Room 3.14', 'https://meet.westwind.test/abc-defg-hij', 'Café Lumière, Paris']),
  });
  conv.plans.push(
    basePlan(conv, 0, organizer, start, {
      kind: 'invite',
      to: attendees.filter((a) => a.address !== organizer.address),
      subject: `Invitation: ${summary} @ ${formatDate(meetAt, organizer.tz).slice(0, 16).trimEnd()}`,
      text: `${organizer.name} has invited you to: ${summary}\n\nWhen: ${formatDate(meetAt, organizer.tz)}\n\n${sentences(rng, 'en', 1)}`,
      html: 'alt',
      calendar: ics,
    }),
  );
}

const LEGACY: { charset: string; langs: Lang[] }[] = [
  { charset: 'ISO-8859-1', langs: ['fr', 'de', 'es'] },
  { charset: 'windows-1252', langs: ['fr', 'de', 'en'] },
  { charset: 'ISO-8859-2', langs: ['pl'] },
  { charset: 'ISO-8859-7', langs: ['el'] },
  { charset: 'KOI8-R', langs: ['ru'] },
  { charset: 'Shift_JIS', langs: ['ja'] },
  { charset: 'ISO-2022-JP', langs: ['ja'] },
  { charset: 'GB2312', langs: ['zh'] },
];

/** Mail in a legacy (non-UTF-8) charset, body and headers; the user's reply is UTF-8. */
function legacyMail(conv: Conv): void {
  const { rng, ctx } = conv;
  const choice = rng.pick(LEGACY);
  const lang = rng.pick(choice.langs);
  const candidates = ctx.people.filter((p) => p.lang === lang && canEncode(p.name ?? '', choice.charset));
  const base =
    candidates.length > 0 ? rng.pick(candidates) : rng.pick(ctx.people.filter((p) => p.lang === 'en'));
  const from: Party = { ...base, style: rng.pick(['outlook', 'thunderbird'] as const) };
  const pickEncodable = (list: string[], fallback: string) => {
    const ok = list.filter((s) => canEncode(s, choice.charset));
    return ok.length > 0 ? rng.pick(ok) : fallback;
  };
  let subject = pickEncodable(
    SUBJECTS[lang].map((s) => fillNumber(rng, s)),
    'Hello',
  );
  if (choice.charset === 'windows-1252' && rng.chance(0.5))
    subject = `${subject} – “${rng.pick(['Entwurf', 'brouillon', 'draft'])}” (€)`;
  let text = composeText(rng, from, ctx.user, lang, { signature: false });
  // drop characters the charset cannot carry (emoji, English curly quotes in latin-1, ...)
  text = Array.from(text)
    .filter((ch) => canEncode(ch, choice.charset))
    .join('');
  if (choice.charset === 'windows-1252')
    text += '\n\nPrix : 49,90 € — « offre spéciale » … “guillemets” ‘simples’ ™';
  const t = sampleStart(rng, conv.lo, conv.hi, from.tz);
  const plan = basePlan(conv, 0, from, t, {
    kind: 'legacy',
    to: [ctx.user],
    subject,
    lang,
    text,
    html: rng.chance(0.3) ? 'alt' : 'none',
    charset: choice.charset,
    headerStyle: headerStyleFor(rng, from, choice.charset),
  });
  conv.plans.push(plan);
  const rt = t + replyGap(rng);
  if (rng.chance(0.35) && rt <= conv.hi) {
    const reply = basePlan(conv, 1, ctx.user, rt, {
      kind: 'legacy',
      to: [from],
      subject: replySubject(subject, 'westwind', 'en'),
      lang: 'en',
      text: `${composeText(rng, ctx.user, from, 'en', { paragraphs: 1 })}\n\n${quote(plan, 'en')}`,
      html: 'alt',
      ...replyLinks(plan),
    });
    reply.answers = plan.messageId;
    conv.plans.push(reply);
  }
}

function forwardedMessage(conv: Conv): void {
  const { rng, ctx } = conv;
  const from = rng.pick(ctx.people);
  const innerFrom = rng.pick(ctx.people.filter((p) => p.address !== from.address));
  const t = sampleStart(rng, conv.lo, conv.hi, from.tz);
  const innerConv: Conv = { ...conv, folder: `${conv.folder}#inner`, plans: [] };
  const inner = basePlan(innerConv, 0, innerFrom, t - rng.int(1, 20) * DAY, {
    kind: 'personal',
    to: [from],
    subject: fillNumber(rng, rng.pick(SUBJECTS[innerFrom.lang])),
    text: composeText(rng, innerFrom, from, innerFrom.lang),
    html: htmlModeFor(rng, innerFrom),
    attachments: rng.chance(0.3)
      ? planAttachments(rng, { ...ctx, maxSize: Math.min(ctx.maxSize, 120_000) }, 1)
      : [],
  });
  conv.plans.push(
    basePlan(conv, 0, from, t, {
      kind: 'forward',
      to: [ctx.user],
      subject: `Fwd: ${inner.subject}`,
      text: composeText(rng, from, ctx.user, from.lang, { paragraphs: 1 }),
      html: htmlModeFor(rng, from),
      forwardedInner: inner,
    }),
  );
}

function bounce(conv: Conv): void {
  const { rng, ctx } = conv;
  const t = sampleStart(rng, conv.lo, conv.hi, ctx.user.tz);
  const badTo: Party = {
    name: 'Old Address',
    address: `nobody-${rng.int(1, 99)}@gone.example`,
    lang: 'en',
    tz: 0,
    style: 'bot',
  };
  const sent = basePlan(conv, 0, ctx.user, t, {
    kind: 'personal',
    to: [badTo],
    subject: fillNumber(rng, rng.pick(SUBJECTS.en)),
    text: composeText(rng, ctx.user, badTo, 'en', { paragraphs: 1 }),
    html: 'alt',
  });
  conv.plans.push(sent);
  const daemon: Party = {
    name: 'Mail Delivery System',
    address: `MAILER-DAEMON@${LOCAL_DOMAIN}`,
    lang: 'en',
    tz: 0,
    style: 'bot',
  };
  conv.plans.push(
    basePlan(conv, 1, daemon, Math.min(conv.hi, t + rng.int(5, 90) * 1000), {
      kind: 'bounce',
      to: [{ address: ctx.user.address }],
      subject: 'Undelivered Mail Returned to Sender',
      text: `This is the mail system at host mail.${LOCAL_DOMAIN}.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<${badTo.address}>: host mx.gone.example said: 550 5.1.1 User unknown`,
      autoSubmitted: true,
      reportOf: sent,
      ...replyLinks(sent),
    }),
  );
}

function receipt(conv: Conv): void {
  const { rng, ctx } = conv;
  const shop = rng.pick(RECEIPT_SHOPS);
  const from: Party = { name: shop.name, address: shop.address, lang: 'fr', tz: 60, style: 'bulk' };
  const t = sampleStart(rng, conv.lo, conv.hi, from.tz);
  const no = rng.int(10000, 99999);
  const amount = `${rng.int(3, 180)},${rng.int(10, 99)} €`;
  conv.plans.push(
    basePlan(conv, 0, from, t, {
      kind: 'receipt',
      to: [ctx.user],
      subject: rng.pick([
        `Votre reçu n° ${no}`,
        `Confirmation de commande n° ${no}`,
        `Facture n° ${no} — ${amount}`,
      ]),
      lang: 'fr',
      text: `Bonjour,\n\nMerci pour votre achat. Montant réglé : ${amount}.\nVous trouverez votre facture en pièce jointe.\n\nÀ bientôt,\n${shop.name}`,
      html: 'alt',
      template: 'receipt',
      attachments: [{ type: 'pdf', filename: `Facture n°${no}.pdf`, size: rng.logInt(5_000, 60_000) }],
    }),
  );
}

function travel(conv: Conv): void {
  const { rng, ctx } = conv;
  const agency = rng.pick(TRAVEL);
  const useJis = agency.lang === 'ja' && rng.chance(0.4);
  const from: Party = {
    name: agency.name,
    address: agency.address,
    lang: agency.lang,
    tz: agency.lang === 'ja' ? 540 : 0,
    style: 'bulk',
  };
  const t = sampleStart(rng, conv.lo, conv.hi, from.tz);
  const code = hashHex(ctx.seed, conv.k, 'pnr').slice(0, 6).toUpperCase();
  const ja = agency.lang === 'ja';
  const subject = ja ? `ご予約確認（予約番号：${code}）` : `Your itinerary — booking ${code}`;
  const text = ja
    ? `${firstName(ctx.user)}様\n\nこの度はご予約いただき誠にありがとうございます。\n予約番号：${code}\n出発：東京駅 09:30 → 京都駅 11:45\n\nご不明な点がございましたら、お問い合わせください。`
    : `Dear ${firstName(ctx.user)},\n\nThank you for booking with us.\nBooking reference: ${code}\nFlight SH ${rng.int(100, 999)}  Zürich → Tokyo Haneda\n\nSafe travels!`;
  conv.plans.push(
    basePlan(conv, 0, from, t, {
      kind: 'travel',
      to: [ctx.user],
      subject,
      lang: agency.lang,
      text,
      html: useJis ? 'none' : 'alt',
      template: 'travel',
      charset: useJis ? 'ISO-2022-JP' : 'UTF-8',
      headerStyle: useJis
        ? { kind: 'words', encoding: 'B', charset: 'ISO-2022-JP' }
        : headerStyleFor(rng, from),
      attachments: [
        {
          type: 'pdf',
          filename: ja ? `eチケット_${code}.pdf` : `e-ticket ${code}.pdf`,
          size: rng.logInt(8_000, 80_000),
        },
      ],
    }),
  );
}

function spam(conv: Conv): void {
  const { rng, ctx } = conv;
  const s = rng.pick(SPAM);
  const from: Party = {
    name: s.name,
    address: s.address,
    lang: /[а-я]/i.test(s.subject) ? 'ru' : 'en',
    tz: rng.pick([-300, 0, 480]),
    style: 'bulk',
  };
  const t = sampleStart(rng, conv.lo, conv.hi, from.tz);
  const plan = basePlan(conv, 0, from, t, {
    kind: 'spam',
    to: [
      { address: ctx.user.address },
      ...(rng.chance(0.5) ? rng.sample(ctx.colleagues, 2).map((c) => ({ address: c.address })) : []),
    ],
    subject: s.subject,
    lang: from.lang,
    text: `${s.subject}\n\nClick here to claim: http://${domainOf(s.address)}/claim?id=${rng.int(1e5, 1e6)}\n\n${sentences(rng, 'en', 2)}`,
    html: rng.chance(0.6) ? 'only' : 'alt',
    template: 'spam',
  });
  plan.replyTo = [{ address: `claims-${rng.int(1, 999)}@${domainOf(s.address)}` }];
  conv.plans.push(plan);
}

function draft(conv: Conv): void {
  const { rng, ctx } = conv;
  const to = rng.chance(0.85) ? [rng.pick(ctx.people)] : [];
  const t = sampleStart(rng, conv.lo, conv.hi, ctx.user.tz);
  const noSubject = rng.chance(0.1);
  const plan = basePlan(conv, 0, ctx.user, t, {
    kind: 'draft',
    to,
    subject: noSubject
      ? ''
      : fillNumber(
          rng,
          rng.pick(SUBJECTS[rng.chance(0.7) ? 'en' : rng.pick(['fr', 'de', 'ja', 'ru'] as const)]),
        ),
    noSubject,
    text: rng.chance(0.2)
      ? ''
      : composeText(rng, ctx.user, to[0], 'en', { paragraphs: rng.int(1, 2), signature: false }),
    html: 'alt',
    attachments: rng.chance(0.15) ? planAttachments(rng, ctx, 1) : [],
  });
  plan.folder = 'Drafts';
  conv.plans.push(plan);
}

type Builder = (conv: Conv) => void;

const B = {
  personal: (c: Conv) => personalThread(c, false),
  outgoing: (c: Conv) => personalThread(c, true),
  design: (c: Conv) => personalThread(c, c.rng.chance(0.3), 'design'),
  list: listThread,
  newsletter,
  notification,
  invite: (c: Conv) => invite(c, undefined, sampleStart(c.rng, c.lo, c.hi, 60)),
  legacy: legacyMail,
  forward: forwardedMessage,
  bounce,
  receipt,
  travel,
  spam,
  draft,
} satisfies Record<string, Builder>;

function mixFor(folder: string): [Builder, number][] {
  const base = folder.split('/')[0];
  if (folder === 'INBOX')
    return [
      [B.personal, 30],
      [B.outgoing, 8],
      [B.list, 17],
      [B.newsletter, 14],
      [B.notification, 14],
      [B.legacy, 5],
      [B.invite, 3],
      [B.forward, 3],
      [B.receipt, 2],
      [B.bounce, 1],
      [B.design, 3],
    ];
  if (folder === 'Projects/Westwind/Design') return [[B.design, 1]];
  if (folder === 'Projects/Westwind' || base === 'Projects')
    return [
      [B.list, 5],
      [B.personal, 2],
      [B.notification, 2],
      [B.design, 1],
    ];
  if (folder === 'Reçus') return [[B.receipt, 1]];
  if (folder === '旅行') return [[B.travel, 1]];
  if (folder === 'Junk') return [[B.spam, 1]];
  if (folder === 'Drafts') return [[B.draft, 1]];
  if (folder === 'Trash')
    return [
      [B.newsletter, 4],
      [B.notification, 3],
      [B.personal, 2],
      [B.spam, 1],
    ];
  // Archive and Archive/<year>
  return [
    [B.personal, 40],
    [B.outgoing, 8],
    [B.list, 15],
    [B.notification, 10],
    [B.newsletter, 5],
    [B.legacy, 5],
    [B.invite, 3],
    [B.receipt, 3],
    [B.forward, 2],
  ];
}

function windowFor(folder: string, ref: number, start: number): [number, number] {
  const m = /^Archive\/(\d{4})$/.exec(folder);
  if (m) {
    const y = Number(m[1]);
    const lo = Math.max(start, Date.UTC(y, 0, 1));
    const hi = Math.min(ref - 30 * DAY, Date.UTC(y + 1, 0, 1) - 1000);
    return lo < hi ? [lo, hi] : [start, ref - 30 * DAY];
  }
  if (folder === 'Archive') return [start, ref - 30 * DAY];
  if (folder === 'Junk') return [ref - 90 * DAY, ref];
  if (folder === 'Drafts' || folder === 'Trash') return [ref - 120 * DAY, ref];
  return [start, ref];
}

// ---------------------------------------------------------------------------
// flags

function finalizeFlags(conv: Conv): void {
  const { rng, ctx } = conv;
  for (const p of conv.plans) {
    if (p.folder === 'Sent') {
      p.flags = ['\\Seen'];
      continue;
    }
    if (p.folder === 'Drafts') {
      p.flags = ['\\Draft', '\\Seen'];
      continue;
    }
    const answered = conv.plans.some((q) => q.answers === p.messageId);
    const forwarded = conv.plans.some((q) => q.forwardOf === p.messageId);
    const ageDays = (ctx.ref - p.time) / DAY;
    let pSeen = ageDays < 1 ? 0.25 : ageDays < 7 ? 0.45 : ageDays < 30 ? 0.62 : 0.8;
    if (p.kind === 'newsletter' || p.kind === 'list') pSeen *= 0.85;
    if (p.folder === 'Trash' || p.folder.startsWith('Archive')) pSeen = 0.95;
    if (p.folder === 'Junk') pSeen = 0.2;
    const flags: string[] = [];
    if (answered) flags.push('\\Answered');
    if (rng.chance(p.folder === 'Junk' ? 0 : 0.05)) flags.push('\\Flagged');
    if (answered || forwarded || rng.chance(pSeen)) flags.push('\\Seen');
    p.flags = flags;
    const kw: string[] = [];
    if (forwarded) kw.push('$Forwarded');
    if (p.folder === 'Junk') kw.push('$Junk');
    else if (p.kind !== 'spam' && rng.chance(0.02)) kw.push('$label1');
    p.keywords = kw;
  }
}

// ---------------------------------------------------------------------------
// generation

function makeCtx(opts: GenerateOptions): Ctx {
  const seed = String(opts.seed);
  const ref = refDate(opts).getTime();
  const span = (opts.spanDays ?? DEFAULT_SPAN_DAYS) * DAY;
  const userAddr = opts.user.toLowerCase();
  const known = [...COLLEAGUES, ...CONTACTS].find((p) => p.address === userAddr);
  const local = userAddr.split('@')[0]!;
  const userName = opts.userName ?? known?.name ?? `${local.charAt(0).toUpperCase()}${local.slice(1)} User`;
  const user: Party = { name: userName, address: userAddr, lang: 'en', tz: 60, style: 'westwind' };
  const colleagues = COLLEAGUES.filter((p) => p.address !== userAddr).map(party);
  const contacts = CONTACTS.filter((p) => p.address !== userAddr).map(party);
  return {
    seed,
    user,
    ref,
    start: ref - span,
    large: opts.large ?? false,
    maxSize: opts.large ? LARGE_MAX_SIZE : (opts.maxSize ?? DEFAULT_MAX_SIZE),
    people: [...colleagues, ...contacts],
    colleagues,
    listMembers: [...colleagues, ...contacts.filter((c) => c.lang !== 'ar' && c.lang !== 'he')],
  };
}

/**
 * Lazily generate messages for every home folder in `opts.counts` (plus the
 * Sent and Drafts messages their threads produce). Only folders in
 * `opts.folders` (default: all) are rendered and yielded.
 */
export function* generateMessages(opts: GenerateOptions): Generator<GeneratedMessage> {
  const ctx = makeCtx(opts);
  const include = opts.folders ? new Set(opts.folders) : undefined;
  const shard = opts.shard && opts.shard.count > 1 ? opts.shard : undefined;
  let seq = 0;
  for (const [folder, target] of Object.entries(opts.counts)) {
    if (folder === 'Sent') throw new Error('Sent is filled from threads; do not give it a count');
    const [lo, hi] = windowFor(folder, ctx.ref, ctx.start);
    const mix = mixFor(folder);
    let emitted = 0;
    for (let k = 0; emitted < target; k++) {
      const rng = new Rng(ctx.seed, 'conv', folder, k);
      const conv: Conv = {
        ctx,
        rng,
        folder,
        k,
        threadId: hashHex(ctx.seed, folder, k).slice(0, 16),
        plans: [],
        lo,
        hi,
      };
      const big = ctx.large && folder === 'INBOX' && BIG_SLOTS.has(k);
      (big ? B.personal : rng.weighted(mix))(conv);
      conv.plans.sort((a, b) => a.time - b.time);
      // keep the home folder at exactly `target`: cut the conversation when it is reached
      const kept: Plan[] = [];
      for (const p of conv.plans) {
        if (p.folder === folder) {
          if (emitted >= target) break;
          emitted++;
        }
        kept.push(p);
      }
      conv.plans = kept;
      finalizeFlags(conv);
      for (const p of conv.plans) {
        if (include && !include.has(p.folder)) continue;
        const n = seq++;
        if (shard && n % shard.count !== shard.index) continue;
        yield render(p, ctx, n);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// rendering

interface Leaf {
  headers: string;
  body: string | Buffer;
}
interface Multi {
  headers: string;
  subtype: string;
  boundary: string;
  parts: Node[];
  preamble?: string;
}
type Node = Leaf | Multi;

function serialize(node: Node, out: (string | Buffer)[]): void {
  out.push(node.headers, CRLF);
  if ('parts' in node) {
    if (node.preamble) out.push(node.preamble, CRLF);
    for (const part of node.parts) {
      out.push(`--${node.boundary}${CRLF}`);
      serialize(part, out);
    }
    out.push(`--${node.boundary}--${CRLF}`);
  } else {
    out.push(node.body);
  }
}

function boundaryFor(rng: Rng, style: ClientStyle): string {
  const h = rng.bytes(12).toString('hex');
  switch (style) {
    case 'gmail':
      return `000000000000${h.slice(0, 16)}`;
    case 'outlook':
      return `_000_${h.slice(0, 20).toUpperCase()}_`;
    case 'apple':
      return `Apple-Mail=_${h.slice(0, 8).toUpperCase()}-${h.slice(8, 12).toUpperCase()}-${h.slice(12, 24).toUpperCase()}`;
    case 'thunderbird':
      return `------------${h.slice(0, 24)}`;
    default:
      return `----=_Part_${rng.int(1, 999)}_${h.slice(0, 16)}`;
  }
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function linkify(s: string): string {
  return escapeHtml(s).replace(/https?:\/\/[^\s<]+/g, (u) => `<a href="${u}">${u}</a>`);
}

function textToHtmlBlocks(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let para: string[] = [];
  let quoteLines: string[] = [];
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map(linkify).join('<br>\n')}</p>`);
    para = [];
  };
  const flushQuote = () => {
    if (quoteLines.length) {
      const inner = quoteLines.map((l) => l.replace(/^> ?/, '')).join('\n');
      out.push(
        `<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">\n${textToHtmlBlocks(inner)}\n</blockquote>`,
      );
    }
    quoteLines = [];
  };
  for (const l of lines) {
    if (l.startsWith('>')) {
      flushPara();
      quoteLines.push(l);
      continue;
    }
    flushQuote();
    if (l.trim() === '') flushPara();
    else para.push(l);
  }
  flushPara();
  flushQuote();
  return out.join('\n');
}

function htmlCharset(p: Plan): string {
  return p.charset.toUpperCase() === 'ISO-2022-JP' ? 'UTF-8' : p.charset;
}

function buildHtml(p: Plan, rng: Rng, inline: AttachmentPlan[]): string {
  const cs = htmlCharset(p);
  const dir = p.lang === 'ar' || p.lang === 'he' ? ' dir="rtl"' : '';
  const imgs = inline
    .map(
      (a) =>
        `<p><img src="cid:${a.cid}" alt="${escapeHtml(a.filename)}" width="${rng.int(120, 480)}" style="max-width:100%"></p>`,
    )
    .join('\n');
  switch (p.template) {
    case 'newsletter': {
      const dom = domainOf(p.from.address);
      const logo = inline[0]
        ? `<img src="cid:${inline[0].cid}" alt="${escapeHtml(p.from.name ?? '')}" width="120">`
        : `<img src="https://cdn.${dom}/logo.png" alt="${escapeHtml(p.from.name ?? '')}" width="120">`;
      const items = p.text
        .split('\n\n')
        .slice(1, -1)
        .filter((s) => s.trim())
        .map(
          (s, i) =>
            `<tr><td style="padding:12px 24px;font:15px/1.5 Helvetica,Arial,sans-serif;color:#333"><img src="https://cdn.${dom}/img/${i}.jpg" width="552" alt="" style="display:block;border:0"><p>${escapeHtml(s)}</p><a href="https://${dom}/r/${rng.int(1e5, 1e6)}" style="background:#0a66c2;color:#fff;padding:8px 14px;border-radius:4px;text-decoration:none">Read more</a></td></tr>`,
        )
        .join('\n');
      return `<!DOCTYPE html>\n<html lang="${p.lang}"><head><meta charset="${cs}"><meta name="viewport" content="width=device-width"><title>${escapeHtml(p.subject)}</title>\n<style>@media (max-width:600px){.wrap{width:100%!important}} a{color:#0a66c2}</style></head>\n<body style="margin:0;background:#f3f3f3"${dir}>\n<table class="wrap" role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" style="background:#fff">\n<tr><td style="padding:24px">${logo}<h1 style="font:bold 22px Helvetica,Arial,sans-serif">${escapeHtml(p.subject)}</h1></td></tr>\n${items}\n<tr><td style="padding:24px;font:12px Helvetica,Arial,sans-serif;color:#888">You receive this because you subscribed. <a href="https://${dom}/unsubscribe">Unsubscribe</a> · <a href="https://${dom}/prefs">Preferences</a></td></tr>\n</table>\n<img src="https://t.${dom}/open/${rng.int(1e8, 1e9)}.gif" width="1" height="1" alt="">\n</body></html>\n`;
    }
    case 'spam':
      return `<html><body style="font-family:Arial"${dir}><center><h1 style="color:red">${escapeHtml(p.subject)}</h1><p><font size="5">${linkify(p.text.split('\n\n').slice(1).join(' '))}</font></p><a href="http://${domainOf(p.from.address)}/claim"><img src="http://${domainOf(p.from.address)}/banner.gif" alt="CLICK HERE"></a><div style="display:none">${escapeHtml(sentences(rng, 'en', 3))}</div></center></body></html>\n`;
    case 'notification':
    case 'receipt':
    case 'travel':
      return `<!DOCTYPE html>\n<html><head><meta charset="${cs}"></head><body${dir}>\n<div style="font:14px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#24292f;max-width:640px">\n${textToHtmlBlocks(p.text)}\n${imgs}\n<hr style="border:0;border-top:1px solid #ddd"><p style="font-size:12px;color:#57606a">${escapeHtml(p.from.name ?? p.from.address)}</p>\n</div></body></html>\n`;
    default:
      break;
  }
  const body = `${textToHtmlBlocks(p.text)}${imgs ? `\n${imgs}` : ''}`;
  switch (p.from.style) {
    case 'outlook':
      return `<html xmlns:o="urn:schemas-microsoft-com:office:office" xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=${cs}">\n<style><!--\n@font-face {font-family:Calibri;}\np.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}\n--></style>\n</head>\n<body lang="EN-US" link="#0563C1" vlink="#954F72"${dir}>\n<div class="WordSection1">\n${body.replace(/<p>/g, '<p class="MsoNormal">')}\n</div>\n</body>\n</html>\n`;
    case 'gmail':
      return `<div dir="${dir ? 'rtl' : 'ltr'}">${body.replace(/<p>/g, '<div>').replace(/<\/p>/g, '</div><div><br></div>')}</div>\n`;
    case 'apple':
      return `<html><head><meta http-equiv="content-type" content="text/html; charset=${cs}"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;"${dir}>${body}</body></html>\n`;
    default:
      return `<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=${cs}">\n</head>\n<body${dir}>\n${body}\n</body>\n</html>\n`;
  }
}

/** format=flowed (RFC 3676): soft line breaks are a trailing space. */
function flow(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('>') || line === '-- ' || line.length <= 72)
        return line.replace(/ +$/, line === '-- ' ? ' ' : '');
      const wrapped = wrap(line, 72).split('\n');
      return wrapped.map((w, i) => (i < wrapped.length - 1 ? `${w} ` : w)).join('\n');
    })
    .join('\n');
}

type Cte = '7bit' | '8bit' | 'quoted-printable' | 'base64';

function chooseTextCte(rng: Rng, bytes: Buffer, style: ClientStyle, charset: string): Cte {
  const ascii = !bytes.some(
    (b) => b > 0x7e || (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09 && b !== 0x1b),
  );
  const maxLine = bytes
    .toString('latin1')
    .split('\n')
    .reduce((m, l) => Math.max(m, l.length), 0);
  if (charset.toUpperCase() === 'ISO-2022-JP') return maxLine <= 900 ? '7bit' : 'base64';
  if (ascii && maxLine <= 900) return '7bit';
  switch (style) {
    case 'outlook':
      return 'quoted-printable';
    case 'gmail':
      return rng.chance(0.5) ? 'base64' : 'quoted-printable';
    case 'bulk':
    case 'bot':
      return rng.chance(0.4) ? 'base64' : 'quoted-printable';
    default:
      return maxLine <= 900 && rng.chance(0.4) ? '8bit' : 'quoted-printable';
  }
}

function encodeBody(bytes: Buffer, cte: Cte): string | Buffer {
  switch (cte) {
    case 'base64':
      return base64Body(bytes);
    case 'quoted-printable':
      return quotedPrintable(bytes);
    default: {
      // 7bit/8bit: CRLF line endings, raw bytes
      const s = bytes.toString('latin1');
      return Buffer.from(toCrlf(s), 'latin1');
    }
  }
}

function textLeaf(rng: Rng, p: Plan, subtype: 'plain' | 'html', content: string): Leaf {
  const charset = subtype === 'html' ? htmlCharset(p) : p.charset;
  const bytes = encodeCharset(content, charset);
  const cte = chooseTextCte(rng, bytes, p.from.style, charset);
  const params = [`charset=${p.from.style === 'outlook' && charset === 'UTF-8' ? '"utf-8"' : charset}`];
  if (subtype === 'plain' && p.flowed) params.push('format=flowed');
  let headers = headerWithParams('Content-Type', `text/${subtype}`, params);
  headers += rawHeader('Content-Transfer-Encoding', cte);
  return { headers, body: encodeBody(bytes, cte) };
}

const CONTENT_TYPES: Record<AttachmentType, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  txt: 'text/plain',
};

function attachmentBytes(rng: Rng, a: AttachmentPlan, p: Plan): Buffer {
  const date = new Date(p.time);
  switch (a.type) {
    case 'pdf':
      return makePdf(rng, {
        title: a.filename.replace(/\.pdf$/i, ''),
        lines: Array.from({ length: 30 }, () => sentences(rng, 'en', 1)),
        date,
        targetSize: a.size,
      });
    case 'png':
      return makePng(rng, a.size);
    case 'jpg':
      return makeJpeg(rng, a.size);
    case 'docx':
      return makeDocx(rng, {
        title: a.filename.replace(/\.docx$/i, ''),
        paragraphs: Array.from({ length: 12 }, () => sentences(rng, p.lang, 3)),
        date,
        targetSize: a.size,
      });
    case 'xlsx':
      return makeXlsx(rng, { headers: ['Item', 'Q1', 'Q2', 'Q3', 'Q4'], date, targetSize: a.size });
    case 'csv':
      return Buffer.from(makeCsv(rng, a.size), 'utf8');
    case 'txt': {
      const lines: string[] = [];
      let n = 0;
      while (n < a.size) {
        const l = `${new Date(p.time - rng.int(0, 3600) * 1000).toISOString()} ${rng.pick(['INFO', 'WARN', 'DEBUG', 'ERROR'])} ${sentences(rng, 'en', 1)}`;
        lines.push(l);
        n += l.length + 2;
      }
      return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
    }
  }
}

function filenameParams(rng: Rng, name: string, style: ClientStyle): { ct: string[]; cd: string[] } {
  const ascii = /^[\x20-\x7e]*$/.test(name);
  if (ascii && name.length <= 60) {
    const q = `"${name.replace(/(["\\])/g, '\\$1')}"`;
    return { ct: [`name=${q}`], cd: [`filename=${q}`] };
  }
  if (style === 'outlook' || style === 'gmail' || (style === 'bulk' && rng.chance(0.5))) {
    // RFC 2047 inside quoted parameters: not standard, but what much real mail looks like
    const words = encodeWords(name, { encoding: 'B', charset: style === 'outlook' ? 'utf-8' : 'UTF-8' }).join(
      ' ',
    );
    return { ct: [`name="${words}"`], cd: [`filename="${words}"`] };
  }
  return { ct: paramTokens('name', name), cd: paramTokens('filename', name) };
}

function attachmentLeaf(rng: Rng, a: AttachmentPlan, p: Plan, info: AttachmentInfo[]): Leaf {
  const bytes = attachmentBytes(rng, a, p);
  const ct = CONTENT_TYPES[a.type];
  const names = filenameParams(rng, a.filename, p.from.style);
  const ctParams = [...(a.type === 'txt' || a.type === 'csv' ? ['charset=UTF-8'] : []), ...names.ct];
  let headers = headerWithParams('Content-Type', ct, ctParams);
  headers += headerWithParams('Content-Disposition', a.inline ? 'inline' : 'attachment', names.cd);
  if (a.cid) headers += rawHeader('Content-ID', `<${a.cid}>`);
  headers += rawHeader('Content-Transfer-Encoding', 'base64');
  info.push({
    filename: a.filename,
    contentType: ct,
    size: bytes.length,
    disposition: a.inline ? 'inline' : 'attachment',
    ...(a.cid ? { contentId: a.cid } : {}),
  });
  return { headers, body: base64Body(bytes) };
}

function mp(rng: Rng, style: ClientStyle, subtype: string, parts: Node[], extraParams: string[] = []): Multi {
  const boundary = boundaryFor(rng, style);
  return {
    headers: headerWithParams('Content-Type', `multipart/${subtype}`, [
      ...extraParams,
      `boundary="${boundary}"`,
    ]),
    subtype,
    boundary,
    parts,
    preamble:
      style === 'outlook' || style === 'bulk' ? undefined : 'This is a multi-part message in MIME format.',
  };
}

const eightBit = (b: Buffer) => b.some((x) => x > 0x7f);

function bodyTree(p: Plan, ctx: Ctx, rng: Rng, info: AttachmentInfo[]): Node {
  const style = p.from.style;
  const inline = p.attachments.filter((a) => a.inline);
  const attached = p.attachments.filter((a) => !a.inline);
  let textContent = p.flowed ? flow(p.text) : p.text;
  if (textContent === '') textContent = '\n';
  let main: Node;
  if (p.reportOf) {
    // delivery status notification (RFC 3464)
    const orig = renderPlan(p.reportOf, ctx, new Rng(ctx.seed, 'render', p.reportOf.messageId), []);
    const headerEnd = orig.indexOf('\r\n\r\n');
    const status: Leaf = {
      headers: rawHeader('Content-Type', 'message/delivery-status'),
      body: toCrlf(
        `Reporting-MTA: dns; mail.${LOCAL_DOMAIN}\n\nFinal-Recipient: rfc822; ${p.reportOf.to[0]?.address}\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n`,
      ),
    };
    const origHeaders = orig.subarray(0, headerEnd + 2);
    const headersPart: Leaf = {
      headers:
        headerWithParams('Content-Type', 'text/rfc822-headers', ['charset=UTF-8']) +
        rawHeader('Content-Transfer-Encoding', eightBit(origHeaders) ? '8bit' : '7bit'),
      body: Buffer.concat([origHeaders, Buffer.from(CRLF)]),
    };
    return mp(
      rng,
      'bot',
      'report',
      [textLeaf(rng, p, 'plain', p.text), status, headersPart],
      ['report-type=delivery-status'],
    );
  }
  if (p.html === 'none') main = textLeaf(rng, p, 'plain', textContent);
  else {
    const htmlLeaf = textLeaf(rng, p, 'html', buildHtml(p, rng, inline));
    const inlineLeaves = inline.map((a) => attachmentLeaf(rng, a, p, info));
    const htmlNode: Node =
      inlineLeaves.length > 0
        ? mp(rng, style, 'related', [htmlLeaf, ...inlineLeaves], ['type="text/html"'])
        : htmlLeaf;
    if (p.html === 'only') main = htmlNode;
    else {
      const alts: Node[] = [textLeaf(rng, p, 'plain', textContent), htmlNode];
      if (p.calendar) {
        alts.push({
          headers:
            headerWithParams('Content-Type', 'text/calendar', ['charset=UTF-8', 'method=REQUEST']) +
            rawHeader('Content-Transfer-Encoding', 'quoted-printable'),
          body: quotedPrintable(Buffer.from(p.calendar, 'utf8')),
        });
      }
      main = mp(rng, style, 'alternative', alts);
    }
  }
  const extras: Node[] = attached.map((a) => attachmentLeaf(rng, a, p, info));
  if (p.calendar) {
    extras.push({
      headers:
        headerWithParams('Content-Type', 'application/ics', ['name="invite.ics"']) +
        headerWithParams('Content-Disposition', 'attachment', ['filename="invite.ics"']) +
        rawHeader('Content-Transfer-Encoding', 'base64'),
      body: base64Body(Buffer.from(p.calendar, 'utf8')),
    });
    info.push({
      filename: 'invite.ics',
      contentType: 'application/ics',
      size: Buffer.byteLength(p.calendar),
      disposition: 'attachment',
    });
  }
  if (p.forwardedInner) {
    const innerInfo: AttachmentInfo[] = [];
    const inner = renderPlan(
      p.forwardedInner,
      ctx,
      new Rng(ctx.seed, 'render', p.forwardedInner.messageId),
      innerInfo,
    );
    const name = `${p.forwardedInner.subject.slice(0, 40)}.eml`;
    const names = filenameParams(rng, name, style);
    extras.push({
      headers:
        headerWithParams('Content-Type', 'message/rfc822', names.ct) +
        headerWithParams('Content-Disposition', 'attachment', names.cd) +
        rawHeader('Content-Transfer-Encoding', eightBit(inner) ? '8bit' : '7bit'),
      body: inner,
    });
    info.push({
      filename: name,
      contentType: 'message/rfc822',
      size: inner.length,
      disposition: 'attachment',
    });
  }
  if (extras.length === 0) return main;
  return mp(rng, style, 'mixed', [main, ...extras]);
}

const MAILERS: Partial<Record<ClientStyle, string[]>> = {
  thunderbird: [
    'User-Agent: Mozilla Thunderbird',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.4.0',
  ],
  outlook: ['X-Mailer: Microsoft Outlook 16.0', 'X-MS-Has-Attach: yes'],
  apple: ['X-Mailer: Apple Mail (2.3826.200.121)'],
  westwind: ['User-Agent: Westwind/0.1'],
  bulk: ['X-Mailer: MailBlast 7.2'],
};

function renderHeaders(p: Plan, ctx: Ctx, rng: Rng): string {
  const hs = p.headerStyle;
  const styleFor = (_a: Address): HeaderTextStyle => (hs.kind === 'raw' ? hs : { ...hs, plainPrefix: false });
  let h = '';
  if (!p.fromUser && p.folder !== 'Drafts') {
    const ip = `${rng.pick(['192.0.2', '198.51.100', '203.0.113'])}.${rng.int(1, 254)}`;
    const dom = domainOf(p.from.address);
    const recv = Math.min(ctx.ref, p.time + rng.int(1, 40) * 1000);
    h += rawHeader('Return-Path', `<${p.sender?.address ?? p.from.address}>`);
    h += foldHeader('Received', [
      `from mx.${dom} (mx.${dom} [${ip}])`,
      `by mail.${LOCAL_DOMAIN} with LMTP`,
      `id ${hashHex(p.messageId).slice(0, 16)};`,
      formatDate(recv, 0),
    ]);
  }
  if (p.sender) h += rawHeader('Sender', p.sender.address);
  h += rawHeader('Message-ID', p.messageId);
  h += rawHeader('Date', formatDate(p.time, p.from.tz));
  h += foldHeader('From', addressListTokens([p.from], styleFor));
  if (p.to.length > 0) h += foldHeader('To', addressListTokens(p.to, styleFor));
  if (p.cc.length > 0) h += foldHeader('Cc', addressListTokens(p.cc, styleFor));
  if (p.bcc.length > 0) h += foldHeader('Bcc', addressListTokens(p.bcc, styleFor));
  if (p.replyTo.length > 0) h += foldHeader('Reply-To', addressListTokens(p.replyTo, styleFor));
  if (!p.noSubject) h += foldHeader('Subject', headerTextTokens(p.subject, hs));
  if (p.inReplyTo) h += rawHeader('In-Reply-To', p.inReplyTo);
  if (p.references.length > 0) h += foldHeader('References', p.references);
  if (p.list) {
    // RFC 2919: a phrase (encoded like a display name) and the <list-id>
    const listStyle: HeaderTextStyle =
      hs.kind === 'raw' ? hs : { kind: 'words', encoding: 'Q', charset: 'UTF-8' };
    h += foldHeader('List-Id', addressTokens({ name: p.list.name, address: p.list.id }, listStyle));
    h += foldHeader('List-Unsubscribe', p.list.unsubscribe.split(' '));
    h += rawHeader('List-Unsubscribe-Post', 'List-Unsubscribe=One-Click');
    if (p.list.post) h += rawHeader('List-Post', `<mailto:${p.list.post}>`);
    if (p.list.archive) h += rawHeader('List-Archive', p.list.archive);
  }
  if (p.precedence) h += rawHeader('Precedence', p.precedence);
  if (p.autoSubmitted) h += rawHeader('Auto-Submitted', 'auto-generated');
  const mailer = MAILERS[p.from.style];
  if (mailer) h += `${rng.pick(mailer)}${CRLF}`;
  if (p.kind === 'spam')
    h += rawHeader('X-Spam-Status', `Yes, score=${rng.int(8, 30)}.${rng.int(0, 9)} required=5.0`);
  h += rawHeader('MIME-Version', '1.0');
  return h;
}

function renderPlan(p: Plan, ctx: Ctx, rng: Rng, info: AttachmentInfo[]): Buffer {
  const top = renderHeaders(p, ctx, rng);
  const tree = bodyTree(p, ctx, rng, info);
  const out: (string | Buffer)[] = [];
  serialize({ ...tree, headers: top + tree.headers } as Node, out);
  return Buffer.concat(out.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
}

/** Shrink the biggest attachment (or drop a forwarded message's attachments) to get under the cap. */
function shrink(p: Plan, over: number): Plan | undefined {
  const list = p.attachments.slice();
  let big = -1;
  list.forEach((a, i) => {
    if (big < 0 || a.size > list[big]!.size) big = i;
  });
  if (big >= 0) {
    const a = list[big]!;
    const size = Math.floor(a.size - (over * 3) / 4 - 2000);
    // tiny formats have a floor (a JPEG is never 500 bytes): drop instead of shrinking further
    if (size < 3000 || a.size < 6000) list.splice(big, 1);
    else list[big] = { ...a, size };
    return { ...p, attachments: list };
  }
  if (p.forwardedInner && p.forwardedInner.attachments.length > 0) {
    return { ...p, forwardedInner: { ...p.forwardedInner, attachments: [] } };
  }
  return undefined;
}

function render(p: Plan, ctx: Ctx, seq: number): GeneratedMessage {
  let attachments: AttachmentInfo[] = [];
  let raw = renderPlan(p, ctx, new Rng(ctx.seed, 'render', p.messageId), attachments);
  for (let plan: Plan | undefined = p; raw.length > ctx.maxSize; ) {
    plan = shrink(plan, raw.length - ctx.maxSize);
    if (!plan) break;
    attachments = [];
    raw = renderPlan(plan, ctx, new Rng(ctx.seed, 'render', p.messageId), attachments);
  }
  return {
    folder: p.folder,
    seq,
    kind: p.kind,
    threadId: p.threadId,
    messageId: p.messageId,
    ...(p.inReplyTo ? { inReplyTo: p.inReplyTo } : {}),
    references: p.references,
    date: new Date(p.time),
    from: { ...(p.from.name ? { name: p.from.name } : {}), address: p.from.address },
    to: p.to.map(plainAddress),
    cc: p.cc.map(plainAddress),
    bcc: p.bcc.map(plainAddress),
    replyTo: p.replyTo.map(plainAddress),
    subject: p.subject,
    flags: p.flags,
    keywords: p.keywords,
    charset: p.charset,
    ...(p.list ? { listId: `${p.list.name} <${p.list.id}>` } : {}),
    attachments,
    raw,
  };
}

function plainAddress(a: Address): Address {
  return a.name ? { name: a.name, address: a.address } : { address: a.address };
}
