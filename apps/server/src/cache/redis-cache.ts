/**
 * The Redis adapter of the summary cache. Every key of an account carries the `{accountKey}` hash
 * tag, so one account's keys share a Redis Cluster slot and the Lua scripts below may touch them
 * together.
 *
 * Keys (per account A and mailbox M, M being the API's mailbox id):
 * - `ww:c:{A}:m:M`  hash, sync state: uv, ms (HIGHESTMODSEQ), un (UIDNEXT), n (count), ur/urm
 *                   (unseen count and the modseq it is valid at). No TTL: never evicted.
 * - `ww:c:{A}:i:M`  string, the ordered UID index as a packed sequence set. No TTL.
 * - `ww:c:{A}:h:M`  hash modseq → UIDNEXT of recent states (for created-vs-updated). No TTL, ≤ 512.
 * - `ww:c:{A}:g:M`  hash generation → what it changed, for a server without CONDSTORE, whose
 *                   changes the cache numbers itself (flag-scan.ts). No TTL, ≤ 256 entries.
 * - `ww:c:{A}:s:M`  hash UID → packed summary (codec.ts). TTL: the evictable part. Run Redis with
 *                   `maxmemory-policy volatile-lru` so only these keys are evicted under pressure.
 * - `ww:c:{A}:l:M`  the sync lock (SET NX PX, a random token, compare-and-delete).
 * - `ww:c:{A}:f:M`  the mailbox's IMAP state as last seen on the server and when (`state|ms`),
 *                   short TTL: while it equals the synced state, pages are served without IMAP.
 * - `ww:c:{A}:lru`  sorted set mailbox → last use, for the per-account bound.
 * - `ww:c:{A}:who`  the account's address and server, so `cache:verify USER` can find it.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BoundedMap } from '../util/bounded-map.js';
import { type MailboxMeta, readMeta } from './codec.js';
import { currentSighting, type Sighting } from './sighting.js';
import { UidIndex } from './uid-index.js';

export const SUMMARY_TTL_MS = 30 * 24 * 3600_000;
export const LOCK_TTL_MS = 15_000;
const HISTORY_MAX = 512;
const LOG_MAX = 256;

export interface MailboxKeys {
  meta: string;
  index: string;
  history: string;
  /** The change log of a mailbox synced by flags scan. */
  log: string;
  summaries: string;
  lock: string;
  observed: string;
  /** A change to any mailbox of the account, recorded as for `observed`. */
  anyObserved: string;
  lru: string;
  who: string;
  mailboxId: string;
}

/** Hash tags end at the first `}`: account keys are hex digests, but never trust that. */
export function keysFor(accountKey: string, mailboxId: string): MailboxKeys {
  const tag = `ww:c:{${accountKey.replace(/[{}]/g, '_')}}`;
  return {
    meta: `${tag}:m:${mailboxId}`,
    index: `${tag}:i:${mailboxId}`,
    history: `${tag}:h:${mailboxId}`,
    log: `${tag}:g:${mailboxId}`,
    summaries: `${tag}:s:${mailboxId}`,
    lock: `${tag}:l:${mailboxId}`,
    observed: `${tag}:f:${mailboxId}`,
    anyObserved: `${tag}:f:${ACCOUNT_WIDE}`,
    lru: `${tag}:lru`,
    who: `${tag}:who`,
    mailboxId,
  };
}

/** The mailbox id under which a change to any of an account's mailboxes is recorded. */
export const ACCOUNT_WIDE = '*';

export interface CachedView {
  meta: MailboxMeta;
  index: UidIndex;
  /** The IMAP state last seen on the server (within its TTL), when known. */
  observed: Sighting | null;
}

/**
 * Writes summaries only while the mailbox is still at the state they were read at. For a
 * flags-scanned mailbox (ms `s…`) never into a summary hash that is gone: the cached flags are
 * what the next scan compares with, and a hash holding only this page would hide that the rest
 * went (the next sync starts a new era instead).
 */
const PUT_SUMMARIES = `
if redis.call('HGET', KEYS[1], 'uv') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'ms') ~= ARGV[2] then return 0 end
if string.sub(ARGV[2], 1, 1) == 's' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/**
 * The sync's commit, atomic and fenced by the lock token: KEYS meta, index, history, summaries,
 * lock, log. ARGV: token, reset (0/1), uv, ms, un, n, idx, log entry, unread, scan-from (the last
 * three '' when not known), removedCount, stubCount, summary TTL, needs-summaries (0/1),
 * removed…, stub uid/flags pairs, then uid/flags pairs. Returns 0 when the lock was lost, 2 when
 * a flags-scanned mailbox's cached summaries are gone (the caller starts a new era), else 1. Flags replace only the text before the first newline of a cached
 * value (see codec.ts); a stub (`flags\n`) is written only where nothing is cached. Log fields
 * are `s<generation>`; past the bound the oldest goes.
 */
const COMMIT = `
if redis.call('GET', KEYS[5]) ~= ARGV[1] then return 0 end
if ARGV[14] == '1' and redis.call('EXISTS', KEYS[4]) == 0 then return 2 end
if ARGV[2] == '1' then redis.call('DEL', KEYS[4], KEYS[3], KEYS[6]) end
local removed = tonumber(ARGV[11])
local stubs = tonumber(ARGV[12])
local at = 15
for i = at, at + removed - 1 do redis.call('HDEL', KEYS[4], ARGV[i]) end
at = at + removed
for i = at, at + 2 * stubs - 1, 2 do redis.call('HSETNX', KEYS[4], ARGV[i], ARGV[i + 1] .. '\\n') end
if stubs > 0 then redis.call('PEXPIRE', KEYS[4], ARGV[13]) end
at = at + 2 * stubs
for i = at, #ARGV, 2 do
  local v = redis.call('HGET', KEYS[4], ARGV[i])
  if v then
    local cut = string.find(v, '\\n', 1, true)
    if cut then redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1] .. string.sub(v, cut)) else redis.call('HDEL', KEYS[4], ARGV[i]) end
  end
end
redis.call('SET', KEYS[2], ARGV[7])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'uv', ARGV[3], 'ms', ARGV[4], 'un', ARGV[5], 'n', ARGV[6])
if ARGV[9] ~= '' then redis.call('HSET', KEYS[1], 'ur', ARGV[9], 'urm', ARGV[4]) end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'sf', ARGV[10]) end
redis.call('HSET', KEYS[3], ARGV[4], ARGV[5])
if redis.call('HLEN', KEYS[3]) > ${HISTORY_MAX} then redis.call('DEL', KEYS[3]); redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[6], ARGV[4], ARGV[8])
  if redis.call('HLEN', KEYS[6]) > ${LOG_MAX} then
    local oldest, oldestField = nil, nil
    for _, field in ipairs(redis.call('HKEYS', KEYS[6])) do
      local n = tonumber(string.sub(field, 2))
      if n and (oldest == nil or n < oldest) then oldest, oldestField = n, field end
    end
    if oldestField then redis.call('HDEL', KEYS[6], oldestField) end
  end
end
return 1`;

/**
 * Records the server's state of a mailbox as seen at ARGV[2] (ms), until ARGV[3] (ms since the
 * epoch, so a slow write cannot extend it), unless a later sighting is already recorded: a slow
 * request must not overwrite what a newer one (or the watch) saw. At the same millisecond a
 * "changed" stays.
 */
const OBSERVE = `
local current = redis.call('GET', KEYS[1])
local at = tonumber(ARGV[2])
if current then
  local seen = tonumber(string.match(current, '|(%d+)$'))
  if seen and (seen > at or (seen == at and string.sub(current, 1, 8) == 'changed|')) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PXAT', ARGV[3])
return 1`;

/** The sync state, index and sightings in one atomic read (one command, so it pipelines). */
const READ_VIEW = `
return { redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('GET', KEYS[4]) }`;

/** The flags part (before the first newline) of the cached summaries of ARGV, false where none. */
const GET_FLAGS = `
local out = {}
for i = 1, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local cut = string.find(v, '\\n', 1, true)
    out[i] = cut and string.sub(v, 1, cut - 1) or false
  else
    out[i] = false
  end
end
return out`;

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const SET_UNREAD = `
if redis.call('HGET', KEYS[1], 'uv') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'ms') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'ur', ARGV[3], 'urm', ARGV[2])
return 1`;

type Scripted = Redis & {
  wwCachePut(...args: (string | number)[]): Promise<number>;
  wwCacheCommit(...args: (string | number)[]): Promise<number>;
  wwCacheUnlock(...args: string[]): Promise<number>;
  wwCacheFlags(...args: string[]): Promise<(string | null)[]>;
  wwCacheUnread(...args: (string | number)[]): Promise<number>;
  wwCacheObserve(...args: (string | number)[]): Promise<number>;
  wwCacheReadView(...keys: string[]): Promise<[string[], string | null, string | null, string | null]>;
};

/** What a flags scan adds to a commit (flag-scan.ts). */
export interface ScanCommit {
  logEntry: string | null;
  unread: number | null;
  nextFrom: number;
  /** Flags kept for rows without a cached summary (written only where nothing is cached). */
  stubs: [number, string][];
  /** The scan compared with cached flags: refuse the commit if they are gone meanwhile. */
  needsSummaries: boolean;
}

export interface CommitInput {
  token: string;
  reset: boolean;
  uidValidity: string;
  modseq: string;
  uidNext: number;
  index: UidIndex;
  removed: number[];
  flags: [number, string][];
  /** For a flags-scanned mailbox: this generation's log entry, unseen count and next slice. */
  scan?: ScanCommit;
}

const PARSED_INDEXES_KEPT = 16;
const PARSED_INDEX_MAX_CHARS = 64 * 1024;
export class RedisCache {
  private readonly redis: Scripted;
  private readonly parsedIndexes = new BoundedMap<string, UidIndex>(PARSED_INDEXES_KEPT);

  constructor(redis: Redis) {
    const scripted = redis as Scripted;
    if (typeof scripted.wwCachePut !== 'function') {
      redis.defineCommand('wwCachePut', { numberOfKeys: 2, lua: PUT_SUMMARIES });
      redis.defineCommand('wwCacheCommit', { numberOfKeys: 6, lua: COMMIT });
      redis.defineCommand('wwCacheUnlock', { numberOfKeys: 1, lua: UNLOCK });
      redis.defineCommand('wwCacheFlags', { numberOfKeys: 1, lua: GET_FLAGS });
      redis.defineCommand('wwCacheUnread', { numberOfKeys: 1, lua: SET_UNREAD });
      redis.defineCommand('wwCacheObserve', { numberOfKeys: 1, lua: OBSERVE });
      redis.defineCommand('wwCacheReadView', { numberOfKeys: 4, lua: READ_VIEW });
    }
    this.redis = scripted;
  }

  get client(): Redis {
    return this.redis;
  }

  /**
   * Sync state and index. `corrupt` when something is there but does not validate: the caller
   * drops the mailbox's cache and resyncs.
   */
  async readView(keys: MailboxKeys): Promise<CachedView | 'absent' | 'corrupt'> {
    const reply = await this.redis.wwCacheReadView(keys.meta, keys.index, keys.observed, keys.anyObserved);
    if (!Array.isArray(reply) || !Array.isArray(reply[0])) throw new Error('redis: unexpected reply');
    const [flatMeta, indexText, observedText, anyText] = reply;
    const metaFields: Record<string, string> = Object.create(null);
    for (let i = 0; i + 1 < flatMeta.length; i += 2) metaFields[flatMeta[i]!] = flatMeta[i + 1]!;
    if (Object.keys(metaFields).length === 0) return 'absent';
    const meta = readMeta(metaFields);
    const index = typeof indexText === 'string' ? this.parseIndex(indexText) : null;
    if (!meta || !index || index.count !== meta.count) return 'corrupt';
    return { meta, index, observed: currentSighting(observedText, anyText) };
  }

  /**
   * Parsing a 100k mailbox's index costs more than the rest of a cached page; the same text
   * parses to the same (immutable) index, so the last few are kept.
   */
  private parseIndex(text: string): UidIndex | null {
    const known = this.parsedIndexes.get(text);
    if (known) return known;
    const index = UidIndex.parse(text);
    if (index && text.length <= PARSED_INDEX_MAX_CHARS) this.parsedIndexes.set(text, index);
    return index;
  }

  /**
   * The server's state of the mailbox, seen at `seenAt`, trusted for `ttlMs` (see OBSERVE); null
   * records that it changed then (to a state not yet seen).
   */
  async observe(keys: MailboxKeys, state: string | null, seenAt: number, ttlMs: number): Promise<void> {
    // Already over (a slow ask): nothing to record.
    if (seenAt + ttlMs <= Date.now()) return;
    await this.redis.wwCacheObserve(keys.observed, state ?? 'changed', seenAt, seenAt + ttlMs);
  }

  /** Raw packed values of `uids` (null where missing); refreshes the summaries' TTL and LRU. */
  async getPacked(keys: MailboxKeys, uids: number[]): Promise<(string | null)[]> {
    if (uids.length === 0) return [];
    const replies = await this.redis
      .multi()
      .hmget(keys.summaries, ...uids.map(String))
      .pexpire(keys.summaries, SUMMARY_TTL_MS)
      .zadd(keys.lru, Date.now(), keys.mailboxId)
      .exec();
    const first = replies?.[0];
    if (!first || first[0]) throw first?.[0] ?? new Error('redis: no reply');
    return first[1] as (string | null)[];
  }

  /**
   * The packed flags of the cached summaries of `uids` (null where not cached): the flags scan
   * compares only those, so the rest of each summary never leaves Redis.
   */
  async getFlags(keys: MailboxKeys, uids: number[]): Promise<(string | null)[]> {
    if (uids.length === 0) return [];
    return this.redis.wwCacheFlags(keys.summaries, ...uids.map(String));
  }

  async dropFields(keys: MailboxKeys, uids: number[]): Promise<void> {
    if (uids.length > 0) await this.redis.hdel(keys.summaries, ...uids.map(String));
  }

  /** True when written (the mailbox was still at `uidValidity`/`modseq`). */
  async putPacked(
    keys: MailboxKeys,
    state: { uidValidity: string; modseq: string },
    entries: [number, string][],
  ): Promise<boolean> {
    if (entries.length === 0) return true;
    const args = entries.flatMap(([uid, value]) => [String(uid), value]);
    const ok = await this.redis.wwCachePut(
      keys.meta,
      keys.summaries,
      state.uidValidity,
      state.modseq,
      SUMMARY_TTL_MS,
      ...args,
    );
    return ok === 1;
  }

  async setUnread(keys: MailboxKeys, uidValidity: string, modseq: string, unread: number): Promise<void> {
    await this.redis.wwCacheUnread(keys.meta, uidValidity, modseq, unread);
  }

  /** The token when this caller now holds the mailbox's sync lock, null when another does. */
  async lock(keys: MailboxKeys): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    const ok = await this.redis.set(keys.lock, token, 'PX', LOCK_TTL_MS, 'NX');
    return ok === 'OK' ? token : null;
  }

  async unlock(keys: MailboxKeys, token: string): Promise<void> {
    await this.redis.wwCacheUnlock(keys.lock, token);
  }

  /** Nothing is written unless `committed` (the lock expired and was taken, or see COMMIT). */
  async commit(keys: MailboxKeys, input: CommitInput): Promise<'committed' | 'lock-lost' | 'baseline-lost'> {
    const args: (string | number)[] = [
      input.token,
      input.reset ? '1' : '0',
      input.uidValidity,
      input.modseq,
      input.uidNext,
      input.index.count,
      input.index.toString(),
      input.scan?.logEntry ?? '',
      input.scan?.unread ?? '',
      input.scan?.nextFrom ?? '',
      input.removed.length,
      input.scan?.stubs.length ?? 0,
      SUMMARY_TTL_MS,
      input.scan?.needsSummaries ? '1' : '0',
      ...input.removed.map(String),
      ...(input.scan?.stubs ?? []).flatMap(([uid, flags]) => [String(uid), flags]),
      ...input.flags.flatMap(([uid, flags]) => [String(uid), flags]),
    ];
    const ok = await this.redis.wwCacheCommit(
      keys.meta,
      keys.index,
      keys.history,
      keys.summaries,
      keys.lock,
      keys.log,
      ...args,
    );
    return ok === 1 ? 'committed' : ok === 2 ? 'baseline-lost' : 'lock-lost';
  }

  /** The change log entries of `modseqs` (null where missing). */
  async readLog(keys: MailboxKeys, modseqs: string[]): Promise<(string | null)[]> {
    if (modseqs.length === 0) return [];
    return this.redis.hmget(keys.log, ...modseqs);
  }

  /** UIDNEXT at a past state, when remembered. */
  async uidNextAt(keys: MailboxKeys, modseq: string): Promise<number | null> {
    const value = await this.redis.hget(keys.history, modseq);
    return value !== null && /^\d{1,10}$/.test(value) ? Number(value) : null;
  }

  async drop(keys: MailboxKeys): Promise<void> {
    await this.redis.del(keys.meta, keys.index, keys.history, keys.log, keys.summaries, keys.observed);
  }

  async remember(keys: MailboxKeys, who: string): Promise<void> {
    await this.redis.set(keys.who, who);
  }

  /**
   * Keeps the account under `maxSummaries` cached summaries: whole mailboxes least recently used
   * first (never `keys`' own), then the lowest UIDs of `keys`' mailbox. Returns the account's
   * summary bytes (MEMORY USAGE, sampled) for the metric.
   */
  async enforceBound(
    keys: MailboxKeys,
    index: UidIndex,
    maxSummaries: number,
    scanned = false,
  ): Promise<number> {
    const mailboxes = await this.redis.zrange(keys.lru, '0', '-1');
    const tag = keys.lru.slice(0, -':lru'.length);
    const sizes = await Promise.all(mailboxes.map((m) => this.redis.hlen(`${tag}:s:${m}`)));
    let total = sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < mailboxes.length && total > maxSummaries; i++) {
      if (mailboxes[i] === keys.mailboxId) continue;
      await this.redis.del(`${tag}:s:${mailboxes[i]}`);
      await this.redis.zrem(keys.lru, mailboxes[i]!);
      total -= sizes[i]!;
    }
    if (total > maxSummaries && scanned) {
      // A flags-scanned mailbox's cached flags are what tells a change: dropping some would hide
      // changes to those rows, dropping all makes its next sync start a new era.
      await this.redis.del(keys.summaries);
    } else if (total > maxSummaries) {
      const excess = index.takeAsc(total - maxSummaries);
      for (let i = 0; i < excess.length; i += 1000) await this.dropFields(keys, excess.slice(i, i + 1000));
    }
    let bytes = 0;
    for (const m of await this.redis.zrange(keys.lru, '0', '-1')) {
      bytes += Number((await this.redis.call('MEMORY', 'USAGE', `${tag}:s:${m}`)) ?? 0);
    }
    return bytes;
  }
}
