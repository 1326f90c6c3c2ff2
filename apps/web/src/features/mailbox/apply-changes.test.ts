import type { MessageFlags, MessageSummary } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { applyChanges, type Delta, type ListShape } from './apply-changes';

const BOX = 'SU5CT1g';
const NO_FLAGS: MessageFlags = {
  seen: false,
  flagged: false,
  answered: false,
  draft: false,
  forwarded: false,
};

function row(uid: number, flags: Partial<MessageFlags> = {}): MessageSummary {
  return {
    mailboxId: BOX,
    uid,
    messageId: `<${uid}@example.org>`,
    inReplyTo: null,
    subject: `Message ${uid}`,
    from: [{ name: 'Ada', address: 'ada@example.org' }],
    to: [],
    cc: [],
    date: '2024-01-01T00:00:00.000Z',
    receivedAt: '2024-01-01T00:00:00.000Z',
    size: 1000,
    flags: { ...NO_FLAGS, ...flags },
    keywords: [],
    hasAttachments: false,
    snippet: `Snippet ${uid}`,
  };
}

const delta = (parts: Partial<Delta>): Delta => ({
  created: [],
  updated: [],
  flagUpdates: [],
  destroyed: [],
  ...parts,
});

const newestFirst: ListShape = { mailboxId: BOX, sort: 'date', order: 'desc', exhausted: false };
const uids = (rows: MessageSummary[] | null) => rows?.map((r) => r.uid);
/** Rows 100 down to 51: a first page of a larger folder. */
const page = () => Array.from({ length: 50 }, (_, i) => row(100 - i));

describe('applyChanges', () => {
  it('returns the same array when nothing it shows changed', () => {
    const rows = page();
    expect(applyChanges(rows, delta({}), newestFirst)).toBe(rows);
    // Same flags again, a UID it never had, and a change beyond the loaded rows: nothing to show.
    const same = delta({ flagUpdates: [{ uid: 70, flags: NO_FLAGS }], destroyed: [7], updated: [row(3)] });
    expect(applyChanges(rows, same, newestFirst)).toBe(rows);
  });

  it('removes destroyed rows anywhere in the list, ignoring UIDs it never had', () => {
    const next = applyChanges(page(), delta({ destroyed: [99, 60, 7] }), newestFirst);
    expect(next).toHaveLength(48);
    expect(uids(next)).not.toContain(99);
    expect(uids(next)).not.toContain(60);
  });

  it('patches flags in place from flag updates and whole summaries, far down the list too', () => {
    const rows = page();
    const flagged = { ...row(55), flags: { ...NO_FLAGS, flagged: true }, keywords: ['$label1'] };
    const next = applyChanges(
      rows,
      delta({ flagUpdates: [{ uid: 90, flags: { ...NO_FLAGS, seen: true } }], updated: [flagged] }),
      newestFirst,
    );
    expect(uids(next)).toEqual(uids(rows));
    expect(next?.find((r) => r.uid === 90)?.flags.seen).toBe(true);
    expect(next?.find((r) => r.uid === 55)).toEqual(flagged);
    // Untouched rows stay the same objects (their components need not re-render).
    expect(next?.[0]).toBe(rows[0]);
  });

  it('puts new mail at the top, newest first, in created or in updated', () => {
    const next = applyChanges(
      page(),
      delta({ created: [row(101)], updated: [row(103), row(102)] }),
      newestFirst,
    );
    expect(uids(next)?.slice(0, 4)).toEqual([103, 102, 101, 100]);
    expect(next).toHaveLength(53);
  });

  it('does not add a message that arrived and went in the same delta', () => {
    const next = applyChanges(page(), delta({ created: [row(101)], destroyed: [101] }), newestFirst);
    expect(uids(next)?.[0]).toBe(100);
  });

  it('places a row it lacked inside the loaded range by UID, and leaves rows past the end to paging', () => {
    const rows = page().filter((r) => r.uid !== 80);
    const next = applyChanges(rows, delta({ updated: [row(80), row(20)] }), newestFirst);
    expect(uids(next)).toEqual(uids(page()));
    // The whole folder is loaded: nothing is left to paging, the row goes at the end.
    const all = applyChanges(rows, delta({ updated: [row(20)] }), { ...newestFirst, exhausted: true });
    expect(uids(all)?.at(-1)).toBe(20);
  });

  it('applies creations, updates and deletions together', () => {
    const next = applyChanges(
      page(),
      delta({
        created: [row(101)],
        flagUpdates: [{ uid: 70, flags: { ...NO_FLAGS, flagged: true } }],
        destroyed: [75, 100],
      }),
      newestFirst,
    );
    expect(uids(next)?.slice(0, 2)).toEqual([101, 99]);
    expect(next).toHaveLength(49);
    expect(next?.find((r) => r.uid === 70)?.flags.flagged).toBe(true);
  });

  it('keeps oldest-first order: new mail goes at the end only once the whole folder is loaded', () => {
    const rows = page().reverse();
    const shape: ListShape = { ...newestFirst, order: 'asc' };
    expect(applyChanges(rows, delta({ created: [row(101)] }), shape)).toBe(rows);
    const all = applyChanges(rows, delta({ created: [row(101)] }), { ...shape, exhausted: true });
    expect(uids(all)?.at(-1)).toBe(101);
  });

  it('starts an empty folder with its new mail', () => {
    const next = applyChanges([], delta({ created: [row(1), row(2)] }), { ...newestFirst, exhausted: true });
    expect(uids(next)).toEqual([2, 1]);
  });

  it('asks for a reload when it cannot place a row', () => {
    // Other sorts: the server's sort key is not known here.
    expect(
      applyChanges(page(), delta({ created: [row(101)] }), { ...newestFirst, sort: 'subject' }),
    ).toBeNull();
    // Rows out of UID order, or from another folder: not a list this function understands.
    const shuffled = [row(100), row(98), row(99)];
    expect(applyChanges(shuffled, delta({ destroyed: [98] }), newestFirst)).toBeNull();
    expect(applyChanges([{ ...row(100), mailboxId: 'other' }], delta({}), newestFirst)).toBeNull();
    // Nothing loaded and more to come: where the rows go is unknown.
    expect(applyChanges([], delta({ updated: [row(5)] }), newestFirst)).toBeNull();
  });

  it('applies deletions and flags in place under other sorts', () => {
    const rows = [row(3), row(9), row(1)];
    const shape: ListShape = { ...newestFirst, sort: 'size' };
    const next = applyChanges(
      rows,
      delta({ destroyed: [9], flagUpdates: [{ uid: 1, flags: { ...NO_FLAGS, seen: true } }] }),
      shape,
    );
    expect(uids(next)).toEqual([3, 1]);
    expect(next?.[1]?.flags.seen).toBe(true);
  });
});
