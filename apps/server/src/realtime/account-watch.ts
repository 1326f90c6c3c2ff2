import type { MailboxStateEvent } from '@westwind/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { ImapFlow } from 'imapflow';
import type { ImapConnectionManager } from '../imap/connection-manager.js';
import { mailboxIdOf, mailboxPathOf } from '../mailboxes/mailbox-id.js';
import type { KeyValueStore } from '../store/store.js';
import { FolderIdle, type WatchTarget } from './folder-idle.js';
import { Debouncer, mailboxState, withUnstatedChanges } from './state.js';

export interface AccountWatchOptions {
  accountKey: string;
  instanceId: string;
  store: KeyValueStore;
  imap: ImapConnectionManager;
  log: FastifyBaseLogger;
  publish: (event: MailboxStateEvent) => void;
  /** States read from the server at `seenAt` that differ from the last published; never throws. */
  sawStates: (events: MailboxStateEvent[], seenAt: number) => Promise<void>;
  /**
   * On a server without mod-sequences, the state of the mailbox's flags-scanned cache, synced
   * first when `force` (a change seen in IDLE) or when `status` shows it moved, so the event
   * carries the state the list API gives (SummaryCache.watchedState). Null: keep the watch's own.
   */
  cacheState?: (client: ImapFlow, folder: FolderStatus, force: boolean) => Promise<string | null>;
  leaseTtlMs: number;
  statusIntervalMs: number;
  coalesceMs: number;
}

/** When an urgent refresh looks (ms after the hint); the later looks find nothing new, cheaply. */
const URGENT_LOOKS_MS = [0, 10, 30, 80, 200];

export const statesKey = (accountKey: string) => `ww:account:{${accountKey}}:states`;

/** The latest event of each mailbox of an account, as the watching instance last saved them. */
export async function readStates(store: KeyValueStore, accountKey: string): Promise<MailboxStateEvent[]> {
  const raw = await store.get(statesKey(accountKey));
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return [];
    // Read back as untrusted input: only well-formed events pass.
    return Object.values(parsed).filter(
      (e): e is MailboxStateEvent =>
        typeof e === 'object' &&
        e !== null &&
        e.type === 'mailbox' &&
        typeof e.mailboxId === 'string' &&
        typeof e.state === 'string' &&
        Number.isInteger(e.total) &&
        Number.isInteger(e.unread),
    );
  } catch {
    return [];
  }
}

/**
 * Watches one account for as long as it has clients on this instance. Exactly one instance
 * watches an account at a time: the holder of a Redis lease, renewed while it has clients and
 * taken over by another instance when the holder dies. The watch keeps IDLE on the Inbox and on
 * the folder a client has open, refreshes every folder's counts with LIST-STATUS now and then,
 * and publishes a state event whenever a mailbox moved on.
 */
export class AccountWatch {
  private target: WatchTarget | undefined;
  private idles = new Map<string, FolderIdle>();
  private openPath: string | undefined;
  private holding = false;
  private timer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  private readonly flush: Debouncer;
  /** mailboxId → latest event, as shared with other instances. */
  private known = new Map<string, MailboxStateEvent>();
  /** mailboxId → state and counts last published, so unchanged mailboxes stay quiet. */
  private signatures = new Map<string, string>();
  /** mailboxId → flag changes seen in IDLE that its state cannot show (withUnstatedChanges). */
  private unstatedChanges = new Map<string, number>();
  private refreshing: Promise<void> = Promise.resolve();

  constructor(private readonly options: AccountWatchOptions) {
    this.flush = new Debouncer(options.coalesceMs, () => void this.refreshPending());
  }

  /** The credentials of a connected client; needed only while this instance holds the watch. */
  setTarget(target: WatchTarget): void {
    this.target = target;
  }

  setOpenMailbox(mailboxId: string | undefined): void {
    const path = mailboxId ? (mailboxPathOf(mailboxId) ?? undefined) : undefined;
    if (path === this.openPath) return;
    this.openPath = path;
    if (this.holding) this.syncIdles();
  }

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(500, Math.floor(this.options.leaseTtlMs / 3)));
    this.timer.unref();
  }

  /**
   * Asks for fresh counts of these mailboxes (after an action that changed them). `urgent` (the
   * mail server said new mail is being delivered): looked at now instead of after the coalescing
   * delay, and again a few times shortly after, since the hint can come before the delivery is
   * committed; each look is a NOOP on the folder's IDLE connection where it has one.
   */
  refresh(mailboxIds: readonly string[], options: { urgent?: boolean } = {}): void {
    if (!this.holding) return;
    const paths: string[] = [];
    for (const id of mailboxIds) {
      // '*': every folder (LIST-STATUS), when the caller does not know which ones changed.
      const path = id === '*' ? '*' : mailboxPathOf(id);
      if (path) paths.push(path);
    }
    if (!options.urgent) {
      for (const path of paths) this.pending.add(path);
      this.flush.trigger();
      return;
    }
    for (const delay of URGENT_LOOKS_MS) {
      const look = setTimeout(() => {
        for (const path of paths) this.pending.add(path);
        void this.refreshPending();
      }, delay);
      look.unref();
    }
  }

  private leaseKey(): string {
    return `ww:watch:{${this.options.accountKey}}`;
  }

  private async tick(): Promise<void> {
    let holding = false;
    try {
      holding = await this.options.store.acquireLease(
        this.leaseKey(),
        this.options.instanceId,
        this.options.leaseTtlMs,
      );
    } catch (error) {
      // Without the store nobody can prove they hold the lease; keep watching if we did, so a
      // Redis blip does not stop push for everyone.
      this.options.log.warn({ err: error }, 'watch lease unavailable');
      holding = this.holding;
    }
    if (holding && !this.holding && this.target) this.begin();
    else if (!holding && this.holding) await this.end();
  }

  private begin(): void {
    this.holding = true;
    this.options.log.debug({ account: this.options.accountKey }, 'watching account');
    this.syncIdles();
    this.pollAll();
    this.statusTimer = setInterval(() => this.pollAll(), this.options.statusIntervalMs);
    this.statusTimer.unref();
  }

  private syncIdles(): void {
    const target = this.target;
    if (!target) return;
    const wanted = new Set(['INBOX', ...(this.openPath ? [this.openPath] : [])]);
    for (const [path, idle] of this.idles) {
      if (!wanted.has(path)) {
        this.idles.delete(path);
        void idle.stop();
      }
    }
    for (const path of wanted) {
      if (this.idles.has(path)) continue;
      const idle = new FolderIdle(
        path,
        target,
        (unstated) => {
          if (unstated) {
            const mailboxId = mailboxIdOf(path);
            this.unstatedChanges.set(mailboxId, (this.unstatedChanges.get(mailboxId) ?? 0) + 1);
          }
          this.pending.add(path);
          this.flush.trigger();
        },
        this.options.log,
      );
      this.idles.set(path, idle);
      idle.start();
    }
  }

  private pollAll(): void {
    this.pending.add('*');
    this.flush.trigger();
  }

  private refreshPending(): Promise<void> {
    // One refresh at a time; paths queued meanwhile are taken by the next one.
    this.refreshing = this.refreshing
      .then(() => this.refreshNow())
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'watch refresh failed');
      });
    return this.refreshing;
  }

  private async refreshNow(): Promise<void> {
    const target = this.target;
    if (!this.holding || !target || this.pending.size === 0) return;
    const paths = [...this.pending];
    this.pending.clear();
    const all = paths.includes('*');
    const seenAt = Date.now();
    // A folder held in IDLE is asked on that connection (NOOP, ~1 ms), not by STATUS on a pooled
    // one, which costs a round trip to the pool and, on a large Maildir, tens of milliseconds.
    const states: MailboxStateEvent[] = [];
    const rest: string[] = [];
    for (const path of all ? [] : paths) {
      const snapshot = await this.idles
        .get(path)
        ?.snapshot()
        .catch(() => null);
      if (snapshot) states.push(eventOf(path, snapshot));
      else rest.push(path);
    }
    // Paths a change was seen on in IDLE (not only the periodic look at every folder).
    const woken = new Set(paths.filter((path) => path !== '*'));
    const fromCache = new Set<string>();
    if (all || rest.length > 0) {
      const { user, password, ...endpoint } = target;
      states.push(
        ...(await this.options.imap.withConnection(
          this.options.accountKey,
          endpoint,
          { user, password },
          async (client) => {
            // STATUS (and LIST-STATUS) of the mailbox this connection has selected answers from
            // the session's own view, which only a NOOP brings up to date (RFC 3501 §6.3.10).
            if (client.mailbox) await client.noop();
            const folders = all ? await listAll(client) : await statusOf(client, rest);
            const events: MailboxStateEvent[] = [];
            for (const folder of folders) {
              const event = eventOf(folder.path, folder.status);
              const cached = await this.options.cacheState?.(client, folder, woken.has(folder.path));
              if (cached) fromCache.add(event.mailboxId);
              events.push(cached ? { ...event, state: cached } : event);
            }
            return events;
          },
        )),
      );
    }
    const changed: MailboxStateEvent[] = [];
    for (const seen of states) {
      // A cached state already counts what its flags scan found.
      const unstated = fromCache.has(seen.mailboxId) ? 0 : (this.unstatedChanges.get(seen.mailboxId) ?? 0);
      const event = { ...seen, state: withUnstatedChanges(seen.state, unstated) };
      const signature = `${event.state}|${event.total}|${event.unread}`;
      if (this.signatures.get(event.mailboxId) === signature) continue;
      this.signatures.set(event.mailboxId, signature);
      this.known.set(event.mailboxId, event);
      changed.push(event);
    }
    if (changed.length === 0) return;
    // Before anyone hears of it: a client that lists at once must not get the old page from cache.
    await this.options.sawStates(changed, seenAt);
    await this.saveStates().catch((error: unknown) => this.options.log.warn({ err: error }, 'saving states'));
    for (const event of changed) this.options.publish(event);
  }

  /** Shared so a client connecting to any instance can be told what it missed. */
  private async saveStates(): Promise<void> {
    await this.options.store.set(
      statesKey(this.options.accountKey),
      JSON.stringify(Object.fromEntries(this.known)),
      24 * 3600_000,
    );
  }

  private async end(): Promise<void> {
    this.holding = false;
    clearInterval(this.statusTimer);
    this.flush.cancel();
    const idles = [...this.idles.values()];
    this.idles.clear();
    await Promise.all(idles.map((idle) => idle.stop()));
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    const wasHolding = this.holding;
    await this.end();
    if (wasHolding)
      await this.options.store.releaseLease(this.leaseKey(), this.options.instanceId).catch(() => {});
  }
}

function eventOf(path: string, status: FolderStatus['status']): MailboxStateEvent {
  const total = status.messages ?? 0;
  return {
    type: 'mailbox',
    mailboxId: mailboxIdOf(path),
    state: mailboxState(status.uidValidity, status.highestModseq, status.uidNext, total),
    total,
    unread: status.unseen ?? 0,
  };
}

const STATUS_QUERY = {
  messages: true,
  unseen: true,
  uidValidity: true,
  highestModseq: true,
  uidNext: true,
} as const;

/** A folder and what STATUS (or LIST-STATUS) said of it. */
export interface FolderStatus {
  path: string;
  status: {
    messages?: number;
    unseen?: number;
    uidValidity?: bigint;
    highestModseq?: bigint;
    uidNext?: number;
  };
}

async function statusOf(client: ImapFlow, paths: string[]): Promise<FolderStatus[]> {
  const folders: FolderStatus[] = [];
  for (const path of paths) {
    const status = await client.status(path, STATUS_QUERY).catch(() => false as const);
    if (status) folders.push({ path, status });
  }
  return folders;
}

async function listAll(client: ImapFlow): Promise<FolderStatus[]> {
  const folders = await client.list({ statusQuery: STATUS_QUERY });
  return folders.flatMap((folder) =>
    folder.status && !folder.flags.has('\\Noselect') ? [{ path: folder.path, status: folder.status }] : [],
  );
}
