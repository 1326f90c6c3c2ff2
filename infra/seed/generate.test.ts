import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_SIZE,
  DEFAULT_REFERENCE_DATE,
  folderCounts,
  type GeneratedMessage,
  type GenerateOptions,
  generateMessages,
  LARGE_MAX_SIZE,
  seedFolders,
} from './generate.js';
import {
  checkMessage,
  decodeEncodedWords,
  filenameOf,
  header,
  leaves,
  type Part,
  parseAddresses,
  textOf,
} from './mime-check.js';

const USER = 'demo@westwind.test';
const base: GenerateOptions = { seed: 'westwind', user: USER, counts: folderCounts(400) };

let cached: GeneratedMessage[] | undefined;
function all(): GeneratedMessage[] {
  cached ??= [...generateMessages(base)];
  return cached;
}
const digest = (msgs: GeneratedMessage[]) => {
  const h = createHash('sha256');
  for (const m of msgs) h.update(m.folder).update('\0').update(m.raw);
  return h.digest('hex');
};
const inFolder = (f: string) => all().filter((m) => m.folder === f);

describe('determinism', () => {
  it('same seed → byte-identical output; different seed → different output', () => {
    const again = [...generateMessages(base)];
    expect(again.length).toBe(all().length);
    expect(digest(again)).toBe(digest(all()));
    const other = [...generateMessages({ ...base, seed: 'something else' })];
    expect(digest(other)).not.toBe(digest(all()));
    const numeric = [...generateMessages({ ...base, seed: 42, counts: { INBOX: 30 } })];
    expect(digest(numeric)).toBe(digest([...generateMessages({ ...base, seed: 42, counts: { INBOX: 30 } })]));
  });

  it('folder filters and shards render exactly the messages of the full run', () => {
    const sent = [...generateMessages({ ...base, folders: ['Sent'] })];
    expect(sent.length).toBeGreaterThan(0);
    expect(digest(sent)).toBe(digest(inFolder('Sent')));
    const shards = [0, 1, 2].flatMap((index) => [
      ...generateMessages({ ...base, shard: { index, count: 3 } }),
    ]);
    shards.sort((a, b) => a.seq - b.seq);
    expect(digest(shards)).toBe(digest(all()));
  });

  it('depends on the reference date, not on the clock', () => {
    const a = [...generateMessages({ ...base, counts: { INBOX: 20 } })];
    const b = [
      ...generateMessages({ ...base, counts: { INBOX: 20 }, referenceDate: '2030-01-01T00:00:00Z' }),
    ];
    expect(digest(a)).not.toBe(digest(b));
    expect(Math.max(...a.map((m) => m.date.getTime()))).toBeLessThanOrEqual(
      Date.parse(DEFAULT_REFERENCE_DATE),
    );
  });
});

describe('folders and counts', () => {
  it('fills every home folder with exactly its count and derives Sent from threads', () => {
    const counts = folderCounts(400);
    for (const [folder, n] of Object.entries(counts)) {
      // Drafts also receives unfinished replies from INBOX threads
      if (folder === 'Drafts') expect(inFolder(folder).length).toBeGreaterThanOrEqual(n);
      else expect(inFolder(folder).length).toBe(n);
    }
    expect(inFolder('Sent').length).toBeGreaterThan(40);
    for (const f of new Set(all().map((m) => m.folder))) expect(seedFolders()).toContain(f);
    expect(folderCounts(1000, { inboxOnly: true })).toEqual({ INBOX: 1000 });
  });
});

describe('MIME validity', () => {
  it('every message parses cleanly: CRLF, ≤ 998-byte lines, closed boundaries, valid encodings', () => {
    for (const m of all()) {
      const r = checkMessage(m.raw, `${m.folder} ${m.messageId}`);
      expect(r.problems).toEqual([]);
    }
  });

  it('headers decode back to the spec (subject, names, addresses, ids)', () => {
    for (const m of all()) {
      const root = checkMessage(m.raw).root;
      const subject = header(root, 'Subject');
      expect(m.subject).toBe(m.subject.trim());
      if (m.subject === '') expect(subject).toBeUndefined();
      else expect(decodeEncodedWords(subject!)).toBe(m.subject);
      expect(parseAddresses(header(root, 'From')!)).toEqual([m.from]);
      if (m.to.length > 0) expect(parseAddresses(header(root, 'To')!)).toEqual(m.to);
      if (m.cc.length > 0) expect(parseAddresses(header(root, 'Cc')!)).toEqual(m.cc);
      if (m.replyTo.length > 0) expect(parseAddresses(header(root, 'Reply-To')!)).toEqual(m.replyTo);
      expect(header(root, 'Message-ID')).toBe(m.messageId);
      expect(new Date(header(root, 'Date')!).getTime()).toBe(m.date.getTime());
      if (m.inReplyTo) expect(header(root, 'In-Reply-To')).toBe(m.inReplyTo);
      if (m.references.length > 0) expect(header(root, 'References')!.split(/\s+/)).toEqual(m.references);
    }
  });

  it('attachments in the spec match the parts, names decode (RFC 2231 / 2047)', () => {
    for (const m of all()) {
      const parts = leaves(checkMessage(m.raw).root).filter((p) =>
        /^(attachment|inline)/i.test(header(p, 'Content-Disposition') ?? ''),
      );
      expect(parts.map((p) => filenameOf(p))).toEqual(m.attachments.map((a) => a.filename));
      parts.forEach((p, i) => {
        const a = m.attachments[i]!;
        expect(p.type).toBe(a.contentType);
        if (p.type !== 'message/rfc822') expect(p.decoded!.length).toBe(a.size);
      });
    }
  });
});

describe('threads', () => {
  it('every In-Reply-To / References points to a generated Message-ID', () => {
    const ids = new Set(all().map((m) => m.messageId));
    expect(ids.size).toBe(all().length);
    for (const m of all()) {
      if (m.inReplyTo) expect(ids.has(m.inReplyTo)).toBe(true);
      for (const r of m.references) expect(ids.has(r)).toBe(true);
      if (m.inReplyTo) expect(m.references.at(-1)).toBe(m.inReplyTo);
    }
  });

  it('span INBOX and Sent: the user replies from Sent, and those messages are \\Answered', () => {
    const byId = new Map(all().map((m) => [m.messageId, m]));
    const sent = inFolder('Sent');
    for (const m of sent) expect(m.from.address).toBe(USER);
    const repliesToInbox = sent.filter((m) => m.inReplyTo && byId.get(m.inReplyTo)?.folder === 'INBOX');
    expect(repliesToInbox.length).toBeGreaterThan(10);
    // threads that continue in INBOX after a Sent message
    expect(inFolder('INBOX').some((m) => m.inReplyTo && byId.get(m.inReplyTo)?.folder === 'Sent')).toBe(true);
    for (const m of all()) {
      if (!m.flags.includes('\\Answered')) continue;
      expect(
        all().some(
          (r) => r.folder === 'Sent' && r.inReplyTo === m.messageId && !r.subject.startsWith('Fwd:'),
        ),
      ).toBe(true);
    }
    for (const r of sent) {
      if (!r.inReplyTo || r.subject.startsWith('Fwd:')) continue;
      const orig = byId.get(r.inReplyTo)!;
      if (orig.from.address !== USER) expect(orig.flags).toContain('\\Answered');
    }
  });
});

describe('flags, dates and sizes', () => {
  it('has realistic flag ratios', () => {
    const inbox = inFolder('INBOX');
    const ratio = (f: string) => inbox.filter((m) => m.flags.includes(f)).length / inbox.length;
    expect(ratio('\\Seen')).toBeGreaterThan(0.6);
    expect(ratio('\\Seen')).toBeLessThan(0.8);
    expect(ratio('\\Flagged')).toBeGreaterThan(0.02);
    expect(ratio('\\Flagged')).toBeLessThan(0.09);
    expect(ratio('\\Answered')).toBeGreaterThan(0.05);
    for (const m of inFolder('Sent')) expect(m.flags).toEqual(['\\Seen']);
    for (const m of inFolder('Drafts')) expect(m.flags).toEqual(['\\Draft', '\\Seen']);
    for (const m of inFolder('Junk')) expect(m.keywords).toContain('$Junk');
    expect(all().some((m) => m.keywords.includes('$Forwarded'))).toBe(true);
  });

  it('spreads dates over two years before the reference date, newest most dense', () => {
    const ref = Date.parse(DEFAULT_REFERENCE_DATE);
    const day = 86_400_000;
    for (const m of all()) {
      expect(m.date.getTime()).toBeLessThanOrEqual(ref);
      expect(m.date.getTime()).toBeGreaterThanOrEqual(ref - 760 * day);
    }
    const inbox = inFolder('INBOX').map((m) => m.date.getTime());
    const recent = inbox.filter((t) => t > ref - 90 * day).length;
    const old = inbox.filter((t) => t < ref - 640 * day).length;
    expect(recent).toBeGreaterThan(old * 3);
    expect(Math.min(...inbox)).toBeLessThan(ref - 365 * day);
    for (const m of inFolder('Archive/2025')) expect(m.date.getUTCFullYear()).toBeGreaterThanOrEqual(2025);
  });

  it('keeps sizes between ~1 KB and the cap; --max-size lowers the cap', () => {
    const sizes = all().map((m) => m.raw.length);
    expect(Math.min(...sizes)).toBeGreaterThan(500);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(DEFAULT_MAX_SIZE);
    expect(Math.max(...sizes)).toBeGreaterThan(60_000);
    const small = [...generateMessages({ ...base, counts: { INBOX: 150 }, maxSize: 30_000 })];
    for (const m of small) expect(m.raw.length).toBeLessThanOrEqual(30_000);
  });

  it('with large, includes a few multi-MB messages up to ~10 MB', { timeout: 60_000 }, () => {
    const big = [...generateMessages({ ...base, counts: { INBOX: 12 }, large: true, folders: ['INBOX'] })];
    const sizes = big.map((m) => m.raw.length).sort((a, b) => b - a);
    expect(sizes[0]).toBeGreaterThan(9_000_000);
    expect(sizes[0]).toBeLessThanOrEqual(LARGE_MAX_SIZE);
    expect(sizes.filter((s) => s > 1_000_000).length).toBeGreaterThanOrEqual(3);
    for (const m of big) expect(checkMessage(m.raw).problems).toEqual([]);
  });
});

describe('content variety', () => {
  const roots = () => all().map((m) => ({ m, root: checkMessage(m.raw).root }));
  const allParts = (root: Part) => {
    const out: Part[] = [];
    const walk = (p: Part) => {
      out.push(p);
      p.parts.forEach(walk);
      if (p.message) walk(p.message);
    };
    walk(root);
    return out;
  };

  it('has the MIME structures a webmail must handle', () => {
    const types = new Set<string>();
    const ctes = new Set<string>();
    const charsets = new Set<string>();
    for (const { root } of roots()) {
      for (const p of allParts(root)) {
        types.add(p.type);
        ctes.add(p.cte);
        if (p.type.startsWith('text/') && p.params.charset) charsets.add(p.params.charset.toLowerCase());
      }
    }
    for (const t of [
      'multipart/alternative',
      'multipart/related',
      'multipart/mixed',
      'multipart/report',
      'message/rfc822',
      'text/calendar',
      'application/pdf',
      'image/png',
      'image/jpeg',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    ]) {
      expect(types).toContain(t);
    }
    for (const c of ['7bit', '8bit', 'quoted-printable', 'base64']) expect(ctes).toContain(c);
    for (const c of ['utf-8', 'iso-8859-1', 'windows-1252', 'koi8-r', 'iso-2022-jp'])
      expect(charsets).toContain(c);
    expect([...charsets].some((c) => c === 'shift_jis' || c === 'gb2312' || c === 'iso-8859-7')).toBe(true);
  });

  it('references inline images by cid from the HTML part', () => {
    let checked = 0;
    for (const { root } of roots()) {
      for (const rel of allParts(root).filter((p) => p.type === 'multipart/related')) {
        const html = textOf(rel.parts[0]!);
        for (const img of rel.parts.slice(1)) {
          const cid = header(img, 'Content-ID')!.replace(/^<|>$/g, '');
          expect(html).toContain(`cid:${cid}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('has RFC 2231 names, encoded-words in B and Q, raw UTF-8 headers and many scripts', () => {
    const raw = all().map((m) => m.raw.toString('latin1'));
    expect(raw.some((r) => /filename\*=UTF-8''/.test(r))).toBe(true);
    expect(raw.some((r) => /filename\*0\*=UTF-8''/.test(r))).toBe(true);
    expect(raw.some((r) => /^Subject: .*=\?UTF-8\?B\?/im.test(r))).toBe(true);
    expect(raw.some((r) => /^Subject: .*=\?UTF-8\?Q\?/im.test(r))).toBe(true);
    expect(raw.some((r) => /^From: =\?UTF-8\?[BQ]\?/im.test(r))).toBe(true);
    expect(all().some((m) => /^Subject: [^\r\n]*[\u0080-\uffff]/m.test(m.raw.toString('utf8')))).toBe(true);
    const text = all()
      .map((m) => `${m.subject} ${m.from.name ?? ''}`)
      .join('\n');
    for (const script of [
      /[À-ÿ]/,
      /[а-яА-Я]/,
      /[α-ωΑ-Ω]/,
      /[\u3040-\u30ff]/,
      /[\u4e00-\u9fff]/,
      /[\u0600-\u06ff]/,
      /\p{Extended_Pictographic}/u,
    ]) {
      expect(text).toMatch(script);
    }
  });

  it('marks mailing-list mail with List-Id, List-Unsubscribe and one-click unsubscribe', () => {
    const lists = all().filter((m) => m.listId);
    expect(lists.length).toBeGreaterThan(20);
    for (const m of lists) {
      const root = checkMessage(m.raw).root;
      const [id] = parseAddresses(header(root, 'List-Id')!);
      expect(`${id!.name} <${id!.address}>`).toBe(m.listId);
      expect(id!.address).toMatch(/^[a-z0-9.-]+$/);
      expect(header(root, 'List-Unsubscribe')).toMatch(/<(https|mailto):/);
      expect(header(root, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('has multiple recipients, Cc, Reply-To and unicode display names', () => {
    expect(all().some((m) => m.to.length > 1)).toBe(true);
    expect(all().some((m) => m.cc.length > 0)).toBe(true);
    expect(all().some((m) => m.replyTo.length > 0)).toBe(true);
    expect(all().some((m) => m.to.some((a) => /[\u0080-\uffff]/.test(a.name ?? '')))).toBe(true);
  });
});
