import type { SessionInfo } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { AppErrors } from '../errors.js';
import type {} from '../imap/plugin.js';
import type { KeyValueStore } from '../store/store.js';
import type {} from '../upstream/plugin.js';
import { keyedHash } from './crypto.js';
import type { SessionRecord } from './record.js';

export interface SignInLimits {
  /** Failed sign-ins allowed per account within the window before it is locked for the rest of it. */
  maxFailuresPerAccount: number;
  windowMs: number;
}

/** Normalizes what a person types: surrounding space and the domain's case do not matter. */
export function normalizeAddress(raw: string): string {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  return at === -1 ? trimmed : `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

/** A store failure during sign-in is a 503 to retry, never a 500. */
function orUnavailable<T>(pending: Promise<T>): Promise<T> {
  return pending.catch((error: unknown) => {
    if (error instanceof Error && 'statusCode' in error) throw error;
    throw new AppErrors.StoreUnavailable();
  });
}

function failureKey(serverSecret: Buffer, address: string): string {
  const account = keyedHash(serverSecret, 'login-account', address.toLowerCase());
  return `ww:ratelimit:login-failures:{${account}}`;
}

async function assertNotLocked(store: KeyValueStore, key: string, limits: SignInLimits): Promise<void> {
  const failures = Number(await store.get(key));
  if (failures >= limits.maxFailuresPerAccount) {
    // The window's remaining time is only known on increment; an extra count past the limit is harmless.
    const { resetInMs } = await store.increment(key, limits.windowMs);
    const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
    throw Object.assign(new AppErrors.RateLimited(seconds), { retryAfterSeconds: seconds });
  }
}

export function sessionInfo(record: SessionRecord): SessionInfo {
  return { address: record.address, displayName: record.displayName, capabilities: record.capabilities };
}

/**
 * Proves the credentials against the user's own IMAP server and creates a session. Every
 * failure that depends on the address or password has the same answer, so sign-in never reveals
 * whether an address exists.
 */
export async function signIn(
  app: FastifyInstance,
  input: { address: string; password: string },
  options: { serverSecret: Buffer; limits: SignInLimits },
): Promise<{ cookie: string; record: SessionRecord }> {
  const address = normalizeAddress(input.address);
  const limitKey = failureKey(options.serverSecret, address);
  await orUnavailable(assertNotLocked(app.store, limitKey, options.limits));

  const upstream = await app.upstream.resolve(address);
  let capabilities: string[];
  try {
    ({ capabilities } = await app.imap.verifyLogin(upstream.imap, {
      user: upstream.loginUser,
      password: input.password,
    }));
  } catch (error) {
    if (error instanceof AppErrors.SignInFailed) {
      await orUnavailable(app.store.increment(limitKey, options.limits.windowMs));
    }
    throw error;
  }
  await orUnavailable(app.store.delete(limitKey));

  const at = address.lastIndexOf('@');
  return orUnavailable(
    app.sessions.create(
      {
        address,
        displayName: at > 0 ? address.slice(0, at) : address,
        loginUser: upstream.loginUser,
        imap: upstream.imap,
        smtp: upstream.smtp,
        capabilities,
      },
      input.password,
    ),
  );
}
