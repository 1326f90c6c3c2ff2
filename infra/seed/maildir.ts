/**
 * Writes generated messages straight into a Dovecot Maildir++ store — far
 * faster than APPEND or LMTP for 100,000 messages.
 *
 * Layout (Dovecot `mail_location = maildir:~/Maildir`, IMAP separator '/'):
 *   INBOX           → <home>/Maildir/{cur,new,tmp}
 *   Archive/2025    → <home>/Maildir/.Archive.2025/{cur,new,tmp}
 *   Reçus           → <home>/Maildir/.Re&AOc-us/...   (modified UTF-7)
 * Files go to cur/ as `<unixtime>.M<seq>P<run>.westwind,S=<size>,W=<size>:2,<flags>`
 * with mtime = the message date (Dovecot's INTERNALDATE for maildir) and are
 * owned by the dovecot user when it exists.
 *
 * I/O is synchronous on purpose: the work is CPU-bound (rendering MIME), and
 * parallelism comes from worker threads that each render and write a shard
 * of the messages (see seedMaildir).
 */
import {
  chownSync,
  closeSync,
  existsSync,
  fchownSync,
  futimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type GeneratedMessage, type GenerateOptions, generateMessages } from './generate.js';
import { encodeMutf7, maildirFolderDir } from './mutf7.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** Keywords the generator uses, in the order they get maildir letters a, b, c, ... */
export const SEED_KEYWORDS = ['$Forwarded', '$Junk', '$NotJunk', '$label1'] as const;

const SYSTEM_FLAG_CHARS: Record<string, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

/** The dovecot user's uid/gid from /etc/passwd, or null when it does not exist. */
export function lookupDovecotOwner(passwdPath = '/etc/passwd', user = 'dovecot'): Owner | null {
  try {
    for (const line of readFileSync(passwdPath, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f.length >= 4) {
        const uid = Number(f[2]);
        const gid = Number(f[3]);
        if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
      }
    }
  } catch {
    // no passwd file: leave ownership alone
  }
  return null;
}

/** Maildir info flags: system flags and keyword letters, sorted (e.g. "FRS", "Sa"). */
export function maildirFlags(
  flags: readonly string[],
  keywords: readonly string[],
  keywordIndex: ReadonlyMap<string, number>,
): string {
  const chars = new Set<string>();
  for (const f of flags) {
    const c = SYSTEM_FLAG_CHARS[f];
    if (!c) throw new Error(`unknown system flag ${f}`);
    chars.add(c);
  }
  for (const k of keywords) {
    const i = keywordIndex.get(k);
    if (i === undefined || i > 25) throw new Error(`keyword ${k} has no maildir letter`);
    chars.add(String.fromCharCode(0x61 + i));
  }
  return [...chars].sort().join('');
}

/** `<unixtime>.M<seq>P<run>.westwind,S=<size>,W=<size>:2,<flags>` */
export function maildirFilename(opts: {
  time: number;
  seq: number;
  runId: number;
  size: number;
  flags: string;
}): string {
  const secs = Math.floor(opts.time / 1000);
  return `${secs}.M${opts.seq}P${opts.runId}.westwind,S=${opts.size},W=${opts.size}:2,${opts.flags}`;
}

const FILENAME_RE = /^(\d+)\.M(\d+)P(\d+)\.westwind,S=(\d+),W=(\d+):2,([A-Za-z]*)$/;

export function parseMaildirFilename(
  name: string,
): { secs: number; seq: number; runId: number; size: number; vsize: number; flags: string } | null {
  const m = FILENAME_RE.exec(name);
  if (!m) return null;
  return {
    secs: Number(m[1]),
    seq: Number(m[2]),
    runId: Number(m[3]),
    size: Number(m[4]),
    vsize: Number(m[5]),
    flags: m[6]!,
  };
}

export function maildirRoot(home: string): string {
  return join(home, 'Maildir');
}

export function folderPath(home: string, folder: string): string {
  const dir = maildirFolderDir(folder);
  return dir === '' ? maildirRoot(home) : join(maildirRoot(home), dir);
}

function mkdirOwned(path: string, owner: Owner | null): void {
  if (!existsSync(path)) mkdirSync(path, { mode: 0o700 });
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** Create the user's home, Maildir and every folder (cur/new/tmp, maildirfolder marker). */
export function ensureFolders(home: string, folders: readonly string[], owner: Owner | null): void {
  const mailRoot = dirname(home);
  if (!existsSync(mailRoot)) {
    // normally the stack creates it; ancestors made here stay traversable for the dovecot user
    mkdirSync(mailRoot, { recursive: true, mode: 0o755 });
    if (owner) chownSync(mailRoot, owner.uid, owner.gid);
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (owner) chownSync(home, owner.uid, owner.gid);
  mkdirOwned(maildirRoot(home), owner);
  const all = new Set<string>(['INBOX']);
  for (const f of folders) {
    // parents too, so `Projects/Westwind/Design` never has a missing `Projects/Westwind`
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
  }
  for (const f of all) {
    const dir = folderPath(home, f);
    mkdirOwned(dir, owner);
    for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(dir, sub), owner);
    if (f.toUpperCase() !== 'INBOX') {
      const marker = join(dir, 'maildirfolder');
      if (!existsSync(marker)) writeFileSync(marker, '', { mode: 0o600 });
      if (owner) chownSync(marker, owner.uid, owner.gid);
    }
  }
}

/** Dovecot 2.3 subscriptions file (version 2: hierarchy levels separated by TAB, names in modified UTF-7). */
export function subscriptionsFile(folders: readonly string[]): string {
  const lines = folders.map((f) =>
    f.toUpperCase() === 'INBOX' ? 'INBOX' : f.split('/').map(encodeMutf7).join('\t'),
  );
  return `V\t2\n\n${[...new Set(lines)].join('\n')}\n`;
}

export function parseSubscriptions(text: string): string[] {
  const v2 = text.startsWith('V\t2\n\n');
  const body = v2 ? text.slice(5) : text;
  return body
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (v2 ? l.split('\t').join('.') : l));
}

/** Add folders to the subscriptions file, keeping what is already there. */
export function writeSubscriptions(home: string, folders: readonly string[], owner: Owner | null): void {
  const path = join(maildirRoot(home), 'subscriptions');
  let existing: string[] = [];
  try {
    existing = parseSubscriptions(readFileSync(path, 'utf8'));
  } catch {
    // none yet
  }
  const fromDisk = existing.map((storage) => storage.split('.').join('/')); // storage names (mUTF-7) with '/' levels
  const ours = folders.map((f) =>
    f.toUpperCase() === 'INBOX' ? 'INBOX' : f.split('/').map(encodeMutf7).join('/'),
  );
  const merged = [...new Set([...fromDisk, ...ours])];
  const text = `V\t2\n\n${merged.map((n) => n.split('/').join('\t')).join('\n')}\n`;
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  if (owner) chownSync(`${path}.tmp`, owner.uid, owner.gid);
  renameSync(`${path}.tmp`, path);
}

/** Parse a `dovecot-keywords` file ("<index> <name>" per line). */
export function parseKeywords(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line);
    if (m) map.set(m[2]!, Number(m[1]));
  }
  return map;
}

/**
 * Make sure `dovecot-keywords` in the folder has our keywords; existing
 * assignments (possibly made by Dovecot) are kept, new ones take free letters.
 */
export function ensureKeywords(
  dir: string,
  keywords: readonly string[],
  owner: Owner | null,
): Map<string, number> {
  const path = join(dir, 'dovecot-keywords');
  let map = new Map<string, number>();
  try {
    map = parseKeywords(readFileSync(path, 'utf8'));
  } catch {
    // none yet
  }
  let changed = false;
  for (const k of keywords) {
    if (map.has(k)) continue;
    const used = new Set(map.values());
    let i = 0;
    while (used.has(i)) i++;
    if (i > 25) throw new Error(`no free maildir keyword letter in ${dir}`);
    map.set(k, i);
    changed = true;
  }
  if (changed) {
    const text = `${[...map]
      .sort((a, b) => a[1] - b[1])
      .map(([k, i]) => `${i} ${k}`)
      .join('\n')}\n`;
    writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
    if (owner) chownSync(`${path}.tmp`, owner.uid, owner.gid);
    renameSync(`${path}.tmp`, path);
  }
  return map;
}

/** Next run id: one more than any run id already used in our filenames under this Maildir (1 when empty). */
export function nextRunId(home: string, folders: readonly string[]): number {
  let max = 0;
  for (const f of folders) {
    for (const sub of ['cur', 'new']) {
      let names: string[] = [];
      try {
        names = readdirSync(join(folderPath(home, f), sub));
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /\.M\d+P(\d+)\.westwind/.exec(n);
        if (m) max = Math.max(max, Number(m[1]));
      }
    }
  }
  return max + 1;
}

/**
 * Move the Maildir out of Dovecot's way (instantly) and delete it in the
 * background; the returned promise settles when it is gone. Deleting 100k
 * files takes ~10 s, which this overlaps with writing the new messages.
 */
function detachMaildir(home: string): Promise<void> {
  const from = maildirRoot(home);
  const doomed: string[] = [];
  try {
    // leftovers of an interrupted earlier reset
    for (const n of readdirSync(home)) if (n.startsWith('.Maildir.deleting-')) doomed.push(join(home, n));
  } catch {
    // no home yet
  }
  if (existsSync(from)) {
    const aside = join(home, `.Maildir.deleting-${process.pid}-${Math.floor(performance.now())}`);
    renameSync(from, aside);
    doomed.push(aside);
  }
  return Promise.all(doomed.map((d) => rm(d, { recursive: true, force: true, maxRetries: 3 }))).then(
    () => undefined,
  );
}

export interface FolderStats {
  messages: number;
  bytes: number;
}

export interface WriteStats {
  messages: number;
  bytes: number;
  folders: Record<string, FolderStats>;
}

export interface WriteContext {
  home: string;
  runId: number;
  owner: Owner | null;
  keywordMaps: Map<string, Map<string, number>>;
}

function addStats(stats: WriteStats, folder: string, bytes: number): void {
  stats.messages++;
  stats.bytes += bytes;
  const f = stats.folders[folder] ?? { messages: 0, bytes: 0 };
  stats.folders[folder] = f;
  f.messages++;
  f.bytes += bytes;
}

export function emptyStats(): WriteStats {
  return { messages: 0, bytes: 0, folders: {} };
}

export function mergeStats(into: WriteStats, from: WriteStats): void {
  into.messages += from.messages;
  into.bytes += from.bytes;
  for (const [f, s] of Object.entries(from.folders)) {
    const t = into.folders[f] ?? { messages: 0, bytes: 0 };
    into.folders[f] = t;
    t.messages += s.messages;
    t.bytes += s.bytes;
  }
}

/** Write one message: tmp/ → set mtime and owner → rename into cur/. Returns the file name. */
export function writeMessage(
  ctx: WriteContext,
  msg: Pick<GeneratedMessage, 'folder' | 'seq' | 'date' | 'raw' | 'flags' | 'keywords'>,
): string {
  const dir = folderPath(ctx.home, msg.folder);
  const kw = ctx.keywordMaps.get(msg.folder) ?? new Map();
  const name = maildirFilename({
    time: msg.date.getTime(),
    seq: msg.seq,
    runId: ctx.runId,
    size: msg.raw.length,
    flags: maildirFlags(msg.flags, msg.keywords, kw),
  });
  const tmp = join(dir, 'tmp', name);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    let off = 0;
    while (off < msg.raw.length) off += writeSync(fd, msg.raw, off, msg.raw.length - off);
    const secs = msg.date.getTime() / 1000;
    futimesSync(fd, secs, secs);
    if (ctx.owner) fchownSync(fd, ctx.owner.uid, ctx.owner.gid);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'cur', name));
  return name;
}

/** Render and write (in this thread) the messages of one shard. */
export function writeShard(
  gen: GenerateOptions,
  ctx: WriteContext,
  onProgress?: (s: WriteStats) => void,
): WriteStats {
  const stats = emptyStats();
  let last = 0;
  for (const msg of generateMessages(gen)) {
    writeMessage(ctx, msg);
    addStats(stats, msg.folder, msg.raw.length);
    if (onProgress && stats.messages - last >= 1000) {
      last = stats.messages;
      onProgress(stats);
    }
  }
  return stats;
}

export interface SeedMaildirOptions {
  gen: Omit<GenerateOptions, 'shard'>;
  home: string;
  /** Every folder to create (and subscribe), even if it gets no messages. */
  createFolders: readonly string[];
  reset?: boolean;
  owner?: Owner | null;
  /** Worker threads (0 = render and write in this thread). Default: 2 for big seeds. */
  workers?: number;
  onProgress?: (s: WriteStats) => void;
}

export interface SeedMaildirResult extends WriteStats {
  runId: number;
  workers: number;
  /** Time spent deleting the old Maildir (--reset), in the background while writing. */
  resetMs: number;
}

/**
 * Create folders, subscriptions and keyword files, then render and write every
 * message, sharded over worker threads (message seq % workers).
 */
export async function seedMaildir(opts: SeedMaildirOptions): Promise<SeedMaildirResult> {
  const owner = opts.owner === undefined ? lookupDovecotOwner() : opts.owner;
  const deleting = opts.reset ? detachMaildir(opts.home) : Promise.resolve();
  const t0 = performance.now();
  let resetMs = 0;
  const finished = deleting.then(() => {
    resetMs = performance.now() - t0;
  });
  const folders = [...new Set(['INBOX', ...opts.createFolders])];
  ensureFolders(opts.home, folders, owner);
  writeSubscriptions(opts.home, folders, owner);
  const runId = nextRunId(opts.home, folders);
  const keywordMaps = new Map<string, Map<string, number>>();
  for (const f of folders) keywordMaps.set(f, ensureKeywords(folderPath(opts.home, f), SEED_KEYWORDS, owner));
  const ctx: WriteContext = { home: opts.home, runId, owner, keywordMaps };
  const total = Object.values(opts.gen.counts).reduce((a, b) => a + b, 0);
  const workers = opts.workers ?? (total >= 3000 ? Math.min(2, availableParallelism()) : 0);
  if (workers <= 1) {
    await finished; // writing in this thread would block the deletion anyway
    const stats = writeShard(opts.gen, ctx, opts.onProgress);
    return { ...stats, runId, workers: 0, resetMs };
  }
  const stats = emptyStats();
  const progress = new Array<WriteStats>(workers).fill(emptyStats());
  const report = () => {
    if (!opts.onProgress) return;
    const s = emptyStats();
    for (const p of progress) mergeStats(s, p);
    opts.onProgress(s);
  };
  // Running from TypeScript sources (tsx): the worker registers the tsx loader before importing itself.
  const fromTs = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(fromTs ? './worker.ts' : './worker.js', import.meta.url);
  let entry: URL | string = workerUrl;
  if (fromTs) {
    let tsxApi: string;
    try {
      tsxApi = import.meta.resolve('tsx/esm/api');
    } catch {
      await finished;
      const stats = writeShard(opts.gen, ctx, opts.onProgress);
      return { ...stats, runId, workers: 0, resetMs };
    }
    entry = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
  }
  await Promise.all(
    Array.from({ length: workers }, (_, index) => {
      return new Promise<void>((resolve, reject) => {
        const w = new Worker(entry, {
          eval: typeof entry === 'string',
          workerData: {
            gen: { ...opts.gen, shard: { index, count: workers } },
            ctx: { home: ctx.home, runId, owner, keywordMaps: [...keywordMaps].map(([f, m]) => [f, [...m]]) },
          },
        });
        w.on('message', (m: { type: 'progress' | 'done'; stats: WriteStats }) => {
          progress[index] = m.stats;
          if (m.type === 'done') mergeStats(stats, m.stats);
          report();
        });
        w.on('error', reject);
        w.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`seed worker ${index} exited with code ${code}`)),
        );
      });
    }),
  );
  await finished;
  return { ...stats, runId, workers, resetMs };
}

/** Disk usage of a directory tree in bytes (allocated blocks), like `du -s`. */
export function diskUsage(path: string): number {
  let total = 0;
  const walk = (p: string) => {
    const st = statSync(p);
    total += st.blocks * 512;
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
  return total;
}
