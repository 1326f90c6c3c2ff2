import { describe, expect, it } from 'vitest';
import { planAction } from './plan.js';

const mailboxes = [
  { path: 'INBOX', specialUse: '\\Inbox' },
  { path: 'Archive' },
  { path: 'Deleted Items', specialUse: '\\Trash' },
  { path: 'Spam', specialUse: '\\Junk' },
];

describe('action plans', () => {
  it('maps flag actions to silent stores', () => {
    expect(planAction('read', 'INBOX', undefined, [])).toEqual({ kind: 'store', op: 'add', flag: '\\Seen' });
    expect(planAction('unflag', 'INBOX', undefined, [])).toEqual({
      kind: 'store',
      op: 'remove',
      flag: '\\Flagged',
    });
  });

  it('moves and copies only to a folder that exists', () => {
    expect(planAction('move', 'INBOX', 'Archive', mailboxes)).toEqual({ kind: 'move', target: 'Archive' });
    expect(planAction('copy', 'Archive', 'inbox', mailboxes)).toEqual({ kind: 'copy', target: 'INBOX' });
    expect(planAction('move', 'INBOX', 'Nope', mailboxes)).toBe('target-missing');
    expect(planAction('copy', 'INBOX', undefined, mailboxes)).toBe('target-required');
  });

  it('deletes to Trash, and expunges in Trash, in Junk or without a Trash', () => {
    expect(planAction('delete', 'INBOX', undefined, mailboxes)).toEqual({
      kind: 'move',
      target: 'Deleted Items',
    });
    expect(planAction('delete', 'Deleted Items', undefined, mailboxes)).toEqual({ kind: 'expunge' });
    expect(planAction('delete', 'Spam', undefined, mailboxes)).toEqual({ kind: 'expunge' });
    expect(planAction('delete', 'INBOX', undefined, [{ path: 'INBOX' }])).toEqual({ kind: 'expunge' });
  });
});
