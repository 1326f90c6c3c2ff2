// Orchestration of up / down / status. See index.ts for the public contract.
import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  configuredPorts,
  dovecotPid,
  ensureDovecotInstalled,
  ensureInotifyInstances,
  startDovecot,
  stopDovecot,
  validateDovecotConfig,
  writeDovecotConfig,
} from './dovecot.js';
import { readStackEnv, type StackEnv, writeStackEnv } from './env.js';
import { type Layout, notRootMessage, peekLayout, RUN_DIR, resolveLayout } from './layout.js';
import { probeImap, probeRedis, probeSmtp } from './probes.js';
import { isPortFree, pickPort, tailFile, waitFor, withFileLock, writePidFile } from './proc.js';
import { ensureRedis, ownRedisPid, stopOwnRedis } from './redis.js';
import { runningSmtpConfig, smtpLogFile, smtpPid, startSmtp, stopSmtp } from './smtp.js';
import { DEMO_PASSWORD, DEMO_USER, SEED_USERS, upsertUsers } from './users.js';

const READY_TIMEOUT_MS = 60_000;
const LOCK_FILE = join(RUN_DIR, 'stack.lock');

export function assertRoot(): void {
  if (userInfo().uid !== 0) throw new Error(notRootMessage());
}

/**
 * Per-checkout default ports (derived from the checkout hash) so that two clones on one
 * machine do not fight over the same ports, and all stay below the ephemeral range.
 */
function preferredPorts(hash: string): { imap: number; lmtp: number; smtp: number; redis: number } {
  const base = 20_000 + (Number.parseInt(hash.slice(0, 6), 16) % 1_190) * 10;
  return { imap: base + 3, lmtp: base + 4, smtp: base + 7, redis: base + 9 };
}

export async function stackUp(options: { log?: (line: string) => void } = {}): Promise<StackEnv> {
  const log = options.log ?? (() => undefined);
  assertRoot();
  await mkdir(RUN_DIR, { recursive: true, mode: 0o755 });
  return withFileLock(LOCK_FILE, async () => {
    await ensureDovecotInstalled(log);
    const layout = await resolveLayout();
    const previous = await readStackEnv();
    // Re-asserted on every up: the readiness check logs in as demo, and tests rely on the
    // documented passwords. Users added later are left alone.
    await upsertUsers(layout, SEED_USERS);

    const preferred = preferredPorts(layout.hash);
    const taken = new Set<number>();

    let dovecot = await dovecotPid(layout);
    // A running Dovecot keeps its ports; they come from the config it was started with.
    const runningPorts = dovecot !== null ? await configuredPorts(layout) : null;
    if (dovecot !== null && !runningPorts) {
      log('dovecot is running from an unreadable config; restarting it');
      await stopDovecot(layout, null);
      dovecot = null;
    }
    const imapPort = runningPorts?.imapPort ?? (await pickPort([previous?.IMAP_PORT, preferred.imap], taken));
    taken.add(imapPort);
    const lmtpPort = runningPorts?.lmtpPort ?? (await pickPort([previous?.LMTP_PORT, preferred.lmtp], taken));
    taken.add(lmtpPort);

    const configChanged = await writeDovecotConfig(layout, { imapPort, lmtpPort });
    if (configChanged || dovecot === null) {
      for (const warning of await validateDovecotConfig(layout.dovecotConfig)) log(`doveconf: ${warning}`);
    }
    if (dovecot !== null && configChanged) {
      // A restart rather than SIGHUP: a reload keeps anvil and its listeners as they were.
      log('dovecot.conf changed; restarting dovecot');
      await stopDovecot(layout, { imapPort, lmtpPort });
      dovecot = null;
    }
    await ensureInotifyInstances(8_192, log);
    if (dovecot === null) await startDovecot(layout, log);
    // Adopted via base_dir/master.pid (our pid file was lost): record it for `down`.
    else await writePidFile(layout.dovecotPidFile, dovecot);

    let smtp = await smtpPid(layout);
    const running = smtp !== null ? await runningSmtpConfig(layout) : null;
    if (
      smtp !== null &&
      (!running ||
        running.imapPort !== imapPort ||
        running.lmtpPort !== lmtpPort ||
        running.passwdFile !== layout.passwdFile)
    ) {
      log('smtp submission runs with an outdated config; restarting it');
      await stopSmtp(layout);
      smtp = null;
    }
    const smtpPort =
      smtp !== null && running
        ? running.smtpPort
        : await pickPort([previous?.SMTP_PORT, preferred.smtp], taken);
    taken.add(smtpPort);
    if (smtp === null) {
      await startSmtp(layout, { smtpPort, imapPort, lmtpPort, passwdFile: layout.passwdFile }, log);
    }

    const redisUrl = await ensureRedis(layout, previous?.REDIS_URL, taken, preferred.redis, log);

    const env: StackEnv = {
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: imapPort,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: smtpPort,
      LMTP_PORT: lmtpPort,
      REDIS_URL: redisUrl,
      DEMO_USER,
      DEMO_PASSWORD,
      MAIL_ROOT: layout.mailRoot,
      DOVECOT_CONFIG: layout.dovecotConfig,
      RUN_DIR: layout.runDir,
    };
    await writeStackEnv(env);
    await waitUntilReady(layout, env, log);
    return env;
  });
}

async function waitUntilReady(layout: Layout, env: StackEnv, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const dovecotLog = join(layout.logDir, 'dovecot.log');
  await waitFor(
    `IMAP LOGIN of ${env.DEMO_USER} on ${env.IMAP_HOST}:${env.IMAP_PORT}`,
    async () => {
      const result = await probeImap(env.IMAP_HOST, env.IMAP_PORT, {
        user: env.DEMO_USER,
        password: env.DEMO_PASSWORD,
      });
      if (!result.ok) throw new Error(result.detail);
      return result;
    },
    READY_TIMEOUT_MS,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n--- tail of ${dovecotLog} ---\n${await tailFile(dovecotLog)}`);
  });
  log(`imap ready (LOGIN ${env.DEMO_USER} ok) after ${Date.now() - started} ms`);
  const smtpLog = smtpLogFile(layout);
  await waitFor(
    `SMTP EHLO on ${env.SMTP_HOST}:${env.SMTP_PORT}`,
    async () => {
      if ((await smtpPid(layout)) === null) throw new Error('the smtp submission process exited');
      const result = await probeSmtp(env.SMTP_HOST, env.SMTP_PORT);
      if (!result.ok) throw new Error(result.detail);
      return result;
    },
    READY_TIMEOUT_MS,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n--- tail of ${smtpLog} ---\n${await tailFile(smtpLog)}`);
  });
  log(`smtp ready (EHLO ok) after ${Date.now() - started} ms`);
}

export async function stackDown(): Promise<void> {
  assertRoot();
  await mkdir(RUN_DIR, { recursive: true, mode: 0o755 });
  await withFileLock(LOCK_FILE, async () => {
    const layout = await peekLayout();
    if (!layout) return;
    const env = await readStackEnv();
    await stopSmtp(layout);
    await stopDovecot(layout, env ? { imapPort: env.IMAP_PORT, lmtpPort: env.LMTP_PORT } : null);
    await stopOwnRedis(layout);
  });
}

export interface StackStatus {
  up: boolean;
  services: Record<string, { running: boolean; detail: string }>;
}

export async function stackStatus(): Promise<StackStatus> {
  const env = await readStackEnv();
  const layout = await peekLayout();
  const services: StackStatus['services'] = {};
  if (!env || !layout) {
    const detail = layout ? 'no .run/stack.env (never started?)' : 'dovecot is not installed';
    return {
      up: false,
      services: {
        dovecot: { running: false, detail },
        smtp: { running: false, detail },
        redis: { running: false, detail },
      },
    };
  }

  const dovecot = await dovecotPid(layout);
  if (dovecot === null) {
    services.dovecot = { running: false, detail: 'not running' };
  } else {
    const imap = await probeImap(env.IMAP_HOST, env.IMAP_PORT, null).catch((error: Error) => ({
      ok: false,
      detail: error.message,
    }));
    const lmtpListening = !(await isPortFree(env.LMTP_PORT));
    services.dovecot = {
      running: imap.ok && lmtpListening,
      detail:
        `pid ${dovecot}, imap ${env.IMAP_HOST}:${env.IMAP_PORT} ${imap.ok ? 'answers' : `fails (${imap.detail})`}, ` +
        `lmtp ${env.IMAP_HOST}:${env.LMTP_PORT} ${lmtpListening ? 'listening' : 'not listening'}`,
    };
  }

  const smtp = await smtpPid(layout);
  if (smtp === null) {
    services.smtp = { running: false, detail: 'not running' };
  } else {
    const probe = await probeSmtp(env.SMTP_HOST, env.SMTP_PORT).catch((error: Error) => ({
      ok: false,
      detail: error.message,
    }));
    services.smtp = {
      running: probe.ok,
      detail: `pid ${smtp}, ${env.SMTP_HOST}:${env.SMTP_PORT} ${probe.ok ? 'answers EHLO' : `fails (${probe.detail})`}`,
    };
  }

  const redisPid = await ownRedisPid(layout);
  const redisOk = await probeRedis(env.REDIS_URL);
  const owner = redisPid !== null ? `own redis-server pid ${redisPid}` : 'not started by the stack';
  services.redis = {
    running: redisOk,
    detail: `${env.REDIS_URL} (${owner}) ${redisOk ? 'answers PING' : 'no PONG'}`,
  };

  return { up: Object.values(services).every((s) => s.running), services };
}
