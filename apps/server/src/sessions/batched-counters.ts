/**
 * Fixed-window counters shared through Redis, counted locally between flushes. A hit of a key
 * this instance has not heard from Redis about within `flushMs` (a new window, or a quiet key)
 * goes to Redis and waits, so it is exact; hits of a busy key are counted here and added to
 * Redis every `flushMs`, which also brings back what other instances counted.
 * A cached page costs a few tens of microseconds; a Redis round trip per request for the API rate
 * limit was a large share of it. With several instances a key may be let through up to what the
 * others counted in one flush interval beyond its limit.
 */

/** Adds `delta` to `key` in its window (opened with `windowMs` when new): the total and the ms left. */
export type WindowCounter = (
  key: string,
  delta: number,
  windowMs: number,
) => Promise<{ total: number; ttlMs: number }>;

interface Entry {
  /** The shared total as Redis last reported it (this instance's flushed hits included). */
  total: number;
  /** Hits here not yet added to Redis. */
  pending: number;
  windowEnd: number;
  windowMs: number;
  /** When Redis last reported the total. */
  syncedAt: number;
}

export class BatchedCounters {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly counter: WindowCounter,
    private readonly options: { flushMs: number; maxKeys: number; now?: () => number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Counts one hit of `key`: the shared total including it, and the ms left in its window. */
  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now < entry.windowEnd && now - entry.syncedAt < this.options.flushMs) {
      entry.pending += 1;
      this.schedule();
      return { current: entry.total + entry.pending, ttl: entry.windowEnd - now };
    }
    const { total, ttlMs } = await this.counter(key, 1, windowMs);
    const after = this.entries.get(key);
    const at = this.now();
    if (after && at < after.windowEnd) {
      // Its pending hits are not in Redis yet; the flush sends them.
      after.total = Math.max(after.total, total);
      after.syncedAt = at;
      return { current: after.total + after.pending, ttl: ttlMs };
    }
    if (this.entries.size < this.options.maxKeys) {
      this.entries.set(key, { total, pending: 0, windowEnd: at + ttlMs, windowMs, syncedAt: at });
    }
    return { current: total, ttl: ttlMs };
  }

  /** Counts one hit of `key` in Redis and waits for it: for limits where every hit must count. */
  async exactHit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const { total, ttlMs } = await this.counter(key, 1, windowMs);
    return { current: total, ttl: ttlMs };
  }

  /** What is known of `key` without counting a hit. */
  peek(key: string): { current: number; ttl: number } | null {
    const entry = this.entries.get(key);
    const now = this.now();
    return entry && now < entry.windowEnd
      ? { current: entry.total + entry.pending, ttl: entry.windowEnd - now }
      : null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.flushMs);
    this.timer.unref();
  }

  /** Adds every pending count to Redis and takes back the shared totals; forgets ended windows. */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushNow(): Promise<void> {
    const now = this.now();
    const work: Promise<void>[] = [];
    for (const [key, entry] of this.entries) {
      if (now >= entry.windowEnd) {
        // Hits of an ended window no longer count anywhere.
        this.entries.delete(key);
        continue;
      }
      if (entry.pending === 0) continue;
      const sent = entry.pending;
      work.push(
        this.counter(key, sent, entry.windowMs).then(
          ({ total, ttlMs }) => {
            entry.pending -= sent;
            entry.total = total;
            entry.syncedAt = this.now();
            entry.windowEnd = entry.syncedAt + ttlMs;
          },
          // Redis unavailable: the hits stay pending and go with the next flush.
          () => this.schedule(),
        ),
      );
    }
    await Promise.all(work);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
