import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer, mailboxState, reconnectDelay, withUnstatedChanges } from './state.js';

describe('mailboxState', () => {
  it('is UIDVALIDITY and HIGHESTMODSEQ, like the list API', () => {
    expect(mailboxState(7n, 1234n, 50, 49)).toBe('7:1234');
  });

  it('falls back to UIDNEXT and the count without CONDSTORE', () => {
    expect(mailboxState(7, undefined, 50, 49)).toBe('7:50-49');
    expect(mailboxState(7, undefined, 51, 50)).not.toBe(mailboxState(7, undefined, 50, 49));
  });

  it('differs after flag changes the watch saw but no STATUS item shows', () => {
    expect(withUnstatedChanges('7:50-49', 0)).toBe('7:50-49');
    expect(withUnstatedChanges('7:50-49', 2)).toBe('7:50-49.2');
  });
});

describe('Debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once after a burst', () => {
    const run = vi.fn();
    const debouncer = new Debouncer(50, run);
    for (let i = 0; i < 10; i++) {
      debouncer.trigger();
      vi.advanceTimersByTime(10);
    }
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(run).toHaveBeenCalledTimes(1);
  });
});

describe('reconnectDelay', () => {
  it('grows, is capped and jittered', () => {
    expect(reconnectDelay(1, () => 0.5)).toBe(500);
    expect(reconnectDelay(3, () => 0.5)).toBe(2000);
    expect(reconnectDelay(50, () => 0.5)).toBe(30_000);
    expect(reconnectDelay(1, () => 0)).toBe(350);
    expect(reconnectDelay(1, () => 1)).toBe(650);
  });
});
