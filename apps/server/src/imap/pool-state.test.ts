import { describe, expect, it } from 'vitest';
import {
  type AcquireResult,
  type ConnectTicket,
  type PoolActions,
  type PoolLimits,
  PoolState,
} from './pool-state.js';

type Conn = { id: string };
type Waiter = { id: string };

const LIMITS: PoolLimits = { maxPerAccount: 2, maxTotal: 4, maxWaitersPerAccount: 3, maxWaitersTotal: 100 };
const FAR = 1_000_000;

function pool(limits: Partial<PoolLimits> = {}) {
  return new PoolState<Conn, Waiter>({
    limits: { ...LIMITS, ...limits },
    backoff: (failures) => 100 * 2 ** (failures - 1),
    forgetAfterMs: 1_000,
  });
}

const conn = (id: string): Conn => ({ id });
const waiter = (id: string): Waiter => ({ id });

function queued(result: AcquireResult<Conn, Waiter>): PoolActions<Conn, Waiter> {
  if (result.kind !== 'queued') throw new Error(`expected queued, got ${JSON.stringify(result)}`);
  return result.actions;
}

function onlyTicket(actions: PoolActions<Conn, Waiter>): ConnectTicket {
  expect(actions.connect).toHaveLength(1);
  return actions.connect[0]!;
}

describe('PoolState', () => {
  it('opens a connection for the first borrower and reuses it afterwards', () => {
    const state = pool();
    const w1 = waiter('w1');
    const ticket = onlyTicket(queued(state.acquire('a', w1, FAR, 0)));
    expect(ticket).toMatchObject({ key: 'a', reconnect: false });
    expect(state.stats()).toMatchObject({ connecting: 1, waiting: 1, total: 1 });

    const c1 = conn('c1');
    const { retire, actions } = state.connected(ticket, c1, 10);
    expect(retire).toBe(false);
    expect(actions.grants).toEqual([{ waiter: w1, connection: c1 }]);
    expect(state.stats()).toMatchObject({ busy: 1, connecting: 0, waiting: 0, total: 1 });

    expect(state.release(c1, true, 20).actions?.grants).toEqual([]);
    expect(state.stats()).toMatchObject({ idle: 1, busy: 0 });
    expect(state.acquire('a', waiter('w2'), FAR, 30)).toEqual({ kind: 'granted', connection: c1 });
  });

  it('never opens more than maxPerAccount and serves the queue in FIFO order', () => {
    const state = pool({ maxWaitersPerAccount: 4 });
    const waiters = ['w1', 'w2', 'w3', 'w4', 'w5'].map(waiter);
    const tickets: ConnectTicket[] = [];
    for (const w of waiters.slice(0, 4)) tickets.push(...queued(state.acquire('a', w, FAR, 0)).connect);
    expect(tickets).toHaveLength(2);
    // Everyone waiting counts against the queue bound, also those a connection is opened for.
    expect(state.acquire('a', waiters[4]!, FAR, 0)).toEqual({ kind: 'refused', reason: 'queue-full' });

    const c1 = conn('c1');
    const c2 = conn('c2');
    expect(state.connected(tickets[0]!, c1, 1).actions.grants).toEqual([
      { waiter: waiters[0], connection: c1 },
    ]);
    expect(state.connected(tickets[1]!, c2, 1).actions.grants).toEqual([
      { waiter: waiters[1], connection: c2 },
    ]);
    expect(state.release(c2, true, 2).actions?.grants).toEqual([{ waiter: waiters[2], connection: c2 }]);
    expect(state.release(c1, true, 2).actions?.grants).toEqual([{ waiter: waiters[3], connection: c1 }]);
    expect(state.stats()).toMatchObject({ busy: 2, waiting: 0, total: 2 });
  });

  it('hands out the most recently used idle connection first', () => {
    const state = pool();
    const [t1, t2] = [
      onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0))),
      onlyTicket(queued(state.acquire('a', waiter('w2'), FAR, 0))),
    ];
    const c1 = conn('c1');
    const c2 = conn('c2');
    state.connected(t1, c1, 0);
    state.connected(t2, c2, 0);
    state.release(c1, true, 5);
    state.release(c2, true, 10);
    expect(state.acquire('a', waiter('w3'), FAR, 11)).toEqual({ kind: 'granted', connection: c2 });
  });

  it('refuses an account with nothing open once the instance is at maxTotal, but lets others queue', () => {
    const state = pool({ maxPerAccount: 2, maxTotal: 2 });
    state.connected(onlyTicket(queued(state.acquire('a', waiter('a1'), FAR, 0))), conn('a1'), 0);
    state.connected(onlyTicket(queued(state.acquire('a', waiter('a2'), FAR, 0))), conn('a2'), 0);
    expect(state.acquire('b', waiter('b1'), FAR, 0)).toEqual({ kind: 'refused', reason: 'capacity' });
    expect(state.hasAccount('b')).toBe(false);
    expect(queued(state.acquire('a', waiter('a3'), FAR, 0)).connect).toEqual([]);
    expect(state.reserveOneShot()).toBe(false);
  });

  it('counts one-shot connections against maxTotal', () => {
    const state = pool({ maxTotal: 1 });
    expect(state.reserveOneShot()).toBe(true);
    expect(state.acquire('a', waiter('w'), FAR, 0)).toEqual({ kind: 'refused', reason: 'capacity' });
    state.releaseOneShot();
    expect(queued(state.acquire('a', waiter('w'), FAR, 0)).connect).toHaveLength(1);
  });

  it('backs off after a failed attempt, rejects who cannot wait and retries for the others', () => {
    const state = pool({ maxPerAccount: 1 });
    const soon = waiter('soon');
    const later = waiter('later');
    const ticket = onlyTicket(queued(state.acquire('a', soon, 50, 0)));
    queued(state.acquire('a', later, 5_000, 0));

    const failure = { code: 'ECONNREFUSED' };
    const { rejected, actions } = state.connectFailed(ticket, failure, 10);
    expect(rejected).toEqual([soon]);
    expect(actions.connect).toEqual([]);
    expect(actions.retryAt).toBe(110);
    expect(state.account('a')).toMatchObject({ failures: 1, retryAt: 110, lastError: failure, waiting: 1 });

    // Before the backoff ends nothing is attempted, and a borrower that cannot wait is refused.
    expect(state.pump('a', 50).connect).toEqual([]);
    expect(state.acquire('a', waiter('impatient'), 100, 50)).toEqual({ kind: 'refused', reason: 'backoff' });

    const retry = onlyTicket(state.pump('a', 110));
    expect(retry.reconnect).toBe(true);
    const second = state.connectFailed(retry, failure, 120);
    expect(second.actions.retryAt).toBe(320); // 200 ms after the second failure
    const third = onlyTicket(state.pump('a', 320));
    const c = conn('c');
    expect(state.connected(third, c, 330).actions.grants).toEqual([{ waiter: later, connection: c }]);
    expect(state.account('a')).toMatchObject({ failures: 0, retryAt: 0, lastError: undefined });
  });

  it('rejects every waiter when the failure is fatal (credentials refused)', () => {
    const state = pool();
    const w1 = waiter('w1');
    const w2 = waiter('w2');
    const ticket = onlyTicket(queued(state.acquire('a', w1, FAR, 0)));
    onlyTicket(queued(state.acquire('a', w2, FAR, 0)));
    expect(queued(state.acquire('a', waiter('w3'), FAR, 0)).connect).toEqual([]); // at maxPerAccount
    const { rejected } = state.connectFailed(ticket, { authenticationFailed: true }, 1, { fatal: true });
    expect(rejected).toHaveLength(3);
    expect(state.stats().waiting).toBe(0);
  });

  it('keeps waiters while another attempt of the account is still in flight', () => {
    const state = pool();
    const t1 = onlyTicket(queued(state.acquire('a', waiter('w1'), 10, 0)));
    onlyTicket(queued(state.acquire('a', waiter('w2'), 10, 0)));
    expect(state.connectFailed(t1, new Error('x'), 1).rejected).toEqual([]);
  });

  it('replaces a connection that is released broken or dropped', () => {
    const state = pool({ maxPerAccount: 1 });
    const c1 = conn('c1');
    state.connected(onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0))), c1, 0);
    const w2 = waiter('w2');
    expect(queued(state.acquire('a', w2, FAR, 1)).connect).toEqual([]);
    // Broken under w1: the pool forgets it and opens a replacement for w2.
    const replacement = onlyTicket(state.release(c1, false, 2).actions!);
    expect(replacement.reconnect).toBe(true);
    const c2 = conn('c2');
    expect(state.connected(replacement, c2, 3).actions.grants).toEqual([{ waiter: w2, connection: c2 }]);
    expect(state.dropped(c1, 4)).toBeNull(); // its close event arrives later: already forgotten

    state.release(c2, true, 5);
    const dropped = state.dropped(c2, 6);
    expect(dropped?.connect).toEqual([]); // nobody waits
    expect(state.stats()).toMatchObject({ idle: 0, total: 0 });
    expect(onlyTicket(queued(state.acquire('a', waiter('w3'), FAR, 7))).reconnect).toBe(true);
  });

  it('drops a busy connection that closes under its borrower and ignores the later release', () => {
    const state = pool();
    const c1 = conn('c1');
    state.connected(onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0))), c1, 0);
    state.dropped(c1, 1);
    expect(state.release(c1, false, 2)).toEqual({ retire: false, actions: null });
    expect(state.stats().total).toBe(0);
  });

  it('sweeps connections idle for too long', () => {
    const state = pool();
    const [t1, t2] = [
      onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0))),
      onlyTicket(queued(state.acquire('a', waiter('w2'), FAR, 0))),
    ];
    const c1 = conn('c1');
    const c2 = conn('c2');
    state.connected(t1, c1, 0);
    state.connected(t2, c2, 0);
    state.release(c1, true, 100);
    state.release(c2, true, 500);
    expect(state.sweep(1_000, 600)).toEqual([c1]);
    expect(state.stats()).toMatchObject({ idle: 1, retiring: 1, total: 2 });
    state.dropped(c1, 1_001); // its logout finished
    expect(state.stats()).toMatchObject({ idle: 1, retiring: 0, total: 1 });
    expect(state.sweep(2_000, 600)).toEqual([c2]);
    state.dropped(c2, 2_001);
    expect(state.hasAccount('a')).toBe(false);
  });

  it('closes an account: waiters and idle connections now, busy and connecting ones when they return', () => {
    const state = pool({ maxPerAccount: 3 });
    const t1 = onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0)));
    const t2 = onlyTicket(queued(state.acquire('a', waiter('w2'), FAR, 0)));
    const busy = conn('busy');
    const idle = conn('idle');
    state.connected(t1, busy, 0);
    state.connected(t2, idle, 0);
    state.release(idle, true, 1);
    expect(state.acquire('a', waiter('w3'), FAR, 1)).toEqual({ kind: 'granted', connection: idle });
    state.release(idle, true, 1);
    // Two more borrowers: one takes the idle connection, one waits for a new connection.
    expect(state.acquire('a', waiter('w4'), FAR, 1).kind).toBe('granted');
    const w5 = waiter('w5');
    const t3 = onlyTicket(queued(state.acquire('a', w5, FAR, 1)));
    state.release(idle, true, 2);
    // The new connection is still being opened when w5 gets the released one; w6 then waits.
    const w6 = waiter('w6');
    expect(queued(state.acquire('a', w6, FAR, 2)).connect).toEqual([]);

    expect(state.closeAccount('a')).toEqual({ waiters: [w6], idle: [] });
    expect(state.release(busy, true, 3)).toEqual({ retire: true, actions: null });
    expect(state.release(idle, true, 3)).toEqual({ retire: true, actions: null });
    const late = conn('late');
    expect(state.connected(t3, late, 3).retire).toBe(true);
    expect(state.stats()).toMatchObject({ retiring: 3, connecting: 0, waiting: 0 });

    // A new borrower starts afresh.
    const fresh = onlyTicket(queued(state.acquire('a', waiter('w7'), FAR, 4)));
    expect(fresh.epoch).not.toBe(t1.epoch);
    for (const c of [busy, idle, late]) state.dropped(c, 5);
    expect(state.stats()).toMatchObject({ retiring: 0, total: 1 });
  });

  it('returns idle connections of a closed account to log out', () => {
    const state = pool();
    const c = conn('c');
    state.connected(onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0))), c, 0);
    state.release(c, true, 1);
    expect(state.closeAccount('a')).toEqual({ waiters: [], idle: [c] });
    expect(state.stats()).toMatchObject({ idle: 0, retiring: 1, total: 1 });
    expect(state.closeAccount('a')).toEqual({ waiters: [], idle: [] });
  });

  it('forgets the backoff of a closed account', () => {
    const state = pool();
    const ticket = onlyTicket(queued(state.acquire('a', waiter('w1'), 10, 0)));
    state.connectFailed(ticket, new Error('down'), 1);
    expect(state.account('a')?.failures).toBe(1);
    state.closeAccount('a');
    expect(onlyTicket(queued(state.acquire('a', waiter('w2'), FAR, 2))).reconnect).toBe(false);
  });

  it('resets the backoff on request (new credentials) and tries at once', () => {
    const state = pool();
    const ticket = onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0)));
    expect(state.connectFailed(ticket, new Error('auth'), 1).actions.retryAt).toBe(101);
    expect(onlyTicket(state.resetBackoff('a', 2)).key).toBe('a');
  });

  it('remembers failures of an empty account for a while, then forgets them', () => {
    const state = pool();
    const ticket = onlyTicket(queued(state.acquire('a', waiter('w1'), 10, 0)));
    expect(state.connectFailed(ticket, new Error('down'), 1).rejected).toHaveLength(1);
    expect(state.hasAccount('a')).toBe(true);
    state.sweep(500, 60_000);
    expect(state.hasAccount('a')).toBe(true);
    state.sweep(101 + 1_000, 60_000);
    expect(state.hasAccount('a')).toBe(false);
  });

  it('takes a cancelled waiter out of the queue exactly once', () => {
    const state = pool({ maxPerAccount: 1 });
    const w1 = waiter('w1');
    const w2 = waiter('w2');
    const ticket = onlyTicket(queued(state.acquire('a', w1, FAR, 0)));
    queued(state.acquire('a', w2, FAR, 0));
    expect(state.cancel('a', w1, 1)).toBe(true);
    expect(state.cancel('a', w1, 1)).toBe(false);
    const c = conn('c');
    expect(state.connected(ticket, c, 2).actions.grants).toEqual([{ waiter: w2, connection: c }]);
  });

  it('refuses everything after closeAll and retires what comes back', () => {
    const state = pool({ maxPerAccount: 1 });
    const c1 = conn('c1');
    const t1 = onlyTicket(queued(state.acquire('a', waiter('w1'), FAR, 0)));
    const t2 = onlyTicket(queued(state.acquire('b', waiter('w2'), FAR, 0)));
    state.connected(t1, c1, 0);
    const w3 = waiter('w3');
    queued(state.acquire('b', w3, FAR, 0));
    const { waiters, idle } = state.closeAll();
    expect(waiters).toEqual([waiter('w2'), w3]);
    expect(idle).toEqual([]);
    expect(state.acquire('a', waiter('w4'), FAR, 1)).toEqual({ kind: 'refused', reason: 'closed' });
    expect(state.reserveOneShot()).toBe(false);
    expect(state.release(c1, true, 1).retire).toBe(true);
    expect(state.connected(t2, conn('c2'), 1).retire).toBe(true);
    expect(state.stats()).toMatchObject({ accounts: 0, retiring: 2, connecting: 0, waiting: 0 });
  });

  it('bounds the total queue', () => {
    const state = pool({ maxWaitersTotal: 2, maxTotal: 100 });
    queued(state.acquire('a', waiter('1'), FAR, 0));
    queued(state.acquire('b', waiter('2'), FAR, 0));
    expect(state.acquire('c', waiter('3'), FAR, 0)).toEqual({ kind: 'refused', reason: 'queue-full' });
  });
});
