/**
 * `pnpm stack seed [options]` (or `tsx infra/seed/cli.ts [options]`): fill a
 * user's mailbox in the local Dovecot with realistic, deterministic mail.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_SIZE, DEFAULT_REFERENCE_DATE, folderCounts, seedFolders } from './generate.js';
import { diskUsage, seedMaildir, type WriteStats } from './maildir.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STACK_ENV = path.join(REPO_ROOT, '.run', 'stack.env');

export const USAGE = `usage: pnpm stack seed [options]

Writes realistic mail straight into a user's Maildir in the local Dovecot
(threads across INBOX and Sent, HTML + text, attachments, inline images,
RFC 2047 headers in many scripts, mailing lists, legacy charsets, flags).
Output is deterministic for a given --seed, --count and --reference-date.

  --user ADDRESS        mailbox to fill (default: DEMO_USER from .run/stack.env)
  --count N             INBOX messages (default 500); other folders get
                        proportionate amounts unless --inbox-only
  --inbox-only          fill only INBOX (threads' replies are not written)
  --folders A,B,...     only write these folders (default: all); the plan,
                        and so every message, is the same as a full run
  --seed VALUE          PRNG seed (default "westwind")
  --reset               delete the user's Maildir first
  --large               include rare multi-MB messages (up to ~10 MB);
                        otherwise every message is at most --max-size
  --max-size BYTES      per-message cap without --large (default ${DEFAULT_MAX_SIZE},
                        at least 50000)
  --reference-date ISO  dates are spread over the 2 years before this
                        (default ${DEFAULT_REFERENCE_DATE})
  --mail-root PATH      mail store root (default: MAIL_ROOT from .run/stack.env)
  --workers N           writer threads (default: 2 for big seeds, else 0)
  --dovecot-config PATH config for \`doveadm -c\` (default: DOVECOT_CONFIG from .run/stack.env)
  --no-resync           skip \`doveadm force-resync\` afterwards (it makes the
                        first SELECT fast; needs doveadm and DOVECOT_CONFIG)
  --quiet               print nothing but errors
  -h, --help            this text
`;

class UsageError extends Error {}

export interface SeedCliOptions {
  user: string;
  count: number;
  inboxOnly: boolean;
  folders?: string[];
  seed: string;
  reset: boolean;
  large: boolean;
  maxSize: number;
  referenceDate: string;
  mailRoot: string;
  workers?: number;
  resync: boolean;
  quiet: boolean;
  dovecotConfig?: string;
}

/** Shell-style KEY=value lines (bare or single/double-quoted values). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.startsWith("'")) {
      v = v
        .split(`'\\''`)
        .map((p) => p.replace(/^'/, '').replace(/'$/, ''))
        .join("'");
    } else if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

function readStackEnv(): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(STACK_ENV, 'utf8'));
  } catch {
    return {};
  }
}

function intOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Parse argv into options (throws UsageError on bad input). Exported for tests. */
export function parseSeedArgs(
  argv: string[],
  env: Record<string, string> = readStackEnv(),
): SeedCliOptions | 'help' {
  let values: ReturnType<typeof parse>['values'];
  function parse(a: string[]) {
    return parseArgs({
      args: a,
      strict: true,
      allowPositionals: false,
      options: {
        user: { type: 'string' },
        count: { type: 'string' },
        'inbox-only': { type: 'boolean' },
        folders: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean' },
        large: { type: 'boolean' },
        'max-size': { type: 'string' },
        'reference-date': { type: 'string' },
        'mail-root': { type: 'string' },
        workers: { type: 'string' },
        'no-resync': { type: 'boolean' },
        'dovecot-config': { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    values = parse(argv).values;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const user = (values.user ?? env.DEMO_USER ?? '').toLowerCase();
  if (!user) throw new UsageError('no --user given and no DEMO_USER in .run/stack.env (is the stack up?)');
  if (!/^[^\s@/]+@[^\s@/]+$/.test(user))
    throw new UsageError(`--user must be an email address, got ${JSON.stringify(user)}`);
  const mailRoot = values['mail-root'] ?? env.MAIL_ROOT;
  if (!mailRoot)
    throw new UsageError('no --mail-root given and no MAIL_ROOT in .run/stack.env (is the stack up?)');
  const referenceDate = values['reference-date'] ?? DEFAULT_REFERENCE_DATE;
  if (Number.isNaN(new Date(referenceDate).getTime()))
    throw new UsageError(`--reference-date is not a date: ${JSON.stringify(referenceDate)}`);
  const known = seedFolders(referenceDate);
  let folders: string[] | undefined;
  if (values.folders !== undefined) {
    folders = values.folders
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => (f.toUpperCase() === 'INBOX' ? 'INBOX' : f));
    if (folders.length === 0) throw new UsageError('--folders is empty');
    const unknown = folders.filter((f) => !known.includes(f));
    if (unknown.length > 0)
      throw new UsageError(`unknown folder(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  const workers = intOption('workers', values.workers, 0, 64);
  return {
    user,
    count: intOption('count', values.count, 0, 10_000_000) ?? 500,
    inboxOnly: values['inbox-only'] ?? false,
    ...(folders ? { folders } : {}),
    seed: values.seed ?? 'westwind',
    reset: values.reset ?? false,
    large: values.large ?? false,
    maxSize: intOption('max-size', values['max-size'], 50_000, 50_000_000) ?? DEFAULT_MAX_SIZE,
    referenceDate,
    mailRoot: path.resolve(mailRoot),
    ...(workers !== undefined ? { workers } : {}),
    resync: !(values['no-resync'] ?? false),
    quiet: values.quiet ?? false,
    ...((values['dovecot-config'] ?? env.DOVECOT_CONFIG)
      ? { dovecotConfig: values['dovecot-config'] ?? env.DOVECOT_CONFIG }
      : {}),
  };
}

function run(
  cmd: string,
  args: string[],
  timeoutMs = 600_000,
): Promise<{ ok: boolean; output: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({
        ok: !err,
        output: `${stdout}${stderr}`.trim() || (err ? err.message : ''),
        ms: performance.now() - t0,
      });
    });
  });
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    if (existsSync(p)) return p;
  }
  for (const p of [`/usr/bin/${cmd}`, `/usr/sbin/${cmd}`]) if (existsSync(p)) return p;
  return undefined;
}

export interface ResyncResult {
  skipped?: string;
  ms?: number;
  error?: string;
}

/**
 * Make Dovecot take the new files in now rather than at the first SELECT:
 * `doveadm force-resync` builds the uidlist and index of every folder. For a
 * 100,000-message INBOX this takes ~0.4 s and brings the first SELECT from
 * ~400 ms down to ~80-110 ms. (`doveadm index` was measured too: 4-13 s for
 * 100k messages and no gain for SELECT or a FETCH of the newest 50 without
 * FTS, so it is not run.)
 */
export async function dovecotResync(user: string, config: string | undefined): Promise<ResyncResult> {
  const doveadm = which('doveadm');
  if (!doveadm) return { skipped: 'doveadm not installed' };
  if (!config || !existsSync(config))
    return { skipped: 'no DOVECOT_CONFIG (stack not up? pass --dovecot-config)' };
  const r = await run(doveadm, ['-c', config, 'force-resync', '-u', user, '*']);
  return r.ok ? { ms: r.ms } : { ms: r.ms, error: `doveadm force-resync: ${r.output}` };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export async function runSeed(
  o: SeedCliOptions,
): Promise<{ stats: WriteStats; elapsedMs: number; resync: ResyncResult }> {
  const log = (s: string) => {
    if (!o.quiet) process.stdout.write(`${s}\n`);
  };
  const home = path.join(o.mailRoot, o.user);
  const all = seedFolders(o.referenceDate);
  const counts = folderCounts(o.count, { inboxOnly: o.inboxOnly, referenceDate: o.referenceDate });
  const write = o.folders ?? (o.inboxOnly ? ['INBOX'] : all);
  log(
    `seeding ${o.user} in ${home} (seed ${JSON.stringify(o.seed)}, INBOX ${o.count}${o.reset ? ', reset' : ''}${o.large ? ', large' : ''})`,
  );
  const t0 = performance.now();
  let lastLog = t0;
  const result = await seedMaildir({
    gen: {
      seed: o.seed,
      user: o.user,
      referenceDate: o.referenceDate,
      counts,
      folders: write,
      large: o.large,
      maxSize: o.maxSize,
    },
    home,
    createFolders: all,
    reset: o.reset,
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    onProgress: (s) => {
      const now = performance.now();
      if (now - lastLog > 2000) {
        lastLog = now;
        log(`  ... ${s.messages} messages, ${mb(s.bytes)}`);
      }
    },
  });
  const elapsedMs = performance.now() - t0;
  const rows = Object.entries(result.folders).sort((a, b) => all.indexOf(a[0]) - all.indexOf(b[0]));
  const width = Math.max(8, ...rows.map(([f]) => f.length));
  for (const [f, s] of rows)
    log(`  ${f.padEnd(width)} ${String(s.messages).padStart(8)} msgs ${mb(s.bytes).padStart(10)}`);
  log(
    `wrote ${result.messages} messages (${mb(result.bytes)}) in ${(elapsedMs / 1000).toFixed(2)} s = ${Math.round(result.messages / (elapsedMs / 1000))} msg/s` +
      ` [run ${result.runId}, ${result.workers || 'no'} worker threads` +
      `${o.reset ? `, incl. ${(result.resetMs / 1000).toFixed(2)} s deleting the old Maildir${result.workers ? ' (in parallel)' : ''}` : ''}]`,
  );
  let resync: ResyncResult = { skipped: '--no-resync' };
  if (o.resync) {
    resync = await dovecotResync(o.user, o.dovecotConfig);
    if (resync.skipped) log(`doveadm force-resync skipped: ${resync.skipped}`);
    else if (resync.error) process.stderr.write(`seed: warning: ${resync.error}\n`);
    else log(`doveadm force-resync in ${((resync.ms ?? 0) / 1000).toFixed(2)} s`);
  }
  if (!o.quiet && result.messages >= 10_000)
    log(`disk usage of ${path.join(home, 'Maildir')}: ${mb(diskUsage(path.join(home, 'Maildir')))}`);
  return { stats: result, elapsedMs, resync };
}

/** Entry point used by `pnpm stack seed ...`. Bad options print usage and exit with status 2. */
export async function seedCommand(argv: string[]): Promise<void> {
  let opts: SeedCliOptions | 'help';
  try {
    opts = parseSeedArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`seed: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  await runSeed(opts);
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  seedCommand(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`seed: ${e.message}\n`);
    process.exit(1);
  });
}
