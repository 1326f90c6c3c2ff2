import type { KeyValueStore } from '../store/store.js';
import { BoundedMap } from '../util/bounded-map.js';
import {
  decodeCookie,
  encodeCookie,
  keyedHash,
  newSessionToken,
  openCredential,
  type SessionToken,
  sealCredential,
  sessionIdHash,
} from './crypto.js';
import { needsTouch, parseSessionRecord, recordTtlMs, type SessionRecord } from './record.js';

export interface SessionServiceOptions {
  serverSecret: Buffer;
  idleTimeoutMs: number;
  maxAgeMs: number;
  now?: () => number;
}

export type NewSession = Omit<
  SessionRecord,
  'v' | 'accountKey' | 'createdAt' | 'lastSeenAt' | 'expiresAt' | 'credential'
>;

export interface LoadedSession {
  token: SessionToken;
  idHash: string;
  record: SessionRecord;
}

/** Channel on which every instance hears that a session ended (its websockets close). */
export const SESSION_ENDED_CHANNEL = 'westwind:session-ended';

/** Channel on which every instance hears that an account has no sessions left. */
export const ACCOUNT_SIGNED_OUT_CHANNEL = 'westwind:account-signed-out';

/**
 * Session lifecycle over the shared store. Keys carry the account in a `{…}` hash tag where
 * several belong together, so they land on one Redis Cluster slot.
 */
/**
 * How long a session record read from the store is reused by this instance. A session ended on
 * another instance is forgotten here at once through SESSION_ENDED_CHANNEL; this bounds it when
 * that message is lost. Every authenticated request reads its record, and the round trip was a
 * large part of a request served from cache.
 */
const RECORD_REUSE_MS = 1_000;
const RECORDS_KEPT = 20_000;

export class SessionService {
  private readonly now: () => number;
  private readonly recent = new BoundedMap<string, { record: SessionRecord; readAt: number }>(RECORDS_KEPT);

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: SessionServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  accountKeyFor(address: string, imapHost: string, imapPort: number): string {
    return keyedHash(
      this.options.serverSecret,
      'account',
      `${address.toLowerCase()}|${imapHost}:${imapPort}`,
    );
  }

  private sessionKey(idHash: string): string {
    return `ww:session:${idHash}`;
  }

  private accountSessionsKey(accountKey: string): string {
    return `ww:account:{${accountKey}}:sessions`;
  }

  private credentialContext(idHash: string, address: string): string {
    return `${idHash}|${address}`;
  }

  /** Creates a session and returns the cookie value; the only time the password is in hand. */
  async create(fields: NewSession, password: string): Promise<{ cookie: string; record: SessionRecord }> {
    const token = newSessionToken();
    const idHash = sessionIdHash(this.options.serverSecret, token.id);
    const now = this.now();
    const accountKey = this.accountKeyFor(fields.address, fields.imap.host, fields.imap.port);
    const record: SessionRecord = {
      v: 1,
      ...fields,
      accountKey,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.options.maxAgeMs,
      credential: sealCredential(
        this.options.serverSecret,
        token,
        password,
        this.credentialContext(idHash, fields.address),
      ),
    };
    await this.store.set(
      this.sessionKey(idHash),
      JSON.stringify(record),
      recordTtlMs(record, now, this.options.idleTimeoutMs),
    );
    await this.store.setAdd(this.accountSessionsKey(accountKey), idHash, this.options.maxAgeMs);
    return { cookie: encodeCookie(token), record };
  }

  /** The session for a cookie, or null for a missing, malformed, expired or unknown one. */
  async load(cookie: string | undefined): Promise<LoadedSession | null> {
    const token = decodeCookie(cookie);
    if (!token) return null;
    const idHash = sessionIdHash(this.options.serverSecret, token.id);
    const now = this.now();
    const reused = this.recent.get(idHash);
    let record: SessionRecord | null;
    if (reused && now - reused.readAt < RECORD_REUSE_MS) {
      record = reused.record;
    } else {
      record = parseSessionRecord(await this.store.get(this.sessionKey(idHash)));
      if (record) this.recent.set(idHash, { record, readAt: now });
      else this.recent.delete(idHash);
    }
    if (!record || record.expiresAt <= now || now - record.lastSeenAt >= this.options.idleTimeoutMs)
      return null;
    if (needsTouch(record, now, this.options.idleTimeoutMs)) {
      const touched = { ...record, lastSeenAt: now };
      // Only while it still exists: a session ended meanwhile (on another instance, with this
      // one still reusing its record) must not come back to life.
      const alive = await this.store.replace(
        this.sessionKey(idHash),
        JSON.stringify(touched),
        recordTtlMs(touched, now, this.options.idleTimeoutMs),
      );
      if (!alive) {
        this.forget(idHash);
        return null;
      }
      this.recent.set(idHash, { record: touched, readAt: now });
      return { token, idHash, record: touched };
    }
    return { token, idHash, record };
  }

  /** The upstream password; null if the cookie's key does not open it (tampered or foreign). */
  password(session: LoadedSession): string | null {
    return openCredential(
      this.options.serverSecret,
      session.token,
      session.record.credential,
      this.credentialContext(session.idHash, session.record.address),
    );
  }

  /**
   * Ends a session. Returns true when it was the account's last one here, so its upstream
   * connections can be closed on every instance.
   */
  /** A session ended (here or on another instance): its record is read from the store again. */
  forget(idHash: string): void {
    this.recent.delete(idHash);
  }

  async destroy(session: Pick<LoadedSession, 'idHash' | 'record'>): Promise<boolean> {
    this.forget(session.idHash);
    await this.store.delete(this.sessionKey(session.idHash));
    await this.store.publish(SESSION_ENDED_CHANNEL, session.idHash);
    const remaining = await this.store.setRemove(
      this.accountSessionsKey(session.record.accountKey),
      session.idHash,
    );
    if (remaining > 0) {
      // Members whose records expired on their own must not keep the account's connections open.
      const members = await this.store.setMembers(this.accountSessionsKey(session.record.accountKey));
      const live = await Promise.all(
        members.map(async (idHash) => (await this.store.get(this.sessionKey(idHash))) !== null),
      );
      for (const [index, idHash] of members.entries()) {
        if (!live[index])
          await this.store.setRemove(this.accountSessionsKey(session.record.accountKey), idHash);
      }
      if (live.some(Boolean)) return false;
    }
    await this.store.publish(ACCOUNT_SIGNED_OUT_CHANNEL, session.record.accountKey);
    return true;
  }
}
