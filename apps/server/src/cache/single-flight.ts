/**
 * At most one flight per key at a time, and a way for others to wait for it to land. When a
 * cached page's sighting ends, every request of that mailbox would otherwise ask the server at
 * once and queue for the account's few IMAP connections; one asks, the rest wait and read the
 * cache it refreshed.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Promise<unknown>>();

  /**
   * The landing of the flight under `key` (whatever its outcome), or undefined when none is up.
   * Synchronous, so that checking and then `run` cannot be interleaved by another caller.
   */
  landing(key: string): Promise<void> | undefined {
    const flight = this.flights.get(key);
    return flight?.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Runs `fn`, as the flight under `key` unless one is up already. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const flight = fn();
    if (!this.flights.has(key)) {
      this.flights.set(key, flight);
      const land = () => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      };
      flight.then(land, land);
    }
    return flight;
  }

  get size(): number {
    return this.flights.size;
  }
}
