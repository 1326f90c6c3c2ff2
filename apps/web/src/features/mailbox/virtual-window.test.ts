import { describe, expect, it } from 'vitest';
import { scrollToReveal, visibleWindow } from './virtual-window';

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
