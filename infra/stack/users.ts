// The passwd-file Dovecot authenticates against, and the SMTP submission server reads to know
// which local recipients exist. Passwords are stored in clear ({PLAIN}): this is a throwaway
// loopback test stack, and tests need to know every password anyway.
import { chmod, chown, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { type Layout, LOCAL_DOMAIN } from './layout.js';
import { sleep, withFileLock } from './proc.js';

export const DEMO_USER = `demo@${LOCAL_DOMAIN}`;
export const DEMO_PASSWORD = 'demo-password';

export const SEED_USERS: ReadonlyArray<{ address: string; password: string }> = [
  'demo',
  'alice',
  'bob',
  'carol',
  'bench',
].map((name) => ({ address: `${name}@${LOCAL_DOMAIN}`, password: `${name}-password` }));

/**
 * Dovecot lower-cases login names (auth_username_format = %Lu) before looking them up, and
 * the home directory is derived from that name, so every address is normalised the same way.
 */
export function normaliseAddress(address: string): string {
  const value = address.trim().toLowerCase();
  if (!/^[^\s:@/\\]+@[a-z0-9.-]+\.[a-z0-9-]+$/.test(value) || value.includes('..')) {
    throw new Error(`not a valid mail address for a local user: ${JSON.stringify(address)}`);
  }
  return value;
}

function encodePassword(password: string): string {
  if (password.length === 0) throw new Error('empty passwords are not allowed');
  if (password.includes('\0')) throw new Error('passwords cannot contain NUL');
  // ':' separates passwd-file fields and line breaks separate entries; Dovecot accepts an
  // explicit base64 encoding suffix on the scheme for such values.
  return /[:\r\n]/.test(password) || /^\s|\s$/.test(password)
    ? `{PLAIN.b64}${Buffer.from(password, 'utf8').toString('base64')}`
    : `{PLAIN}${password}`;
}

/** Parses the passwd-file into address → encoded password field. */
export function parsePasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const rest = line.slice(colon + 1);
    const end = rest.indexOf(':');
    users.set(line.slice(0, colon), end === -1 ? rest : rest.slice(0, end));
  }
  return users;
}

export async function readPasswd(file: string): Promise<Map<string, string>> {
  try {
    return parsePasswd(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
}

/**
 * Adds or updates users. Rewrites the file only if something changed (atomically), and makes
 * sure its mtime moves: Dovecot re-reads a passwd-file when mtime or size differ, at one-second
 * mtime granularity, so a same-length password change within the same second would otherwise
 * go unnoticed. Takes up to a second when something changed (see the end).
 */
export async function upsertUsers(
  layout: Layout,
  entries: ReadonlyArray<{ address: string; password: string }>,
): Promise<void> {
  const normalised = entries.map(({ address, password }) => ({
    address: normaliseAddress(address),
    field: encodePassword(password),
  }));
  await withFileLock(layout.passwdLockFile, async () => {
    const users = await readPasswd(layout.passwdFile);
    let changed = false;
    for (const { address, field } of normalised) {
      if (users.get(address) !== field) {
        users.set(address, field);
        changed = true;
      }
    }
    const previous = await stat(layout.passwdFile).catch(() => null);
    if (!changed && previous) return;
    const body = [...users].map(([address, field]) => `${address}:${field}::::::`).join('\n');
    const tmp = `${layout.passwdFile}.${process.pid}.tmp`;
    await writeFile(tmp, `${body}\n`, { mode: 0o640 });
    // Read by Dovecot's auth process, which runs as the dovecot user.
    await chown(tmp, 0, layout.mailGid);
    await chmod(tmp, 0o640);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const previousSeconds = previous ? Math.floor(previous.mtimeMs / 1000) : 0;
    const mtime = Math.max(nowSeconds, previousSeconds + 1);
    await utimes(tmp, mtime, mtime);
    await rename(tmp, layout.passwdFile);
    // Dovecot stats the file at most once per wall-clock second (per auth process), so a
    // lookup later in the second of an earlier lookup would still see the old entries.
    // Returning only after the next second boundary makes "works at the next LOGIN" true.
    await sleep(1_010 - (Date.now() % 1_000));
  });
}
