import type { ClientHello, MailboxStateEvent, ServerEvent } from '@westwind/contract';
import WebSocket from 'ws';

/** A websocket client of `/api/events` as the SPA opens it: the session cookie and our Origin. */
export class PushClient {
  readonly events: ServerEvent[] = [];
  private waiters: { match: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const event = JSON.parse(data.toString()) as ServerEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.match(event)) return true;
        waiter.resolve(event);
        return false;
      });
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static open(baseUrl: string, cookie: string, origin = baseUrl): Promise<PushClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/events`, {
        headers: { cookie, origin },
      });
      const client = new PushClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(
          Object.assign(new Error(`upgrade refused: ${response.statusCode}`), {
            status: response.statusCode,
          }),
        ),
      );
      socket.once('error', reject);
    });
  }

  hello(hello: Omit<ClientHello, 'type'>): void {
    this.socket.send(JSON.stringify({ type: 'hello', ...hello }));
  }

  /** The first event (already received or still to come) that matches, within `timeoutMs`. */
  next<T extends ServerEvent>(
    match: (event: ServerEvent) => event is T,
    timeoutMs = 15_000,
    after = 0,
  ): Promise<T> {
    const seen = this.events.slice(after).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event as T);
        },
      });
    });
  }

  /** The next mailbox event for `mailboxId` that satisfies `accept`, counting only events from now on. */
  mailbox(mailboxId: string, accept: (e: MailboxStateEvent) => boolean = () => true, timeoutMs = 15_000) {
    return this.next(
      (e): e is MailboxStateEvent => e.type === 'mailbox' && e.mailboxId === mailboxId && accept(e),
      timeoutMs,
      this.events.length,
    );
  }

  close(): void {
    this.socket.close();
  }
}
