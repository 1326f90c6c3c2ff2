/**
 * The bookkeeping of the IMAP connection pool, without I/O or timers: it decides whether a
 * borrower reuses an idle connection, gets a new one, waits in its account's FIFO queue or is
 * refused, and it tracks backoff after failed connection attempts. The connection manager feeds
 * it events (a connection was opened, failed, released, dropped) and carries out the actions it
 * returns (hand this connection to that waiter, open a connection for this account).
 *
 * Generic over the connection handle `C` and the waiter `W`, both compared by identity.
 *
 * Invariants, per account: a connection is idle only while nobody waits (idle connections are
 * handed out before anyone queues); `idle + busy + connecting ≤ maxPerAccount`. Over all
 * accounts: `open + connecting + one-shots ≤ maxTotal`, counting connections that are being
 * logged out until they are gone.
 *
 * `closeAccount()` starts a new epoch for the account: connections of the old epoch that are in
 * use, or still connecting, are retired (logged out) when they come back instead of being reused.
 */

export interface PoolLimits {
  /** Connections one account may hold at once (shared by all its sessions on this instance). */
  maxPerAccount: number;
  /** Connections of the whole instance, pooled and one-shot, open or being opened. */
  maxTotal: number;
  /** Borrowers that may queue for one account. */
  maxWaitersPerAccount: number;
  /** Borrowers that may queue in total. */
  maxWaitersTotal: number;
}

export interface PoolStateOptions {
  limits: PoolLimits;
  /** Milliseconds to wait before the next attempt after `failures` consecutive failures. */
  backoff: (failures: number) => number;
  /**
   * How long an account that has nothing open keeps its failure count after its backoff ended,
   * so a server that stays down keeps escalating the delay across sparse requests.
   */
  forgetAfterMs: number;
}

/** Handed out for each connection to open; give it back to `connected()` or `connectFailed()`. */
export interface ConnectTicket {
  readonly key: string;
  readonly epoch: number;
  /** The account lost a connection (or an attempt failed) since its last successful connect. */
  readonly reconnect: boolean;
}

export interface Grant<C, W> {
  waiter: W;
  connection: C;
}

/** What the manager must do next for one account. */
export interface PoolActions<C, W> {
  key: string;
  /** Resolve these waiters with these connections (already marked busy). */
  grants: Array<Grant<C, W>>;
  /** Open one connection per ticket. */
  connect: ConnectTicket[];
  /** Waiters remain and the account is in backoff until then: call `pump()` at that time. */
  retryAt: number | null;
}

export type AcquireResult<C, W> =
  | { kind: 'granted'; connection: C }
  | { kind: 'queued'; actions: PoolActions<C, W> }
  | { kind: 'refused'; reason: RefusalReason };

/**
 * - `closed`: the pool is shut down;
 * - `capacity`: the instance holds `maxTotal` connections and this account has none to wait for;
 * - `queue-full`: too many borrowers wait already;
 * - `backoff`: the account's server failed and the next attempt is after the borrower's deadline.
 */
export type RefusalReason = 'closed' | 'capacity' | 'queue-full' | 'backoff';

export interface AccountInfo {
  idle: number;
  busy: number;
  connecting: number;
  waiting: number;
  failures: number;
  /** Epoch milliseconds until which no connection is attempted; 0 when not in backoff. */
  retryAt: number;
  /** The error of the last failed attempt, while the failure count is remembered. */
  lastError: unknown;
}

export interface PoolStats {
  accounts: number;
  idle: number;
  busy: number;
  /** Being logged out, not yet gone. */
  retiring: number;
  connecting: number;
  waiting: number;
  oneShots: number;
  /** Everything counted against `maxTotal`. */
  total: number;
}

interface Waiting<W> {
  waiter: W;
  deadline: number;
}

interface Account<C, W> {
  key: string;
  epoch: number;
  /** Most recently used last (handed out LIFO, so surplus connections age out). */
  idle: C[];
  busy: number;
  connecting: number;
  waiters: Array<Waiting<W>>;
  failures: number;
  retryAt: number;
  /** A connection was lost or an attempt failed since the last successful connect (and when). */
  lost: boolean;
  lostAt: number;
  lastError: unknown;
}

interface ConnectionRecord {
  key: string;
  epoch: number;
  status: 'idle' | 'busy' | 'retiring';
  lastUsed: number;
}

export class PoolState<C, W> {
  readonly limits: PoolLimits;
  private readonly backoff: (failures: number) => number;
  private readonly forgetAfterMs: number;
  private readonly accounts = new Map<string, Account<C, W>>();
  private readonly records = new Map<C, ConnectionRecord>();
  private nextEpoch = 1;
  private connectingTotal = 0;
  private waitingTotal = 0;
  private oneShots = 0;
  private closedFlag = false;

  constructor(options: PoolStateOptions) {
    this.limits = options.limits;
    this.backoff = options.backoff;
    this.forgetAfterMs = options.forgetAfterMs;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Everything counted against `maxTotal`. */
  get total(): number {
    return this.records.size + this.connectingTotal + this.oneShots;
  }

  /**
   * A borrower for `key` that gives up at `deadline`. Reuses an idle connection when one is free
   * and nobody is ahead in the queue; otherwise queues it (opening connections when the account
   * may have more), or refuses without queueing.
   */
  acquire(key: string, waiter: W, deadline: number, now: number): AcquireResult<C, W> {
    if (this.closedFlag) return { kind: 'refused', reason: 'closed' };
    const existing = this.accounts.get(key);
    if (existing && existing.waiters.length === 0) {
      const connection = this.takeIdle(existing, now);
      if (connection !== undefined) return { kind: 'granted', connection };
    }
    const account = existing ?? this.createAccount(key);
    const live = this.live(account);
    let refusal: RefusalReason | null = null;
    if (live === 0 && this.total >= this.limits.maxTotal) refusal = 'capacity';
    else if (live === 0 && account.retryAt > now && account.retryAt >= deadline) refusal = 'backoff';
    else if (
      account.waiters.length >= this.limits.maxWaitersPerAccount ||
      this.waitingTotal >= this.limits.maxWaitersTotal
    ) {
      refusal = 'queue-full';
    }
    if (refusal) {
      this.maybeForget(account, now);
      return { kind: 'refused', reason: refusal };
    }
    account.waiters.push({ waiter, deadline });
    this.waitingTotal++;
    return { kind: 'queued', actions: this.pumpAccount(account, now) };
  }

  /** Takes a waiter out of the queue (its deadline passed). False if it was not queued any more. */
  cancel(key: string, waiter: W, now: number): boolean {
    const account = this.accounts.get(key);
    if (!account) return false;
    const index = account.waiters.findIndex((entry) => entry.waiter === waiter);
    if (index === -1) return false;
    account.waiters.splice(index, 1);
    this.waitingTotal--;
    this.maybeForget(account, now);
    return true;
  }

  /** Re-evaluates an account, typically when its backoff ended. */
  pump(key: string, now: number): PoolActions<C, W> {
    const account = this.accounts.get(key);
    return account ? this.pumpAccount(account, now) : emptyActions(key);
  }

  /**
   * A ticket's connection is open. It is handed to the first waiter or kept idle, unless the
   * account was closed meanwhile: then `retire` is true and the caller must log it out.
   */
  connected(
    ticket: ConnectTicket,
    connection: C,
    now: number,
  ): { retire: boolean; actions: PoolActions<C, W> } {
    this.connectingTotal--;
    const account = this.accounts.get(ticket.key);
    if (this.closedFlag || !account || account.epoch !== ticket.epoch) {
      this.records.set(connection, {
        key: ticket.key,
        epoch: ticket.epoch,
        status: 'retiring',
        lastUsed: now,
      });
      return { retire: true, actions: emptyActions(ticket.key) };
    }
    account.connecting--;
    account.failures = 0;
    account.retryAt = 0;
    account.lastError = undefined;
    this.records.set(connection, { key: account.key, epoch: account.epoch, status: 'idle', lastUsed: now });
    account.idle.push(connection);
    return { retire: false, actions: this.pumpAccount(account, now) };
  }

  /**
   * A ticket's connection attempt failed. Starts (or extends) the account's backoff. Returns the
   * waiters to reject with this failure: all of them when it is `fatal` (the credentials were
   * refused: retrying cannot help them), otherwise those that cannot outlive the backoff when
   * nothing else of the account could serve them.
   */
  connectFailed(
    ticket: ConnectTicket,
    error: unknown,
    now: number,
    options: { fatal?: boolean } = {},
  ): { rejected: W[]; actions: PoolActions<C, W> } {
    this.connectingTotal--;
    const account = this.accounts.get(ticket.key);
    if (this.closedFlag || !account || account.epoch !== ticket.epoch) {
      return { rejected: [], actions: emptyActions(ticket.key) };
    }
    account.connecting--;
    account.failures++;
    account.retryAt = now + Math.max(0, this.backoff(account.failures));
    this.markLost(account, now);
    account.lastError = error;
    let rejected: Array<Waiting<W>> = [];
    if (options.fatal) rejected = account.waiters;
    else if (this.live(account) === 0)
      rejected = account.waiters.filter((entry) => entry.deadline <= account.retryAt);
    if (rejected.length > 0) {
      const gone = new Set(rejected);
      account.waiters = account.waiters.filter((entry) => !gone.has(entry));
      this.waitingTotal -= rejected.length;
    }
    const actions = this.pumpAccount(account, now);
    this.maybeForget(account, now);
    return { rejected: rejected.map((entry) => entry.waiter), actions };
  }

  /**
   * A borrower is done with a connection. A `reusable` one goes to the next waiter or back to
   * idle; one that is not (closed, errored, wedged) is forgotten and the caller closes it. `retire`
   * is true when a reusable connection belongs to a closed account or pool: log it out.
   */
  release(
    connection: C,
    reusable: boolean,
    now: number,
  ): { retire: boolean; actions: PoolActions<C, W> | null } {
    const record = this.records.get(connection);
    if (record?.status !== 'busy') return { retire: false, actions: null };
    const account = this.accounts.get(record.key);
    if (this.closedFlag || !account || account.epoch !== record.epoch) {
      if (reusable) record.status = 'retiring';
      else this.records.delete(connection);
      return { retire: reusable, actions: null };
    }
    account.busy--;
    if (!reusable) {
      this.records.delete(connection);
      this.markLost(account, now);
    } else {
      record.status = 'idle';
      record.lastUsed = now;
      account.idle.push(connection);
    }
    return { retire: false, actions: this.pumpAccount(account, now) };
  }

  /** A connection is gone (its close event). Unexpected for idle and busy ones: the account lost it. */
  dropped(connection: C, now: number): PoolActions<C, W> | null {
    const record = this.records.get(connection);
    if (!record) return null;
    this.records.delete(connection);
    if (record.status === 'retiring') return null;
    const account = this.accounts.get(record.key);
    if (!account || account.epoch !== record.epoch) return null;
    if (record.status === 'idle') {
      const index = account.idle.indexOf(connection);
      if (index !== -1) account.idle.splice(index, 1);
    } else {
      account.busy--;
    }
    this.markLost(account, now);
    const actions = this.pumpAccount(account, now);
    this.maybeForget(account, now);
    return actions;
  }

  /** Idle connections unused for `idleTimeoutMs`, now marked retiring: log them out. */
  sweep(now: number, idleTimeoutMs: number): C[] {
    const expired: C[] = [];
    for (const account of [...this.accounts.values()]) {
      account.idle = account.idle.filter((connection) => {
        const record = this.records.get(connection);
        if (record && now - record.lastUsed < idleTimeoutMs) return true;
        if (record) record.status = 'retiring';
        expired.push(connection);
        return false;
      });
      this.maybeForget(account, now);
    }
    return expired;
  }

  /**
   * Sign-out: forgets the account (and its backoff). Returns its waiters to reject and its idle
   * connections to log out; connections in use or being opened are retired when they come back.
   */
  closeAccount(key: string): { waiters: W[]; idle: C[] } {
    const account = this.accounts.get(key);
    if (!account) return { waiters: [], idle: [] };
    this.accounts.delete(key);
    this.waitingTotal -= account.waiters.length;
    for (const connection of account.idle) this.markRetiring(connection);
    return { waiters: account.waiters.map((entry) => entry.waiter), idle: account.idle };
  }

  /** Shutdown: like `closeAccount()` for every account, and every later request is refused. */
  closeAll(): { waiters: W[]; idle: C[] } {
    this.closedFlag = true;
    const waiters: W[] = [];
    const idle: C[] = [];
    for (const key of [...this.accounts.keys()]) {
      const closed = this.closeAccount(key);
      waiters.push(...closed.waiters);
      idle.push(...closed.idle);
    }
    return { waiters, idle };
  }

  /** Forgets the account's failures, e.g. because it now has new credentials. */
  resetBackoff(key: string, now: number): PoolActions<C, W> {
    const account = this.accounts.get(key);
    if (!account) return emptyActions(key);
    account.failures = 0;
    account.retryAt = 0;
    account.lastError = undefined;
    return this.pumpAccount(account, now);
  }

  /** A slot for a connection outside the pool (sign-in check). False at the total cap. */
  reserveOneShot(): boolean {
    if (this.closedFlag || this.total >= this.limits.maxTotal) return false;
    this.oneShots++;
    return true;
  }

  releaseOneShot(): void {
    if (this.oneShots > 0) this.oneShots--;
  }

  hasAccount(key: string): boolean {
    return this.accounts.has(key);
  }

  account(key: string): AccountInfo | undefined {
    const account = this.accounts.get(key);
    if (!account) return undefined;
    return {
      idle: account.idle.length,
      busy: account.busy,
      connecting: account.connecting,
      waiting: account.waiters.length,
      failures: account.failures,
      retryAt: account.retryAt,
      lastError: account.lastError,
    };
  }

  stats(): PoolStats {
    let idle = 0;
    let busy = 0;
    let retiring = 0;
    for (const record of this.records.values()) {
      if (record.status === 'idle') idle++;
      else if (record.status === 'busy') busy++;
      else retiring++;
    }
    return {
      accounts: this.accounts.size,
      idle,
      busy,
      retiring,
      connecting: this.connectingTotal,
      waiting: this.waitingTotal,
      oneShots: this.oneShots,
      total: this.total,
    };
  }

  private createAccount(key: string): Account<C, W> {
    const account: Account<C, W> = {
      key,
      epoch: this.nextEpoch++,
      idle: [],
      busy: 0,
      connecting: 0,
      waiters: [],
      failures: 0,
      retryAt: 0,
      lost: false,
      lostAt: 0,
      lastError: undefined,
    };
    this.accounts.set(key, account);
    return account;
  }

  private live(account: Account<C, W>): number {
    return account.idle.length + account.busy + account.connecting;
  }

  private takeIdle(account: Account<C, W>, now: number): C | undefined {
    const connection = account.idle.pop();
    if (connection === undefined) return undefined;
    const record = this.records.get(connection);
    if (record) {
      record.status = 'busy';
      record.lastUsed = now;
    }
    account.busy++;
    return connection;
  }

  private markLost(account: Account<C, W>, now: number): void {
    account.lost = true;
    account.lostAt = now;
  }

  private markRetiring(connection: C): void {
    const record = this.records.get(connection);
    if (record) record.status = 'retiring';
  }

  private pumpAccount(account: Account<C, W>, now: number): PoolActions<C, W> {
    const actions = emptyActions<C, W>(account.key);
    while (account.waiters.length > 0 && account.idle.length > 0) {
      const entry = account.waiters.shift()!;
      this.waitingTotal--;
      actions.grants.push({ waiter: entry.waiter, connection: this.takeIdle(account, now)! });
    }
    const unserved = () => account.waiters.length > account.connecting;
    if (this.closedFlag || !unserved()) return actions;
    if (account.retryAt > now) {
      actions.retryAt = account.retryAt;
      return actions;
    }
    while (
      unserved() &&
      this.live(account) < this.limits.maxPerAccount &&
      this.total < this.limits.maxTotal
    ) {
      account.connecting++;
      this.connectingTotal++;
      actions.connect.push({ key: account.key, epoch: account.epoch, reconnect: account.lost });
      account.lost = false;
    }
    return actions;
  }

  /**
   * Drops the entry of an account that holds nothing, once its failures (and that it lost a
   * connection, which makes the next one a reconnect) need not be remembered.
   */
  private maybeForget(account: Account<C, W>, now: number): void {
    if (this.live(account) > 0 || account.waiters.length > 0) return;
    if (account.failures > 0 && now < account.retryAt + this.forgetAfterMs) return;
    if (account.lost && now < account.lostAt + this.forgetAfterMs) return;
    if (this.accounts.get(account.key) === account) this.accounts.delete(account.key);
  }
}

function emptyActions<C, W>(key: string): PoolActions<C, W> {
  return { key, grants: [], connect: [], retryAt: null };
}
