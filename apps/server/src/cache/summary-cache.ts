/**
 * The summary cache and sync engine. A list request:
 * 0. Before any IMAP connection is borrowed (freshPage): when the server was seen at the cached
 *    state within the last `freshMs` (by a list request, a sync or the realtime watch) and no
 *    action has changed the account since, the page comes from Redis alone, in two round trips.
 * 1. Otherwise the server's state: on a pooled connection that has the mailbox selected, a NOOP
 *    under the mailbox lock (selectedState); else STATUS (one round trip, no SELECT). The
 *    sighting is recorded for step 0. Equal UIDVALIDITY, HIGHESTMODSEQ, UIDNEXT and count with
 *    the cached sync state: the cache is current.
 * 2. Current, date order, every row cached: the page comes from Redis alone.
 * 3. Otherwise, under the IMAP mailbox lock: sync if stale (below), then the page's UIDs (from
 *    the UID index for date order, from the server's SORT otherwise), summaries from Redis with
 *    misses fetched from IMAP and written back, fenced by the state they were read at.
 *
 * Sync, under a Redis lock per mailbox (SET NX PX, token-fenced commit) so two instances never
 * interleave: no state or another UIDVALIDITY → drop and rebuild the UID index by one ESEARCH
 * (summaries fill lazily); else `UID FETCH 1:* (FLAGS) (CHANGEDSINCE m VANISHED)`: new UIDs join
 * the index, changed flags are patched into cached summaries, vanished UIDs leave both. A count
 * that still disagrees with the server is reconciled by one ESEARCH. The commit is one Lua script.
 *
 * Redis unavailable (down, slow past `commandTimeout`, offline queue off): null is returned, the
 * caller reads IMAP directly, a warning is logged (at most every 10 s) and the cache is skipped
 * for `cooldownMs`, then tried again; state left behind is revalidated by the next sync. Servers
 * without CONDSTORE are not cached (their pages come from IMAP, as before).
 */
import type { FlagUpdate, MailboxChanges, MessagePage, MessageSummary } from '@westwind/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { ImapFlow, MailboxLockObject, MessageEnvelopeObject } from 'imapflow';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { AppErrors } from '../errors.js';
import { mailboxIdOf } from '../mailboxes/mailbox-id.js';
import { type Cursor, encodeCursor, readCursor } from '../messages/list/cursor.js';
import {
  countUnseen,
  fetchInOrder,
  fetchSnippets,
  lockFresh,
  type PageIds,
  type SummaryPageCache,
  type SummaryPageQuery,
  sortedPage,
} from '../messages/list/fetch-page.js';
import { hasDisplaySort } from '../messages/list/imap-sort.js';
import { sortKeyOf } from '../messages/list/sort-keys.js';
import { toFlags, toSummary } from '../messages/list/summary.js';
import { BoundedMap } from '../util/bounded-map.js';
import {
  isFlagsStub,
  isScanModseq,
  modseqNumber,
  packFlags,
  packSummary,
  parseState,
  scanModseq,
  stateOf,
  unpackSummary,
} from './codec.js';
import {
  changedFlags,
  newEra,
  nextGeneration,
  packLoggedChange,
  planScan,
  replayLog,
  sliceFor,
  unpackLoggedChange,
} from './flag-scan.js';
import {
  type Delta,
  fetchDelta,
  fetchFlags,
  hasModseqs,
  type ImapState,
  imapState,
  selectedScanState,
  selectedState,
  uidSearchAll,
  unselect,
} from './imap-delta.js';
import { type CacheMetrics, cacheMetrics } from './metrics.js';
import {
  ACCOUNT_WIDE,
  type CachedView,
  keysFor,
  type MailboxKeys,
  RedisCache,
  type ScanCommit,
} from './redis-cache.js';
import { type RenderedPage, RenderedPages } from './rendered-pages.js';
import type { UidIndex } from './uid-index.js';

export interface SummaryCacheOptions {
  /** Cached summaries one account may hold (all mailboxes). Default 20,000 (≈ 11.5 MB at ≈ 576 B each). */
  maxSummariesPerAccount?: number;
  /** After a Redis failure, how long requests skip the cache. Default 2 s. */
  cooldownMs?: number;
  /** How long a request waits for another instance's sync before reading IMAP. Default 500 ms. */
  lockWaitMs?: number;
  /**
   * How long a sighting of the server's state lets pages be served without asking the server
   * again. Changes made through Westwind and those the realtime watch sees end it at once; this
   * bounds how late a change by another mail client shows when nobody watches. Default 2 s; 0
   * asks the server for every page.
   */
  freshMs?: number;
  /**
   * How long a pooled connection's selection of a mailbox, once checked against STATUS, is asked
   * by NOOP alone. A selected view does not show that another client deleted the mailbox and
   * made a new one under the same name (Dovecot keeps serving the old one), and STATUS of the
   * selected mailbox answers from that view; the check costs a STATUS and a SELECT (~50 and
   * ~220 ms on a 100,000-message Maildir), NOOP ~1 ms. Default 60 s.
   */
  selectionTrustMs?: number;
  /** Serialized pages kept in this process (total bytes). Default 8 MiB. */
  renderedPageBytes?: number;
  /**
   * For a server without CONDSTORE: how many of the newest messages each sync reads the flags of
   * (plus the shown ones and a quarter as many older ones in turn; flag-scan.ts). Default 500
   * (~7 ms of FETCH FLAGS on a 100,000-message Dovecot Maildir); 0 leaves such servers uncached.
   */
  flagScanWindow?: number;
}

/** The account and server a session's cache keys belong to (the `who` key, for `cache:verify`). */
export function cacheAccountOf(record: {
  accountKey: string;
  address: string;
  imap: { host: string; port: number };
}) {
  return {
    accountKey: record.accountKey,
    who: `${record.address.toLowerCase()}|${record.imap.host}:${record.imap.port}`,
  };
}

/** When each pooled connection's selection was last checked against STATUS from outside it. */
const checkedSelections = new WeakMap<ImapFlow, { path: string; uidValidity: string; at: number }>();
/** Current views held in process (each a sync state and a UID index), and how fragmented an
 * index may be to be held (a range is two numbers; a heavily expunged 100k folder has thousands). */
const VIEWS_KEPT = 2_000;
const HELD_VIEW_MAX_RANGES = 5_000;
/** Generations a changes call of a flags-scanned mailbox may span (the change log keeps 256). */
const LOG_SPAN = 256;
/** Past this many accounts whose folder tree changed recently, the oldest entries are forgotten. */
const TREE_CHANGES_KEPT = 10_000;

/** A Redis failure: the cache is skipped, the request is served from IMAP. */
class CacheUnavailable extends Error {}

interface Synced {
  view: CachedView;
  delta: Delta | null;
  /**
   * A flags-scanned view as another sync committed it, taken while that sync held the mailbox
   * past the wait: consistent (its change log answers), but not checked against the server now.
   */
  unverified?: boolean;
}

/** What a sync writes (see RedisCache.commit). */
interface SyncPlan {
  reset: boolean;
  modseq: string;
  index: UidIndex;
  removed: number[];
  flags: [number, string][];
  delta: Delta | null;
  scan?: ScanCommit;
}

function packedFlags(flags: Set<string>): string {
  const { flags: f, keywords } = toFlags(flags);
  return packFlags(f, keywords);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** With mod-sequences, whether the cache is at `state`; without, never (only a scan can tell). */
function upToDate(view: CachedView, state: ImapState): boolean {
  const { meta } = view;
  return (
    state.modseq !== null &&
    meta.uidValidity === state.uidValidity &&
    meta.modseq === state.modseq &&
    (state.uidNext === null || meta.uidNext === state.uidNext) &&
    meta.count === state.messages
  );
}

export class SummaryCache {
  private readonly cache: RedisCache | null;
  private readonly metrics: CacheMetrics;
  private readonly maxSummaries: number;
  private readonly cooldownMs: number;
  private readonly lockWaitMs: number;
  private readonly freshMs: number;
  private readonly selectionTrustMs: number;
  private readonly flagScanWindow: number;
  private readonly rendered: RenderedPages;
  /**
   * Views read from Redis whose sighting is current, kept until the sighting would end: pages of
   * a busy mailbox then need no Redis at all. Every instance forgets a mailbox's view as soon as
   * it hears (through the push channel) that it changed or was seen at another state.
   */
  private readonly views = new BoundedMap<string, { view: CachedView; until: number }>(VIEWS_KEPT);
  /** accountKey → when its folder tree last changed through Westwind (any instance). */
  private readonly treeChangedAt = new BoundedMap<string, number>(TREE_CHANGES_KEPT);
  private downUntil = 0;
  private lastWarning = 0;
  private writes = 0;

  constructor(
    redis: Redis | null,
    private readonly log: Pick<FastifyBaseLogger, 'warn'>,
    registry: Registry,
    options: SummaryCacheOptions = {},
  ) {
    this.cache = redis ? new RedisCache(redis) : null;
    this.metrics = cacheMetrics(registry);
    this.maxSummaries = options.maxSummariesPerAccount ?? 20_000;
    this.cooldownMs = options.cooldownMs ?? 2_000;
    this.lockWaitMs = options.lockWaitMs ?? 500;
    this.freshMs = options.freshMs ?? 2_000;
    this.selectionTrustMs = options.selectionTrustMs ?? 60_000;
    this.flagScanWindow = options.flagScanWindow ?? 500;
    this.rendered = new RenderedPages(options.renderedPageBytes ?? 8 * 1024 * 1024);
  }

  /** False with the in-process store: no cache, pages straight from IMAP, changes still work. */
  get enabled(): boolean {
    return this.cache !== null;
  }

  /** Sightings are recorded and trusted: Redis there and not cooling down, CACHE_FRESH_MS > 0. */
  private get sightingsOn(): boolean {
    return this.cache !== null && this.freshMs > 0 && Date.now() >= this.downUntil;
  }

  /** A server without mod-sequences while the flags scan is off (CACHE_FLAG_SCAN_WINDOW=0). */
  private uncached(state: ImapState): boolean {
    return state.modseq === null && this.flagScanWindow === 0;
  }

  private get redis(): RedisCache {
    if (!this.cache) throw new CacheUnavailable('no redis');
    return this.cache;
  }

  /** The list's view of the cache for one account (see fetchSummaryPage). */
  forAccount(accountKey: string, who: string): SummaryPageCache {
    return { page: (client, path, query) => this.page(client, path, query, accountKey, who) };
  }

  private available(reason: string): boolean {
    if (!this.cache) return false;
    if (Date.now() >= this.downUntil) return true;
    this.metrics.fallbacks.inc({ reason });
    return false;
  }

  private markDown(error: unknown): void {
    this.downUntil = Date.now() + this.cooldownMs;
    this.metrics.fallbacks.inc({ reason: 'redis-error' });
    if (Date.now() - this.lastWarning > 10_000) {
      this.lastWarning = Date.now();
      this.log.warn({ err: error }, 'summary cache: redis unavailable, serving from IMAP');
    }
  }

  /** Runs a Redis call; any failure becomes CacheUnavailable. */
  private async r<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw new CacheUnavailable('redis', { cause: error });
    }
  }

  /**
   * A date-ordered page from Redis alone, before any IMAP connection is borrowed, serialized by
   * `serialize`: only while the server was seen at the cached state within `freshMs` and every
   * row is cached. Null otherwise (then `page` runs).
   */
  /** Whether freshPage can ever serve `query` (else callers go to the server directly). */
  servesFresh(query: SummaryPageQuery): boolean {
    return query.sort === 'date' && this.freshMs > 0 && this.cache !== null;
  }

  async freshPage(
    accountKey: string,
    query: SummaryPageQuery,
    serialize: (page: MessagePage) => string,
  ): Promise<RenderedPage | null> {
    if (query.sort !== 'date' || !this.sightingsOn) return null;
    const keys = keysFor(accountKey, query.mailboxId);
    const viewKey = `${accountKey}\n${query.mailboxId}`;
    try {
      const now = Date.now();
      const held = this.views.get(viewKey);
      let view: CachedView;
      if (held && now < held.until) {
        view = held.view;
      } else {
        const read = await this.readView(keys);
        if (!read) return null;
        view = read;
      }
      const { meta } = view;
      const state = stateOf(meta.uidValidity, meta.modseq);
      if (view.observed?.state !== state || meta.unreadModseq !== meta.modseq) return null;
      // A flags scan looks at the newest rows every time; deeper ones only when they are shown.
      if (isScanModseq(meta.modseq) && query.cursor !== undefined) return null;
      if (view.observed.at + this.freshMs <= now) return null;
      if (view !== held?.view && view.index.rangeCount <= HELD_VIEW_MAX_RANGES) {
        this.views.set(viewKey, { view, until: view.observed.at + this.freshMs });
      }
      const key = [
        accountKey,
        query.mailboxId,
        state,
        meta.count,
        meta.unread,
        query.limit,
        query.order,
        query.cursor ?? '',
      ].join('\n');
      const rendered = this.rendered.get(key);
      if (rendered !== undefined) {
        this.metrics.hits.inc(rendered.rows);
        return rendered;
      }
      const page = await this.servePage(null, keys, view, query);
      if (!page) return null;
      const fresh: RenderedPage = { json: Buffer.from(serialize(page)), rows: page.items.length };
      this.rendered.set(key, fresh);
      return fresh;
    } catch (error) {
      if (!(error instanceof CacheUnavailable)) throw error;
      this.markDown(error.cause);
      return null;
    }
  }

  async page(
    client: ImapFlow,
    path: string,
    query: SummaryPageQuery,
    accountKey: string,
    who: string,
  ): Promise<MessagePage | null> {
    if (!this.available('cooldown')) return null;
    const keys = keysFor(accountKey, query.mailboxId);
    let lock: MailboxLockObject | null = null;
    try {
      const seen = await this.observeServer(client, path, keys, accountKey, 'message list');
      lock = seen.lock;
      const { state } = seen;
      if (!state || this.uncached(state)) {
        this.metrics.fallbacks.inc({ reason: state ? 'no-condstore' : 'no-state' });
        return null;
      }
      let view = await this.readView(keys);
      if (!lock && view && upToDate(view, state) && query.sort === 'date') {
        // Current and all cached: no SELECT needed.
        const quick = await this.servePage(null, keys, view, query);
        if (quick) return quick;
      }
      lock ??= await lockCurrent(client, path, state, 'message list');
      let sorted: PageIds | undefined;
      if (!view || !upToDate(view, state)) {
        // A flags scan also reads the flags of the rows about to be shown.
        let wanted: ((index: UidIndex) => readonly number[]) | undefined;
        if (state.modseq === null) {
          const cursor = pageCursor(query, state.uidValidity);
          if (query.sort === 'date') wanted = (index) => datePage(index, query, cursor).uids;
          else {
            const ids = await sortedPage(client, query, cursor, client.mailbox ? client.mailbox.exists : 0);
            sorted = ids;
            wanted = () => ids.uids;
          }
        }
        const synced = await this.syncLocked(client, keys, state, who, wanted);
        if (!synced) return null;
        view = synced.view;
        await this.sawSynced(keys, accountKey, synced, seen.seenAt);
      }
      return await this.servePage(client, keys, view, query, sorted);
    } catch (error) {
      if (!(error instanceof CacheUnavailable)) throw error;
      this.markDown(error.cause);
      return null;
    } finally {
      lock?.release();
    }
  }

  /**
   * Brings the mailbox's cache up to date (after an action on `uids`, say: a flags scan looks at
   * them too). Never throws.
   */
  async refresh(
    client: ImapFlow,
    path: string,
    accountKey: string,
    mailboxId: string,
    who: string,
    uids: readonly number[] = [],
  ): Promise<void> {
    if (!this.cache || Date.now() < this.downUntil) return;
    const keys = keysFor(accountKey, mailboxId);
    let lock: MailboxLockObject | null = null;
    try {
      const seen = await this.observeServer(client, path, keys, accountKey, 'cache refresh');
      lock = seen.lock;
      if (!seen.state || this.uncached(seen.state)) return;
      const view = await this.readView(keys);
      if (view && upToDate(view, seen.state)) return;
      lock ??= await lockCurrent(client, path, seen.state, 'cache refresh');
      const synced = await this.syncLocked(client, keys, seen.state, who, () => uids);
      if (synced) await this.sawSynced(keys, accountKey, synced, seen.seenAt);
    } catch (error) {
      if (error instanceof CacheUnavailable) this.markDown(error.cause);
      else this.log.warn({ err: error }, 'summary cache: refresh after an action failed');
    } finally {
      lock?.release();
    }
  }

  /**
   * For the realtime watch on a server without mod-sequences: the state of the mailbox's
   * flags-scanned cache, synced first when `force` (the watch saw a change in IDLE) or when the
   * watch's STATUS shows it moved, so a pushed state equals the list's and a client can ask
   * `/changes` from either. Null where the mailbox is not cached that way (the watch keeps its
   * own state then). Never throws.
   */
  async watchedState(
    client: ImapFlow,
    folder: {
      path: string;
      status: { uidValidity?: bigint; uidNext?: number; messages?: number; unseen?: number };
    },
    account: { accountKey: string; who: string },
    force: boolean,
  ): Promise<string | null> {
    const { status } = folder;
    if (!this.cache || this.flagScanWindow === 0 || hasModseqs(client) || Date.now() < this.downUntil)
      return null;
    if (status.uidValidity === undefined || status.uidNext === undefined || status.messages === undefined)
      return null;
    const keys = keysFor(account.accountKey, mailboxIdOf(folder.path));
    let lock: MailboxLockObject | null = null;
    try {
      const view = await this.readView(keys);
      if (!view || !isScanModseq(view.meta.modseq) || view.meta.uidValidity !== String(status.uidValidity))
        return null;
      const { meta } = view;
      if (
        !force &&
        meta.uidNext === status.uidNext &&
        meta.count === status.messages &&
        meta.unread === status.unseen
      )
        return stateOf(meta.uidValidity, meta.modseq);
      const state: ImapState = {
        uidValidity: meta.uidValidity,
        modseq: null,
        uidNext: status.uidNext,
        messages: status.messages,
        unseen: status.unseen ?? null,
        maxUid: null,
      };
      lock = await lockCurrent(client, folder.path, state, 'watch');
      const synced = await this.syncLocked(client, keys, state, account.who);
      return synced ? stateOf(synced.view.meta.uidValidity, synced.view.meta.modseq) : null;
    } catch (error) {
      if (error instanceof CacheUnavailable) this.markDown(error.cause);
      else this.log.warn({ err: error }, 'summary cache: sync for the watch failed');
      return null;
    } finally {
      lock?.release();
    }
  }

  /**
   * The mailbox's state on the server, and the mailbox lock when it was taken on the way: a
   * connection whose selection of the mailbox was checked within `selectionTrustMs` is locked
   * and asked by NOOP (selectedState), any other by STATUS, without selecting. The sighting is
   * recorded for freshPage (best effort).
   */
  private async observeServer(
    client: ImapFlow,
    path: string,
    keys: MailboxKeys,
    accountKey: string,
    description: string,
  ): Promise<{ state: ImapState | null; lock: MailboxLockObject | null; seenAt: number }> {
    const seenAt = Date.now();
    let state: ImapState | null;
    let lock: MailboxLockObject | null = null;
    const checked = checkedSelections.get(client);
    const selected = client.mailbox;
    if (
      selected &&
      selected.path === path &&
      checked?.path === path &&
      checked.uidValidity === String(selected.uidValidity) &&
      seenAt - checked.at < this.selectionTrustMs &&
      checked.at > (this.treeChangedAt.get(accountKey) ?? 0)
    ) {
      lock = await client.getMailboxLock(path, { description });
      try {
        state = hasModseqs(client) ? await selectedState(client) : await selectedScanState(client);
      } catch (error) {
        lock.release();
        throw error;
      }
      if (!state) {
        lock.release();
        lock = null;
        state = await imapState(client, path);
      }
    } else {
      state = await imapState(client, path);
    }
    // Without mod-sequences the state is known once the sync has scanned (see sawSynced).
    if (state?.modseq != null)
      await this.sawState(keys, accountKey, stateOf(state.uidValidity, state.modseq), seenAt);
    return { state, lock, seenAt };
  }

  /** Records a sighting for freshPage (best effort) and drops views held at any other state. */
  private async sawState(
    keys: MailboxKeys,
    accountKey: string,
    state: string,
    seenAt: number,
  ): Promise<void> {
    this.forget(accountKey, [keys.mailboxId], state);
    if (!this.sightingsOn) return;
    await this.redis
      .observe(keys, state, seenAt, this.freshMs)
      .catch((error: unknown) => this.markDown(error));
  }

  /** After a flags scan, the state it found is a sighting as of `seenAt` (before STATUS was sent). */
  private async sawSynced(
    keys: MailboxKeys,
    accountKey: string,
    synced: Synced,
    seenAt: number,
  ): Promise<void> {
    const { view } = synced;
    if (!isScanModseq(view.meta.modseq) || synced.unverified) return;
    await this.sawState(keys, accountKey, stateOf(view.meta.uidValidity, view.meta.modseq), seenAt);
  }

  /**
   * The realtime watch saw these states on the server (at `seenAt`, before it asked): a page
   * is served without IMAP only while the cache is at the state last seen. Never throws.
   */
  async sawStates(
    accountKey: string,
    states: { mailboxId: string; state: string }[],
    seenAt: number,
  ): Promise<void> {
    if (!this.sightingsOn) return;
    const cache = this.redis;
    await Promise.all(
      states.map(({ mailboxId, state }) =>
        cache.observe(keysFor(accountKey, mailboxId), state, seenAt, this.freshMs),
      ),
    ).catch((error: unknown) => this.markDown(error));
  }

  /**
   * The account's folders were created, renamed, moved or deleted through Westwind (on any
   * instance): no pooled connection's selection is trusted without a new STATUS, since a folder
   * may now be another one under the same name.
   */
  treeChanged(accountKey: string): void {
    this.treeChangedAt.set(accountKey, Date.now());
    this.forget(accountKey, ['*']);
  }

  /**
   * This instance heard that these mailboxes of the account changed (`*`: any), or, with
   * `state`, that one was seen at that state: a view held for it is dropped unless it is at
   * that state.
   */
  forget(accountKey: string, mailboxIds: readonly string[], state?: string): void {
    if (mailboxIds.includes('*')) {
      this.views.deleteWhere((key) => key.startsWith(`${accountKey}\n`));
      return;
    }
    for (const mailboxId of mailboxIds) {
      const key = `${accountKey}\n${mailboxId}`;
      const held = this.views.get(key);
      if (!held) continue;
      if (state === undefined || stateOf(held.view.meta.uidValidity, held.view.meta.modseq) !== state) {
        this.views.delete(key);
      }
    }
  }

  /**
   * Something changed these mailboxes (`*`: any of the account's) through Westwind: the next page
   * of each asks the server first. Never throws.
   */
  async changed(accountKey: string, mailboxIds: readonly string[]): Promise<void> {
    this.forget(accountKey, mailboxIds);
    if (!this.sightingsOn) return;
    const cache = this.redis;
    const seenAt = Date.now();
    await Promise.all(
      mailboxIds.map((mailboxId) =>
        cache.observe(
          keysFor(accountKey, mailboxId === '*' ? ACCOUNT_WIDE : mailboxId),
          null,
          seenAt,
          this.freshMs,
        ),
      ),
    ).catch((error: unknown) => this.markDown(error));
  }

  /** The cached view, null when absent; a corrupt one is dropped (and so rebuilt). */
  private async readView(keys: MailboxKeys): Promise<CachedView | null> {
    const view = await this.r(this.redis.readView(keys));
    if (view === 'corrupt') {
      this.log.warn({ mailbox: keys.mailboxId }, 'summary cache: corrupt sync state dropped');
      await this.r(this.redis.drop(keys));
      return null;
    }
    return view === 'absent' ? null : view;
  }

  /**
   * Syncs the selected, locked mailbox to `state` or later. Null when another instance holds the
   * sync lock past `lockWaitMs` or the lock was lost before the commit. `wanted` names UIDs the
   * caller is about to show, whose flags a flags scan looks at too (no use with mod-sequences).
   */
  private async syncLocked(
    client: ImapFlow,
    keys: MailboxKeys,
    state: ImapState,
    who: string,
    wanted?: (index: UidIndex) => readonly number[],
  ): Promise<Synced | null> {
    let token = await this.r(this.redis.lock(keys));
    const waited = !token;
    for (let waitedMs = 0; !token && waitedMs < this.lockWaitMs; waitedMs += 50) {
      await sleep(50);
      if (state.modseq === null) {
        // No state to compare a view with: take the lock once the other sync is done and scan
        // (cheap after it: nothing new is likely).
        token = await this.r(this.redis.lock(keys));
      } else {
        const view = await this.readView(keys);
        if (view && upToDate(view, state)) return { view, delta: null };
      }
    }
    if (!token) {
      this.metrics.fallbacks.inc({ reason: 'sync-locked' });
      if (state.modseq !== null) return null;
      const view = await this.readView(keys);
      return view && isScanModseq(view.meta.modseq) && view.meta.uidValidity === state.uidValidity
        ? { view, delta: null, unverified: true }
        : null;
    }
    try {
      const current = await this.readView(keys);
      if (current && upToDate(current, state)) return { view: current, delta: null };
      let plan =
        state.modseq === null
          ? await this.scanPlan(client, keys, state, current, wanted, { waited, reset: false })
          : await this.deltaPlan(client, state, state.modseq, current);
      // The session's UIDNEXT (imapflow raises it on every FETCH) or a STATUS from before a wait
      // may be behind: UIDNEXT never goes down, so the highest known is the one to keep.
      const uidNextOf = (index: UidIndex) =>
        Math.max(
          state.uidNext ?? 1,
          client.mailbox ? client.mailbox.uidNext : 1,
          (index.takeDesc(1)[0] ?? 0) + 1,
          current?.meta.uidNext ?? 1,
        );
      const commit = () =>
        this.r(
          this.redis.commit(keys, {
            token,
            reset: plan.reset,
            uidValidity: state.uidValidity,
            modseq: plan.modseq,
            uidNext: uidNextOf(plan.index),
            index: plan.index,
            removed: plan.removed,
            flags: plan.flags,
            ...(plan.scan ? { scan: plan.scan } : {}),
          }),
        );
      let outcome = await commit();
      if (outcome === 'baseline-lost') {
        // A change is told by the cached flags (a summary, or a stub an earlier scan wrote). Once
        // they are gone (evicted, over the account's bound) nothing can tell what changed since:
        // the cache starts again, and with it every client, from a new era.
        plan = await this.scanPlan(client, keys, state, current, wanted, { waited, reset: true });
        outcome = await commit();
      }
      if (outcome !== 'committed') return null;
      if (plan.reset) await this.r(this.redis.remember(keys, who));
      const { index } = plan;
      const uidNext = uidNextOf(index);
      const meta = {
        uidValidity: state.uidValidity,
        modseq: plan.modseq,
        uidNext,
        count: index.count,
        unread: plan.scan?.unread ?? null,
        unreadModseq: plan.scan?.unread != null ? plan.modseq : null,
        scanFrom: plan.scan?.nextFrom ?? 0,
      };
      return { view: { meta, index, observed: null }, delta: plan.delta };
    } finally {
      await this.redis.unlock(keys, token).catch(() => {});
    }
  }

  /**
   * With mod-sequences: no cache or another UIDVALIDITY → the UID index by one ESEARCH (summaries
   * fill lazily); else `UID FETCH 1:* (FLAGS) (CHANGEDSINCE m VANISHED)`.
   */
  private async deltaPlan(
    client: ImapFlow,
    state: ImapState,
    modseq: string,
    current: CachedView | null,
  ): Promise<SyncPlan> {
    if (!current || current.meta.uidValidity !== state.uidValidity || isScanModseq(current.meta.modseq)) {
      this.metrics.fullResyncs.inc();
      return { reset: true, modseq, index: await uidSearchAll(client), removed: [], flags: [], delta: null };
    }
    const delta = await fetchDelta(client, current.meta.modseq);
    const gone = new Set(delta.vanished);
    const added = delta.rows.filter((row) => !gone.has(row.uid) && !current.index.has(row.uid));
    const removed = delta.vanished.filter((uid) => current.index.has(uid));
    let index = current.index.with(
      added.map((row) => row.uid),
      removed,
    );
    const flags = delta.rows
      .filter((row) => current.index.has(row.uid) && !gone.has(row.uid))
      .map((row): [number, string] => [row.uid, packedFlags(row.flags)]);
    if (client.mailbox && index.count !== client.mailbox.exists) {
      // No VANISHED (CONDSTORE without QRESYNC) or a race with new mail: one ESEARCH settles it.
      const all = await uidSearchAll(client);
      removed.push(...index.diff(all).removed);
      index = all;
      this.metrics.reconciles.inc();
    }
    this.metrics.deltaSize.observe(delta.rows.length + delta.vanished.length);
    return { reset: false, modseq, index, removed, flags, delta };
  }

  /**
   * Without mod-sequences, a bounded flags scan (flag-scan.ts): arrivals and expunges from
   * UIDNEXT and the count (one ESEARCH when either moved), flags of the newest UIDs, the wanted
   * ones and one slice of the older ones compared with the cached summaries. Anything found
   * makes a new generation, logged for the changes call.
   */
  private async scanPlan(
    client: ImapFlow,
    keys: MailboxKeys,
    state: ImapState,
    current: CachedView | null,
    wanted: ((index: UidIndex) => readonly number[]) | undefined,
    options: { waited: boolean; reset: boolean },
  ): Promise<SyncPlan> {
    const previous = current && isScanModseq(current.meta.modseq) ? modseqNumber(current.meta.modseq) : null;
    const reset =
      options.reset ||
      !current ||
      previous === null ||
      current.meta.uidValidity !== state.uidValidity ||
      nextGeneration(previous) === null;
    let index: UidIndex;
    let added: number[] = [];
    let removed: number[] = [];
    // After waiting for another sync, what was asked before is old: ask the session again.
    if (options.waited) await client.noop();
    // STATUS ran before the lock's SELECT: the selected view is as new or newer.
    const exists = client.mailbox ? client.mailbox.exists : state.messages;
    const sessionUidNext = client.mailbox ? client.mailbox.uidNext : 0;
    if (reset) {
      index = await uidSearchAll(client);
      this.metrics.fullResyncs.inc();
    } else if (
      !options.waited &&
      state.messages === current.meta.count &&
      exists === current.meta.count &&
      sessionUidNext <= current.meta.uidNext &&
      (state.uidNext !== null ? state.uidNext === current.meta.uidNext : state.maxUid === current.index.max)
    ) {
      // Nothing arrived (UIDNEXT, or the highest UID) and, with the count unchanged, nothing was
      // expunged.
      index = current.index;
    } else {
      index = await uidSearchAll(client);
      ({ added, removed } = current.index.diff(index));
    }
    const scan = planScan(
      index,
      this.flagScanWindow,
      sliceFor(this.flagScanWindow),
      reset ? 0 : current.meta.scanFrom,
      wanted?.(index) ?? [],
    );
    const scanned = await fetchFlags(client, scan.uids);
    this.metrics.scannedFlags.inc(scanned.size);
    const now = new Map([...scanned].map(([uid, flags]) => [uid, packedFlags(flags)]));
    const seen = [...now.keys()];
    const cachedFlags = reset ? [] : await this.r(this.redis.getFlags(keys, seen));
    const before = new Map(seen.map((uid, i) => [uid, cachedFlags[i] ?? null]));
    const changed = reset ? [] : changedFlags(now, before).filter((uid) => current.index.has(uid));
    // The newest and shown rows scanned without cached flags get a stub holding them, to compare
    // the next scan with.
    const stubs = seen
      .filter((uid) => before.get(uid) == null && scan.keep.has(uid))
      .map((uid): [number, string] => [uid, now.get(uid)!]);
    const found = added.length + removed.length + changed.length;
    const generation = reset ? newEra() : found > 0 ? nextGeneration(previous!)! : previous!;
    const modseq = scanModseq(generation);
    if (!reset) this.metrics.deltaSize.observe(found);
    const touched = [...added, ...changed];
    const delta: Delta | null = reset
      ? null
      : {
          from: current.meta.modseq,
          rows: touched.map((uid) => ({
            uid,
            flags: scanned.get(uid) ?? new Set<string>(),
            modseq: generation,
          })),
          vanished: removed,
        };
    return {
      reset,
      modseq,
      index,
      removed,
      flags: changed.map((uid): [number, string] => [uid, now.get(uid)!]),
      delta,
      scan: {
        logEntry: found > 0 && !reset ? packLoggedChange({ changed: touched, removed }) : null,
        needsSummaries: !reset && current.index.count > 0,
        unread: options.waited ? await countUnseen(client) : state.unseen,
        nextFrom: scan.nextFrom,
        stubs,
      },
    };
  }

  /** The cached summaries of `uids` and the UIDs without one; corrupt values are dropped. */
  private async cached(
    keys: MailboxKeys,
    uids: number[],
  ): Promise<{ found: Map<number, MessageSummary>; misses: number[] }> {
    const packed = await this.r(this.redis.getPacked(keys, uids));
    const found = new Map<number, MessageSummary>();
    const corrupt: number[] = [];
    const misses: number[] = [];
    uids.forEach((uid, i) => {
      const value = packed[i];
      const summary = typeof value === 'string' ? unpackSummary(value, keys.mailboxId, uid) : null;
      if (summary) found.set(uid, summary);
      else {
        misses.push(uid);
        if (typeof value === 'string' && !isFlagsStub(value)) corrupt.push(uid);
      }
    });
    if (corrupt.length > 0) {
      this.log.warn(
        { mailbox: keys.mailboxId, count: corrupt.length },
        'summary cache: corrupt values dropped',
      );
      await this.r(this.redis.dropFields(keys, corrupt));
    }
    return { found, misses };
  }

  /**
   * Summaries of `uids` from the cache; with `client` (mailbox selected and locked) misses are
   * fetched from IMAP and written back. Without a client, null on any miss.
   */
  private async load(
    client: ImapFlow | null,
    keys: MailboxKeys,
    view: CachedView,
    uids: number[],
  ): Promise<Map<number, MessageSummary> | null> {
    const { found, misses } = await this.cached(keys, uids);
    if (misses.length === 0) {
      this.metrics.hits.inc(found.size);
      return found;
    }
    if (!client) return null;
    this.metrics.hits.inc(found.size);
    this.metrics.misses.inc(misses.length);
    const rows = await fetchInOrder(client, misses);
    const snippets = await fetchSnippets(client, rows);
    const entries: [number, string][] = [];
    for (const row of rows) {
      const summary = toSummary(row, keys.mailboxId, snippets.get(row.uid) ?? '');
      found.set(row.uid, summary);
      entries.push([row.uid, packSummary(summary)]);
    }
    await this.r(this.redis.putPacked(keys, view.meta, entries));
    if (++this.writes % 20 === 1) {
      const bytes = await this.r(
        this.redis.enforceBound(keys, view.index, this.maxSummaries, isScanModseq(view.meta.modseq)),
      );
      this.metrics.accountBytes.observe(bytes);
    }
    return found;
  }

  /**
   * A page from a current view; with `client` null, only when it needs nothing from IMAP.
   * `sorted`: the page's UIDs when the caller already asked the server's SORT.
   */
  private async servePage(
    client: ImapFlow | null,
    keys: MailboxKeys,
    view: CachedView,
    query: SummaryPageQuery,
    sorted?: PageIds,
  ): Promise<MessagePage | null> {
    const { meta, index } = view;
    const cursor = pageCursor(query, meta.uidValidity);
    let unread = meta.unreadModseq === meta.modseq ? meta.unread : null;
    if (unread === null && !client) return null;
    let page: PageIds;
    if (query.sort === 'date') {
      page = datePage(index, query, cursor);
    } else if (sorted) {
      page = sorted;
    } else {
      if (!client) return null;
      page = await sortedPage(client, query, cursor, client.mailbox ? client.mailbox.exists : index.count);
    }
    const summaries = await this.load(client, keys, view, page.uids);
    if (!summaries) return null;
    const items = page.uids.map((uid) => summaries.get(uid)).filter((s): s is MessageSummary => !!s);
    if (unread === null && client) {
      unread = await countUnseen(client);
      await this.r(this.redis.setUnread(keys, meta.uidValidity, meta.modseq, unread));
    }
    const last = items.at(-1);
    const nextCursor =
      page.hasMore && last
        ? encodeCursor({
            uidValidity: meta.uidValidity,
            sort: query.sort,
            order: query.order,
            key: sortKeyOf(query.sort, rowOf(last), { displayFrom: client ? hasDisplaySort(client) : false }),
            uid: last.uid,
          })
        : null;
    return {
      mailboxId: query.mailboxId,
      total: index.count,
      unread: unread ?? 0,
      state: stateOf(meta.uidValidity, meta.modseq),
      items,
      nextCursor,
    };
  }

  /**
   * The changes of a flags-scanned mailbox between two of its generations, from the change log,
   * with the current flags of the changed messages (one FETCH). InvalidCursor when the log no
   * longer covers them (the client starts again from a page).
   */
  private async loggedDelta(
    client: ImapFlow,
    keys: MailboxKeys,
    since: string,
    until: string,
    maxChanges: number,
  ): Promise<Delta> {
    const from = modseqNumber(since);
    const to = modseqNumber(until);
    if (to - from > BigInt(LOG_SPAN)) throw new AppErrors.InvalidCursor();
    const generations: bigint[] = [];
    for (let g = from + 1n; g <= to; g++) generations.push(g);
    let texts: (string | null)[];
    try {
      texts = await this.r(this.redis.readLog(keys, generations.map(scanModseq)));
    } catch (error) {
      if (!(error instanceof CacheUnavailable)) throw error;
      this.markDown(error.cause);
      throw new AppErrors.InvalidCursor();
    }
    const replayed = replayLog(
      generations.map((generation, i) => ({ generation, entry: unpackLoggedChange(texts[i] ?? null) })),
    );
    if (!replayed) throw new AppErrors.InvalidCursor();
    // Flags are fetched only for what this answer can carry: up to the generation of the
    // maxChanges-th change (the caller cuts there too); the rest comes with the next call.
    let changed = [...replayed.changed].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    let complete: bigint | undefined;
    if (changed.length > maxChanges) {
      const cut = changed[maxChanges - 1]![1];
      changed = changed.filter(([, generation]) => generation <= cut);
      complete = cut;
    }
    const flags = await fetchFlags(
      client,
      changed.map(([uid]) => uid),
    );
    const rows = changed
      .filter(([uid]) => flags.has(uid))
      .map(([uid, generation]) => ({ uid, flags: flags.get(uid)!, modseq: generation }));
    return {
      from: since,
      rows,
      vanished: [...replayed.removed],
      ...(complete === undefined ? {} : { completeTo: complete }),
    };
  }

  /**
   * What changed since `since` (a list page's `state`): the cache is synced first, then the
   * delta from `since` is the sync's own or one more CHANGEDSINCE fetch. Works with Redis down
   * too (summaries then come from IMAP).
   */
  async changes(
    client: ImapFlow,
    path: string,
    request: { accountKey: string; who: string; mailboxId: string; since: string; maxChanges: number },
  ): Promise<MailboxChanges> {
    const since = parseState(request.since);
    if (!since) throw new AppErrors.InvalidCursor();
    const keys = keysFor(request.accountKey, request.mailboxId);
    const seen = await this.observeServer(client, path, keys, request.accountKey, 'mailbox changes');
    let lock = seen.lock;
    try {
      const { state } = seen;
      if (!state) throw new AppErrors.MailboxNotFound();
      // Without mod-sequences only the cache's own change log can answer (flags scan).
      const scanned = state.modseq === null;
      if (this.uncached(state) || (scanned && !this.cache))
        throw new AppErrors.NotImplemented('Changes on this mail server');
      if (since.uidValidity !== state.uidValidity || scanned !== isScanModseq(since.modseq))
        throw new AppErrors.InvalidCursor();
      lock ??= await lockCurrent(client, path, state, 'mailbox changes');
      let synced: Synced | null = null;
      if (this.available('cooldown')) {
        try {
          const view = await this.readView(keys);
          synced =
            view && upToDate(view, state)
              ? { view, delta: null }
              : await this.syncLocked(client, keys, state, request.who);
          if (synced) await this.sawSynced(keys, request.accountKey, synced, seen.seenAt);
        } catch (error) {
          if (!(error instanceof CacheUnavailable)) throw error;
          this.markDown(error.cause);
        }
      }
      if (scanned && !synced) {
        // Redis down: only a page from IMAP can be had, so the client starts again from one.
        // Another sync holding the mailbox past the wait: the client asks again later.
        if (!this.available('cooldown')) throw new AppErrors.InvalidCursor();
        throw new AppErrors.UpstreamUnavailable();
      }
      const modseq = synced && scanned ? synced.view.meta.modseq : state.modseq!;
      const empty: MailboxChanges = {
        mailboxId: request.mailboxId,
        oldState: request.since,
        newState: stateOf(state.uidValidity, modseq),
        created: [],
        updated: [],
        flagUpdates: [],
        destroyed: [],
        hasMoreChanges: false,
        total: synced ? synced.view.index.count : state.messages,
      };
      if (modseqNumber(since.modseq) >= modseqNumber(modseq)) {
        // A generation the cache never reached (it was rebuilt): nothing can be said from it.
        if (scanned && since.modseq !== modseq) throw new AppErrors.InvalidCursor();
        return empty;
      }
      const delta =
        synced?.delta && synced.delta.from === since.modseq
          ? synced.delta
          : scanned
            ? await this.loggedDelta(client, keys, since.modseq, modseq, request.maxChanges)
            : await fetchDelta(client, since.modseq);
      const gone = new Set(delta.vanished);
      let rows = delta.rows
        .filter((row) => !gone.has(row.uid))
        .sort((a, b) => (a.modseq < b.modseq ? -1 : 1));
      let newState = empty.newState;
      let hasMoreChanges = false;
      if (rows.length > request.maxChanges) {
        const cut = rows[request.maxChanges - 1]!.modseq;
        rows = rows.filter((row) => row.modseq <= cut);
        newState = stateOf(state.uidValidity, scanned ? scanModseq(cut) : String(cut));
        hasMoreChanges = true;
      }
      if (delta.completeTo !== undefined && !hasMoreChanges) {
        newState = stateOf(state.uidValidity, scanModseq(delta.completeTo));
        hasMoreChanges = true;
      }
      const uids = rows.map((row) => row.uid);
      let summaries: Map<number, MessageSummary> | null = null;
      let uidNextThen: number | null = null;
      if (synced) {
        try {
          uidNextThen = await this.r(this.redis.uidNextAt(keys, since.modseq));
          const then = uidNextThen;
          // Messages there at `since` only changed flags: their summaries are sent when at hand,
          // never fetched (ENVELOPE and BODYSTRUCTURE of a message nobody listed can cost a
          // server tens of milliseconds each); new ones are sent whole.
          const older = then === null ? [] : uids.filter((uid) => uid < then);
          const newer = then === null ? uids : uids.filter((uid) => uid >= then);
          summaries = await this.load(client, keys, synced.view, newer);
          if (summaries)
            for (const [uid, summary] of (await this.cached(keys, older)).found) summaries.set(uid, summary);
        } catch (error) {
          if (!(error instanceof CacheUnavailable)) throw error;
          this.markDown(error.cause);
        }
      }
      if (!summaries) {
        const fetched = await fetchInOrder(client, uids);
        const snippets = await fetchSnippets(client, fetched);
        summaries = new Map(
          fetched.map((row) => [row.uid, toSummary(row, request.mailboxId, snippets.get(row.uid) ?? '')]),
        );
      }
      const created: MessageSummary[] = [];
      const updated: MessageSummary[] = [];
      const flagUpdates: FlagUpdate[] = [];
      for (const row of rows) {
        const summary = summaries.get(row.uid);
        if (summary) {
          if (uidNextThen !== null && row.uid >= uidNextThen) created.push(summary);
          else updated.push(summary);
        } else if (uidNextThen !== null && row.uid < uidNextThen) {
          flagUpdates.push({ uid: row.uid, flags: toFlags(row.flags).flags });
        }
      }
      return {
        ...empty,
        newState,
        created,
        updated,
        flagUpdates,
        destroyed: [...gone].sort((a, b) => a - b),
        hasMoreChanges,
      };
    } finally {
      lock?.release();
    }
  }
}

/**
 * Locks and selects `path`. A pooled connection may still have the mailbox's previous
 * incarnation selected (deleted and recreated: another UIDVALIDITY); that view is closed first so
 * the lock SELECTs the current one.
 */
async function lockCurrent(client: ImapFlow, path: string, state: ImapState, description: string) {
  const selected = client.mailbox;
  if (selected && selected.path === path && String(selected.uidValidity) !== state.uidValidity) {
    await unselect(client).catch(() => false);
  }
  const lock = await lockFresh(client, path, description);
  const now = client.mailbox;
  if (!now || String(now.uidValidity) !== state.uidValidity) {
    lock.release();
    // Changed again between STATUS and SELECT: the caller reads IMAP directly this time.
    throw new AppErrors.UpstreamUnavailable();
  }
  if (state.uidNext !== null) {
    // Seen by STATUS from outside the selection: the selected view is the mailbox's current one.
    checkedSelections.set(client, { path, uidValidity: state.uidValidity, at: Date.now() });
  }
  return lock;
}

/** The page's cursor, read for this generation of the mailbox; a bad one is the client's error. */
function pageCursor(query: SummaryPageQuery, uidValidity: string): Cursor | null {
  if (query.cursor === undefined) return null;
  const cursor = readCursor(query.cursor, { uidValidity, sort: query.sort, order: query.order });
  if (!cursor) throw new AppErrors.InvalidCursor();
  return cursor;
}

/** A date-ordered page: UIDs from the index (arrival order is UID order). */
function datePage(index: UidIndex, query: SummaryPageQuery, cursor: Cursor | null): PageIds {
  const uids =
    query.order === 'desc'
      ? index.takeDesc(query.limit + 1, cursor?.uid ?? Number.POSITIVE_INFINITY)
      : index.takeAsc(query.limit + 1, cursor?.uid ?? 0);
  return { uids: uids.slice(0, query.limit), hasMore: uids.length > query.limit };
}

/** What sortKeyOf needs, from a summary. */
function rowOf(summary: MessageSummary): { envelope: MessageEnvelopeObject; size: number } {
  return { envelope: { subject: summary.subject, from: summary.from }, size: summary.size };
}
