// Where every generated file of the stack lives. Most of it is under <repo>/.run, with two
// exceptions forced by the environment (see resolveLayout).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RUN_DIR = join(REPO_ROOT, '.run');
export const ENV_FILE = join(RUN_DIR, 'stack.env');

/** 8 hex chars identifying this checkout, so two clones on one machine never share sockets or state. */
export const STACK_HASH = createHash('sha256')
  .update(existsSync(REPO_ROOT) ? realpathSync(REPO_ROOT) : REPO_ROOT)
  .digest('hex')
  .slice(0, 8);

export const MAIL_SYSTEM_USER = 'dovecot';
export const LOCAL_DOMAIN = 'westwind.test';

export interface Layout {
  repoRoot: string;
  runDir: string;
  hash: string;
  /** Dovecot's base_dir (unix sockets, master.pid): a short path, see below. */
  baseDir: string;
  /** Directory holding the mail store and passwd-file: runDir, or a fallback the dovecot user can reach. */
  dataDir: string;
  /** True when dataDir is the /var/lib fallback because the checkout is not traversable by dovecot. */
  dataDirIsFallback: boolean;
  mailRoot: string;
  passwdFile: string;
  dovecotConfig: string;
  /** Optional hand-written additions, included by dovecot.conf if present (e.g. push_notification). */
  dovecotExtraConfig: string;
  stateDir: string;
  logDir: string;
  envFile: string;
  lockFile: string;
  passwdLockFile: string;
  dovecotPidFile: string;
  smtpPidFile: string;
  redisPidFile: string;
  mailUid: number;
  mailGid: number;
}

export function mailSystemIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', MAIL_SYSTEM_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', MAIL_SYSTEM_USER], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/**
 * Can the dovecot user reach `path`? Asked of the kernel (runuser + test -x checks every
 * directory on the way), because a CI checkout under a 0700 home directory looks perfectly
 * fine to root. Falls back to walking the modes if runuser is unavailable.
 */
export function dovecotCanTraverse(path: string, ids: { uid: number; gid: number }): boolean {
  try {
    execFileSync('runuser', ['-u', MAIL_SYSTEM_USER, '--', 'test', '-x', path], { stdio: 'ignore' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  let current = resolve(path);
  for (;;) {
    const info = statSync(current);
    const bits = info.uid === ids.uid ? 0o100 : info.gid === ids.gid ? 0o010 : 0o001;
    if ((info.mode & bits) === 0) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

export function baseDirFor(hash: string): string {
  // Unix socket paths max out at 108 bytes; Dovecot puts sockets like
  // <base_dir>/login/imap-login... there, and a CI checkout path can be long on its own.
  const parent = existsSync('/run') ? '/run' : '/tmp';
  return `${parent}/westwind-${hash}`;
}

export function layoutPaths(dataDir: string, ids: { uid: number; gid: number }, fallback: boolean): Layout {
  return {
    repoRoot: REPO_ROOT,
    runDir: RUN_DIR,
    hash: STACK_HASH,
    baseDir: baseDirFor(STACK_HASH),
    dataDir,
    dataDirIsFallback: fallback,
    mailRoot: join(dataDir, 'mail'),
    passwdFile: join(dataDir, 'passwd'),
    dovecotConfig: join(RUN_DIR, 'dovecot.conf'),
    dovecotExtraConfig: join(RUN_DIR, 'dovecot-extra.conf'),
    stateDir: join(RUN_DIR, 'dovecot-state'),
    logDir: join(RUN_DIR, 'logs'),
    envFile: ENV_FILE,
    lockFile: join(RUN_DIR, 'stack.lock'),
    passwdLockFile: join(RUN_DIR, 'passwd.lock'),
    dovecotPidFile: join(RUN_DIR, 'dovecot.pid'),
    smtpPidFile: join(RUN_DIR, 'smtp-submission.pid'),
    redisPidFile: join(RUN_DIR, 'redis.pid'),
    mailUid: ids.uid,
    mailGid: ids.gid,
  };
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Decides where the Dovecot-visible data goes and creates the directories.
 *
 * The mail store and passwd-file must be reachable by the unprivileged dovecot user (the auth
 * process reads the passwd-file as dovecot, mail processes run as dovecot). If the checkout
 * sits under a directory dovecot cannot traverse, they move to /var/lib/westwind-stack/<hash>
 * and .run/mail and .run/passwd become symlinks to them. The decision is sticky: once
 * .run/mail is a symlink, later runs keep using its target so no mail is stranded.
 */
export async function resolveLayout(): Promise<Layout> {
  if (userInfo().uid !== 0) throw new Error(notRootMessage());
  const ids = mailSystemIds();
  if (!ids)
    throw new Error(
      `system user "${MAIL_SYSTEM_USER}" is missing: is Dovecot installed? (pnpm stack up installs it)`,
    );
  await mkdir(RUN_DIR, { recursive: true, mode: 0o755 });
  // .run may have been created by a umask-077 shell; dovecot must be able to pass through it.
  await chmod(RUN_DIR, 0o755);

  const runMail = join(RUN_DIR, 'mail');
  const runPasswd = join(RUN_DIR, 'passwd');
  let dataDir = RUN_DIR;
  let fallback = false;
  if (await isSymlink(runMail)) {
    dataDir = dirname(resolve(RUN_DIR, await readlink(runMail)));
    fallback = true;
  } else if (!existsSync(runMail) && !dovecotCanTraverse(RUN_DIR, ids)) {
    dataDir = join('/var/lib/westwind-stack', STACK_HASH);
    fallback = true;
  }
  const layout = layoutPaths(dataDir, ids, fallback);

  await mkdir(layout.dataDir, { recursive: true, mode: 0o755 });
  if (fallback) {
    await chmod('/var/lib/westwind-stack', 0o755).catch(() => undefined);
    await chmod(layout.dataDir, 0o755);
  }
  await mkdir(layout.mailRoot, { recursive: true, mode: 0o750 });
  await chown(layout.mailRoot, ids.uid, ids.gid);
  await mkdir(layout.logDir, { recursive: true, mode: 0o755 });
  await mkdir(layout.stateDir, { recursive: true, mode: 0o755 });
  if (fallback) {
    if (!existsSync(runMail) && !(await isSymlink(runMail))) await symlink(layout.mailRoot, runMail);
    if (!existsSync(runPasswd) && !(await isSymlink(runPasswd))) await symlink(layout.passwdFile, runPasswd);
  }
  return layout;
}

/** The path layout without creating anything, for read-only callers (status, down). */
export async function peekLayout(): Promise<Layout | null> {
  const ids = mailSystemIds();
  if (!ids) return null;
  const runMail = join(RUN_DIR, 'mail');
  if (await isSymlink(runMail)) {
    return layoutPaths(dirname(resolve(RUN_DIR, await readlink(runMail))), ids, true);
  }
  return layoutPaths(RUN_DIR, ids, false);
}

export function notRootMessage(): string {
  return [
    'the Westwind mail stack must run as root: sudo pnpm stack up',
    '(Dovecot is started from a generated config and drops privileges to the dovecot/dovenull',
    'system users, mail files must be owned by dovecot, and missing Debian packages are',
    'installed with apt-get).',
  ].join('\n');
}
