import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, seededRandom } from './backoff.js';

const middle = () => 0.5;

describe('backoffDelay', () => {
  it('is zero without failures', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, middle)).toBe(0);
    expect(backoffDelay(-1, DEFAULT_BACKOFF, middle)).toBe(0);
    expect(backoffDelay(Number.NaN, DEFAULT_BACKOFF, middle)).toBe(0);
  });

  it('doubles from 250 ms and stops at 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffDelay(n, DEFAULT_BACKOFF, middle));
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, middle)).toBe(30_000);
  });

  it('spreads each delay by ±30 % and never exceeds the cap', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(175);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999_999)).toBe(325);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(700);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0)).toBe(21_000);
    expect(backoffDelay(20, DEFAULT_BACKOFF, () => 0.999_999)).toBe(30_000);
  });

  it('stays within bounds for any random source', () => {
    const random = seededRandom(42);
    for (let failures = 1; failures <= 12; failures++) {
      const nominal = Math.min(250 * 2 ** (failures - 1), 30_000);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(failures, DEFAULT_BACKOFF, random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.7));
        expect(delay).toBeLessThanOrEqual(Math.min(Math.ceil(nominal * 1.3), 30_000));
      }
    }
    // A misbehaving source is clamped rather than producing negative or huge delays.
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => -5)).toBe(175);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 5)).toBe(325);
  });

  it('honours a custom policy', () => {
    expect(backoffDelay(3, { baseMs: 10, maxMs: 35, jitter: 0 }, middle)).toBe(35);
    expect(backoffDelay(2, { baseMs: 10, maxMs: 1_000, jitter: 0 }, Math.random)).toBe(20);
  });
});

describe('seededRandom', () => {
  it('is reproducible and uniform-ish in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 1_000 }, () => a());
    expect(values).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
    expect(seededRandom(8)()).not.toBe(seededRandom(7)());
  });
});
