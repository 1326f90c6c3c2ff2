import { describe, expect, it } from 'vitest';
import { currentSighting } from './sighting.js';

describe('currentSighting', () => {
  it('trusts the latest sighting of a state', () => {
    expect(currentSighting('7:1234|1700000000000', null)).toEqual({ state: '7:1234', at: 1700000000000 });
    // A flags-scanned mailbox's state carries the cache's own generation.
    expect(currentSighting('7:s1764000000000|1700000000000', null)?.state).toBe('7:s1764000000000');
  });

  it('trusts nothing after Westwind changed the mailbox', () => {
    expect(currentSighting('changed|1700000000000', null)).toBeNull();
  });

  it('trusts nothing seen before or at an account-wide change', () => {
    expect(currentSighting('7:1234|1000', 'changed|1000')).toBeNull();
    expect(currentSighting('7:1234|1000', 'changed|1001')).toBeNull();
    expect(currentSighting('7:1234|1002', 'changed|1001')?.state).toBe('7:1234');
  });

  it('treats absent or malformed values as no sighting', () => {
    expect(currentSighting(null, null)).toBeNull();
    for (const bad of ['7:1234', '7:x|1', '7:1234|', '|1', '7:1234|1|2', `7:1234|${'9'.repeat(16)}`]) {
      expect(currentSighting(bad, null)).toBeNull();
    }
    expect(currentSighting('7:1234|5', 'garbage')?.state).toBe('7:1234');
  });
});
