import { describe, expect, it } from 'vitest';
import { reconnectDelayMs, sleptThrough } from './backoff';

describe('reconnectDelayMs', () => {
  it('doubles up to a cap, with jitter', () => {
    expect(reconnectDelayMs(1, () => 0.5)).toBe(1000);
    expect(reconnectDelayMs(2, () => 0.5)).toBe(2000);
    expect(reconnectDelayMs(20, () => 0.5)).toBe(30_000);
    expect(reconnectDelayMs(1, () => 0)).toBe(700);
    expect(reconnectDelayMs(1, () => 1)).toBe(1300);
  });
});

describe('sleptThrough', () => {
  it('notices a timer that fired far too late', () => {
    expect(sleptThrough(5000, 5200)).toBe(false);
    expect(sleptThrough(5000, 60_000)).toBe(true);
  });
});
