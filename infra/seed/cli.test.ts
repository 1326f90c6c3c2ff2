import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvFile, parseSeedArgs } from './cli.js';

const ENV = { DEMO_USER: 'demo@westwind.test', MAIL_ROOT: '/srv/mail', DOVECOT_CONFIG: '/x/dovecot.conf' };
const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');
const root = mkdtempSync(join(tmpdir(), 'westwind-seed-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function runCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', tsxLoader, CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('parseSeedArgs', () => {
  it('defaults from stack.env', () => {
    const o = parseSeedArgs([], ENV);
    expect(o).toMatchObject({
      user: 'demo@westwind.test',
      count: 500,
      seed: 'westwind',
      reset: false,
      large: false,
      inboxOnly: false,
      mailRoot: '/srv/mail',
      resync: true,
      quiet: false,
      dovecotConfig: '/x/dovecot.conf',
    });
  });

  it('parses every option', () => {
    const o = parseSeedArgs(
      [
        '--user',
        'Bench@Westwind.test',
        '--count',
        '100000',
        '--inbox-only',
        '--seed',
        'x',
        '--reset',
        '--large',
        '--mail-root',
        '/m',
        '--quiet',
        '--no-resync',
        '--folders',
        'inbox,Sent,Reçus',
        '--workers',
        '0',
        '--max-size',
        '80000',
      ],
      ENV,
    );
    expect(o).toMatchObject({
      user: 'bench@westwind.test',
      count: 100000,
      inboxOnly: true,
      seed: 'x',
      reset: true,
      large: true,
      mailRoot: '/m',
      quiet: true,
      resync: false,
      folders: ['INBOX', 'Sent', 'Reçus'],
      workers: 0,
      maxSize: 80000,
    });
  });

  it('rejects bad input with a clear message', () => {
    expect(() => parseSeedArgs(['--bogus'], ENV)).toThrow(/bogus/);
    expect(() => parseSeedArgs(['--count', 'ten'], ENV)).toThrow(/--count must be a whole number/);
    expect(() => parseSeedArgs(['--count', '-5'], ENV)).toThrow();
    expect(() => parseSeedArgs(['--folders', 'Nope'], ENV)).toThrow(/unknown folder/);
    expect(() => parseSeedArgs(['--user', 'not-an-address'], ENV)).toThrow(/email address/);
    expect(() => parseSeedArgs(['extra'], ENV)).toThrow();
    expect(() => parseSeedArgs([], {})).toThrow(/DEMO_USER/);
    expect(() => parseSeedArgs(['--reference-date', 'soon'], ENV)).toThrow(/reference-date/);
  });

  it('reads shell-style env files', () => {
    expect(parseEnvFile("# c\nA=1\nB='x y'\nexport C=\"q\"\nD='it'\\''s'\n")).toEqual({
      A: '1',
      B: 'x y',
      C: 'q',
      D: "it's",
    });
  });
});

describe('cli process', () => {
  it('exits 2 with usage on an unknown option or a non-numeric count', { timeout: 60_000 }, () => {
    for (const args of [['--nope'], ['--count', 'many', '--user', 'a@b.test', '--mail-root', root]]) {
      const r = runCli(args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^seed: /);
      expect(r.stderr).toContain('usage: pnpm stack seed');
    }
  });

  it('seeds a mailbox and prints a summary', { timeout: 60_000 }, () => {
    const r = runCli([
      '--user',
      'cli@westwind.test',
      '--mail-root',
      root,
      '--count',
      '40',
      '--reset',
      '--no-resync',
      '--seed',
      'cli',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/INBOX\s+40 msgs/);
    expect(r.stdout).toMatch(/wrote \d+ messages .* msg\/s/);
    expect(readdirSync(join(root, 'cli@westwind.test', 'Maildir', 'cur')).length).toBe(40);
    const quiet = runCli([
      '--user',
      'cli@westwind.test',
      '--mail-root',
      root,
      '--count',
      '5',
      '--inbox-only',
      '--no-resync',
      '--quiet',
    ]);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(readdirSync(join(root, 'cli@westwind.test', 'Maildir', 'cur')).length).toBe(45);
  });
});
