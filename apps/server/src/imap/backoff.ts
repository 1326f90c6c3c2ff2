/**
 * Reconnect backoff for one account's IMAP server: after `failures` consecutive failed connection
 * attempts the next attempt waits `baseMs × 2^(failures-1)`, capped at `maxMs`, with ±`jitter`
 * spread so that many sessions of a server that just went down do not reconnect in lockstep.
 */
export interface BackoffPolicy {
  /** Delay after the first failure, before jitter. */
  baseMs: number;
  /** Upper bound of any delay, jitter included. */
  maxMs: number;
  /** Relative spread: 0.3 draws each delay from [0.7 d, 1.3 d] (then caps it at `maxMs`). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 30_000, jitter: 0.3 };

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

/**
 * Milliseconds to wait before the next connection attempt after `failures` consecutive failures;
 * 0 when there were none. `random` is injectable so tests (and anything that wants reproducible
 * timing) can fix the jitter.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: RandomSource = Math.random,
): number {
  if (!Number.isFinite(failures) || failures <= 0) return 0;
  // 2^n overflows to Infinity long before it matters; clamp the exponent to keep it a number.
  const exponent = Math.min(Math.floor(failures) - 1, 30);
  const nominal = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  const r = Math.min(Math.max(random(), 0), 1);
  const spread = 1 + policy.jitter * (2 * r - 1);
  return Math.max(0, Math.min(Math.round(nominal * spread), policy.maxMs));
}

/**
 * A small seeded PRNG (mulberry32) for reproducible jitter in tests and simulations. Not for
 * anything security-related.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
