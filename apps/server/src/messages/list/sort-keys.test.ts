import { describe, expect, it } from 'vitest';
import { esortAll, sortNumbers } from './imap-sort.js';
import { baseSubject, compareRows, fromKey, indexAfter, sortKeyOf } from './sort-keys.js';

describe('sort keys', () => {
  it.each([
    ['Re: Fwd: Hello', 'hello'],
    ['RE:  [list] re: Hello  World (fwd)', 'hello world'],
    ['[Fwd: Plan]', 'plan'],
    ['[only]', '[only]'],
  ])('base subject of %j', (subject, base) => {
    expect(baseSubject(subject)).toBe(base);
  });

  it('keys senders by display name or local part', () => {
    const envelope = { from: [{ name: 'Zoë B', address: 'Zoe@Example.org' }] };
    expect(fromKey(envelope, true)).toBe('zoë b');
    expect(fromKey(envelope, false)).toBe('zoe');
    expect(fromKey({}, true)).toBe('');
    expect(sortKeyOf('size', { size: 10 }, { displayFrom: false })).toBe(10);
    expect(sortKeyOf('date', {}, { displayFrom: false })).toBeNull();
  });

  it('orders rows by key, then UID', () => {
    expect(compareRows({ key: 'a', uid: 9 }, { key: 'b', uid: 1 })).toBeLessThan(0);
    expect(compareRows({ key: 5, uid: 2 }, { key: 5, uid: 1 })).toBeGreaterThan(0);
  });

  it('continues after an anchor that is still there without probing', async () => {
    const probe = async () => {
      throw new Error('no probe expected');
    };
    expect(await indexAfter([4, 2, 9], { key: 1, uid: 2 }, 'asc', probe)).toBe(2);
  });

  it('finds the place of an anchor that has gone', async () => {
    const sizes = new Map([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
    ]);
    const keyOf = async (uid: number) => sizes.get(uid);
    expect(await indexAfter([1, 2, 3, 4], { key: 25, uid: 7 }, 'asc', keyOf)).toBe(2);
    expect(await indexAfter([4, 3, 2, 1], { key: 25, uid: 7 }, 'desc', keyOf)).toBe(2);
    expect(await indexAfter([1, 2, 3, 4], { key: 99, uid: 7 }, 'asc', keyOf)).toBe(4);
  });

  it('reads SORT and ESORT responses', () => {
    const esearch = [
      [
        { type: 'ATOM', value: 'TAG' },
        { type: 'STRING', value: '9' },
      ],
      { type: 'ATOM', value: 'UID' },
      { type: 'ATOM', value: 'ALL' },
      { type: 'SEQUENCE', value: '5,3:1,9' },
    ];
    expect(esortAll(esearch)).toEqual([5, 3, 2, 1, 9]);
    expect(esortAll([[{ type: 'ATOM', value: 'TAG' }], { type: 'ATOM', value: 'UID' }])).toEqual([]);
    expect(
      sortNumbers([
        { type: 'ATOM', value: '4' },
        { type: 'ATOM', value: '2' },
      ]),
    ).toEqual([4, 2]);
    expect(() => sortNumbers([{ type: 'ATOM', value: 'x' }])).toThrow();
  });
});
