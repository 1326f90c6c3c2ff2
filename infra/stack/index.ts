/**
 * The local mail stack: Dovecot (IMAP + LMTP), an SMTP submission server that delivers over
 * LMTP, and Redis. Tests, the demo and the benchmarks all go through this module (or the
 * `pnpm stack` CLI built on it); nothing here is mocked.
 *
 * Files: everything generated lives in `<repo>/.run/` (dovecot.conf, passwd, logs/, pid files,
 * stack.env), except
 * - Dovecot's base_dir (unix sockets), which is `/run/westwind-<hash>` because socket paths
 *   are limited to 108 bytes and checkout paths are not;
 * - the mail store and passwd-file when the checkout is not traversable by the `dovecot`
 *   user (e.g. under a 0700 home directory): they then live in
 *   `/var/lib/westwind-stack/<hash>/` and `.run/mail`, `.run/passwd` are symlinks to them.
 *
 * Extending Dovecot (e.g. the push_notification plugin for the push benchmark): put settings in
 * `.run/dovecot-extra.conf`; the generated config includes it last, so it can append to
 * `mail_plugins` or add `plugin {}` settings, and the next `up` restarts Dovecot with it.
 *
 * Redis: `REDIS_URL` from the environment wins; otherwise the shared 127.0.0.1:6379 if it
 * answers; otherwise (or with WESTWIND_STACK_OWN_REDIS=1) a private `redis-server` that
 * `down` stops again.
 *
 * Mail store layout, for code that writes messages directly (the seed generator):
 * - A user's home is `mailHome(env, address)` = `${MAIL_ROOT}/${address lower-cased}`, and
 *   the mailbox root is `${home}/Maildir` (`mail_location = maildir:~/Maildir`).
 * - The layout is Maildir++: INBOX is `Maildir/{cur,new,tmp}` itself; every other folder is
 *   a dot-prefixed sibling directory with `.` as the on-disk hierarchy separator, while IMAP
 *   clients see `/`. So IMAP folder `Archive/2024` is `Maildir/.Archive.2024/{cur,new,tmp}`.
 *   Folder names therefore cannot contain `.`, and non-ASCII names are stored in modified
 *   UTF-7 (RFC 3501); `maildirFolderPath()` does both.
 * - Every file and directory must be owned by dovecot:dovecot (`mailOwner()` gives the ids):
 *   Dovecot runs as that user and cannot index or expunge root-owned files.
 * - Files dropped into `new/` or `cur/` are picked up at the next mailbox sync; special-use
 *   folders (Sent, Drafts, Trash, Junk, Archive) are created on first login if missing.
 */
import { join } from 'node:path';
import type { StackEnv } from './env.js';
import { mailSystemIds, resolveLayout } from './layout.js';
import { normaliseAddress, upsertUsers } from './users.js';

export { BASIC_IMAP_HOST } from './dovecot.js';
export type { StackEnv } from './env.js';
export { readStackEnv, STACK_ENV_KEYS } from './env.js';
export type { StackStatus } from './stack.js';
export { stackDown, stackStatus, stackUp } from './stack.js';
export { DEMO_PASSWORD, DEMO_USER, SEED_USERS } from './users.js';

/**
 * Adds a user or changes its password. Dovecot re-reads the passwd-file on change and the
 * auth cache is off, so the new credentials work for the very next LOGIN (and SMTP AUTH).
 * The user's domain becomes a local domain for SMTP RCPT checks.
 */
export async function addMailUser(address: string, password: string): Promise<void> {
  const layout = await resolveLayout();
  await upsertUsers(layout, [{ address, password }]);
}

/** The user's home directory; its Maildir is `${home}/Maildir`. */
export function mailHome(env: StackEnv, address: string): string {
  return join(env.MAIL_ROOT, normaliseAddress(address));
}

/** uid/gid that must own every file in the mail store. */
export function mailOwner(): { uid: number; gid: number } {
  const ids = mailSystemIds();
  if (!ids) throw new Error('system user "dovecot" is missing; run `pnpm stack up` first');
  return ids;
}

/**
 * Directory of an IMAP folder in the Maildir++ store (see the module comment). `INBOX`
 * (any case) is the Maildir root itself.
 */
export function maildirFolderPath(env: StackEnv, address: string, folder: string): string {
  const maildir = join(mailHome(env, address), 'Maildir');
  if (folder.toUpperCase() === 'INBOX') return maildir;
  const parts = folder.split('/');
  for (const part of parts) {
    if (!part || part.includes('.') || part === '..') {
      throw new Error(`folder ${JSON.stringify(folder)} cannot be stored in Maildir++ (empty part or '.')`);
    }
  }
  return join(maildir, `.${parts.map(encodeModifiedUtf7).join('.')}`);
}

/** RFC 3501 modified UTF-7, as Dovecot uses for mailbox names on disk. */
export function encodeModifiedUtf7(name: string): string {
  let out = '';
  let pending = '';
  const flush = () => {
    if (!pending) return;
    const utf16 = Buffer.alloc(pending.length * 2);
    for (let i = 0; i < pending.length; i++) utf16.writeUInt16BE(pending.charCodeAt(i), i * 2);
    out += `&${utf16.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
    pending = '';
  };
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) {
      flush();
      out += char === '&' ? '&-' : char;
    } else {
      pending += char;
    }
  }
  flush();
  return out;
}
