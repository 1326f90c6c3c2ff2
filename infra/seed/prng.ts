/**
 * Small, fast, seedable PRNG (sfc32) plus a string hash (cyrb128) to derive
 * independent streams from a seed and any number of labels. Never Math.random:
 * the seed generator must be byte-for-byte reproducible.
 */

export type SeedValue = string | number;

/** cyrb128: 128-bit hash of a string, as four 32-bit words. */
export function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A short stable hex digest of the parts (for Message-IDs, boundaries, ...). */
export function hashHex(...parts: SeedValue[]): string {
  const h = cyrb128(parts.join('\u0000'));
  return h.map((n) => n.toString(16).padStart(8, '0')).join('');
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Independent stream for the given labels (e.g. seed, folder, index). */
  constructor(...parts: SeedValue[]) {
    const [a, b, c, d] = cyrb128(parts.join('\u0000'));
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Next uint32 (sfc32). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Pick by weight: entries are [value, weight]. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.float() * total;
    for (const [v, w] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1]![0];
  }

  /** `count` distinct items (or all of them if fewer), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    const n = Math.min(count, copy.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.float() * (copy.length - i));
      const tmp = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = tmp;
    }
    return copy.slice(0, n);
  }

  /** Log-uniform integer in [min, max]: small values common, big ones rare. */
  logInt(min: number, max: number): number {
    const lo = Math.log(min);
    const hi = Math.log(max);
    return Math.round(Math.exp(lo + this.float() * (hi - lo)));
  }

  /** Pseudo-random bytes (fast: 4 bytes per step). */
  bytes(n: number): Buffer {
    const words = Math.ceil(n / 4);
    const u32 = new Uint32Array(words);
    for (let i = 0; i < words; i++) u32[i] = this.next();
    return Buffer.from(u32.buffer, 0, n);
  }
}
