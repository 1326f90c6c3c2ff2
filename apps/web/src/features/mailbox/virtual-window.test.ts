import { describe, expect, it } from 'vitest';
import { anchorScroll, scrollToReveal, visibleWindow } from './virtual-window';

describe('visibleWindow', () => {
  it('renders the visible rows plus overscan, clamped to the list', () => {
    expect(visibleWindow(0, 700, 70, 100_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleWindow(70 * 50_000, 700, 70, 100_000, 5)).toEqual({ start: 49_995, end: 50_016 });
    expect(visibleWindow(70 * 99_995, 700, 70, 100_000, 5)).toEqual({ start: 99_990, end: 100_000 });
  });
  it('copes with empty lists, overscrolling and bad input', () => {
    expect(visibleWindow(0, 700, 70, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleWindow(-50, 700, 70, 3, 2)).toEqual({ start: 0, end: 3 });
    expect(visibleWindow(1e9, 700, 70, 3, 2).end).toBe(3);
  });
});

describe('scrollToReveal', () => {
  it('scrolls only when the row is outside the viewport', () => {
    expect(scrollToReveal(5, 0, 700, 70)).toBeNull();
    expect(scrollToReveal(10, 0, 700, 70)).toBe(70);
    expect(scrollToReveal(2, 700, 700, 70)).toBe(140);
  });
});

describe('anchorScroll', () => {
  it('keeps the row being read in place when rows arrive or go above it', () => {
    // Row 20 was at the top, scrolled 30 px into it; 3 new rows push it to index 23.
    expect(anchorScroll(76 * 20 + 30, 76, 20, 23)).toEqual({ scrollTop: 76 * 23 + 30, slide: 0 });
    // Two rows above it were deleted.
    expect(anchorScroll(76 * 20 + 30, 76, 20, 18)).toEqual({ scrollTop: 76 * 18 + 30, slide: 0 });
  });
  it('at the top, lets the new rows show and slide in', () => {
    expect(anchorScroll(0, 76, 0, 2)).toEqual({ scrollTop: 0, slide: 152 });
    expect(anchorScroll(0.4, 76, 0, 1)).toEqual({ scrollTop: 0.4, slide: 76 });
  });
  it('leaves the scroll alone when nothing moved above or the row is gone', () => {
    expect(anchorScroll(760, 76, 10, 10)).toEqual({ scrollTop: 760, slide: 0 });
    expect(anchorScroll(760, 76, 10, -1)).toEqual({ scrollTop: 760, slide: 0 });
    expect(anchorScroll(0, 76, 0, -1)).toEqual({ scrollTop: 0, slide: 0 });
  });
  it('never scrolls above the top', () => {
    expect(anchorScroll(10, 76, 5, 0)).toEqual({ scrollTop: 0, slide: 0 });
  });
});
