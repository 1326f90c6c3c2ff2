import { describe, expect, it } from 'vitest';
import { percentile } from './harness.ts';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const samples = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 95)).toBe(10);
    expect(percentile(samples, 10)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
  });

  it('refuses an empty sample', () => {
    expect(() => percentile([], 50)).toThrow();
  });
});
