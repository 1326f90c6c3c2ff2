// Process, port, file and lock helpers shared by the stack modules. Everything here is
// deliberately dependency-free so the public API (index.ts) can be imported from any package
// in the monorepo without pulling in smtp-server or imapflow.
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { chmod, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws for a non-zero exit, only for a missing binary. */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error(`${file}: command not found`));
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else, which still counts as alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads a pid file and returns the pid only if that process is alive and its command line
 * contains `marker`: pids are recycled, and a stale pid file must never make `down` kill an
 * unrelated process.
 */
export async function livePid(pidFile: string, marker: string): Promise<number | null> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return null;
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
    return cmdline.includes(marker) ? pid : null;
  } catch (error) {
    // Dovecot's master is non-dumpable, so a non-root `status` may not read its command line;
    // a live pid from our own pid file is the best evidence available then.
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? pid : null;
  }
}

/** Atomically (re)writes a world-readable pid file, so `status` works without root. */
export async function writePidFile(path: string, pid: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${pid}\n`);
  await chmod(tmp, 0o644);
  await rename(tmp, path);
}

/** SIGTERM, wait, then SIGKILL; resolves once the process is gone. */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (isAlive(pid)) await sleep(50);
}

/** True when nothing listens on host:port (checked by binding it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Picks a free loopback port. Candidates come first (the port used last time, then a
 * per-checkout preferred port), then a scan below the kernel's ephemeral range (32768+):
 * a port from that range can be taken by any outgoing connection while the stack is down,
 * which would make "stable ports" flap.
 */
export async function pickPort(candidates: Array<number | undefined>, taken: Set<number>): Promise<number> {
  for (const port of candidates) {
    if (port && port > 1024 && port < 65536 && !taken.has(port) && (await isPortFree(port))) return port;
  }
  const start = 20_000 + Math.floor(Math.random() * 10_000);
  for (let i = 0; i < 12_000; i++) {
    const port = 20_000 + ((start - 20_000 + i * 7) % 12_000);
    if (!taken.has(port) && (await isPortFree(port))) return port;
  }
  throw new Error('no free loopback port found between 20000 and 32000');
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await sleep(intervalMs);
  }
}

export async function tailFile(path: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd();
  } catch {
    return `(no log at ${path})`;
  }
}

const inProcessChains = new Map<string, Promise<unknown>>();

/**
 * Cross-process mutex via an O_EXCL lock file holding the owner's pid. Several engineers and
 * test projects call stackUp() concurrently against the same checkout; without this two of
 * them would race to start Dovecot on the same base_dir. A lock whose owner died is stolen.
 * Calls within one process are queued first, so a lock file carrying our own pid can only be
 * a leftover from a killed process that had the same pid, and is stolen too.
 */
export function withFileLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 240_000): Promise<T> {
  const previous = inProcessChains.get(lockFile) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => lockedSection(lockFile, fn, timeoutMs));
  inProcessChains.set(
    lockFile,
    next.catch(() => undefined),
  );
  return next;
}

async function lockedSection<T>(lockFile: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(
        lockFile,
        fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
        0o644,
      );
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt((await readFile(lockFile, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(owner) && (owner === process.pid || !isAlive(owner))) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (!Number.isInteger(owner)) {
        // The owner is between creating and writing the file; only a file that stays empty
        // for seconds belongs to a process that died in that window.
        const info = await stat(lockFile).catch(() => null);
        if (!info || Date.now() - info.mtimeMs > 2_000) {
          await rm(lockFile, { force: true });
          continue;
        }
      }
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for lock ${lockFile} (held by pid ${owner})`);
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
