import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * Session secrets. The cookie carries `v1.<id>.<key>`: a random session id and a random key
 * secret. The store holds only HMAC(server secret, id) as the record's name and the credential
 * sealed with a key derived from the cookie's key secret *and* the server secret. A copy of the
 * store alone yields neither a usable session id nor a decryptable password; the cookie alone
 * decrypts nothing without the server secret.
 */

const COOKIE_VERSION = 'v1';
const ID_BYTES = 32;
const KEY_SECRET_BYTES = 32;
const IV_BYTES = 12;

export interface SessionToken {
  /** Random session id, base64url. */
  id: string;
  /** Random per-session key secret, base64url. Lives only in the cookie. */
  keySecret: string;
}

export interface SealedCredential {
  iv: string;
  ciphertext: string;
  tag: string;
}

export function newSessionToken(): SessionToken {
  return {
    id: randomBytes(ID_BYTES).toString('base64url'),
    keySecret: randomBytes(KEY_SECRET_BYTES).toString('base64url'),
  };
}

export function encodeCookie(token: SessionToken): string {
  return `${COOKIE_VERSION}.${token.id}.${token.keySecret}`;
}

const base64url43 = /^[A-Za-z0-9_-]{43}$/;

/** Parses a cookie value; anything malformed is simply no session. */
export function decodeCookie(value: string | undefined): SessionToken | null {
  if (!value) return null;
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== COOKIE_VERSION) return null;
  const [, id, keySecret] = parts as [string, string, string];
  if (!base64url43.test(id) || !base64url43.test(keySecret)) return null;
  return { id, keySecret };
}

/** The name a session is stored under. Keyed hash, so the store never sees the id itself. */
export function sessionIdHash(serverSecret: Buffer, id: string): string {
  return createHmac('sha256', serverSecret).update(`session-id:${id}`).digest('base64url');
}

function credentialKey(serverSecret: Buffer, token: SessionToken): Buffer {
  const ikm = Buffer.concat([Buffer.from(token.keySecret, 'base64url'), serverSecret]);
  return Buffer.from(
    hkdfSync('sha256', ikm, Buffer.from(token.id, 'base64url'), 'westwind credential v1', 32),
  );
}

/**
 * AES-256-GCM with a fresh IV. `context` (the record's hash and address) is bound as additional
 * data, so a sealed credential moved to another record fails to open.
 */
export function sealCredential(
  serverSecret: Buffer,
  token: SessionToken,
  plaintext: string,
  context: string,
) {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', credentialKey(serverSecret, token), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
  } satisfies SealedCredential;
}

/** Returns null when the key or context is wrong or the data was tampered with. */
export function openCredential(
  serverSecret: Buffer,
  token: SessionToken,
  sealed: SealedCredential,
  context: string,
): string | null {
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      credentialKey(serverSecret, token),
      Buffer.from(sealed.iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return null;
  }
}

/** Keyed hash for values that must be compared or counted without being stored (e.g. addresses in rate-limit keys). */
export function keyedHash(serverSecret: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', serverSecret).update(`${purpose}:${value}`).digest('base64url').slice(0, 32);
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
