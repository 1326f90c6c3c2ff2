import { describe, expect, it } from 'vitest';
import { needsTouch, parseSessionRecord, recordTtlMs, type SessionRecord } from './record.js';

const endpoint = { host: 'imap.example.org', address: '192.0.2.1', port: 993, secure: true, starttls: false };
const record: SessionRecord = {
  v: 1,
  address: 'a@example.org',
  displayName: 'a',
  accountKey: 'k',
  loginUser: 'a@example.org',
  imap: endpoint,
  smtp: { ...endpoint, port: 465 },
  capabilities: ['IMAP4rev1', 'IDLE'],
  createdAt: 1,
  lastSeenAt: 1,
  expiresAt: 1_000_000,
  credential: { iv: 'a', ciphertext: 'b', tag: 'c' },
};

describe('parseSessionRecord', () => {
  it('accepts a valid record', () => {
    expect(parseSessionRecord(JSON.stringify(record))).toEqual(record);
  });

  it.each([
    null,
    '',
    'not json',
    '{}',
    JSON.stringify({ ...record, v: 2 }),
    JSON.stringify({ ...record, imap: {} }),
  ])('treats %j as no session', (raw) => {
    expect(parseSessionRecord(raw)).toBeNull();
  });
});

describe('session lifetimes', () => {
  it('caps the idle ttl at the absolute expiry', () => {
    expect(recordTtlMs({ expiresAt: 10_000 }, 0, 5_000)).toBe(5_000);
    expect(recordTtlMs({ expiresAt: 10_000 }, 8_000, 5_000)).toBe(2_000);
    expect(recordTtlMs({ expiresAt: 10_000 }, 12_000, 5_000)).toBe(0);
  });

  it('writes the idle clock back at most once a minute', () => {
    expect(needsTouch({ lastSeenAt: 0 }, 59_999, 86_400_000)).toBe(false);
    expect(needsTouch({ lastSeenAt: 0 }, 60_000, 86_400_000)).toBe(true);
    expect(needsTouch({ lastSeenAt: 0 }, 100, 10_000)).toBe(true);
  });
});
