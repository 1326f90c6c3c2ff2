/**
 * Gmail-like search queries → a small AST → imapflow's `SearchObject`. Pure: no network.
 *
 * The user's text never becomes part of a command string. Every value ends up as a field of a
 * `SearchObject`, and imapflow's search compiler sends it as a quoted string, or as a literal
 * with `CHARSET UTF-8` when it holds non-ASCII (RFC 3501 section 6.4.4). Control characters
 * (CR, LF, NUL, ...) cannot travel in either form, so the tokenizer treats them as spaces.
 *
 * Syntax (terms are ANDed; `-` negates a term; `a OR b` matches either):
 *   from: to: cc: subject: body:   a header (or body) contains the value
 *   has:attachment                  approximated, see `ATTACHMENT` below
 *   is:unread is:read is:flagged is:starred is:unflagged is:answered is:unanswered
 *   before:YYYY-MM-DD after:YYYY-MM-DD (also YYYY/MM/DD)   arrival date, before is exclusive
 *   older_than:7d newer_than:2m      units d, w, m (30 days), y (365 days)
 *   larger:10M smaller:500K          sizes in bytes, K/M/G are powers of 1024
 *   in:FOLDER in:anywhere in:all     which folder(s); the last one wins
 *   "quoted phrase", word            anywhere in the headers or body (IMAP TEXT)
 * An unknown operator (`foo:bar`, a URL) is searched as text. Parentheses outside quotes
 * separate words (there is no grouping).
 */
import createError from '@fastify/error';
import { ErrorCodes } from '@westwind/contract';
import type { SearchObject } from 'imapflow';

/** A bad query: a clean 400 with the contract's VALIDATION_FAILED code. */
export const InvalidSearchQuery = createError(ErrorCodes.VALIDATION_FAILED, 'Invalid search: %s', 400);

export const MAX_QUERY_CHARS = 500;
export const MAX_TERMS = 20;

export type TextField = 'text' | 'from' | 'to' | 'cc' | 'subject' | 'body';
export type FlagName = 'seen' | 'flagged' | 'answered';

export type Criterion =
  | { kind: 'text'; field: TextField; value: string }
  | { kind: 'flag'; flag: FlagName; value: boolean }
  | { kind: 'attachment' }
  /** `before` is exclusive, `since` inclusive; dates are UTC midnights. */
  | { kind: 'date'; field: 'before' | 'since'; date: Date }
  | { kind: 'size'; field: 'larger' | 'smaller'; bytes: number };

export type Term = (Criterion & { negated: boolean }) | { kind: 'or'; negated: boolean; terms: Term[] };

export type FolderScope = { kind: 'current' } | { kind: 'all' } | { kind: 'named'; name: string };

export interface ParsedQuery {
  terms: Term[];
  folder: FolderScope;
}

interface Token {
  negated: boolean;
  /** The operator, lower-cased, or null for a bare word or phrase. */
  op: string | null;
  value: string;
  /** The value was quoted (so `OR` in quotes is a word, not the operator). */
  quoted: boolean;
  raw: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SEPARATOR = /[\s()]/;
const OPERATORS = new Set([
  'from',
  'to',
  'cc',
  'subject',
  'body',
  'has',
  'is',
  'before',
  'after',
  'older_than',
  'newer_than',
  'in',
  'larger',
  'smaller',
]);

/** Splits the query into tokens; quotes group words, `\"` inside quotes is a quote. */
export function tokenize(query: string): Token[] {
  const text = query.replace(CONTROL, ' ');
  const tokens: Token[] = [];
  let i = 0;
  const readQuoted = (): string => {
    // text[i] is the opening quote; an unclosed quote runs to the end.
    i++;
    let out = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
      out += text[i];
      i++;
    }
    i++;
    return out;
  };
  const readBare = (): string => {
    let out = '';
    while (i < text.length && !SEPARATOR.test(text[i]!) && text[i] !== '"') out += text[i++];
    return out;
  };
  while (i < text.length) {
    if (SEPARATOR.test(text[i]!)) {
      i++;
      continue;
    }
    const start = i;
    let negated = false;
    if (text[i] === '-' && i + 1 < text.length && !SEPARATOR.test(text[i + 1]!)) {
      negated = true;
      i++;
    }
    if (text[i] === '"') {
      const value = readQuoted();
      tokens.push({ negated, op: null, value, quoted: true, raw: text.slice(start, i) });
      continue;
    }
    const word = readBare();
    const colon = word.indexOf(':');
    const op = colon > 0 ? word.slice(0, colon).toLowerCase() : '';
    if (colon > 0 && OPERATORS.has(op)) {
      let value = word.slice(colon + 1);
      let quoted = false;
      if (value === '' && text[i] === '"') {
        value = readQuoted();
        quoted = true;
      }
      if (value !== '') {
        tokens.push({ negated, op, value, quoted, raw: text.slice(start, i) });
        continue;
      }
    }
    if (word === '' && text[i] === '"') {
      // `-"` was read as a negation of a phrase above; a lone quote mid-word ends the word.
      continue;
    }
    tokens.push({ negated, op: null, value: word, quoted: false, raw: text.slice(start, i) });
  }
  return tokens.filter((token) => token.value !== '' || token.op !== null);
}

const DAY_MS = 24 * 3600 * 1000;

function parseDate(value: string, op: string): Date {
  const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (
      year >= 1970 &&
      date.getUTCFullYear() === year &&
      date.getUTCMonth() === month - 1 &&
      date.getUTCDate() === day
    ) {
      return date;
    }
  }
  throw new InvalidSearchQuery(`${op}: needs a date like 2024-01-31, not "${clip(value)}"`);
}

const AGE_UNITS: Record<string, number> = { d: 1, w: 7, m: 30, y: 365 };

function parseAge(value: string, op: string, now: Date): Date {
  const match = /^(\d{1,5})([dwmy])$/i.exec(value);
  if (!match) throw new InvalidSearchQuery(`${op}: needs an age like 7d, 2w, 3m or 1y, not "${clip(value)}"`);
  const days = Number(match[1]) * AGE_UNITS[match[2]!.toLowerCase()]!;
  return new Date(now.getTime() - days * DAY_MS);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

function parseSize(value: string, op: string): number {
  const match = /^(\d{1,10}(?:\.\d{1,3})?)([a-z]{0,2})$/i.exec(value);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN;
  // IMAP sizes are number (RFC 3501: 32-bit unsigned).
  if (!Number.isFinite(bytes) || bytes > 0xffffffff) {
    throw new InvalidSearchQuery(`${op}: needs a size like 500K or 10M, not "${clip(value)}"`);
  }
  return bytes;
}

const IS_VALUES: Record<string, { flag: FlagName; value: boolean }> = {
  unread: { flag: 'seen', value: false },
  unseen: { flag: 'seen', value: false },
  read: { flag: 'seen', value: true },
  seen: { flag: 'seen', value: true },
  flagged: { flag: 'flagged', value: true },
  starred: { flag: 'flagged', value: true },
  unflagged: { flag: 'flagged', value: false },
  unstarred: { flag: 'flagged', value: false },
  answered: { flag: 'answered', value: true },
  replied: { flag: 'answered', value: true },
  unanswered: { flag: 'answered', value: false },
};

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function toCriterion(token: Token, now: Date): Criterion {
  const { op, value } = token;
  switch (op) {
    case null:
      return { kind: 'text', field: 'text', value };
    case 'from':
    case 'to':
    case 'cc':
    case 'subject':
    case 'body':
      return { kind: 'text', field: op, value };
    case 'has':
      if (/^attachments?$/i.test(value)) return { kind: 'attachment' };
      throw new InvalidSearchQuery(`has: supports only has:attachment, not "${clip(value)}"`);
    case 'is': {
      const found = IS_VALUES[value.toLowerCase()];
      if (found) return { kind: 'flag', ...found };
      throw new InvalidSearchQuery(
        `is: supports unread, read, flagged, starred, answered (and un-), not "${clip(value)}"`,
      );
    }
    case 'before':
      return { kind: 'date', field: 'before', date: parseDate(value, op) };
    case 'after':
      return { kind: 'date', field: 'since', date: parseDate(value, op) };
    case 'older_than':
      return { kind: 'date', field: 'before', date: parseAge(value, op, now) };
    case 'newer_than':
      return { kind: 'date', field: 'since', date: parseAge(value, op, now) };
    case 'larger':
      return { kind: 'size', field: 'larger', bytes: parseSize(value, op) };
    case 'smaller':
      return { kind: 'size', field: 'smaller', bytes: parseSize(value, op) };
    default:
      return { kind: 'text', field: 'text', value: token.raw.replace(/^-/, '') };
  }
}

/**
 * Parses a query. Throws `InvalidSearchQuery` (400) for a query that is too long, has too many
 * terms, nothing to search for, or a known operator with a value it cannot use.
 */
export function parseQuery(query: string, now = new Date()): ParsedQuery {
  if (query.length > MAX_QUERY_CHARS) {
    throw new InvalidSearchQuery(`the query is longer than ${MAX_QUERY_CHARS} characters`);
  }
  const tokens = tokenize(query);
  let folder: FolderScope = { kind: 'current' };
  const terms: Term[] = [];
  let joinNext = false;
  for (const token of tokens) {
    if (token.op === null && !token.quoted && !token.negated && token.value === 'OR') {
      if (terms.length === 0 || joinNext) throw new InvalidSearchQuery('OR needs a term on each side');
      joinNext = true;
      continue;
    }
    if (token.op === 'in') {
      if (token.negated) throw new InvalidSearchQuery('-in: is not supported; name the folder to search');
      const name = token.value.trim();
      folder = /^(anywhere|all)$/i.test(name) ? { kind: 'all' } : { kind: 'named', name };
      if (joinNext) throw new InvalidSearchQuery('in: cannot be part of an OR');
      continue;
    }
    const term: Term = { ...toCriterion(token, now), negated: token.negated };
    if (joinNext) {
      const previous = terms.pop()!;
      terms.push(
        previous.kind === 'or' && !previous.negated
          ? { ...previous, terms: [...previous.terms, term] }
          : { kind: 'or', negated: false, terms: [previous, term] },
      );
      joinNext = false;
    } else {
      terms.push(term);
    }
  }
  if (joinNext) throw new InvalidSearchQuery('OR needs a term on each side');
  const count = terms.reduce((n, term) => n + (term.kind === 'or' ? term.terms.length : 1), 0);
  if (count > MAX_TERMS) throw new InvalidSearchQuery(`use at most ${MAX_TERMS} terms`);
  if (terms.length === 0 && folder.kind === 'current') {
    throw new InvalidSearchQuery('type something to search for');
  }
  return { terms, folder };
}

/**
 * IMAP has no standard search key for "has an attachment". `Content-Type: multipart/mixed` on
 * the top-level header is the usual approximation (what most clients send attachments as); it
 * misses single-part attachments and counts a multipart/mixed without a real attachment.
 * (HEADER matching is a substring match, RFC 3501 section 6.4.4.)
 */
export const ATTACHMENT: SearchObject = { header: { 'content-type': 'multipart/mixed' } };

function criterionObject(criterion: Criterion): SearchObject {
  switch (criterion.kind) {
    case 'text':
      return { [criterion.field]: criterion.value };
    case 'flag':
      return { [criterion.flag]: criterion.value };
    case 'attachment':
      return { header: { ...ATTACHMENT.header } };
    case 'date':
      return { [criterion.field]: criterion.date };
    case 'size':
      return { [criterion.field]: criterion.bytes };
  }
}

function termObject(term: Term): SearchObject {
  const positive = term.kind === 'or' ? { or: term.terms.map(termObject) } : criterionObject(term);
  return term.negated ? { not: positive } : positive;
}

/**
 * The AND of several one-key objects. A `SearchObject` has each key once, so a key that repeats
 * (two `from:` terms, two negations) moves on to a nested object, attached by a key this level
 * does not use: `or: [x]` (a one-operand OR, which imapflow emits as the operand itself) or
 * `not: {not: x}` (NOT NOT x). Both are plain conjunction on the wire.
 */
export function allOf(objects: readonly SearchObject[]): SearchObject {
  if (objects.length === 0) return { all: true };
  if (objects.length === 1) return objects[0]!;
  const out: SearchObject = {};
  let rest: SearchObject[] = [];
  for (const object of objects) {
    const keys = Object.keys(object);
    const free = keys.every((key) => !(key in out));
    if (free) Object.assign(out, object);
    else rest.push(object);
  }
  if (rest.length === 0) return out;
  if (!('or' in out)) {
    out.or = [allOf(rest)];
  } else {
    if ('not' in out) {
      // Both slots are taken: the negation moves down with the rest.
      rest = [{ not: out.not }, ...rest];
      delete out.not;
    }
    out.not = { not: allOf(rest) };
  }
  return out;
}

/** The imapflow search object for the parsed terms (the folder scope is the caller's business). */
export function toSearchObject(parsed: Pick<ParsedQuery, 'terms'>): SearchObject {
  return allOf(parsed.terms.map(termObject));
}
