import type { MessageSummary } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { arrivalNotice } from './arrival-notice';

function message(uid: number, subject: string, name: string, seen = false): MessageSummary {
  return {
    mailboxId: 'SU5CT1g',
    uid,
    messageId: null,
    inReplyTo: null,
    subject,
    from: [{ name, address: `${name.toLowerCase() || 'anon'}@example.org` }],
    to: [],
    cc: [],
    date: '2025-01-01T00:00:00.000Z',
    receivedAt: '2025-01-01T00:00:00.000Z',
    size: 100,
    flags: { seen, flagged: false, answered: false, draft: false, forwarded: false },
    keywords: [],
    hasAttachments: false,
    snippet: '',
  };
}

describe('arrivalNotice', () => {
  it('names the sender and subject of a single message, tagged by message', () => {
    expect(arrivalNotice([message(7, 'Lunch?', 'Ada')])).toEqual({
      title: 'Ada',
      body: 'Lunch?',
      tag: 'westwind:SU5CT1g/7',
      key: 'SU5CT1g/7',
    });
  });

  it('falls back to the address and a placeholder subject', () => {
    const notice = arrivalNotice([message(8, '  ', '')]);
    expect(notice?.title).toBe('anon@example.org');
    expect(notice?.body).toBe('(no subject)');
  });

  it('tells a burst as one count, newest first, without opening a single message', () => {
    const burst = [1, 2, 3, 4, 5].map((uid) => message(uid, `Subject ${uid}`, `Sender ${uid}`));
    const notice = arrivalNotice(burst);
    expect(notice?.title).toBe('5 new messages');
    expect(notice?.body).toBe('Sender 5: Subject 5\nSender 4: Subject 4\nSender 3: Subject 3');
    expect(notice?.tag).toBe('westwind:SU5CT1g/5');
    expect(notice?.key).toBeUndefined();
  });

  it('marks a delta that was cut short', () => {
    expect(arrivalNotice([message(1, 'a', 'A')], true)?.title).toBe('1+ new messages');
  });

  it('says nothing for no mail or mail already read elsewhere', () => {
    expect(arrivalNotice([])).toBeNull();
    expect(arrivalNotice([message(1, 'a', 'A', true)])).toBeNull();
    expect(arrivalNotice([message(1, 'a', 'A', true), message(2, 'b', 'B')])?.title).toBe('B');
  });

  it('keeps markup as text', () => {
    const notice = arrivalNotice([message(9, '<img src=x onerror=alert(1)>', '<b>Eve</b>')]);
    expect(notice?.title).toBe('<b>Eve</b>');
    expect(notice?.body).toBe('<img src=x onerror=alert(1)>');
  });
});
