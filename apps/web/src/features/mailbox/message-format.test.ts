import { describe, expect, it } from 'vitest';
import { addressFull, formatListDate, formatSize, senderLabel } from './message-format';

describe('formatListDate', () => {
  const now = new Date(2026, 10, 26, 15, 0);
  it('shows a time for today, day and month this year, a full date before', () => {
    expect(formatListDate(new Date(2026, 10, 26, 9, 5).toISOString(), now, 'en-GB')).toMatch(/^0?9:05$/);
    expect(formatListDate(new Date(2026, 2, 12, 9, 5).toISOString(), now, 'en-GB')).toBe('12 Mar');
    expect(formatListDate(new Date(2023, 2, 12, 9, 5).toISOString(), now, 'en-GB')).toBe('12/03/2023');
  });
  it('returns nothing for a bad date', () => {
    expect(formatListDate('nope', now)).toBe('');
  });
});

describe('formatSize', () => {
  it('uses bytes, KB and MB', () => {
    expect(formatSize(1)).toBe('1 byte');
    expect(formatSize(900)).toBe('900 bytes');
    expect(formatSize(2048)).toBe('2.0 KB');
    expect(formatSize(123456)).toBe('121 KB');
    expect(formatSize(5 * 1024 * 1024)).toBe('5.0 MB');
  });
});

describe('addresses', () => {
  it('labels senders', () => {
    expect(senderLabel([{ name: ' Ada ', address: 'ada@x.test' }])).toBe('Ada');
    expect(senderLabel([{ name: '', address: 'ada@x.test' }])).toBe('ada@x.test');
    expect(senderLabel([])).toBe('(no sender)');
    expect(addressFull({ name: 'Ada', address: 'ada@x.test' })).toBe('Ada <ada@x.test>');
  });
});
