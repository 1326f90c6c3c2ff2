import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderCounts, generateMessages, seedFolders } from './generate.js';
import {
  ensureKeywords,
  folderPath,
  lookupDovecotOwner,
  maildirFilename,
  maildirFlags,
  parseKeywords,
  parseMaildirFilename,
  parseSubscriptions,
  seedMaildir,
  subscriptionsFile,
} from './maildir.js';

const root = mkdtempSync(join(tmpdir(), 'westwind-seed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KW = new Map([
  ['$Forwarded', 0],
  ['$Junk', 1],
  ['$label1', 3],
]);

function listCur(home: string, folder: string): string[] {
  return readdirSync(join(folderPath(home, folder), 'cur')).sort();
}

describe('maildir names', () => {
  it('sorts flags (system letters, then keyword letters)', () => {
    expect(maildirFlags(['\\Seen', '\\Flagged', '\\Answered'], [], KW)).toBe('FRS');
    expect(maildirFlags(['\\Seen', '\\Draft'], [], KW)).toBe('DS');
    expect(maildirFlags(['\\Seen'], ['$label1', '$Forwarded'], KW)).toBe('Sad');
    expect(maildirFlags([], [], KW)).toBe('');
    expect(() => maildirFlags(['\\Recent'], [], KW)).toThrow();
    expect(() => maildirFlags([], ['$Unknown'], KW)).toThrow();
  });

  it('formats and parses <unixtime>.M<n>P<run>.westwind,S=,W=:2,<flags>', () => {
    const name = maildirFilename({ time: 1_790_000_000_999, seq: 42, runId: 3, size: 1234, flags: 'FS' });
    expect(name).toBe('1790000000.M42P3.westwind,S=1234,W=1234:2,FS');
    expect(parseMaildirFilename(name)).toEqual({
      secs: 1_790_000_000,
      seq: 42,
      runId: 3,
      size: 1234,
      vsize: 1234,
      flags: 'FS',
    });
    expect(parseMaildirFilename('1790000000.M1P1.other:2,S')).toBeNull();
  });

  it('writes Dovecot 2.3 subscriptions (v2, TAB-separated levels, modified UTF-7)', () => {
    const text = subscriptionsFile(['INBOX', 'Archive/2025', 'Reçus', '旅行']);
    expect(text).toBe('V\t2\n\nINBOX\nArchive\t2025\nRe&AOc-us\n&ZcWITA-\n');
    expect(parseSubscriptions(text)).toEqual(['INBOX', 'Archive.2025', 'Re&AOc-us', '&ZcWITA-']);
  });

  it('keeps existing keyword letters and adds ours at free indexes', () => {
    const dir = mkdtempSync(join(root, 'kw-'));
    writeFileSync(join(dir, 'dovecot-keywords'), '0 $label1\n2 Custom\n');
    const map = ensureKeywords(dir, ['$Forwarded', '$label1', '$Junk'], null);
    expect(map.get('$label1')).toBe(0);
    expect(map.get('Custom')).toBe(2);
    expect(map.get('$Forwarded')).toBe(1);
    expect(map.get('$Junk')).toBe(3);
    expect(parseKeywords(readFileSync(join(dir, 'dovecot-keywords'), 'utf8'))).toEqual(map);
  });

  it('looks the dovecot owner up in a passwd file', () => {
    const p = join(root, 'passwd');
    writeFileSync(
      p,
      'root:x:0:0:root:/root:/bin/bash\ndovecot:x:108:111:Dovecot mail server,,,:/usr/lib/dovecot:/usr/sbin/nologin\n',
    );
    expect(lookupDovecotOwner(p)).toEqual({ uid: 108, gid: 111 });
    expect(lookupDovecotOwner(p, 'nobody')).toBeNull();
    expect(lookupDovecotOwner(join(root, 'missing'))).toBeNull();
  });
});

describe('seedMaildir', () => {
  const home = join(root, 'demo@westwind.test');
  const gen = { seed: 'maildir-test', user: 'demo@westwind.test', counts: folderCounts(60) };

  it('creates the Maildir++ tree, subscriptions and keyword files, and writes every message', async () => {
    const result = await seedMaildir({
      gen,
      home,
      createFolders: seedFolders(),
      reset: true,
      owner: null,
      workers: 0,
    });
    const expected = [...generateMessages(gen)];
    expect(result.messages).toBe(expected.length);
    expect(result.runId).toBe(1);
    const maildir = join(home, 'Maildir');
    const dirs = readdirSync(maildir);
    for (const d of [
      'cur',
      'new',
      'tmp',
      '.Sent',
      '.Archive.2025',
      '.Projects.Westwind.Design',
      '.Re&AOc-us',
      '.&ZcWITA-',
    ]) {
      expect(dirs).toContain(d);
    }
    expect(readdirSync(join(maildir, '.Projects'))).toContain('maildirfolder');
    expect(parseSubscriptions(readFileSync(join(maildir, 'subscriptions'), 'utf8'))).toContain('Re&AOc-us');
    expect(readFileSync(join(maildir, 'dovecot-keywords'), 'utf8')).toContain('0 $Forwarded');

    for (const folder of new Set(expected.map((m) => m.folder))) {
      const msgs = expected.filter((m) => m.folder === folder);
      const names = listCur(home, folder);
      expect(names.length).toBe(msgs.length);
      expect(readdirSync(join(folderPath(home, folder), 'tmp'))).toEqual([]);
      const bySeq = new Map(names.map((n) => [parseMaildirFilename(n)!.seq, n]));
      for (const m of msgs) {
        const name = bySeq.get(m.seq)!;
        const parsed = parseMaildirFilename(name)!;
        const path = join(folderPath(home, folder), 'cur', name);
        const st = statSync(path);
        expect(parsed.size).toBe(st.size);
        expect(parsed.vsize).toBe(st.size);
        expect(parsed.secs).toBe(Math.floor(m.date.getTime() / 1000));
        expect(st.mtimeMs).toBe(Math.floor(m.date.getTime() / 1000) * 1000);
        expect(parsed.flags).toBe([...parsed.flags].sort().join(''));
        expect(parsed.flags.includes('S')).toBe(m.flags.includes('\\Seen'));
        expect(parsed.flags.includes('F')).toBe(m.flags.includes('\\Flagged'));
        expect(parsed.flags.includes('R')).toBe(m.flags.includes('\\Answered'));
        expect(readFileSync(path).equals(m.raw)).toBe(true);
      }
    }
  });

  it('appends without collisions (new run id) and --reset starts over', async () => {
    const before = listCur(home, 'INBOX');
    const again = await seedMaildir({ gen, home, createFolders: seedFolders(), owner: null, workers: 0 });
    expect(again.runId).toBe(2);
    const after = listCur(home, 'INBOX');
    expect(after.length).toBe(before.length * 2);
    expect(new Set(after).size).toBe(after.length);
    const reset = await seedMaildir({
      gen,
      home,
      createFolders: seedFolders(),
      reset: true,
      owner: null,
      workers: 0,
    });
    expect(reset.runId).toBe(1);
    expect(listCur(home, 'INBOX')).toEqual(before);
    expect(readdirSync(home).filter((n) => n.startsWith('.Maildir.deleting'))).toEqual([]);
  });

  it('writes the same files with worker threads', { timeout: 60_000 }, async () => {
    const single = listCur(home, 'INBOX');
    const other = join(root, 'workers@westwind.test');
    // (under vitest the workers load the sources through tsx, or the writer falls back to this thread)
    const r = await seedMaildir({
      gen,
      home: other,
      createFolders: seedFolders(),
      reset: true,
      owner: null,
      workers: 2,
    });
    expect(r.messages).toBeGreaterThan(0);
    expect([0, 2]).toContain(r.workers);
    expect(listCur(other, 'INBOX')).toEqual(single);
  });
});
