import { describe, expect, it } from 'vitest';
import { UidIndex } from './uid-index.js';

describe('UidIndex', () => {
  it('packs contiguous UIDs into ranges and round-trips', () => {
    const index = UidIndex.fromUids([5, 1, 2, 3, 7, 8, 3]);
    expect(index.toString()).toBe('1:3,5,7:8');
    expect(UidIndex.parse(index.toString())?.toString()).toBe('1:3,5,7:8');
    expect(index.count).toBe(6);
    expect(index.max).toBe(8);
    expect(index.has(4)).toBe(false);
    expect(index.has(7)).toBe(true);
  });

  it('stores 100,000 contiguous UIDs in a few bytes', () => {
    const index = UidIndex.parse('1:100000');
    expect(index?.count).toBe(100_000);
    expect(index?.takeDesc(3)).toEqual([100_000, 99_999, 99_998]);
  });

  it('adds and removes, splitting ranges', () => {
    const index = UidIndex.parse('1:10')!;
    expect(index.with([11, 12]).toString()).toBe('1:12');
    expect(index.with([], [1, 5, 10]).toString()).toBe('2:4,6:9');
    expect(index.with([20], [5]).toString()).toBe('1:4,6:10,20');
    expect(index.with([5]).toString()).toBe('1:10');
    expect(index.with([], [99]).toString()).toBe('1:10');
  });

  it('pages down and up around a cursor', () => {
    const index = UidIndex.parse('1:3,10:12')!;
    expect(index.takeDesc(4)).toEqual([12, 11, 10, 3]);
    expect(index.takeDesc(2, 11)).toEqual([10, 3]);
    expect(index.takeAsc(3, 2)).toEqual([3, 10, 11]);
    expect(index.takeAsc(5, 12)).toEqual([]);
  });

  it('diffs two indexes', () => {
    const a = UidIndex.parse('1:5')!;
    const b = UidIndex.parse('2:4,6')!;
    expect(a.diff(b)).toEqual({ added: [6], removed: [1, 5] });
  });

  it('refuses what is not a set', () => {
    for (const bad of ['x', '1:', '0', '1,,2', '1:2:3', '99999999999', ' 1']) {
      expect(UidIndex.parse(bad)).toBeNull();
    }
    expect(UidIndex.parse('')?.count).toBe(0);
  });
});
