import { ImapFlow } from 'imapflow';
import { hasModseqs, selectedState } from '../cache/imap-delta.js';
import { trackHighestModseq } from '../imap/highest-modseq.js';
import { countUnseen } from '../messages/list/fetch-page.js';
import { reconnectDelay } from './state.js';

export interface WatchTarget {
  host: string;
  address: string;
  port: number;
  secure: boolean;
  starttls: boolean;
  user: string;
  password: string;
}

/** How long a snapshot may take before the connection is taken for dead. */
const SNAPSHOT_DEADLINE_MS = 2_000;

export interface FolderSnapshot {
  uidValidity: bigint;
  highestModseq: bigint;
  messages: number;
  unseen: number;
}

interface Log {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * One IMAP connection that sits in IDLE on one mailbox and calls `onChange` whenever the server
 * reports anything there (new mail, expunges, flag changes by any client), with `unstated` true
 * for a flag change on a server without mod-sequences, whose mailbox state cannot show it (see
 * mailboxState). A broken connection
 * is replaced by a new ImapFlow instance (they are never reconnected) after a jittered backoff.
 */
export class FolderIdle {
  private client: ImapFlow | undefined;
  private stopped = false;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly target: WatchTarget,
    private readonly onChange: (unstated: boolean) => void,
    private readonly log: Log,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new ImapFlow({
      host: this.target.address,
      servername: this.target.host,
      port: this.target.port,
      secure: this.target.secure,
      doSTARTTLS: this.target.starttls ? true : this.target.secure ? undefined : false,
      auth: { user: this.target.user, pass: this.target.password },
      logger: false,
      qresync: true,
      // IDLE at once (imapflow waits 15 s by default, which would delay every push by that much)
      // and re-issue it well inside the 29 minutes RFC 2177 allows.
      autoIdleDelay: 50,
      maxIdleTime: 25 * 60_000,
      // Servers without IDLE are polled instead.
      missingIdleCommand: 'STATUS',
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
    });
    this.client = client;
    // An unhandled 'error' would crash the process.
    client.on('error', (error: Error) =>
      this.log.debug({ err: error, path: this.path }, 'watch connection error'),
    );
    client.on('close', () => {
      if (this.client === client) this.client = undefined;
      if (!this.stopped) this.scheduleReconnect();
    });
    for (const event of ['exists', 'expunge', 'flags', 'highestModseq'] as const) {
      client.on(event, () => {
        this.log.debug({ path: this.path, event }, 'watch saw a change');
        this.onChange(event === 'flags' && !hasModseqs(client));
      });
    }
    try {
      await client.connect();
      await client.mailboxOpen(this.path, { readOnly: true });
      // The new HIGHESTMODSEQ after arrivals and expunges comes while idling: keep it (snapshot).
      trackHighestModseq(client);
      this.log.debug({ path: this.path }, 'watch idling');
      this.failures = 0;
      // Whatever happened while we were away counts as a change.
      this.onChange(false);
    } catch (error) {
      this.log.warn({ err: error, path: this.path }, 'watch could not start');
      client.close();
    }
  }

  /**
   * The folder's state now, asked on this connection: a NOOP (which ends the IDLE for a moment)
   * and a count of unseen messages. Null when not connected or the server has no CONDSTORE.
   */
  async snapshot(): Promise<FolderSnapshot | null> {
    const client = this.client;
    if (!client?.mailbox || client.mailbox.path !== this.path) return null;
    const asked = (async (): Promise<FolderSnapshot | null> => {
      const state = await selectedState(client);
      if (!state || state.modseq === null) return null;
      return {
        uidValidity: BigInt(state.uidValidity),
        highestModseq: BigInt(state.modseq),
        messages: state.messages,
        unseen: await countUnseen(client),
      };
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), SNAPSHOT_DEADLINE_MS);
    });
    try {
      const result = await Promise.race([asked, late]);
      if (result !== 'late') return result;
      // A connection a firewall dropped in silence answers nothing until the socket times out;
      // every refresh of the account would wait behind it. Start over with a new one.
      this.log.warn({ path: this.path }, 'watch connection did not answer; reconnecting');
      asked.catch(() => undefined);
      client.close();
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private scheduleReconnect(): void {
    this.failures += 1;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), reconnectDelay(this.failures));
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await Promise.race([client.logout(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]).catch(
      () => {},
    );
    client.close();
  }
}
