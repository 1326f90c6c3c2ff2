/**
 * The IMAP connection manager: every request of a signed-in user runs on a pooled imapflow
 * connection of that user's account. All tabs, devices and sessions of one account on this
 * instance share the account's connections (at most `maxPerAccount`); borrowers beyond that wait
 * in a FIFO queue, each with its own deadline. The decisions (reuse, open, queue, refuse, backoff)
 * live in `PoolState`; this class does the I/O, the timers and the error mapping around it.
 *
 * imapflow traps handled here (see DESIGN.md):
 * - every instance gets an `error` listener (an unhandled one crashes the process) and a `close`
 *   listener that takes it out of the pool;
 * - an instance is never reconnected: a broken connection is dropped and the next borrow opens a
 *   new instance, after a jittered exponential backoff if attempts for the account keep failing;
 * - every connect and every borrowed use runs under our own deadline; a use that overruns it
 *   leaves the connection in an unknown state, so the connection is destroyed, not reused.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow, type Logger as ImapFlowLogger, type ImapFlowOptions } from 'imapflow';
import { Registry } from 'prom-client';
import { AppErrors } from '../errors.js';
import { type BackoffPolicy, backoffDelay, DEFAULT_BACKOFF, type RandomSource } from './backoff.js';
import { trackHighestModseq } from './highest-modseq.js';
import { classifyImapError, toAppError } from './imap-errors.js';
import { type PoolMetrics, poolMetrics } from './metrics.js';
import {
  type ConnectTicket,
  type PoolActions,
  PoolState,
  type PoolStats,
  type RefusalReason,
} from './pool-state.js';

/** Where an account's mail lives. */
export interface ImapTarget {
  /** Host name: the TLS server name (SNI) and the name the certificate must match. */
  host: string;
  /** The address actually connected to, already resolved and checked against the SSRF policy. */
  address: string;
  port: number;
  /** Implicit TLS (993). Otherwise STARTTLS, as `starttls` and `requireTLS` say. */
  secure: boolean;
  /**
   * Without implicit TLS: true requires STARTTLS. false or absent leaves it to the manager's
   * `requireTLS`, so a target can ask for TLS but never switch it off on its own.
   */
  starttls?: boolean;
}

export interface ImapCredentials {
  user: string;
  password: string;
}

/** A pino-like logger (a Fastify logger fits). */
export interface PoolLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child?(bindings: Record<string, unknown>): PoolLogger;
}

export interface ImapConnectionManagerOptions {
  logger: PoolLogger;
  /** Prometheus registry for the pool's metrics (the app's `app.metrics`). A private one if omitted. */
  registry?: Registry;
  /** Connections one account may hold. Default 2. */
  maxPerAccount?: number;
  /** Connections of this instance, pooled and sign-in checks, open or opening. Default 4000. */
  maxTotal?: number;
  /** Borrowers that may wait for one account. Default 32. */
  maxWaitersPerAccount?: number;
  /** Borrowers that may wait in total. Default 10,000. */
  maxWaitersTotal?: number;
  /** An idle connection is logged out after this long unused. Default 5 min. */
  idleTimeoutMs?: number;
  /** How often idle connections are looked for. Default a quarter of `idleTimeoutMs`, 50 ms to 30 s. */
  sweepIntervalMs?: number;
  /** Default deadline of `withConnection` (waiting, opening and running together). Default 30 s. */
  commandTimeoutMs?: number;
  /** Deadline for opening a connection: TCP, TLS, greeting and sign-in together. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long a LOGOUT may take before the socket is simply closed. Default 2 s. */
  logoutTimeoutMs?: number;
  /**
   * For targets without implicit TLS: true (default) requires STARTTLS and fails when the server
   * does not offer it (imapflow's `doSTARTTLS: true`); false lets targets that do not ask for
   * STARTTLS connect in cleartext without trying it (`doSTARTTLS: false`, never the opportunistic
   * upgrade a man in the middle can strip). Only an operator sets false, for a server on loopback
   * or a private link.
   */
  requireTLS?: boolean;
  /** Extra TLS options (a private CA, say). The server name always comes from the target's `host`. */
  tls?: ConnectionOptions;
  /**
   * imapflow's auto-IDLE on pooled connections. Off by default: these connections run commands,
   * and an IDLE that each next command must break costs two round trips.
   */
  autoIdle?: boolean;
  /** Inactivity before auto-IDLE starts, when `autoIdle` is on. Default 1 s (imapflow's 15 s lags). */
  autoIdleDelayMs?: number;
  /** Backoff after consecutive failed connection attempts of an account. Default 250 ms × 2^n, ≤ 30 s, ±30 %. */
  backoff?: Partial<BackoffPolicy>;
  /** Randomness for the backoff jitter (injectable for tests). */
  random?: RandomSource;
  /** Pass imapflow's own log entries to `logger.debug` (noisy). Default off. */
  logProtocol?: boolean;
}

export interface WithConnectionOptions {
  /**
   * Milliseconds for the whole use: waiting for a connection, opening one if needed, and `fn`.
   * Default `commandTimeoutMs`.
   */
  deadlineMs?: number;
}

export interface ImapPoolStats extends PoolStats {
  /** imapflow instances alive (opening, open or closing). */
  clients: number;
}

interface Borrower {
  key: string;
  resolve: (client: ImapFlow) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

interface ClientMeta {
  key: string | null;
  /** Counted in the open-connections gauge. */
  counted: boolean;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown } | 'expired';

const MINUTE = 60_000;

export class ImapConnectionManager {
  /** The registry holding the pool's metrics (the one passed in, or a private one). */
  readonly registry: Registry;
  private readonly state: PoolState<ImapFlow, Borrower>;
  private readonly log: PoolLogger;
  private readonly metrics: PoolMetrics;
  private readonly idleTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly logoutTimeoutMs: number;
  private readonly requireTLS: boolean;
  private readonly tls: ConnectionOptions | undefined;
  private readonly autoIdle: boolean;
  private readonly autoIdleDelayMs: number;
  private readonly imapLogger: ImapFlowLogger | false;
  /** The latest target and credentials per account, used to open its connections. */
  private readonly accounts = new Map<string, { target: ImapTarget; credentials: ImapCredentials }>();
  /** Every imapflow instance from creation until its close event. */
  private readonly clients = new Map<ImapFlow, ClientMeta>();
  private readonly retryTimers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly onNoClients = new Set<() => void>();
  private readonly sweepTimer: NodeJS.Timeout;
  private shutdown: Promise<void> | null = null;

  constructor(options: ImapConnectionManagerOptions) {
    this.log = options.logger.child?.({ component: 'imap-pool' }) ?? options.logger;
    this.registry = options.registry ?? new Registry();
    this.metrics = poolMetrics(this.registry);
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5 * MINUTE;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.logoutTimeoutMs = options.logoutTimeoutMs ?? 2_000;
    this.requireTLS = options.requireTLS ?? true;
    this.tls = options.tls;
    this.autoIdle = options.autoIdle ?? false;
    this.autoIdleDelayMs = options.autoIdleDelayMs ?? 1_000;
    this.imapLogger = options.logProtocol ? debugOnly(this.log) : false;
    const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
    const random = options.random ?? Math.random;
    this.state = new PoolState({
      limits: {
        maxPerAccount: options.maxPerAccount ?? 2,
        maxTotal: options.maxTotal ?? 4_000,
        maxWaitersPerAccount: options.maxWaitersPerAccount ?? 32,
        maxWaitersTotal: options.maxWaitersTotal ?? 10_000,
      },
      backoff: (failures) => backoffDelay(failures, policy, random),
      forgetAfterMs: Math.max(policy.maxMs, MINUTE),
    });
    const sweepIntervalMs =
      options.sweepIntervalMs ?? Math.min(30_000, Math.max(50, Math.floor(this.idleTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Proves credentials for sign-in with a one-shot connection (counted against `maxTotal`),
   * closed before this returns. Resolves with the server's capabilities after sign-in.
   *
   * @throws SignInFailed when the server refuses the credentials; UpstreamUnavailable when it
   *   cannot be reached (refused, DNS, TLS, closed); UpstreamTimeout past the deadline (default
   *   `connectTimeoutMs`); TooManyConnections at the cap; ShuttingDown after `closeAll()`.
   */
  async verifyLogin(
    target: ImapTarget,
    credentials: ImapCredentials,
    options: WithConnectionOptions = {},
  ): Promise<{ capabilities: string[] }> {
    if (this.state.closed) throw new AppErrors.ShuttingDown();
    if (!this.state.reserveOneShot()) throw new AppErrors.TooManyConnections();
    let client: ImapFlow | undefined;
    try {
      client = this.createClient(null, target, credentials, { verifyOnly: true });
      await this.connectClient(client, Date.now() + (options.deadlineMs ?? this.connectTimeoutMs));
      this.metrics.created.inc();
      return { capabilities: [...client.capabilities.keys()] };
    } catch (error) {
      const kind = classifyImapError(error);
      this.metrics.failures.inc({ reason: kind });
      this.log.info({ host: target.host, reason: kind, code: errorCode(error) }, 'IMAP sign-in check failed');
      throw toAppError(error, kind);
    } finally {
      this.state.releaseOneShot();
      if (client && !client.isClosed) client.close();
    }
  }

  /**
   * Runs `fn` with a connection of `accountKey`, borrowed for exclusive use and returned after.
   * Opens one if the account has fewer than `maxPerAccount`, otherwise waits in the account's
   * FIFO queue. One deadline covers waiting, opening and `fn`.
   *
   * `fn` must:
   * - finish all its work before it resolves: no stream or iterator of the connection may be
   *   consumed afterwards (download content included), the connection belongs to someone else then;
   * - release every mailbox lock in `finally`;
   * - never run another command inside `for await` over `client.fetch()`: imapflow deadlocks.
   *   Collect the rows (bounded ranges; not `fetchAll('1:*')`), then run the next command;
   * - check results imapflow reports as `false` rather than throwing (search, store, copy, move).
   *
   * @throws UpstreamTimeout when the deadline passes (if `fn` was running, the connection is
   *   assumed wedged and destroyed); SignInFailed when the server refuses the account's
   *   credentials (the password changed upstream: end the session); MailboxNotFound,
   *   QuotaExceeded, UpstreamError for the server's NO/BAD; UpstreamUnavailable when the server
   *   cannot be reached, is in backoff, or the connection broke; TooManyConnections at the caps;
   *   ShuttingDown after `closeAll()`. Errors `fn` throws that are not IMAP failures pass through.
   */
  async withConnection<T>(
    accountKey: string,
    target: ImapTarget,
    credentials: ImapCredentials,
    fn: (client: ImapFlow) => Promise<T>,
    options: WithConnectionOptions = {},
  ): Promise<T> {
    const startedAt = Date.now();
    const deadline = startedAt + (options.deadlineMs ?? this.commandTimeoutMs);
    const client = await this.borrow(accountKey, target, credentials, deadline);
    this.metrics.borrowWait.observe((Date.now() - startedAt) / 1000);
    return this.use(client, fn, deadline);
  }

  /**
   * Sign-out (or credentials revoked): rejects the account's waiters (default UpstreamUnavailable),
   * logs out its idle connections and forgets its credentials and backoff. Connections in use
   * finish their current borrower and are then logged out. A later borrow opens new connections.
   */
  async closeAccount(
    accountKey: string,
    error: () => Error = () => new AppErrors.UpstreamUnavailable(),
  ): Promise<void> {
    const { waiters, idle } = this.state.closeAccount(accountKey);
    this.accounts.delete(accountKey);
    this.clearRetry(accountKey);
    for (const waiter of waiters) settle(waiter, error());
    await Promise.all(idle.map((client) => this.retire(client)));
  }

  /**
   * Shutdown: rejects all waiters and every later call with ShuttingDown, logs out idle
   * connections, lets borrowed ones finish for up to `graceMs` (default 5 s), then closes whatever
   * is left. Resolves when no connection of this manager remains open.
   */
  closeAll(options: { graceMs?: number } = {}): Promise<void> {
    this.shutdown ??= this.shutDown(options.graceMs ?? 5_000);
    return this.shutdown;
  }

  stats(): ImapPoolStats {
    return { ...this.state.stats(), clients: this.clients.size };
  }

  private async shutDown(graceMs: number): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const key of [...this.retryTimers.keys()]) this.clearRetry(key);
    const { waiters, idle } = this.state.closeAll();
    this.accounts.clear();
    for (const waiter of waiters) settle(waiter, new AppErrors.ShuttingDown());
    for (const client of idle) void this.retire(client);
    if (await this.allClosed(graceMs)) return;
    this.log.warn({ remaining: this.clients.size }, 'closing IMAP connections still in use at shutdown');
    for (const client of [...this.clients.keys()]) client.close();
    await this.allClosed(1_000);
  }

  private async borrow(
    key: string,
    target: ImapTarget,
    credentials: ImapCredentials,
    deadline: number,
  ): Promise<ImapFlow> {
    if (this.state.closed) throw new AppErrors.ShuttingDown();
    this.remember(key, target, credentials);
    for (;;) {
      const client = await this.acquire(key, deadline);
      if (client.usable && !client.isClosed) return client;
      // It closed while idle and its close event has not reached the pool yet.
      this.giveBack(client, false);
    }
  }

  private acquire(key: string, deadline: number): Promise<ImapFlow> {
    return new Promise((resolve, reject) => {
      const now = Date.now();
      const borrower: Borrower = { key, resolve, reject };
      const result = this.state.acquire(key, borrower, deadline, now);
      if (result.kind === 'granted') {
        resolve(result.connection);
        return;
      }
      if (result.kind === 'refused') {
        reject(this.refusal(key, result.reason));
        return;
      }
      borrower.timer = setTimeout(() => this.expire(borrower), Math.max(0, deadline - now));
      this.apply(result.actions);
    });
  }

  /** Runs `fn` under the deadline and gives the connection back (or destroys it). */
  private async use<T>(client: ImapFlow, fn: (client: ImapFlow) => Promise<T>, deadline: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
    });
    let outcome: Outcome<T>;
    try {
      outcome = await Promise.race([
        (async () => fn(client))().then(
          (value): Outcome<T> => ({ ok: true, value }),
          (error: unknown): Outcome<T> => ({ ok: false, error }),
        ),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
    }
    if (outcome === 'expired') {
      // The command may still be in flight, a lock held, a fetch half-read: nobody else can use
      // this connection safely. Closing it also fails whatever `fn` still awaits.
      const key = this.clients.get(client)?.key;
      this.metrics.failures.inc({ reason: 'wedged' });
      this.log.warn({ account: key }, 'IMAP work overran its deadline; closing the connection');
      this.giveBack(client, false);
      throw new AppErrors.UpstreamTimeout();
    }
    if (outcome.ok) {
      this.giveBack(client, client.usable && !client.isClosed);
      return outcome.value;
    }
    const kind = classifyImapError(outcome.error);
    // After a timeout or an unreadable response the connection's state is unknown.
    const reusable = client.usable && !client.isClosed && kind !== 'timeout' && kind !== 'protocol';
    this.giveBack(client, reusable);
    throw toAppError(outcome.error, kind);
  }

  private giveBack(client: ImapFlow, reusable: boolean): void {
    const { retire, actions } = this.state.release(client, reusable, Date.now());
    if (!reusable && !client.isClosed) client.close();
    if (retire) void this.retire(client);
    this.apply(actions);
  }

  private remember(key: string, target: ImapTarget, credentials: ImapCredentials): void {
    const previous = this.accounts.get(key);
    this.accounts.set(key, { target, credentials });
    if (
      previous &&
      (previous.credentials.user !== credentials.user ||
        previous.credentials.password !== credentials.password ||
        previous.target.address !== target.address ||
        previous.target.port !== target.port)
    ) {
      // A backoff earned with the old credentials (or server) must not hold back the new ones.
      this.apply(this.state.resetBackoff(key, Date.now()));
    }
  }

  /** Carries out what the pool state decided. */
  private apply(actions: PoolActions<ImapFlow, Borrower> | null): void {
    if (!actions) return;
    for (const { waiter, connection } of actions.grants) {
      clearTimeout(waiter.timer);
      waiter.resolve(connection);
    }
    for (const ticket of actions.connect) void this.open(ticket);
    if (actions.retryAt !== null) this.scheduleRetry(actions.key, actions.retryAt);
  }

  /** Opens a pooled connection for a ticket; never rejects. */
  private async open(ticket: ConnectTicket): Promise<void> {
    const account = this.accounts.get(ticket.key);
    if (!account) {
      // Only a ticket of a closed account can lack credentials; the pool state ignores it.
      this.apply(this.state.connectFailed(ticket, new AppErrors.UpstreamUnavailable(), Date.now()).actions);
      return;
    }
    let client: ImapFlow | undefined;
    try {
      if (ticket.reconnect) this.metrics.reconnects.inc();
      client = this.createClient(ticket.key, account.target, account.credentials, { verifyOnly: false });
      await this.connectClient(client, Date.now() + this.connectTimeoutMs);
      if (!client.usable || client.isClosed) {
        throw Object.assign(new Error('The connection closed as soon as it opened'), {
          code: 'NoConnection',
        });
      }
    } catch (error) {
      if (client && !client.isClosed) client.close();
      this.connectFailed(ticket, error);
      return;
    }
    this.metrics.created.inc();
    const meta = this.clients.get(client);
    if (meta) {
      meta.counted = true;
      this.metrics.open.inc();
    }
    const { retire, actions } = this.state.connected(ticket, client, Date.now());
    if (retire) void this.retire(client);
    this.apply(actions);
  }

  private connectFailed(ticket: ConnectTicket, error: unknown): void {
    const kind = classifyImapError(error);
    this.metrics.failures.inc({ reason: kind });
    this.log.warn({ account: ticket.key, reason: kind, code: errorCode(error) }, 'IMAP connection failed');
    // Refused credentials do not get better by retrying: fail every waiter now.
    const { rejected, actions } = this.state.connectFailed(ticket, error, Date.now(), {
      fatal: kind === 'auth',
    });
    for (const waiter of rejected) settle(waiter, toAppError(error, kind));
    this.apply(actions);
  }

  private createClient(
    key: string | null,
    target: ImapTarget,
    credentials: ImapCredentials,
    { verifyOnly }: { verifyOnly: boolean },
  ): ImapFlow {
    const options: ImapFlowOptions = {
      host: target.address,
      port: target.port,
      secure: target.secure,
      auth: { user: credentials.user, pass: credentials.password },
      clientInfo: { name: 'Westwind' },
      logger: this.imapLogger,
      emitLogs: false,
      qresync: true,
      verifyOnly,
      disableAutoIdle: verifyOnly || !this.autoIdle,
      connectionTimeout: this.connectTimeoutMs,
      greetingTimeout: this.connectTimeoutMs,
      // imapflow's inactivity watchdog; our idle sweep logs a connection out before it fires.
      socketTimeout: this.idleTimeoutMs + MINUTE,
    };
    // SNI and the certificate check use the name, never the address we connect to. (An IP
    // literal as a server name is not allowed in SNI; then the certificate must name the IP.)
    if (isIP(target.host) === 0) options.servername = target.host;
    if (this.tls) options.tls = { ...this.tls };
    if (!target.secure) options.doSTARTTLS = target.starttls === true || this.requireTLS;
    if (this.autoIdle && !verifyOnly) options.autoIdleDelay = this.autoIdleDelayMs;
    const client = new ImapFlow(options);
    // The summary cache asks a selected folder by NOOP alone; that needs every HIGHESTMODSEQ kept.
    trackHighestModseq(client);
    this.clients.set(client, { key, counted: false });
    client.on('error', (error: Error) => {
      // The connection closes after an error; the close listener takes it out of the pool.
      this.log.debug(
        { account: key, code: errorCode(error), reason: classifyImapError(error) },
        'IMAP connection error',
      );
    });
    client.on('close', () => this.closed(client));
    return client;
  }

  /** connect() under our own deadline, which covers TCP, TLS, greeting, sign-in and setup. */
  private connectClient(client: ImapFlow, deadlineAt: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          reject(
            Object.assign(new Error('Opening the IMAP connection took too long'), {
              code: 'CONNECT_TIMEOUT',
            }),
          );
          client.close();
        },
        Math.max(0, deadlineAt - Date.now()),
      );
      client.connect().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private closed(client: ImapFlow): void {
    const meta = this.clients.get(client);
    if (!meta) return;
    this.clients.delete(client);
    if (meta.counted) this.metrics.open.dec();
    // Non-null only when the pool did not expect it: the server or the network dropped it.
    const actions = this.state.dropped(client, Date.now());
    if (actions) {
      this.metrics.failures.inc({ reason: 'closed' });
      this.log.info({ account: meta.key, bye: client.byeReason }, 'IMAP connection dropped');
      this.apply(actions);
    }
    if (this.clients.size === 0) {
      for (const notify of [...this.onNoClients]) notify();
    }
  }

  /** LOGOUT, bounded by `logoutTimeoutMs`, then close. Resolves when the connection is closed. */
  private retire(client: ImapFlow): Promise<void> {
    if (client.isClosed) return Promise.resolve();
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const timer = setTimeout(() => client.close(), this.logoutTimeoutMs);
    client
      .logout()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        if (!client.isClosed) client.close();
      });
    return gone;
  }

  private expire(borrower: Borrower): void {
    if (!this.state.cancel(borrower.key, borrower, Date.now())) return;
    const account = this.state.account(borrower.key);
    borrower.reject(
      account && account.failures > 0 ? backoffError(account.lastError) : new AppErrors.UpstreamTimeout(),
    );
  }

  private refusal(key: string, reason: RefusalReason): Error {
    switch (reason) {
      case 'closed':
        return new AppErrors.ShuttingDown();
      case 'capacity':
      case 'queue-full':
        return new AppErrors.TooManyConnections();
      case 'backoff':
        return backoffError(this.state.account(key)?.lastError);
    }
  }

  private scheduleRetry(key: string, at: number): void {
    const existing = this.retryTimers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(key);
        this.apply(this.state.pump(key, Date.now()));
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref();
    this.retryTimers.set(key, { at, timer });
  }

  private clearRetry(key: string): void {
    const existing = this.retryTimers.get(key);
    if (!existing) return;
    clearTimeout(existing.timer);
    this.retryTimers.delete(key);
  }

  private sweep(): void {
    for (const client of this.state.sweep(Date.now(), this.idleTimeoutMs)) void this.retire(client);
    // Credentials are kept only while the pool has something for the account.
    for (const key of [...this.accounts.keys()]) {
      if (!this.state.hasAccount(key)) this.accounts.delete(key);
    }
  }

  private allClosed(timeoutMs: number): Promise<boolean> {
    if (this.clients.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.onNoClients.delete(notify);
        resolve(value);
      };
      const notify = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.onNoClients.add(notify);
    });
  }
}

function settle(waiter: Borrower, error: Error): void {
  clearTimeout(waiter.timer);
  waiter.reject(error);
}

/** What a borrower gets while its account is in backoff: the refused password, or "unreachable". */
function backoffError(lastError: unknown): Error {
  return classifyImapError(lastError) === 'auth'
    ? new AppErrors.SignInFailed()
    : new AppErrors.UpstreamUnavailable();
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** imapflow's log entries, all at debug: the pool logs what matters itself. */
function debugOnly(log: PoolLogger): ImapFlowLogger {
  const debug = (entry: unknown) =>
    log.debug(typeof entry === 'object' && entry !== null ? entry : { msg: entry });
  return { debug, info: debug, warn: debug, error: debug, fatal: debug };
}
