/**
 * At most one flight per key at a time, and a way for others to wait for it to land. When a
 * cached page's sighting ends, every request of that mailbox would otherwise ask the server at
 * once and queue for the account's few IMAP connections; one asks, the rest wait and read the
 * cache it refreshed.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Promise<unknown>>();

  /** True once the flight under `key` landed (whatever its outcome); false when none was up. */
  async landed(key: string): Promise<boolean> {
    const flight = this.flights.get(key);
    if (!flight) return false;
    await flight.catch(() => undefined);
    return true;
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
