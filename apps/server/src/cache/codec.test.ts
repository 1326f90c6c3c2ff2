import type { MessageSummary } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import {
  isFlagsStub,
  isScanModseq,
  modseqNumber,
  packFlags,
  packSummary,
  parseState,
  readMeta,
  scanModseq,
  stateOf,
  unpackFlags,
  unpackSummary,
} from './codec.js';

const summary: MessageSummary = {
  mailboxId: 'SU5CT1g',
  uid: 42,
  messageId: '<a@b>',
  inReplyTo: null,
  subject: 'Grüße\nline | two',
  from: [{ name: 'Ann "A"', address: 'ann@example.com' }],
  to: [{ name: '', address: 'bob@example.com' }],
  cc: [],
  date: '2024-03-01T10:00:00.000Z',
  receivedAt: '2024-03-01T10:00:05.000Z',
  size: 1234,
  flags: { seen: true, flagged: false, answered: true, draft: false, forwarded: true },
  keywords: ['$label1'],
  hasAttachments: true,
  snippet: 'Hello\nthere',
};

describe('packed summaries', () => {
  it('round-trips a summary', () => {
    const packed = packSummary(summary);
    expect(unpackSummary(packed, 'SU5CT1g', 42)).toEqual(summary);
    expect(packed.length).toBeLessThan(JSON.stringify(summary).length);
  });

  it('keeps flags before the first newline, so they can be replaced alone', () => {
    const packed = packSummary(summary);
    const cut = packed.indexOf('\n');
    const flags = packFlags({ ...summary.flags, seen: false, flagged: true }, []);
    const patched = unpackSummary(flags + packed.slice(cut), 'SU5CT1g', 42);
    expect(patched?.flags.seen).toBe(false);
    expect(patched?.flags.flagged).toBe(true);
    expect(patched?.keywords).toEqual([]);
    expect(patched?.subject).toBe(summary.subject);
  });

  it('refuses corrupt, truncated or foreign values', () => {
    const packed = packSummary(summary);
    for (const bad of [
      '',
      'garbage',
      packed.slice(0, packed.length - 3),
      packed.replace('[1,', '[2,'),
      '[99]\n[]',
      '[1]\n{"a":1}',
      `[1]\n${JSON.stringify([1, null, null, 's', ['x'], [], [], 0, 0, 0, 0, ''])}`,
      `[1]\n${JSON.stringify([1, null, null, 's', [], [], [], 0, 0, -1, 0, ''])}`,
    ]) {
      expect(unpackSummary(bad, 'm', 1)).toBeNull();
    }
    expect(unpackSummary(packed, 'm', 0)).toBeNull();
    expect(unpackFlags('[32]')).toBeNull();
  });

  it('tells a flags stub from a summary and from garbage', () => {
    expect(isFlagsStub('[1]\n')).toBe(true);
    expect(isFlagsStub(packSummary(summary))).toBe(false);
    expect(isFlagsStub('[1]')).toBe(false);
    expect(unpackSummary('[1]\n', 'm', 1)).toBeNull();
  });

  it('validates sync state', () => {
    expect(readMeta({ uv: '7', ms: '100', un: '11', n: '10' })).toMatchObject({
      uidValidity: '7',
      count: 10,
      unread: null,
    });
    expect(readMeta({ uv: '7', ms: 'x', un: '11', n: '10' })).toBeNull();
    expect(readMeta({ uv: '7', ms: '1' })).toBeNull();
  });

  it('formats and parses the state string', () => {
    expect(stateOf('7', '100')).toBe('7:100');
    expect(parseState('7:100')).toEqual({ uidValidity: '7', modseq: '100' });
    expect(parseState('7:100:x')).toBeNull();
  });

  it('keeps the generations of a flags-scanned mailbox apart from server mod-sequences', () => {
    expect(stateOf('7', scanModseq(1764000000000n))).toBe('7:s1764000000000');
    expect(parseState('7:s12')).toEqual({ uidValidity: '7', modseq: 's12' });
    expect(parseState('7:x12')).toBeNull();
    expect(isScanModseq('s12')).toBe(true);
    expect(isScanModseq('12')).toBe(false);
    expect(modseqNumber('s12')).toBe(12n);
    expect(modseqNumber('12')).toBe(12n);
    expect(readMeta({ uv: '7', ms: 's12', un: '11', n: '10', sf: '4', ur: '3', urm: 's12' })).toMatchObject({
      modseq: 's12',
      scanFrom: 4,
      unread: 3,
      unreadModseq: 's12',
    });
  });
});
