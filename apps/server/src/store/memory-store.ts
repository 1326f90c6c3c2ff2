import { EventEmitter } from 'node:events';
import type { KeyValueStore } from './store.js';

interface Entry {
  value: string | Set<string>;
  expiresAt: number;
}

/** In-process store for a single instance. Expired keys are dropped on read and by a periodic sweep. */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly channels = new EventEmitter();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepIntervalMs = 60_000,
  ) {
    this.channels.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    // The sweep must never keep a finished process alive.
    this.sweeper.unref();
  }

  async ping(): Promise<void> {}

  async get(key: string): Promise<string | null> {
    const value = this.live(key)?.value;
    return typeof value === 'string' ? value : null;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs) });
  }

  async replace(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (!this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<{ count: number; resetInMs: number }> {
    const entry = this.live(key);
    const count = entry ? Number(entry.value) + 1 : 1;
    const expiresAt = entry?.expiresAt ?? this.now() + ttlMs;
    this.entries.set(key, { value: String(count), expiresAt });
    return { count, resetInMs: expiresAt - this.now() };
  }

  async setAdd(key: string, member: string, ttlMs: number): Promise<void> {
    const entry = this.live(key);
    const members = entry?.value instanceof Set ? entry.value : new Set<string>();
    members.add(member);
    this.entries.set(key, { value: members, expiresAt: this.expiry(ttlMs) });
  }

  async setRemove(key: string, member: string): Promise<number> {
    const entry = this.live(key);
    if (!(entry?.value instanceof Set)) return 0;
    entry.value.delete(member);
    if (entry.value.size === 0) this.entries.delete(key);
    return entry.value.size;
  }

  async setMembers(key: string): Promise<string[]> {
    const value = this.live(key)?.value;
    return value instanceof Set ? [...value] : [];
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const holder = await this.get(key);
    if (holder !== null && holder !== owner) return false;
    await this.set(key, owner, ttlMs);
    return true;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    if ((await this.get(key)) === owner) this.entries.delete(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Asynchronous like Redis delivery, so publishers never run subscriber code inline.
    queueMicrotask(() => this.channels.emit(channel, message));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.channels.on(channel, onMessage);
    return async () => {
      this.channels.off(channel, onMessage);
    };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.channels.removeAllListeners();
  }

  get size(): number {
    return this.entries.size;
  }

  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  private expiry(ttlMs: number | undefined): number {
    return ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlMs;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
