import { describe, expect, it } from 'vitest';
import {
  changedFlags,
  MAX_LOGGED_UIDS,
  newEra,
  nextGeneration,
  packLoggedChange,
  planScan,
  replayLog,
  sliceFor,
  unpackLoggedChange,
} from './flag-scan.js';
import { UidIndex } from './uid-index.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('planScan', () => {
  const index = UidIndex.fromUids(range(1, 100));

  it('reads the newest window and the slice just below it first', () => {
    const plan = planScan(index, 10, 10, 0, []);
    expect(plan.uids).toEqual(range(81, 100));
    expect(plan.nextFrom).toBe(81);
  });

  it('moves the older slice down on every sync and starts again past the bottom', () => {
    const seen = new Set<number>();
    let from = 0;
    for (let sync = 0; sync < 9; sync++) {
      const plan = planScan(index, 10, 10, from, []);
      for (const uid of plan.uids) seen.add(uid);
      from = plan.nextFrom;
    }
    // Nine syncs of a 10-wide window reach every one of 100 messages.
    expect(seen.size).toBe(100);
    expect(from).toBe(0);
    expect(planScan(index, 10, 10, from, []).uids).toEqual(range(81, 100));
  });

  it('takes an older slice of its own size', () => {
    expect(planScan(index, 10, 5, 0, []).uids).toEqual(range(86, 100));
    expect(planScan(index, 10, 5, 86, []).uids).toEqual([...range(81, 85), ...range(91, 100)]);
    expect(sliceFor(1000)).toBe(250);
    expect(sliceFor(8)).toBe(2);
    expect(sliceFor(1)).toBe(1);
  });

  it('adds the wanted UIDs that are in the folder', () => {
    const plan = planScan(index, 10, 10, 0, [5, 50, 500]);
    expect(plan.uids).toEqual([5, 50, ...range(81, 100)]);
    // Kept even where nothing is cached: the newest and the shown, not the older slice.
    expect([...plan.keep].sort((a, b) => a - b)).toEqual([5, 50, ...range(91, 100)]);
  });

  it('starts below the window again when the folder shrank under the saved place', () => {
    const small = UidIndex.fromUids(range(1, 15));
    expect(planScan(small, 10, 10, 90, []).uids).toEqual(range(1, 15));
    expect(planScan(small, 10, 10, 90, []).nextFrom).toBe(0);
  });

  it('reads a folder smaller than the window whole', () => {
    expect(planScan(UidIndex.fromUids([3, 7, 9]), 10, 10, 0, [])).toMatchObject({
      uids: [3, 7, 9],
      nextFrom: 0,
    });
    expect(planScan(UidIndex.empty(), 10, 10, 0, [1])).toMatchObject({ uids: [], nextFrom: 0 });
  });
});

describe('changedFlags', () => {
  it('names the cached rows whose flags differ, and ignores rows not cached', () => {
    const scanned = new Map([
      [1, '[1]'],
      [2, '[3,"$label1"]'],
      [3, '[0]'],
    ]);
    const cached = new Map<number, string | null>([
      [1, '[1]'],
      [2, '[1]'],
      [3, null],
    ]);
    expect(changedFlags(scanned, cached)).toEqual([2]);
  });
});

describe('the change log', () => {
  it('round-trips an entry as two UID sets', () => {
    const text = packLoggedChange({ changed: [5, 1, 2, 3], removed: [9] });
    expect(text).toBe('1:3,5|9');
    expect(unpackLoggedChange(text)).toEqual({ changed: [1, 2, 3, 5], removed: [9] });
  });

  it('marks an entry too big to replay, and refuses what it did not write', () => {
    const big = packLoggedChange({ changed: range(1, MAX_LOGGED_UIDS + 1), removed: [] });
    expect(unpackLoggedChange(big)).toBe('too-big');
    expect(unpackLoggedChange(null)).toBeNull();
    expect(unpackLoggedChange('1:3')).toBeNull();
    expect(unpackLoggedChange('x|1')).toBeNull();
  });

  it('replays generations: later removals win, each change keeps its last generation', () => {
    const replayed = replayLog([
      { generation: 11n, entry: { changed: [1, 2, 3], removed: [] } },
      { generation: 12n, entry: { changed: [2], removed: [3] } },
    ]);
    expect(replayed).toEqual({
      changed: new Map([
        [1, 11n],
        [2, 12n],
      ]),
      removed: new Set([3]),
    });
  });

  it('cannot replay across a missing or too big entry', () => {
    expect(replayLog([{ generation: 1n, entry: null }])).toBeNull();
    expect(replayLog([{ generation: 1n, entry: 'too-big' }])).toBeNull();
  });
});

describe('generations', () => {
  it('start each cache in an era of its own and count up within it', () => {
    const first = newEra(() => 0);
    const other = newEra(() => 0.5);
    expect(first).toBe(1n << 20n);
    expect(other).not.toBe(first);
    expect(nextGeneration(first)).toBe(first + 1n);
  });

  it('end an era rather than run into the next one', () => {
    const last = (2n << 20n) - 1n;
    expect(nextGeneration(last)).toBeNull();
    expect(nextGeneration(last - 1n)).toBe(last);
  });
});
