import type { ImapFlow, SearchObject } from 'imapflow';
import compiler from 'imapflow/lib/handler/imap-compiler.js';
import { searchCompiler } from 'imapflow/lib/search-compiler.js';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT, allOf, MAX_TERMS, parseQuery, tokenize, toSearchObject } from './query.js';

const NOW = new Date('2024-06-15T12:00:00Z');

function search(query: string): SearchObject {
  return toSearchObject(parseQuery(query, NOW));
}

/** The command imapflow would send for the object (a server without WITHIN or UTF8=ACCEPT). */
function wire(object: SearchObject): string {
  const connection = { capabilities: new Map(), enabled: new Set() } as unknown as ImapFlow;
  const attributes = searchCompiler(connection, object);
  // biome-ignore lint/suspicious/noExplicitAny: the compiler's input type is internal to imapflow
  return compiler({ tag: 'A1', command: 'UID SEARCH', attributes } as any).toString('utf8');
}

function expectBadRequest(query: string, message: RegExp): void {
  try {
    parseQuery(query, NOW);
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; message: string };
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(message);
    return;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be refused`);
}

describe('parseQuery: operators', () => {
  it('maps the header operators', () => {
    expect(search('from:alice@example.org')).toEqual({ from: 'alice@example.org' });
    expect(search('to:bob')).toEqual({ to: 'bob' });
    expect(search('cc:carol')).toEqual({ cc: 'carol' });
    expect(search('subject:invoice')).toEqual({ subject: 'invoice' });
    expect(search('body:hello')).toEqual({ body: 'hello' });
    expect(search('FROM:Alice')).toEqual({ from: 'Alice' });
  });

  it('maps the is: flags', () => {
    expect(search('is:unread')).toEqual({ seen: false });
    expect(search('is:read')).toEqual({ seen: true });
    expect(search('is:flagged')).toEqual({ flagged: true });
    expect(search('is:starred')).toEqual({ flagged: true });
    expect(search('is:unstarred')).toEqual({ flagged: false });
    expect(search('is:answered')).toEqual({ answered: true });
    expect(search('is:unanswered')).toEqual({ answered: false });
  });

  it('approximates has:attachment with the multipart/mixed header', () => {
    expect(search('has:attachment')).toEqual(ATTACHMENT);
    expect(wire(search('has:attachment'))).toBe('A1 UID SEARCH HEADER CONTENT-TYPE multipart/mixed');
  });

  it('maps dates: before is exclusive, after inclusive, both UTC days', () => {
    expect(search('before:2024-01-31')).toEqual({ before: new Date('2024-01-31T00:00:00Z') });
    expect(search('after:2024/1/5')).toEqual({ since: new Date('2024-01-05T00:00:00Z') });
    expect(wire(search('after:2024-01-05 before:2024-02-01'))).toBe(
      'A1 UID SEARCH SINCE 05-Jan-2024 BEFORE 01-Feb-2024',
    );
  });

  it('maps relative ages', () => {
    expect(search('older_than:7d')).toEqual({ before: new Date('2024-06-08T12:00:00Z') });
    expect(search('newer_than:2w')).toEqual({ since: new Date('2024-06-01T12:00:00Z') });
    expect(search('newer_than:1y')).toEqual({ since: new Date(NOW.getTime() - 365 * 86_400_000) });
  });

  it('maps sizes', () => {
    expect(search('larger:10M')).toEqual({ larger: 10 * 1024 * 1024 });
    expect(search('smaller:500k')).toEqual({ smaller: 500 * 1024 });
    expect(search('larger:1200')).toEqual({ larger: 1200 });
    expect(search('larger:1.5KB')).toEqual({ larger: 1536 });
  });

  it('reads in: as the folder scope, not a search key', () => {
    expect(parseQuery('in:Sent from:bob', NOW)).toEqual({
      folder: { kind: 'named', name: 'Sent' },
      terms: [{ kind: 'text', field: 'from', value: 'bob', negated: false }],
    });
    expect(parseQuery('in:anywhere x', NOW).folder).toEqual({ kind: 'all' });
    expect(parseQuery('in:ALL x', NOW).folder).toEqual({ kind: 'all' });
    expect(parseQuery('in:"My Folder/Sub" x', NOW).folder).toEqual({ kind: 'named', name: 'My Folder/Sub' });
    expect(parseQuery('x', NOW).folder).toEqual({ kind: 'current' });
    // in: alone is a valid query: every message of that folder (or of all of them).
    expect(search('in:all')).toEqual({ all: true });
  });
});

describe('parseQuery: text, quoting, negation, OR', () => {
  it('searches free words and quoted phrases as TEXT', () => {
    expect(search('hello')).toEqual({ text: 'hello' });
    expect(search('"quarterly report"')).toEqual({ text: 'quarterly report' });
    expect(search('subject:"quarterly report"')).toEqual({ subject: 'quarterly report' });
    expect(wire(search('"quarterly report"'))).toBe('A1 UID SEARCH TEXT "quarterly report"');
  });

  it('ANDs several terms, also when a key repeats', () => {
    expect(search('from:alice subject:lunch is:unread')).toEqual({
      from: 'alice',
      subject: 'lunch',
      seen: false,
    });
    const repeated = search('alpha beta gamma');
    // A parenthesized list is a conjunction too (RFC 3501 section 6.4.4).
    expect(wire(repeated)).toBe('A1 UID SEARCH TEXT alpha (TEXT beta TEXT gamma)');
  });

  it('negates with a leading minus', () => {
    expect(search('-from:spam')).toEqual({ not: { from: 'spam' } });
    expect(search('-is:unread')).toEqual({ not: { seen: false } });
    expect(search('-"two words"')).toEqual({ not: { text: 'two words' } });
    expect(wire(search('-from:a -from:b'))).toBe('A1 UID SEARCH NOT FROM a NOT FROM b');
    // A lone minus is a word.
    expect(search('a - b')).toEqual({ text: 'a', or: [{ text: '-', or: [{ text: 'b' }] }] });
  });

  it('joins terms with OR', () => {
    expect(search('from:alice OR from:bob')).toEqual({ or: [{ from: 'alice' }, { from: 'bob' }] });
    expect(wire(search('from:a OR from:b OR from:c is:unread'))).toBe(
      'A1 UID SEARCH OR OR FROM a FROM b FROM c UNSEEN',
    );
    // Lower-case or and a quoted "OR" are words.
    expect(search('cats or dogs')).toEqual({ text: 'cats', or: [{ text: 'or', or: [{ text: 'dogs' }] }] });
    expect(search('"OR"')).toEqual({ text: 'OR' });
    expectBadRequest('OR x', /OR needs a term/);
    expectBadRequest('x OR', /OR needs a term/);
  });

  it('keeps unknown operators, URLs and times as text', () => {
    expect(search('label:work')).toEqual({ text: 'label:work' });
    expect(search('https://example.org/a?b=c')).toEqual({ text: 'https://example.org/a?b=c' });
    expect(search('-foo:bar')).toEqual({ not: { text: 'foo:bar' } });
    expect(search('12:30')).toEqual({ text: '12:30' });
    // A known operator without a value is a word too.
    expect(search('from:')).toEqual({ text: 'from:' });
  });

  it('mixes everything in one AND, every operator valid on the wire', () => {
    const object = search(
      'from:a to:b cc:c subject:d body:e has:attachment is:unread is:flagged is:answered ' +
        'before:2024-02-01 after:2024-01-01 larger:1K smaller:1M -x "y z" p OR q',
    );
    expect(wire(object)).toBe(
      'A1 UID SEARCH FROM a TO b CC c SUBJECT d BODY e HEADER CONTENT-TYPE multipart/mixed UNSEEN ' +
        'FLAGGED ANSWERED BEFORE 01-Feb-2024 SINCE 01-Jan-2024 LARGER 1024 SMALLER 1048576 NOT TEXT x ' +
        'TEXT "y z" OR TEXT p TEXT q',
    );
  });
});

describe('parseQuery: hostile input', () => {
  it('turns CR, LF, NUL and other control characters into spaces', () => {
    expect(tokenize('a\r\nb\u0000c\td').map((t) => t.value)).toEqual(['a', 'b', 'c', 'd']);
    expect(search('subject:"x\r\nA2 LOGOUT"')).toEqual({ subject: 'x  A2 LOGOUT' });
    expect(wire(search('from:"\r\n* OK" x\u0000y'))).toBe('A1 UID SEARCH FROM "  * OK" TEXT x TEXT y');
  });

  it('quotes quotes and backslashes (imapflow escapes them)', () => {
    expect(search('"say \\"hi\\""')).toEqual({ text: 'say "hi"' });
    expect(wire(search('subject:a"b'))).toBe('A1 UID SEARCH SUBJECT a TEXT b');
    expect(wire(search('"a\\\\b"'))).toBe('A1 UID SEARCH TEXT "a\\\\b"');
    expect(wire({ text: 'x"y' })).toBe('A1 UID SEARCH TEXT "x\\"y"');
    // An unclosed quote runs to the end.
    expect(search('"open ended')).toEqual({ text: 'open ended' });
    expectBadRequest('"', /type something/);
  });

  it('treats parentheses outside quotes as separators and keeps them inside', () => {
    expect(search('(a) (from:b)')).toEqual({ text: 'a', from: 'b' });
    expect(wire(search('"(a) OR b"'))).toBe('A1 UID SEARCH TEXT "(a) OR b"');
    expectBadRequest('((((', /type something/);
  });

  it('sends non-ASCII as a literal with CHARSET UTF-8', () => {
    expect(search('subject:Grüße')).toEqual({ subject: 'Grüße' });
    expect(wire(search('subject:Grüße 日本'))).toBe(
      'A1 UID SEARCH CHARSET UTF-8 SUBJECT {7}\r\nGrüße TEXT {6}\r\n日本',
    );
    expect(search('from:"Zoë Ünïcode"')).toEqual({ from: 'Zoë Ünïcode' });
  });

  it('enforces the length and term limits', () => {
    expectBadRequest('a'.repeat(501), /longer than 500/);
    expect(() => parseQuery('a'.repeat(500), NOW)).not.toThrow();
    const many = Array.from({ length: MAX_TERMS }, (_, i) => `w${i}`).join(' ');
    expect(() => parseQuery(many, NOW)).not.toThrow();
    expectBadRequest(`${many} one-more`, /at most 20 terms/);
    expectBadRequest(`${many.replace('w1 ', 'w1 OR ')} x`, /at most 20 terms/);
  });

  it('refuses empty queries and bad operator values with a clear message', () => {
    expectBadRequest('', /type something/);
    expectBadRequest('   \r\n ', /type something/);
    expectBadRequest('before:yesterday', /before: needs a date like 2024-01-31/);
    expectBadRequest('after:2024-02-30', /after: needs a date/);
    expectBadRequest('before:1969-12-31', /before: needs a date/);
    expectBadRequest('older_than:7x', /older_than: needs an age/);
    expectBadRequest('larger:lots', /larger: needs a size/);
    expectBadRequest('larger:99999G', /larger: needs a size/);
    expectBadRequest('is:important', /is: supports/);
    expectBadRequest('has:drive', /has: supports only has:attachment/);
    expectBadRequest('-in:Sent', /-in: is not supported/);
    expectBadRequest('a OR in:Sent', /in: cannot be part of an OR/);
  });

  it('never produces an operand imapflow would refuse', () => {
    const samples = ['-"', '- -', '-(', '"" x', 'from:"" y', '-""', 'OR OR', '"\u0000"', '\\'];
    for (const sample of samples) {
      let object: SearchObject;
      try {
        object = search(sample);
      } catch (error) {
        expect((error as { statusCode?: number }).statusCode).toBe(400);
        continue;
      }
      expect(() => wire(object), sample).not.toThrow();
    }
  });
});

describe('allOf', () => {
  it('nests repeated keys so each level has a key once', () => {
    expect(allOf([])).toEqual({ all: true });
    expect(allOf([{ from: 'a' }, { from: 'b' }])).toEqual({ from: 'a', or: [{ from: 'b' }] });
    const both = allOf([{ or: [{ to: 'a' }, { to: 'b' }] }, { not: { to: 'c' } }, { not: { to: 'd' } }]);
    expect(wire(both)).toBe('A1 UID SEARCH OR TO a TO b NOT NOT (NOT TO c NOT TO d)');
    const ors = allOf([{ or: [{ to: 'a' }, { to: 'b' }] }, { or: [{ cc: 'a' }, { cc: 'b' }] }]);
    expect(wire(ors)).toBe('A1 UID SEARCH OR TO a TO b NOT NOT OR CC a CC b');
  });
});
