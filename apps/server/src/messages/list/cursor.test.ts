import { describe, expect, it } from 'vitest';
import { type Cursor, encodeCursor, parseCursor, readCursor } from './cursor.js';

const base: Cursor = {
  uidValidity: '1795662977',
  sort: 'subject',
  order: 'asc',
  key: 'hello wörld',
  uid: 42,
};
const expected = { uidValidity: '1795662977', sort: 'subject', order: 'asc' } as const;

function raw(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('page cursors', () => {
  it('round-trips and is URL-safe', () => {
    const text = encodeCursor(base);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readCursor(text, expected)).toEqual(base);
  });

  it('keeps long keys short enough for the query limit', () => {
    const text = encodeCursor({ ...base, key: '語'.repeat(500) });
    expect(text.length).toBeLessThanOrEqual(512);
    expect(readCursor(text, expected)?.key).toBe('語'.repeat(60));
  });

  it('is refused for another UIDVALIDITY, sort or order', () => {
    const text = encodeCursor(base);
    expect(readCursor(text, { ...expected, uidValidity: '1' })).toBeNull();
    expect(readCursor(text, { ...expected, sort: 'from' })).toBeNull();
    expect(readCursor(text, { ...expected, order: 'desc' })).toBeNull();
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an array', raw([1])],
    ['another version', raw({ v: 2, uv: '1', s: 'date', o: 'desc', k: null, u: 1 })],
    ['a bad UID', raw({ v: 1, uv: '1', s: 'date', o: 'desc', k: null, u: 0 })],
    ['a fractional UID', raw({ v: 1, uv: '1', s: 'date', o: 'desc', k: null, u: 1.5 })],
    ['an unknown sort', raw({ v: 1, uv: '1', s: 'color', o: 'desc', k: null, u: 1 })],
    ['a size key that is text', raw({ v: 1, uv: '1', s: 'size', o: 'desc', k: 'x', u: 1 })],
    ['a subject key that is a number', raw({ v: 1, uv: '1', s: 'subject', o: 'desc', k: 3, u: 1 })],
    ['a date key', raw({ v: 1, uv: '1', s: 'date', o: 'desc', k: 'x', u: 1 })],
    ['a non-numeric UIDVALIDITY', raw({ v: 1, uv: 'x', s: 'date', o: 'desc', k: null, u: 1 })],
  ])('rejects %s', (_name, text) => {
    expect(parseCursor(text)).toBeNull();
  });
});
