/** Reconnect delay: 1 s doubling to 30 s, with ±30 % jitter so clients don't reconnect in step. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempt - 1), 30_000);
  return Math.round(base * (0.7 + 0.6 * random()));
}

/**
 * A timer that fires much later than asked means the machine slept (a laptop lid, a phone in a
 * pocket): the connection is probably dead even if the browser has not noticed yet.
 */
export function sleptThrough(expectedMs: number, actualMs: number): boolean {
  return actualMs - expectedMs > 15_000;
}
