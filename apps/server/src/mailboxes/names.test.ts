import { describe, expect, it } from 'vitest';
import {
  checkMailboxName,
  childPath,
  isInboxPath,
  isSameOrBelow,
  leafNameOf,
  parentPathOf,
} from './names.js';

describe('checkMailboxName', () => {
  it.each([
    ['Projects', 'Projects'],
    ['  spaced  ', 'spaced'],
    ['a%b*c"d\'e\\f&g', 'a%b*c"d\'e\\f&g'],
    ['Reçus 旅行 🚀', 'Reçus 旅行 🚀'],
    ['x'.repeat(255), 'x'.repeat(255)],
  ])('accepts %j', (raw, name) => {
    expect(checkMailboxName(raw, '/')).toEqual({ ok: true, name });
  });

  it('composes to NFC, so one name typed two ways is one folder', () => {
    const decomposed = 'Re\u0063\u0327us';
    expect(checkMailboxName(decomposed, '/')).toEqual({ ok: true, name: 'Re\u00e7us' });
  });

  it.each([
    ['', /empty/],
    ['   \t ', /empty|control/],
    ['x'.repeat(256), /longer than 255/],
    ['a\r\nb', /control/],
    ['a\u0000b', /control/],
    ['a\u0085b', /control/],
    ['bad\ud800', /Unicode/],
    ['a/b', /cannot contain "\/"/],
    ['.', /cannot be a folder name/],
    ['..', /cannot be a folder name/],
  ])('refuses %j', (raw, reason) => {
    const check = checkMailboxName(raw, '/');
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });

  it('checks the delimiter the server uses', () => {
    expect(checkMailboxName('a.b', '.').ok).toBe(false);
    expect(checkMailboxName('a/b', '.').ok).toBe(true);
    expect(checkMailboxName('a/b.c', null).ok).toBe(true);
  });
});

describe('paths', () => {
  it('splits at the last delimiter', () => {
    expect(parentPathOf('Projects/Westwind/Design', '/')).toBe('Projects/Westwind');
    expect(parentPathOf('Projects', '/')).toBeNull();
    expect(parentPathOf('a.b', null)).toBeNull();
    expect(leafNameOf('Projects/Westwind/Design', '/')).toBe('Design');
    expect(leafNameOf('INBOX.Sent', '.')).toBe('Sent');
    expect(leafNameOf('flat/name', null)).toBe('flat/name');
  });

  it('joins a name under a parent', () => {
    expect(childPath(null, 'a', '/')).toBe('a');
    expect(childPath('Projects', 'a%b', '/')).toBe('Projects/a%b');
    expect(() => childPath('x', 'y', null)).toThrow();
  });

  it('knows what lies below a folder', () => {
    expect(isSameOrBelow('A', 'A', '/')).toBe(true);
    expect(isSameOrBelow('A/B/C', 'A', '/')).toBe(true);
    expect(isSameOrBelow('AB', 'A', '/')).toBe(false);
    expect(isSameOrBelow('A/B', 'A', null)).toBe(false);
  });

  it('treats INBOX case-insensitively', () => {
    expect(isInboxPath('inbox')).toBe(true);
    expect(isInboxPath('INBOX/child')).toBe(false);
  });
});
