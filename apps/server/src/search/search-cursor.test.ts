import { describe, expect, it } from 'vitest';
import {
  type Candidate,
  encodeSearchCursor,
  fingerprint,
  mergePage,
  readSearchCursor,
} from './search-cursor.js';

const list = (folder: number, entries: [number, number][]): Candidate[] =>
  entries.map(([uid, time]) => ({ folder, uid, time }));

describe('search cursor', () => {
  it('round-trips positions and is refused for another search or folder count', () => {
    const print = fingerprint(['from:a', 'INBOX:1']);
    const text = encodeSearchCursor(print, [null, 0, 4294967295, 17]);
    expect(text).toMatch(/^2\.[0-9a-z]+\.,0,[0-9a-z]+,h$/);
    expect(readSearchCursor(text, print, 4)).toEqual([null, 0, 4294967295, 17]);
    expect(readSearchCursor(text, fingerprint(['from:b', 'INBOX:1']), 4)).toBeNull();
    expect(readSearchCursor(text, print, 3)).toBeNull();
    expect(readSearchCursor('2.x.zzzzzzzzz', 'x', 1)).toBeNull();
    expect(readSearchCursor('garbage', print, 1)).toBeNull();
    expect(encodeSearchCursor(print, Array(40).fill(4294967295)).length).toBeLessThan(512);
  });
});

describe('mergePage', () => {
  it('merges folders newest first, taking each folder in UID order', () => {
    const inbox = list(0, [
      [30, 300],
      [20, 100],
      [10, 50],
    ]);
    const sent = list(1, [
      [9, 200],
      [8, 150],
    ]);
    const first = mergePage([inbox, sent], [null, null], [3, 2], 3);
    expect(first.page.map((c) => `${c.folder}:${c.uid}`)).toEqual(['0:30', '1:9', '1:8']);
    expect(first.positions).toEqual([30, 0]);
    expect(first.more).toBe(true);
    const second = mergePage([inbox.slice(1), []], first.positions, [2, 0], 3);
    expect(second.page.map((c) => `${c.folder}:${c.uid}`)).toEqual(['0:20', '0:10']);
    expect(second.positions).toEqual([0, 0]);
    expect(second.more).toBe(false);
  });

  it('reports more when a folder has matches beyond its fetched candidates', () => {
    const one = list(0, [
      [5, 0],
      [4, 0],
      [3, 0],
    ]);
    const page = mergePage([one], [null], [10], 2);
    expect(page.page.map((c) => c.uid)).toEqual([5, 4]);
    expect(page.positions).toEqual([4]);
    expect(page.more).toBe(true);
  });
});
