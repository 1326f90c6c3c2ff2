import { randomUUID } from 'node:crypto';
import { ClientHello, type MailboxStateEvent, type ServerEvent } from '@westwind/contract';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Value } from 'typebox/value';
import type { WebSocket } from 'ws';
import { cacheAccountOf } from '../cache/summary-cache.js';
import type { AuthenticatedSession } from '../sessions/plugin.js';
import { SESSION_ENDED_CHANNEL } from '../sessions/service.js';
import { AccountWatch, readStates } from './account-watch.js';

export interface PushOptions {
  heartbeatMs: number;
  /** A client that lets this much pile up unsent is dropped rather than allowed to grow memory. */
  maxBufferedBytes: number;
  leaseTtlMs: number;
  statusIntervalMs: number;
  coalesceMs: number;
  /** How long an account stays watched after its last client left (a reload, a flaky network). */
  lingerMs: number;
}

const CHANNEL = 'westwind:push';

type Wire =
  | { kind: 'event'; accountKey: string; event: MailboxStateEvent }
  | { kind: 'refresh'; accountKey: string; mailboxIds: string[]; tree?: boolean; urgent?: boolean };

interface Client {
  socket: WebSocket;
  idHash: string;
  alive: boolean;
  /** What this client was last told (or told us it knows), so it hears each change once. */
  states: Map<string, string>;
}

interface Account {
  clients: Set<Client>;
  watch: AccountWatch;
  linger?: NodeJS.Timeout;
}

/**
 * Websocket clients of this instance, grouped by account, and the bridge to the other instances:
 * events go out through the store's pub/sub and come back to every instance (this one included),
 * which hands them to its own clients of that account.
 */
export class PushHub {
  readonly instanceId = randomUUID();
  private readonly accounts = new Map<string, Account>();
  private readonly unsubscribes: (() => Promise<void>)[] = [];
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly options: PushOptions,
  ) {}

  async start(): Promise<void> {
    this.unsubscribes.push(await this.app.store.subscribe(CHANNEL, (raw) => this.onWire(raw)));
    this.unsubscribes.push(
      await this.app.store.subscribe(SESSION_ENDED_CHANNEL, (idHash) => this.endSession(idHash)),
    );
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    let count = 0;
    for (const account of this.accounts.values()) count += account.clients.size;
    return count;
  }

  connect(socket: WebSocket, session: AuthenticatedSession): void {
    const { accountKey } = session.record;
    const client: Client = { socket, idHash: session.idHash, alive: true, states: new Map() };
    const account = this.account(accountKey, session);
    account.clients.add(client);

    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      void this.onClientMessage(accountKey, account, client, data.toString());
    });
    socket.on('close', () => this.disconnect(accountKey, client));
    socket.on('error', () => socket.terminate());
    this.send(client, { type: 'ready', heartbeatSeconds: Math.round(this.options.heartbeatMs / 1000) });
  }

  /**
   * `changed` for a route that already did its work: a failure to tell the others is logged and
   * does not fail the request (the watch's next refresh and the sightings' lifetime bound it).
   */
  async announce(
    request: { log: Pick<FastifyBaseLogger, 'warn'> },
    accountKey: string,
    mailboxIds: string[],
    options: { tree?: boolean } = {},
  ): Promise<void> {
    await this.changed(accountKey, mailboxIds, options).catch((error: unknown) =>
      request.log.warn({ err: error }, 'push refresh'),
    );
  }

  /**
   * After an action changed these mailboxes: whoever watches the account refreshes them now.
   * `tree`: folders were created, renamed, moved or deleted. `urgent`: new mail the mail server
   * told us of, refreshed at once instead of coalesced with a burst.
   */
  async changed(
    accountKey: string,
    mailboxIds: string[],
    options: { tree?: boolean; urgent?: boolean } = {},
  ): Promise<void> {
    // Here at once; other instances when the wire reaches them.
    if (options.tree) this.app.summaryCache.treeChanged(accountKey);
    await this.app.summaryCache.changed(accountKey, mailboxIds);
    const wire: Wire = {
      kind: 'refresh',
      accountKey,
      mailboxIds,
      ...(options.tree ? { tree: true } : {}),
      ...(options.urgent ? { urgent: true } : {}),
    };
    await this.app.store.publish(CHANNEL, JSON.stringify(wire));
  }

  private account(accountKey: string, session: AuthenticatedSession): Account {
    let account = this.accounts.get(accountKey);
    if (!account) {
      const watch = new AccountWatch({
        accountKey,
        instanceId: this.instanceId,
        store: this.app.store,
        imap: this.app.imap,
        log: this.app.log,
        publish: (event) => {
          const wire: Wire = { kind: 'event', accountKey, event };
          this.app.store
            .publish(CHANNEL, JSON.stringify(wire))
            .catch((error: unknown) => this.app.log.warn({ err: error }, 'publishing a push event'));
        },
        sawStates: (events, seenAt) => this.app.summaryCache.sawStates(accountKey, events, seenAt),
        cacheState: (client, folder, force) =>
          this.app.summaryCache.watchedState(client, folder, cacheAccountOf(session.record), force),
        leaseTtlMs: this.options.leaseTtlMs,
        statusIntervalMs: this.options.statusIntervalMs,
        coalesceMs: this.options.coalesceMs,
      });
      account = { clients: new Set(), watch };
      this.accounts.set(accountKey, account);
      watch.setTarget({ ...session.record.imap, user: session.record.loginUser, password: session.password });
      watch.start();
    }
    clearTimeout(account.linger);
    account.linger = undefined;
    return account;
  }

  private async onClientMessage(
    accountKey: string,
    account: Account,
    client: Client,
    text: string,
  ): Promise<void> {
    let hello: unknown;
    try {
      hello = JSON.parse(text);
    } catch {
      return;
    }
    if (!Value.Check(ClientHello, hello)) return;
    for (const [mailboxId, state] of Object.entries(hello.states)) client.states.set(mailboxId, state);
    account.watch.setOpenMailbox(hello.openMailboxId);
    // Catch-up: everything whose state moved on since the client last saw it.
    const latest = await readStates(this.app.store, accountKey).catch(() => []);
    for (const event of latest) this.deliverTo(client, event);
  }

  private onWire(raw: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(raw) as Wire;
    } catch {
      return;
    }
    if (typeof wire?.accountKey === 'string') this.tellCache(wire);
    const account = typeof wire?.accountKey === 'string' ? this.accounts.get(wire.accountKey) : undefined;
    if (!account) return;
    if (wire.kind === 'event' && wire.event?.type === 'mailbox') {
      for (const client of account.clients) this.deliverTo(client, wire.event);
    } else if (wire.kind === 'refresh' && Array.isArray(wire.mailboxIds)) {
      account.watch.refresh(
        wire.mailboxIds.filter((id): id is string => typeof id === 'string'),
        { urgent: wire.urgent === true },
      );
    }
  }

  /**
   * Every instance, whether it has clients of the account or not: its cache may hold views of
   * those mailboxes, and its pooled connections a folder that was replaced.
   */
  private tellCache(wire: Wire): void {
    const cache = this.app.summaryCache;
    if (wire.kind === 'event' && wire.event?.type === 'mailbox' && typeof wire.event.mailboxId === 'string') {
      cache.forget(wire.accountKey, [wire.event.mailboxId], String(wire.event.state));
    } else if (wire.kind === 'refresh' && Array.isArray(wire.mailboxIds)) {
      if (wire.tree === true) cache.treeChanged(wire.accountKey);
      cache.forget(
        wire.accountKey,
        wire.mailboxIds.filter((id): id is string => typeof id === 'string'),
      );
    }
  }

  private deliverTo(client: Client, event: MailboxStateEvent): void {
    if (client.states.get(event.mailboxId) === event.state) return;
    client.states.set(event.mailboxId, event.state);
    this.send(client, event);
  }

  private send(client: Client, event: ServerEvent): void {
    if (client.socket.readyState !== client.socket.OPEN) return;
    if (client.socket.bufferedAmount > this.options.maxBufferedBytes) {
      client.socket.terminate();
      return;
    }
    client.socket.send(JSON.stringify(event));
  }

  private beat(): void {
    for (const account of this.accounts.values()) {
      for (const client of account.clients) {
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }
  }

  private endSession(idHash: string): void {
    for (const account of this.accounts.values()) {
      for (const client of account.clients)
        if (client.idHash === idHash) client.socket.close(4401, 'signed out');
    }
  }

  private disconnect(accountKey: string, client: Client): void {
    const account = this.accounts.get(accountKey);
    if (!account) return;
    account.clients.delete(client);
    if (account.clients.size > 0) return;
    account.linger = setTimeout(() => {
      if (account.clients.size > 0 || this.accounts.get(accountKey) !== account) return;
      this.accounts.delete(accountKey);
      void account.watch.dispose();
    }, this.options.lingerMs);
    account.linger.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.unsubscribes.map((unsubscribe) => unsubscribe()));
    const accounts = [...this.accounts.values()];
    this.accounts.clear();
    for (const account of accounts) {
      clearTimeout(account.linger);
      for (const client of account.clients) client.socket.close(1001, 'server going away');
    }
    await Promise.all(accounts.map((account) => account.watch.dispose()));
  }
}
