import { createHash } from 'node:crypto';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppErrors } from '../errors.js';
import type { RedisStore } from '../store/redis-store.js';
import { BoundedMap } from '../util/bounded-map.js';
import { BatchedCounters } from './batched-counters.js';
import { batchedRateLimitStore, redisWindowCounter } from './rate-limit-store.js';
import {
  ACCOUNT_SIGNED_OUT_CHANNEL,
  type LoadedSession,
  SESSION_ENDED_CHANNEL,
  SessionService,
} from './service.js';

export interface SessionsOptions {
  serverSecret: Buffer;
  idleTimeoutMs: number;
  maxAgeMs: number;
  /** Requests per client address per minute across the API. */
  apiRateLimitPerMinute: number;
}

export interface AuthenticatedSession extends LoadedSession {
  /** The upstream password, opened with this request's cookie. */
  password: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    /** preHandler: 401 SESSION_REQUIRED unless the request carries a live session. */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    session: AuthenticatedSession | null;
  }
}

export const SESSION_COOKIE = 'ww_session';

export const cookieOptions = {
  path: '/',
  httpOnly: true,
  sameSite: 'strict' as const,
  // Secure whenever the request came over HTTPS (directly or via a trusted proxy).
  secure: 'auto' as const,
};

/** How often rate-limit counts go to Redis, and how many client keys are counted here at most. */
const RATE_LIMIT_FLUSH_MS = 50;
const RATE_LIMIT_KEYS_HELD = 100_000;

/** Sessions whose key this instance has seen open their credential, most recent kept. */
const OPENED_KEYS_KEPT = 20_000;

const stateChanging = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function sessionsPlugin(app: FastifyInstance, options: SessionsOptions): Promise<void> {
  const sessions = new SessionService(app.store, options);
  app.decorate('sessions', sessions);
  app.decorateRequest('session', null);

  await app.register(cookie);
  await app.register(csrf, { cookieOpts: cookieOptions, cookieKey: 'ww_csrf' });

  // Shared across instances when Redis is there (counted locally between flushes, see
  // BatchedCounters); a Redis outage must not take sign-in down.
  const counters =
    app.store.kind === 'redis'
      ? new BatchedCounters(redisWindowCounter((app.store as RedisStore).client, 'ww:ratelimit:api:'), {
          flushMs: RATE_LIMIT_FLUSH_MS,
          maxKeys: RATE_LIMIT_KEYS_HELD,
        })
      : null;
  if (counters) app.addHook('onClose', async () => counters.close());
  await app.register(rateLimit, {
    global: true,
    max: options.apiRateLimitPerMinute,
    timeWindow: 60_000,
    ...(counters ? { store: batchedRateLimitStore(counters), skipOnError: true } : {}),
    allowList: (request) => !request.url.startsWith('/api/'),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return Object.assign(new AppErrors.RateLimited(seconds), { retryAfterSeconds: seconds });
    },
  });

  // Every state-changing API call needs the CSRF token, sign-in included (login CSRF).
  app.addHook('onRequest', (request, reply, done) => {
    if (stateChanging.has(request.method) && request.url.startsWith('/api/') && !request.is404) {
      app.csrfProtection(request, reply, done);
    } else {
      done();
    }
  });

  const openedKeys = new BoundedMap<string, string>(OPENED_KEYS_KEPT);
  app.decorate('requireSession', async (request: FastifyRequest) => {
    // Sessions live in the store: without it nobody can be recognized, which is a 503 to retry,
    // not a 500 and not a sign-out.
    const loaded = await sessions.load(request.cookies[SESSION_COOKIE]).catch((error: unknown) => {
      request.log.warn({ err: error }, 'session store unavailable');
      throw new AppErrors.StoreUnavailable();
    });
    if (!loaded) throw new AppErrors.SessionRequired();
    // A cookie whose key secret does not open the credential was forged or altered. Opening it
    // (HKDF + AES-GCM) is most of an authenticated request served from cache, so a key once
    // seen to open its session's credential is remembered (as a digest, never the password) and
    // the password itself is opened only when a request needs it.
    const open = (): string => {
      const opened = sessions.password(loaded);
      if (opened === null) throw new AppErrors.SessionRequired();
      return opened;
    };
    const keyDigest = createHash('sha256').update(loaded.token.keySecret).digest('base64url');
    let password: string | undefined;
    if (openedKeys.get(loaded.idHash) !== keyDigest) {
      password = open();
      openedKeys.set(loaded.idHash, keyDigest);
    }
    request.session = {
      ...loaded,
      get password(): string {
        password ??= open();
        return password;
      },
    };
  });

  const unsubscribeEnded = await app.store.subscribe(SESSION_ENDED_CHANNEL, (idHash) =>
    sessions.forget(idHash),
  );
  app.addHook('onClose', async () => unsubscribeEnded());
  const unsubscribe = await app.store.subscribe(ACCOUNT_SIGNED_OUT_CHANNEL, (accountKey) => {
    app.imap
      .closeAccount(accountKey)
      .catch((error: unknown) => app.log.warn({ err: error }, 'closing account connections'));
  });
  app.addHook('onClose', async () => unsubscribe());
}

export default fp(sessionsPlugin, { name: 'sessions', dependencies: ['store', 'imap'] });
