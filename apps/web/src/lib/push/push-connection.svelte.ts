import type { MailboxStateEvent, ServerEvent } from '@westwind/contract';
import { reconnectDelayMs, sleptThrough } from './backoff';

export type PushStatus = 'connecting' | 'online' | 'offline';

/** `previous`: the state known before this event (undefined when the mailbox is new to this tab). */
export type MailboxListener = (event: MailboxStateEvent, previous: string | undefined) => void;

const WAKE_CHECK_MS = 5000;

/**
 * The websocket to `/api/events`: reconnects with backoff, and on every (re)connect tells the
 * server which mailbox states it has seen, so whatever changed meanwhile is announced at once —
 * a catch-up, never a full reload. Also reconnects on waking from sleep and on regaining network.
 */
export class PushConnection {
  #status = $state<PushStatus>('connecting');
  #socket: WebSocket | undefined;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #wakeTimer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #openMailboxId: string | undefined;
  readonly #states = new Map<string, string>();
  readonly #listeners = new Set<MailboxListener>();
  readonly #onSignedOut: () => void;

  constructor(onSignedOut: () => void) {
    this.#onSignedOut = onSignedOut;
  }

  get status(): PushStatus {
    return this.#status;
  }

  /** Calls `listener` for every mailbox event; returns a function that stops it. */
  onMailbox(listener: MailboxListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The list's own state for a mailbox, so an event equal to it is not news. */
  noteState(mailboxId: string, state: string): void {
    this.#states.set(mailboxId, state);
  }

  setOpenMailbox(mailboxId: string | undefined): void {
    if (mailboxId === this.#openMailboxId) return;
    this.#openMailboxId = mailboxId;
    this.#hello();
  }

  start(): void {
    this.#closed = false;
    this.#open();
    window.addEventListener('online', this.#reconnectNow);
    document.addEventListener('visibilitychange', this.#onVisible);
    let last = Date.now();
    this.#wakeTimer = setInterval(() => {
      const now = Date.now();
      if (sleptThrough(WAKE_CHECK_MS, now - last)) this.#reconnectNow();
      last = now;
    }, WAKE_CHECK_MS);
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#wakeTimer);
    window.removeEventListener('online', this.#reconnectNow);
    document.removeEventListener('visibilitychange', this.#onVisible);
    this.#socket?.close(1000);
    this.#socket = undefined;
  }

  #open(): void {
    if (this.#closed) return;
    this.#status = this.#attempt === 0 ? 'connecting' : 'offline';
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.onmessage = (message) => {
      let event: ServerEvent;
      try {
        event = JSON.parse(String(message.data)) as ServerEvent;
      } catch {
        return;
      }
      if (event.type === 'ready') {
        this.#attempt = 0;
        this.#status = 'online';
        this.#hello();
      } else if (event.type === 'mailbox') {
        const previous = this.#states.get(event.mailboxId);
        if (previous === event.state) return;
        this.#states.set(event.mailboxId, event.state);
        for (const listener of this.#listeners) listener(event, previous);
      }
    };
    socket.onclose = (close) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      if (close.code === 4401) {
        this.#onSignedOut();
        return;
      }
      if (this.#closed) return;
      this.#status = 'offline';
      this.#attempt += 1;
      this.#retry = setTimeout(() => this.#open(), reconnectDelayMs(this.#attempt));
    };
  }

  #hello(): void {
    if (this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#socket.send(
      JSON.stringify({
        type: 'hello',
        states: Object.fromEntries(this.#states),
        ...(this.#openMailboxId ? { openMailboxId: this.#openMailboxId } : {}),
      }),
    );
  }

  readonly #reconnectNow = (): void => {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    this.#socket?.close();
    this.#socket = undefined;
    this.#attempt = Math.max(this.#attempt, 1);
    this.#open();
  };

  readonly #onVisible = (): void => {
    if (document.visibilityState === 'visible' && this.#status !== 'online') this.#reconnectNow();
  };
}
