import { AppErrors } from '../errors.js';

/**
 * Mailbox ids are the base64url of the UTF-8 IMAP path: opaque, URL-safe whatever the path holds
 * (`/`, `.`, `%`, `*`, quotes, non-ASCII). Decoding validates, so a forged id is a clean 404.
 */
export function mailboxIdOf(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

export function mailboxPathOf(id: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return null;
  const path = Buffer.from(id, 'base64url').toString('utf8');
  // Round-trip check: rejects non-canonical base64 and invalid UTF-8 (decoded as U+FFFD).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (path === '' || mailboxIdOf(path) !== id || /[\u0000-\u001f\u007f]/.test(path)) return null;
  return path;
}

/** The path of a mailbox id from a request; a malformed id is a clean 404, like a missing folder. */
export function requireMailboxPath(id: string): string {
  const path = mailboxPathOf(id);
  if (path === null) throw new AppErrors.MailboxNotFound();
  return path;
}
