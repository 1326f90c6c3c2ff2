/**
 * The opaque state of a mailbox as clients see it. It must equal the `state` the list API
 * reports for the same mailbox, so a client can compare the two.
 */
export function mailboxState(
  uidValidity: bigint | number | undefined,
  highestModseq: bigint | number | undefined,
  uidNext: number | undefined,
  exists: number,
): string {
  const validity = uidValidity === undefined ? '0' : String(uidValidity);
  // Without CONDSTORE there is no modseq; UIDNEXT and the count together still change on arrivals
  // and expunges. Flag changes are counted by the watch instead (withUnstatedChanges).
  const version = highestModseq !== undefined ? String(highestModseq) : `${uidNext ?? 0}-${exists}`;
  return `${validity}:${version}`;
}

/**
 * A state without a modseq, made to differ after `count` flag changes the watch saw in IDLE
 * (the server reports them as they happen, but no STATUS item shows them): clients are told, and
 * catch up through the changes call, which the summary cache answers from its flags scan.
 */
export function withUnstatedChanges(state: string, count: number): string {
  return count > 0 ? `${state}.${count}` : state;
}

/** Coalesces bursts: `run` is called once, `delayMs` after the last of a burst of `trigger`s. */
export class Debouncer {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly delayMs: number,
    private readonly run: () => void,
  ) {}

  trigger(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.run, this.delayMs);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

/** Jittered exponential backoff for reconnecting a watch: 0.5 s × 2^n up to 30 s, ±30 %. */
export function reconnectDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.max(0, failures - 1), 30_000);
  return Math.round(base * (0.7 + 0.6 * random()));
}
