import { describe, expect, it } from 'vitest';
import { clickSelect, EMPTY_SELECTION, pruneSelection, toggleKey } from './selection';

const order = [50, 40, 30, 20, 10];
const keys = (s: { keys: ReadonlySet<number> }) => [...s.keys].sort((a, b) => b - a);

describe('clickSelect', () => {
  it('selects one row on a plain click', () => {
    const s = clickSelect({ keys: new Set([50, 40]), anchor: 50 }, order, 30, {
      shift: false,
      toggle: false,
    });
    expect(keys(s)).toEqual([30]);
    expect(s.anchor).toBe(30);
  });
  it('toggles with ctrl/cmd', () => {
    let s = clickSelect(EMPTY_SELECTION, order, 40, { shift: false, toggle: true });
    s = clickSelect(s, order, 20, { shift: false, toggle: true });
    expect(keys(s)).toEqual([40, 20]);
    s = clickSelect(s, order, 40, { shift: false, toggle: true });
    expect(keys(s)).toEqual([20]);
  });
  it('extends a range with shift, in either direction, from the anchor', () => {
    const start = clickSelect(EMPTY_SELECTION, order, 40, { shift: false, toggle: false });
    expect(keys(clickSelect(start, order, 20, { shift: true, toggle: false }))).toEqual([40, 30, 20]);
    expect(keys(clickSelect(start, order, 50, { shift: true, toggle: false }))).toEqual([50, 40]);
  });
  it('adds a range to the selection with ctrl+shift', () => {
    const s = { keys: new Set([10]), anchor: 50 };
    expect(keys(clickSelect(s, order, 40, { shift: true, toggle: true }))).toEqual([50, 40, 10]);
  });
  it('treats shift without an anchor as a plain click', () => {
    expect(keys(clickSelect(EMPTY_SELECTION, order, 30, { shift: true, toggle: false }))).toEqual([30]);
  });
});

describe('toggleKey and pruneSelection', () => {
  it('toggles and prunes', () => {
    const s = toggleKey(toggleKey(EMPTY_SELECTION, 1), 2);
    expect(keys(s)).toEqual([2, 1]);
    const pruned = pruneSelection(s, new Set([1]));
    expect(keys(pruned)).toEqual([1]);
    expect(pruned.anchor).toBeNull();
    expect(pruneSelection(pruned, new Set([1]))).toBe(pruned);
  });
});
