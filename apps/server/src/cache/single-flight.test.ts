import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.js';

describe('SingleFlight', () => {
  it('lets others wait for the flight under a key, whatever its outcome', async () => {
    const flights = new SingleFlight();
    expect(flights.landing('k')).toBeUndefined();
    let finish!: (value: number) => void;
    const first = flights.run('k', () => new Promise<number>((resolve) => (finish = resolve)));
    let landed = false;
    const waiting = flights.landing('k')!.then(() => {
      landed = true;
    });
    await Promise.resolve();
    expect(landed).toBe(false);
    finish(7);
    expect(await first).toBe(7);
    await waiting;
    expect(landed).toBe(true);
    expect(flights.size).toBe(0);

    const failing = flights.run('k', () => Promise.reject(new Error('no')));
    await expect(failing).rejects.toThrow('no');
    expect(flights.landing('k')).toBeUndefined();
  });

  it('keeps the first flight of a key while a second runs alongside', async () => {
    const flights = new SingleFlight();
    let finishFirst!: () => void;
    const first = flights.run('k', () => new Promise<void>((resolve) => (finishFirst = resolve)));
    const second = flights.run('k', async () => 2);
    expect(await second).toBe(2);
    expect(flights.size).toBe(1);
    finishFirst();
    await first;
    await Promise.resolve();
    expect(flights.size).toBe(0);
  });
});
