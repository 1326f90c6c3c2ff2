// Redis for the stack: an explicit REDIS_URL wins, then a Redis this stack started earlier,
// then the machine's shared one on 6379 (unless WESTWIND_STACK_OWN_REDIS=1), and only then a
// private redis-server.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureAptPackages } from './dovecot.js';
import type { Layout } from './layout.js';
import { probeRedis } from './probes.js';
import { livePid, pickPort, tailFile, terminate, waitFor, writePidFile } from './proc.js';

const SHARED_URL = 'redis://127.0.0.1:6379';

export function ownRedisPid(layout: Layout): Promise<number | null> {
  return livePid(layout.redisPidFile, 'redis-server');
}

export async function ensureRedis(
  layout: Layout,
  previousUrl: string | undefined,
  taken: Set<number>,
  preferredPort: number,
  log: (line: string) => void,
): Promise<string> {
  const explicit = process.env.REDIS_URL;
  if (explicit) {
    if (!(await probeRedis(explicit))) log(`warning: REDIS_URL=${explicit} does not answer PING`);
    return explicit;
  }
  if ((await ownRedisPid(layout)) && previousUrl && (await probeRedis(previousUrl))) return previousUrl;
  // WESTWIND_STACK_OWN_REDIS=1 skips the shared instance, for runs that must not touch it.
  if (process.env.WESTWIND_STACK_OWN_REDIS !== '1' && (await probeRedis(SHARED_URL))) return SHARED_URL;

  await ensureAptPackages(['redis-server'], ['/usr/bin/redis-server'], log);
  const previousPort = previousUrl ? Number(new URL(previousUrl).port) : undefined;
  const port = await pickPort([previousPort, preferredPort], taken);
  const logFile = join(layout.logDir, 'redis.log');
  const out = openSync(logFile, 'a');
  try {
    // No persistence: this Redis is a cache for tests and the demo, and a dump file in the
    // working directory would only leak between runs.
    const child = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { cwd: layout.runDir, detached: true, stdio: ['ignore', out, out] },
    );
    if (!child.pid) throw new Error('could not spawn redis-server');
    child.unref();
    await writePidFile(layout.redisPidFile, child.pid);
    log(`redis-server started (pid ${child.pid}, port ${port})`);
  } finally {
    closeSync(out);
  }
  const url = `redis://127.0.0.1:${port}`;
  await waitFor('redis PING', () => probeRedis(url), 15_000).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${await tailFile(logFile, 20)}`);
  });
  return url;
}

export async function stopOwnRedis(layout: Layout): Promise<boolean> {
  const pid = await ownRedisPid(layout);
  await rm(layout.redisPidFile, { force: true });
  if (pid === null) return false;
  await terminate(pid, 5_000);
  return true;
}
