import { describe, expect, it } from 'vitest';
import { expandSet, takeFromSet, toSequenceSet } from './uid-set.js';

describe('sequence sets', () => {
  it('expands in the order written, descending ranges included', () => {
    expect(expandSet('1:3,7,10:8')).toEqual([1, 2, 3, 7, 10, 9, 8]);
    expect(expandSet('')).toEqual([]);
  });

  it.each(['*', '1:*', 'a', '1,,2', '0', '1:2:3'])('rejects %j', (set) => {
    expect(() => expandSet(set)).toThrow();
  });

  it('refuses to expand past its limit', () => {
    expect(() => expandSet('1:1000000', 10)).toThrow(/too large/);
  });

  it('takes from either end without expanding the rest', () => {
    expect(takeFromSet('1:100000', 3)).toEqual([1, 2, 3]);
    expect(takeFromSet('1:100000', 3, true)).toEqual([99998, 99999, 100000]);
    expect(takeFromSet('1:2,5,9:10', 4, true)).toEqual([2, 5, 9, 10]);
    expect(takeFromSet('5:3,1', 2)).toEqual([5, 4]);
    expect(takeFromSet('5:3,1', 2, true)).toEqual([3, 1]);
    expect(takeFromSet('', 5)).toEqual([]);
    expect(takeFromSet('4', 5, true)).toEqual([4]);
  });

  it('packs UIDs into a compact set', () => {
    expect(toSequenceSet([5, 1, 2, 3, 3, 9, 10])).toBe('1:3,5,9:10');
    expect(toSequenceSet([])).toBe('');
  });
});
