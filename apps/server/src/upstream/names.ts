/**
 * Syntax of what a user or an operator may name: mail addresses, domains, server host names and
 * `*.suffix` patterns. Pure. Everything is normalised to lower-case ASCII (IDNA via
 * `url.domainToASCII`) before it is compared or used, so `Example.ORG`, `münchen.de` and
 * `xn--mnchen-3ya.de` compare the way DNS does.
 */
import net from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Characters that the WHATWG URL host parser behind domainToASCII would treat as delimiters or
// percent-decode (`a/b.com` would become `a`), plus whitespace and control characters.
const NOT_IN_A_DOMAIN = /[\s\p{C}/\\?#%@[\]:<>"'`^|{}*,;()!$&+=~]/u;
// RFC 5322 atext plus dots; non-ASCII letters are allowed for SMTPUTF8 (RFC 6531) mailboxes.
const LOCAL_PART =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u{a0}-\u{10ffff}-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u{a0}-\u{10ffff}-]+)*$/u;
const CONTROL_OR_SPACE = /[\s\p{C}]/u;

/**
 * Normalises a DNS name (a mail domain or a server host name) to lower-case ASCII without a
 * trailing dot. Returns null unless it is at least `minLabels` LDH labels of at most 63 octets,
 * at most 253 octets in all, and not all-numeric at the top level (so an IPv4 literal is not a
 * domain). Mail domains and discovered hosts need two labels; an operator may name a one-label
 * host (`localhost`, a compose service name).
 */
export function normaliseDomain(text: string, minLabels = 2): string | null {
  if (text.length === 0 || text.length > 253 * 4 || NOT_IN_A_DOMAIN.test(text)) return null;
  let ascii = domainToASCII(text).toLowerCase();
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length === 0 || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < minLabels || !labels.every((label) => LABEL.test(label))) return null;
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return null;
  return ascii;
}

/** The Unicode form of a normalised domain, for messages shown to the user. */
export function displayDomain(ascii: string): string {
  return domainToUnicode(ascii) || ascii;
}

/**
 * A server host the operator configured: a DNS name (normalised, one label allowed) or an IP
 * literal (brackets removed, no zone). Null if neither.
 */
export function normaliseHost(text: string): string | null {
  const trimmed = text.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (net.isIP(bare) !== 0) return bare.includes('%') ? null : bare.toLowerCase();
  return normaliseDomain(trimmed, 1);
}

export interface MailAddress {
  localPart: string;
  /** Lower-case ASCII (A-label) domain. */
  domain: string;
}

/**
 * Splits `local@domain` and checks both halves. Returns a reason (never echoing the input) when
 * the syntax is not acceptable. Quoted local parts and address literals (`user@[10.0.0.1]`) are
 * not accepted: a webmail sign-in has no use for them and they widen the attack surface.
 */
export function parseMailAddress(text: string): { address: MailAddress } | { problem: string } {
  if (typeof text !== 'string' || text.length === 0) return { problem: 'empty address' };
  if (text.length > 254) return { problem: 'address longer than 254 characters' };
  if (CONTROL_OR_SPACE.test(text)) return { problem: 'address contains spaces or control characters' };
  const parts = text.split('@');
  if (parts.length !== 2) return { problem: 'address must contain exactly one @' };
  const [localPart = '', domainText = ''] = parts;
  if (localPart.length === 0 || Buffer.byteLength(localPart) > 64 || !LOCAL_PART.test(localPart)) {
    return { problem: 'invalid local part' };
  }
  const domain = normaliseDomain(domainText);
  if (!domain) return { problem: 'invalid domain' };
  return { address: { localPart, domain } };
}

/**
 * A list entry that is either an exact name or `*.suffix`, which matches any name below the
 * suffix (at any depth) but not the suffix itself.
 */
export interface NamePattern {
  /** Normalised name or suffix, without the `*.`. */
  name: string;
  wildcard: boolean;
  /** As the operator wrote it, normalised (`*.example.org`). */
  text: string;
}

export function parseNamePattern(text: string): NamePattern | null {
  const trimmed = text.trim();
  const wildcard = trimmed.startsWith('*.');
  const name = normaliseDomain(wildcard ? trimmed.slice(2) : trimmed);
  if (!name) return null;
  return { name, wildcard, text: wildcard ? `*.${name}` : name };
}

export function matchesPattern(name: string, pattern: NamePattern): boolean {
  return pattern.wildcard ? name.endsWith(`.${pattern.name}`) : name === pattern.name;
}

/** The most specific pattern that matches: exact before wildcard, longer suffix before shorter. */
export function bestMatch<T extends { pattern: NamePattern }>(
  name: string,
  entries: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const entry of entries) {
    if (!matchesPattern(name, entry.pattern)) continue;
    if (!entry.pattern.wildcard) return entry;
    if (!best || entry.pattern.name.length > best.pattern.name.length) best = entry;
  }
  return best;
}
