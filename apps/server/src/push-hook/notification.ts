/**
 * The pure half of the push hook: reading a notification, checking its credentials, limiting
 * its rate and mapping its user to Westwind account keys. Nothing here touches the network.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bestMatch } from '../upstream/names.js';
import type { UpstreamConfig } from '../upstream/policy-config.js';

/**
 * What Dovecot's OX driver sends (PUT, JSON), e.g.
 * `{"user":"jane@example.org","event":"messageNew","folder":"INBOX","imap-uidvalidity":1,
 * "imap-uid":42,"from":"…","subject":"…","snippet":"…","unseen":3}`.
 * Only `user` and `folder` are used, and only as a hint of where to look: the counts, the sender
 * and the subject are never trusted, stored or forwarded.
 */
export interface PushNotification {
  user: string;
  folder: string;
}

export type ParseResult = { ok: true; notification: PushNotification } | { ok: false; reason: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseNotification(body: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'body is not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const user = record.user;
  if (typeof user !== 'string' || user.trim() === '' || user.length > 320 || CONTROL.test(user)) {
    return { ok: false, reason: 'user: expected a non-empty string' };
  }
  // The OX driver reports INBOX only; other drivers may name any folder.
  const folder = record.folder === undefined ? 'INBOX' : record.folder;
  if (typeof folder !== 'string' || folder === '' || folder.length > 1000 || CONTROL.test(folder)) {
    return { ok: false, reason: 'folder: expected a mailbox name' };
  }
  return {
    ok: true,
    notification: { user: user.trim(), folder: folder.toUpperCase() === 'INBOX' ? 'INBOX' : folder },
  };
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks an `Authorization: Basic …` header against the configured user and secret. Both sides
 * are hashed first, so the comparison is constant-time whatever the lengths.
 */
export function makeBasicAuthCheck(user: string, secret: string): (header: string | undefined) => boolean {
  const expected = digest(`${user}:${secret}`);
  return (header) => {
    if (typeof header !== 'string' || header.length > 1024) return false;
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match ? Buffer.from(match[1] ?? '', 'base64').toString('utf8') : '';
    // Compared even for a malformed header, so a miss takes the same time as a near miss.
    return timingSafeEqual(digest(given), expected) && match !== null;
  };
}

/**
 * Token buckets per key (the notified user): `burst` at once, refilled at `perMinute`. Memory is
 * bounded: when `maxKeys` buckets exist, full ones are dropped first, then the oldest.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly burst: number,
    private readonly perMinute: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True if the call is allowed (and counted). */
  take(key: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
      bucket.at = now;
    } else {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(now: number): void {
    const refillMs = (this.burst * 60_000) / this.perMinute;
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= refillMs) this.buckets.delete(key);
    // Still full: drop the oldest tenth (Map iterates in insertion order).
    let drop = this.buckets.size >= this.maxKeys ? Math.ceil(this.maxKeys / 10) : 0;
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

/** The sign-in address a notified Dovecot user name stands for. */
export function addressOf(user: string, defaultDomain: string | undefined): string | null {
  const trimmed = user.trim().toLowerCase();
  if (trimmed.includes('@')) return trimmed;
  return defaultDomain ? `${trimmed}@${defaultDomain}` : null;
}

/**
 * The IMAP server whose account a notified address belongs to, as sign-in would pick it — known
 * from the configuration alone in `fixed` and `domains` mode. In `discover` mode the server
 * depends on what discovery found at sign-in, so there is none (IDLE still delivers).
 */
export function imapServerFor(
  address: string,
  upstream: UpstreamConfig,
): { host: string; port: number } | null {
  if (upstream.mode === 'fixed') return { host: upstream.imap.host, port: upstream.imap.port };
  if (upstream.mode === 'domains') {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const route = bestMatch(domain, upstream.domains);
    return route ? { host: route.imap.host, port: route.imap.port } : null;
  }
  return null;
}
