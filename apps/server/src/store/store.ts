/**
 * The shared key-value store behind sessions, caches, rate limits and leases. Redis when
 * `REDIS_URL` is set (many instances can share it); process memory otherwise (one instance only).
 * Callers treat every value read back as untrusted input and validate it.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  /** Rejects when the store cannot answer within its deadline. */
  ping(): Promise<void>;
  get(key: string): Promise<string | null>;
  /** `ttlMs` undefined: the key never expires. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Replaces the value only while the key exists (SET XX): false when it was gone. */
  replace(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Atomically adds one and returns the new count and the time left in its window; the expiry is
   * set when the key is created, so a window is fixed from its first hit.
   */
  increment(key: string, ttlMs: number): Promise<{ count: number; resetInMs: number }>;
  /** Adds to a set and (re)sets the whole set's expiry. */
  setAdd(key: string, member: string, ttlMs: number): Promise<void>;
  /** Removes from a set and returns how many members remain. */
  setRemove(key: string, member: string): Promise<number>;
  setMembers(key: string): Promise<string[]>;
  /**
   * Takes or renews a lease: true when `owner` now holds `key` for `ttlMs` (it was free, expired,
   * or already ours). Atomic, so of several contenders exactly one wins.
   */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives a lease up, only if `owner` still holds it. */
  releaseLease(key: string, owner: string): Promise<void>;
  /** Delivered to subscribers on every instance sharing the store (this one included). */
  publish(channel: string, message: string): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
