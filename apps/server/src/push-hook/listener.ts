import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mailboxIdOf } from '../mailboxes/mailbox-id.js';
import type { PushHookConfig } from './config.js';
import { makeBasicAuthCheck, parseNotification, RateLimiter } from './notification.js';

export const PUSH_HOOK_PATH = '/api/push-hook';

export interface PushHookDeps {
  /** Account keys of the notified Dovecot user (usually one; none when it cannot be known). */
  accountKeysFor(user: string): string[];
  /** Asks whichever instance watches the account to refresh these mailboxes now. */
  changed(accountKey: string, mailboxIds: string[]): Promise<void>;
  log: {
    debug(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
  };
}

export interface PushHookCounters {
  accepted: number;
  unauthorized: number;
  limited: number;
  invalid: number;
}

/**
 * The separate listener Dovecot's OX driver calls. It is not the public API: no cookies, no CSRF,
 * no SPA, only `PUT /api/push-hook` with basic auth. Dovecot waits for the answer before it
 * finishes the delivery, so the answer comes at once and the refresh happens afterwards.
 */
export class PushHookListener {
  readonly counters: PushHookCounters = { accepted: 0, unauthorized: 0, limited: 0, invalid: 0 };
  private readonly server: Server;
  private readonly authorized: (header: string | undefined) => boolean;
  private readonly limiter: RateLimiter;

  constructor(
    private readonly config: PushHookConfig,
    private readonly deps: PushHookDeps,
  ) {
    this.authorized = makeBasicAuthCheck(config.user, config.secret);
    this.limiter = new RateLimiter(config.userBurst, config.userPerMinute);
    this.server = createServer(
      {
        // Dovecot keeps its connection open between deliveries; slow or idle peers are cut.
        keepAliveTimeout: 60_000,
        headersTimeout: 5_000,
        requestTimeout: 5_000,
        maxHeaderSize: 8 * 1024,
      },
      (request, response) => this.handle(request, response),
    );
    this.server.maxHeadersCount = 50;
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.config.host, port: this.config.port }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | null {
    const address = this.server.address();
    return address && typeof address === 'object' ? address : null;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '').split('?')[0];
    if (path !== PUSH_HOOK_PATH) {
      this.finish(request, response, 404);
      return;
    }
    if (request.method !== 'PUT' && request.method !== 'POST') {
      response.setHeader('allow', 'PUT, POST');
      this.finish(request, response, 405);
      return;
    }
    if (!this.authorized(request.headers.authorization)) {
      this.counters.unauthorized++;
      this.deps.log.warn(
        { remote: request.socket.remoteAddress },
        'push hook: refused notification (bad credentials)',
      );
      response.setHeader('www-authenticate', 'Basic realm="westwind-push-hook", charset="UTF-8"');
      this.finish(request, response, 401);
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.config.bodyLimitBytes) {
      this.finish(request, response, 413);
      return;
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > this.config.bodyLimitBytes) {
        refused = true;
        this.finish(request, response, 413);
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => request.destroy());
    request.on('end', () => {
      if (!refused) this.accept(Buffer.concat(chunks).toString('utf8'), response);
    });
  }

  private accept(body: string, response: ServerResponse): void {
    const parsed = parseNotification(body);
    if (!parsed.ok) {
      this.counters.invalid++;
      this.deps.log.debug({ reason: parsed.reason }, 'push hook: invalid notification');
      response.statusCode = 400;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ error: 'INVALID_NOTIFICATION', message: parsed.reason }));
      return;
    }
    const { user, folder } = parsed.notification;
    if (!this.limiter.take(user.toLowerCase())) {
      this.counters.limited++;
      response.statusCode = 429;
      response.end();
      return;
    }
    this.counters.accepted++;
    const mailboxIds = [mailboxIdOf(folder)];
    for (const accountKey of this.deps.accountKeysFor(user)) {
      this.deps
        .changed(accountKey, mailboxIds)
        .catch((error: unknown) => this.deps.log.warn({ err: error }, 'push hook: publishing a refresh'));
    }
    // Unknown users get the same answer: the hook says nothing about who has a session.
    response.statusCode = 204;
    response.end();
  }

  /** Answers without reading the body; the connection is closed so no unread body lingers. */
  private finish(request: IncomingMessage, response: ServerResponse, status: number): void {
    response.statusCode = status;
    response.setHeader('connection', 'close');
    response.end();
    request.resume();
  }
}
