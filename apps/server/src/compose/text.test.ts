import { describe, expect, it } from 'vitest';
import {
  forwardSubject,
  hasLineBreak,
  isValidAddress,
  quoteText,
  replyRecipients,
  replyReferences,
  replySubject,
  sanitizeContentType,
  sanitizeFilename,
} from './text.js';

describe('sanitizeFilename', () => {
  it('keeps the last path segment and drops control, bidi and zero-width characters', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('..\\..\\windows\\evil.exe')).toBe('evil.exe');
    expect(sanitizeFilename('inv\u202Efdp.exe')).toBe('invfdp.exe');
    expect(sanitizeFilename('a\u0000b\u0007c\u200B.txt')).toBe('abc.txt');
    expect(sanitizeFilename('.htaccess')).toBe('htaccess');
    expect(sanitizeFilename('what?.txt')).toBe('what_.txt');
  });

  it('never returns an empty name and keeps the extension of long names', () => {
    expect(sanitizeFilename('')).toBe('attachment');
    expect(sanitizeFilename('/')).toBe('attachment');
    const long = sanitizeFilename(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(200);
    expect(long.endsWith('.pdf')).toBe(true);
    expect(sanitizeFilename('Résumé 2024.pdf')).toBe('Résumé 2024.pdf');
  });
});

describe('sanitizeContentType', () => {
  it('keeps type/subtype only', () => {
    expect(sanitizeContentType('Text/HTML; charset=utf-8')).toBe('text/html');
    expect(sanitizeContentType('nonsense')).toBe('application/octet-stream');
    expect(sanitizeContentType('a/b\r\nX-Evil: 1')).toBe('application/octet-stream');
    expect(sanitizeContentType(undefined)).toBe('application/octet-stream');
  });
});

describe('subjects', () => {
  it('does not stack prefixes', () => {
    expect(replySubject('Plans')).toBe('Re: Plans');
    expect(replySubject('Re: Re: AW: Plans')).toBe('Re: Plans');
    expect(replySubject('RE[2]: Plans')).toBe('Re: Plans');
    expect(forwardSubject('Fwd: FW: Plans')).toBe('Fwd: Plans');
    expect(forwardSubject('Re: Plans')).toBe('Fwd: Re: Plans');
    expect(replySubject('')).toBe('Re:');
  });
});

describe('replyRecipients', () => {
  const me = 'me@example.org';
  const original = {
    from: [{ name: 'Ann', address: 'ann@example.org' }],
    replyTo: [],
    to: [
      { name: 'Me', address: 'ME@example.org' },
      { name: 'Bob', address: 'bob@example.org' },
    ],
    cc: [
      { name: 'Cy', address: 'cy@example.org' },
      { name: 'Ann again', address: 'ann@example.org' },
    ],
  };

  it('reply goes to Reply-To or From', () => {
    expect(replyRecipients('reply', original, [me])).toEqual({
      to: [{ name: 'Ann', address: 'ann@example.org' }],
      cc: [],
    });
    const withReplyTo = { ...original, replyTo: [{ name: 'List', address: 'list@example.org' }] };
    expect(replyRecipients('reply', withReplyTo, [me]).to.map((a) => a.address)).toEqual([
      'list@example.org',
    ]);
  });

  it('reply-all adds To and Cc without the user and without duplicates', () => {
    const { to, cc } = replyRecipients('replyAll', original, [me]);
    expect(to.map((a) => a.address)).toEqual(['ann@example.org']);
    expect(cc.map((a) => a.address)).toEqual(['bob@example.org', 'cy@example.org']);
  });

  it('replying to one of my own messages goes to its recipients', () => {
    const mine = { ...original, from: [{ name: 'Me', address: me }] };
    expect(replyRecipients('reply', mine, [me]).to.map((a) => a.address)).toEqual(['bob@example.org']);
  });

  it('forward has no recipients', () => {
    expect(replyRecipients('forward', original, [me])).toEqual({ to: [], cc: [] });
  });
});

describe('quoting and references', () => {
  it('quotes every line, nesting existing quotes', () => {
    expect(quoteText('On X, A wrote:', 'one\r\n> two\n')).toBe('On X, A wrote:\n> one\n>> two\n');
  });

  it('builds References from the original, ending with its Message-ID', () => {
    expect(replyReferences(['<a@x>', '<b@x>'], '<b@x>', '<c@x>')).toEqual(['<a@x>', '<b@x>', '<c@x>']);
    expect(replyReferences([], '<b@x>', '<c@x>')).toEqual(['<b@x>', '<c@x>']);
    expect(replyReferences([], null, null)).toEqual([]);
    const many = Array.from({ length: 80 }, (_, i) => `<${i}@x>`);
    const trimmed = replyReferences(many, null, '<last@x>');
    expect(trimmed).toHaveLength(50);
    expect(trimmed[0]).toBe('<0@x>');
    expect(trimmed.at(-1)).toBe('<last@x>');
  });
});

describe('addresses', () => {
  it('accepts odd but valid and internationalized addresses', () => {
    for (const ok of [
      'a@example.org',
      '"john..doe"@example.org',
      '"a b\\"c"@example.org',
      "o'brien+tag@example.org",
      'jürgen@bücher.example',
      '用户@例子.广告',
      'x@[192.0.2.1]',
    ]) {
      expect(isValidAddress(ok), ok).toBe(true);
    }
  });

  it('refuses broken ones and line breaks', () => {
    for (const bad of [
      '',
      'plain',
      '@example.org',
      'a@',
      'a..b@example.org',
      'a b@example.org',
      'a@b\r\nBcc: c@d',
    ]) {
      expect(isValidAddress(bad), bad).toBe(false);
    }
    expect(hasLineBreak('a\nb')).toBe(true);
    expect(hasLineBreak('ab')).toBe(false);
  });
});
