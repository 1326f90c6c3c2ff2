import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';

describe('MemoryStore', () => {
  let clock: number;
  let store: MemoryStore;
  beforeEach(() => {
    clock = 1_000;
    store = new MemoryStore(() => clock);
  });

  it('stores and deletes values', async () => {
    await store.set('a', 'one');
    expect(await store.get('a')).toBe('one');
    await store.delete('a');
    expect(await store.get('a')).toBeNull();
  });

  it('replaces a value only while its key exists', async () => {
    expect(await store.replace('r', 'one', 500)).toBe(false);
    expect(await store.get('r')).toBeNull();
    await store.set('r', 'one', 100);
    expect(await store.replace('r', 'two', 500)).toBe(true);
    clock += 499;
    expect(await store.get('r')).toBe('two');
    clock += 1;
    expect(await store.replace('r', 'three', 500)).toBe(false);
  });

  it('expires keys after their ttl', async () => {
    await store.set('b', 'two', 500);
    clock += 499;
    expect(await store.get('b')).toBe('two');
    clock += 1;
    expect(await store.get('b')).toBeNull();
  });

  it('counts within a window that starts at the first increment', async () => {
    expect(await store.increment('c', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
    clock += 600;
    expect(await store.increment('c', 1_000)).toEqual({ count: 2, resetInMs: 400 });
    clock += 400;
    expect(await store.increment('c', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
  });

  it('sweeps expired keys without reads', async () => {
    await store.set('d', 'x', 10);
    await store.set('e', 'y');
    clock += 10;
    store.sweep();
    expect(store.size).toBe(1);
  });

  it('keeps sets with an expiry and counts what remains', async () => {
    await store.setAdd('s', 'a', 1_000);
    await store.setAdd('s', 'b', 1_000);
    expect((await store.setMembers('s')).sort()).toEqual(['a', 'b']);
    expect(await store.setRemove('s', 'a')).toBe(1);
    expect(await store.setRemove('s', 'b')).toBe(0);
    expect(await store.setMembers('s')).toEqual([]);
    await store.setAdd('t', 'x', 10);
    clock += 10;
    expect(await store.setMembers('t')).toEqual([]);
  });

  it('delivers published messages to subscribers until they unsubscribe', async () => {
    const received: string[] = [];
    const unsubscribe = await store.subscribe('ch', (message) => received.push(message));
    await store.publish('ch', 'one');
    await new Promise((resolve) => setTimeout(resolve, 0));
    await unsubscribe();
    await store.publish('ch', 'two');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(received).toEqual(['one']);
  });

  it('grants a lease to one owner until it expires or is released', async () => {
    expect(await store.acquireLease('l', 'a', 1_000)).toBe(true);
    expect(await store.acquireLease('l', 'b', 1_000)).toBe(false);
    expect(await store.acquireLease('l', 'a', 1_000)).toBe(true);
    clock += 1_000;
    expect(await store.acquireLease('l', 'b', 1_000)).toBe(true);
    await store.releaseLease('l', 'a');
    expect(await store.acquireLease('l', 'a', 1_000)).toBe(false);
    await store.releaseLease('l', 'b');
    expect(await store.acquireLease('l', 'a', 1_000)).toBe(true);
  });
});
