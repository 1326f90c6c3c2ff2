// Launcher for the SMTP submission process (smtp-submission.ts).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Layout, LOCAL_DOMAIN } from './layout.js';
import { livePid, tailFile, terminate, writePidFile } from './proc.js';

export interface SmtpConfig {
  smtpPort: number;
  imapPort: number;
  lmtpPort: number;
  passwdFile: string;
}

const MARKER = 'smtp-submission';

function configFile(layout: Layout): string {
  return join(layout.runDir, 'smtp-submission.json');
}

export function smtpLogFile(layout: Layout): string {
  return join(layout.logDir, 'smtp-submission.log');
}

export function smtpPid(layout: Layout): Promise<number | null> {
  return livePid(layout.smtpPidFile, MARKER);
}

/** The config the running process was started with, to tell whether it needs a restart. */
export async function runningSmtpConfig(layout: Layout): Promise<SmtpConfig | null> {
  try {
    return JSON.parse(await readFile(configFile(layout), 'utf8')) as SmtpConfig;
  } catch {
    return null;
  }
}

/**
 * Starts the server as a detached process that outlives `pnpm stack up`. It runs as
 * `node --import tsx <script>` rather than through the .bin/tsx wrapper: the wrapper spawns
 * a second node process, so the pid we record would not be the one holding the port.
 */
export async function startSmtp(
  layout: Layout,
  config: SmtpConfig,
  log: (line: string) => void,
): Promise<number> {
  const script = join(layout.repoRoot, 'infra', 'stack', 'smtp-submission.ts');
  const tsxPackage = join(layout.repoRoot, 'node_modules', 'tsx', 'package.json');
  const tsxBin = join(layout.repoRoot, 'node_modules', '.bin', 'tsx');
  let command: string;
  let args: string[];
  if (existsSync(tsxPackage)) {
    command = process.execPath;
    args = ['--import', 'tsx', script];
  } else if (existsSync(tsxBin)) {
    command = tsxBin;
    args = [script];
  } else {
    throw new Error(`tsx not found under ${join(layout.repoRoot, 'node_modules')}: run pnpm install first`);
  }
  const logFile = smtpLogFile(layout);
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: layout.repoRoot,
      detached: true,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        NODE_ENV: process.env.NODE_ENV ?? 'development',
        WESTWIND_SMTP_HOST: '127.0.0.1',
        WESTWIND_SMTP_PORT: String(config.smtpPort),
        WESTWIND_IMAP_HOST: '127.0.0.1',
        WESTWIND_IMAP_PORT: String(config.imapPort),
        WESTWIND_LMTP_PORT: String(config.lmtpPort),
        WESTWIND_PASSWD_FILE: config.passwdFile,
        WESTWIND_LOCAL_DOMAINS: LOCAL_DOMAIN,
      },
    });
    const pid = child.pid;
    if (!pid) throw new Error(`could not spawn the SMTP submission server\n${await tailFile(logFile, 20)}`);
    child.unref();
    await writePidFile(layout.smtpPidFile, pid);
    await writeFile(configFile(layout), `${JSON.stringify(config)}\n`);
    log(`smtp submission started (pid ${pid}, port ${config.smtpPort})`);
    return pid;
  } finally {
    closeSync(out);
  }
}

export async function stopSmtp(layout: Layout): Promise<boolean> {
  const pid = await smtpPid(layout);
  await rm(layout.smtpPidFile, { force: true });
  await rm(configFile(layout), { force: true });
  if (pid === null) return false;
  await terminate(pid, 5_000);
  return true;
}
