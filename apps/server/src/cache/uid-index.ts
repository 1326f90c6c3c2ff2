/**
 * The ordered UID index of one mailbox, kept as ascending, disjoint, non-adjacent ranges and
 * stored as a sequence-set string ("1:99871,99873:100000"). A 100,000-message folder whose UIDs
 * are mostly contiguous costs a few bytes instead of the ~100 bytes per member of a sorted set.
 * Pure: the sync code and the page code use it; tests call it directly.
 */

/** Stored strings longer than this are refused as corrupt (≈ 400,000 isolated UIDs). */
export const MAX_INDEX_CHARS = 4_000_000;

const PART = /^(\d{1,10})(?::(\d{1,10}))?$/;

export class UidIndex {
  /** Flat [start0, end0, start1, end1, …], ascending, gaps of at least one between ranges. */
  private readonly ranges: number[];

  private constructor(ranges: number[]) {
    this.ranges = ranges;
  }

  static empty(): UidIndex {
    return new UidIndex([]);
  }

  /** From ascending or unordered UIDs (duplicates allowed). */
  static fromUids(uids: Iterable<number>): UidIndex {
    const sorted = [...new Set(uids)].sort((a, b) => a - b);
    const ranges: number[] = [];
    for (const uid of sorted) {
      const last = ranges.length - 1;
      if (last > 0 && ranges[last] === uid - 1) ranges[last] = uid;
      else ranges.push(uid, uid);
    }
    return new UidIndex(ranges);
  }

  /**
   * Parses a stored index (or a server's ESEARCH ALL set, in any order). Null for anything that
   * is not a valid set: the caller treats the cache as corrupt and resyncs.
   */
  static parse(text: string): UidIndex | null {
    if (text.length > MAX_INDEX_CHARS) return null;
    if (text === '') return UidIndex.empty();
    const pairs: [number, number][] = [];
    for (const part of text.split(',')) {
      const match = PART.exec(part);
      if (!match) return null;
      const a = Number(match[1]);
      const b = match[2] === undefined ? a : Number(match[2]);
      if (a < 1 || b < 1 || a > 0xffffffff || b > 0xffffffff) return null;
      pairs.push(a <= b ? [a, b] : [b, a]);
    }
    pairs.sort((x, y) => x[0] - y[0]);
    const ranges: number[] = [];
    for (const [a, b] of pairs) {
      const last = ranges.length - 1;
      if (last > 0 && a <= ranges[last]! + 1) ranges[last] = Math.max(ranges[last]!, b);
      else ranges.push(a, b);
    }
    return new UidIndex(ranges);
  }

  /** How many separate ranges it holds (its memory grows with this, not with the UID count). */
  get rangeCount(): number {
    return this.ranges.length / 2;
  }

  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.ranges.length; i += 2) {
      const a = this.ranges[i]!;
      const b = this.ranges[i + 1]!;
      parts.push(a === b ? String(a) : `${a}:${b}`);
    }
    return parts.join(',');
  }

  get count(): number {
    let n = 0;
    for (let i = 0; i < this.ranges.length; i += 2) n += this.ranges[i + 1]! - this.ranges[i]! + 1;
    return n;
  }

  get max(): number {
    return this.ranges.at(-1) ?? 0;
  }

  has(uid: number): boolean {
    let lo = 0;
    let hi = this.ranges.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (uid < this.ranges[mid * 2]!) hi = mid - 1;
      else if (uid > this.ranges[mid * 2 + 1]!) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** A new index with `add` added and `remove` removed. */
  with(add: Iterable<number>, remove: Iterable<number> = []): UidIndex {
    const adding = [...add];
    const removing = new Set(remove);
    if (removing.size === 0 && adding.length > 0 && Math.min(...adding) > this.max + 1) {
      // The common case, new mail above every known UID: append without expanding.
      const appended = UidIndex.fromUids(adding).ranges;
      return new UidIndex([...this.ranges, ...appended]);
    }
    if (removing.size === 0 && adding.every((uid) => this.has(uid))) return this;
    // General case: split ranges around the removed UIDs, then merge the added ones.
    const kept: number[] = [];
    const dropped = [...removing].filter((uid) => this.has(uid)).sort((a, b) => a - b);
    let d = 0;
    for (let i = 0; i < this.ranges.length; i += 2) {
      let start = this.ranges[i]!;
      const end = this.ranges[i + 1]!;
      while (d < dropped.length && dropped[d]! <= end) {
        const uid = dropped[d++]!;
        if (uid < start) continue;
        if (uid > start) kept.push(start, uid - 1);
        start = uid + 1;
      }
      if (start <= end) kept.push(start, end);
    }
    const base = new UidIndex(kept);
    if (adding.length === 0) return base;
    const pairs: string[] = [base.toString(), UidIndex.fromUids(adding).toString()].filter(Boolean);
    return UidIndex.parse(pairs.join(',')) ?? base;
  }

  /** Up to `count` UIDs below `before` (exclusive; Infinity for the top), highest first. */
  takeDesc(count: number, before = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    for (let i = this.ranges.length - 2; i >= 0 && out.length < count; i -= 2) {
      const a = this.ranges[i]!;
      let b = this.ranges[i + 1]!;
      if (a >= before) continue;
      b = Math.min(b, before - 1);
      for (let uid = b; uid >= a && out.length < count; uid--) out.push(uid);
    }
    return out;
  }

  /** Up to `count` UIDs above `after` (exclusive), lowest first. */
  takeAsc(count: number, after = 0): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ranges.length && out.length < count; i += 2) {
      let a = this.ranges[i]!;
      const b = this.ranges[i + 1]!;
      if (b <= after) continue;
      a = Math.max(a, after + 1);
      for (let uid = a; uid <= b && out.length < count; uid++) out.push(uid);
    }
    return out;
  }

  /** The UIDs of `other` that are not here and those here that are not in `other`. */
  diff(other: UidIndex): { added: number[]; removed: number[] } {
    return { added: other.minus(this), removed: this.minus(other) };
  }

  /** UIDs in this index and not in `other` (bounded by this index's size). */
  private minus(other: UidIndex): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ranges.length; i += 2) {
      for (let uid = this.ranges[i]!; uid <= this.ranges[i + 1]!; uid++) if (!other.has(uid)) out.push(uid);
    }
    return out;
  }
}
