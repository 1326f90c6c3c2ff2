/**
 * Folder names and paths. Pure: no I/O.
 *
 * A path is the full IMAP mailbox name (decoded to UTF-8 by imapflow); a name is one segment of
 * it. Paths are never built into raw IMAP commands here: imapflow quotes them and encodes
 * modified UTF-7 (RFC 3501 §5.1.3) itself, so `%`, `*`, quotes, backslashes and `&` are safe.
 */

/** The longest segment accepted (also the contract's `maxLength`). Servers may allow less. */
export const MAX_NAME_LENGTH = 255;

// C0 and C1 controls and DEL: RFC 3501 mailbox names may carry them only as literals, most servers
// refuse them (Dovecot: "Control characters not allowed"), and they would break every display.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Unpaired UTF-16 surrogates cannot be encoded in UTF-8 or modified UTF-7.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Checks and normalizes a folder name typed by a user: trims surrounding white space and
 * composes it to NFC (so "é" typed two ways is one folder). `delimiter` is the server's
 * hierarchy separator, or null for a flat namespace.
 */
export function checkMailboxName(raw: string, delimiter: string | null): NameCheck {
  const name = raw.normalize('NFC').trim();
  if (name === '') return { ok: false, reason: 'The folder name is empty' };
  if (name.length > MAX_NAME_LENGTH) {
    return { ok: false, reason: `The folder name is longer than ${MAX_NAME_LENGTH} characters` };
  }
  if (CONTROL.test(name)) return { ok: false, reason: 'The folder name contains control characters' };
  if (LONE_SURROGATE.test(name)) return { ok: false, reason: 'The folder name is not valid Unicode' };
  if (delimiter && name.includes(delimiter)) {
    return { ok: false, reason: `The folder name cannot contain "${delimiter}", which separates subfolders` };
  }
  if (name === '.' || name === '..') return { ok: false, reason: `"${name}" cannot be a folder name` };
  return { ok: true, name };
}

/** The parent's path of `path`, or null at the top level (or in a flat namespace). */
export function parentPathOf(path: string, delimiter: string | null): string | null {
  if (!delimiter) return null;
  const at = path.lastIndexOf(delimiter);
  return at > 0 ? path.slice(0, at) : null;
}

/** The last segment of `path`, for display. */
export function leafNameOf(path: string, delimiter: string | null): string {
  if (!delimiter) return path;
  const at = path.lastIndexOf(delimiter);
  return at >= 0 ? path.slice(at + delimiter.length) : path;
}

/** The path of a folder `name` under `parentPath` (null: top level). */
export function childPath(parentPath: string | null, name: string, delimiter: string | null): string {
  if (parentPath === null) return name;
  if (!delimiter) throw new Error('a flat namespace has no subfolders');
  return `${parentPath}${delimiter}${name}`;
}

/** True when `path` is `ancestor` itself or lies anywhere below it. */
export function isSameOrBelow(path: string, ancestor: string, delimiter: string | null): boolean {
  if (path === ancestor) return true;
  return delimiter !== null && delimiter !== '' && path.startsWith(`${ancestor}${delimiter}`);
}

/** IMAP treats INBOX case-insensitively (RFC 3501 §5.1), and only at the top level. */
export function isInboxPath(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}
