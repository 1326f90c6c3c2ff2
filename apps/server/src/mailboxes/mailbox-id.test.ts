import { describe, expect, it } from 'vitest';
import { mailboxIdOf, mailboxPathOf } from './mailbox-id.js';

describe('mailbox ids', () => {
  it.each(['INBOX', 'Archive/2025', 'a.b%c*d"e\'f', 'Reçus/旅行', 'x y'])('round-trips %j', (path) => {
    const id = mailboxIdOf(path);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(mailboxPathOf(id)).toBe(path);
  });

  it.each(['', 'not base64!', 'SU5CT1g=', '_w', mailboxIdOf('a\r\nb')])('rejects %j', (id) => {
    expect(mailboxPathOf(id)).toBeNull();
  });
});
