/**
 * The consistency check behind `pnpm cache:verify USER`: compares an account's cache with IMAP
 * and lists every mismatch. Read-only on both sides (EXAMINE, never SELECT). Tests call it too.
 */
import type { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';
import { mailboxPathOf } from '../mailboxes/mailbox-id.js';
import { fetchInOrder, fetchSnippets } from '../messages/list/fetch-page.js';
import { toSummary } from '../messages/list/summary.js';
import { isFlagsStub, isScanModseq, packFlags, unpackSummary } from './codec.js';
import { uidSearchAll } from './imap-delta.js';
import { keysFor, RedisCache } from './redis-cache.js';

export interface VerifyReport {
  mailboxes: number;
  summaries: number;
  /** The cache is behind the server: not wrong, the next open syncs it. Not counted as mismatches. */
  stale: string[];
  mismatches: string[];
}

/** A plain connection for the command line (infra has no ioredis of its own). */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return redis;
}

/** The account keys whose `who` is `address` (any server), from the `who` keys. */
export async function findAccounts(
  redis: Redis,
  address: string,
): Promise<{ accountKey: string; server: string }[]> {
  const out: { accountKey: string; server: string }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'ww:c:{*}:who', 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const who = await redis.get(key);
      const [user, server] = (who ?? '').split('|');
      if (user === address.toLowerCase() && server) out.push({ accountKey: key.slice(6, -5), server });
    }
  } while (cursor !== '0');
  return out;
}

/** Compares every cached mailbox of `accountKey` with IMAP over `client` (signed in as its user). */
export async function verifyAccount(
  redis: Redis,
  client: ImapFlow,
  accountKey: string,
): Promise<VerifyReport> {
  const report: VerifyReport = { mailboxes: 0, summaries: 0, stale: [], mismatches: [] };
  const prefix = keysFor(accountKey, '').meta;
  let cursor = '0';
  const mailboxIds: string[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    mailboxIds.push(...keys.map((key) => key.slice(prefix.length)));
  } while (cursor !== '0');
  for (const mailboxId of mailboxIds) await verifyMailbox(redis, client, accountKey, mailboxId, report);
  return report;
}

export async function verifyMailbox(
  redis: Redis,
  client: ImapFlow,
  accountKey: string,
  mailboxId: string,
  report: VerifyReport,
): Promise<void> {
  const cache = new RedisCache(redis);
  const keys = keysFor(accountKey, mailboxId);
  const path = mailboxPathOf(mailboxId);
  const say = (text: string): void => {
    report.mismatches.push(`${path ?? mailboxId}: ${text}`);
  };
  report.mailboxes++;
  if (path === null) return say('not a valid mailbox id');
  const view = await cache.readView(keys);
  if (view === 'absent') return;
  if (view === 'corrupt') return say('sync state or index is corrupt');
  const scanned = isScanModseq(view.meta.modseq);
  const status = await client
    .status(
      path,
      scanned
        ? { uidValidity: true, uidNext: true, messages: true }
        : { highestModseq: true, uidValidity: true },
    )
    .catch(() => false as const);
  if (!status) return say('cached, but the mailbox does not exist on the server');
  if (String(status.uidValidity) !== view.meta.uidValidity) {
    report.stale.push(
      `${path}: UIDVALIDITY ${view.meta.uidValidity} cached, ${status.uidValidity} on the server`,
    );
    return;
  }
  if (scanned) {
    // Without mod-sequences only arrivals and expunges show from outside; a flag changed since the
    // last scan is reported as a mismatch below (run this right after a sync).
    if (status.uidNext !== view.meta.uidNext || status.messages !== view.meta.count) {
      report.stale.push(
        `${path}: synced at UIDNEXT ${view.meta.uidNext} and ${view.meta.count} messages, server at ${status.uidNext} and ${status.messages}`,
      );
      return;
    }
  } else if (String(status.highestModseq) !== view.meta.modseq) {
    report.stale.push(`${path}: synced to modseq ${view.meta.modseq}, server at ${status.highestModseq}`);
    return;
  }
  const lock = await client.getMailboxLock(path, { readOnly: true, description: 'cache verify' });
  try {
    const server = await uidSearchAll(client);
    const { added, removed } = view.index.diff(server);
    if (added.length) say(`index misses UIDs ${added.slice(0, 20).join(',')}${added.length > 20 ? '…' : ''}`);
    if (removed.length)
      say(`index has expunged UIDs ${removed.slice(0, 20).join(',')}${removed.length > 20 ? '…' : ''}`);
    const fields = await redis.hkeys(keys.summaries);
    const uids = fields.map(Number).filter((uid) => Number.isInteger(uid) && uid > 0);
    if (uids.length !== fields.length) say('summary hash has non-UID fields');
    for (let i = 0; i < uids.length; i += 500) {
      const batch = uids.slice(i, i + 500);
      const packed = await redis.hmget(keys.summaries, ...batch.map(String));
      const rows = await fetchInOrder(client, batch);
      const snippets = await fetchSnippets(client, rows);
      const fresh = new Map(
        rows.map((row) => [row.uid, toSummary(row, mailboxId, snippets.get(row.uid) ?? '')]),
      );
      batch.forEach((uid, j) => {
        report.summaries++;
        const value = packed[j] ?? '';
        const cached = unpackSummary(value, mailboxId, uid);
        const actual = fresh.get(uid);
        if (!actual) {
          say(`UID ${uid}: cached but expunged on the server`);
          return;
        }
        if (!cached && isFlagsStub(value)) {
          // Only the flags a flags scan read: they must be the server's.
          const flags = packFlags(actual.flags, actual.keywords);
          if (value.slice(0, -1) !== flags)
            say(`UID ${uid}: flags stub ${value.slice(0, -1)}, server ${flags}`);
          return;
        }
        if (!cached) {
          say(`UID ${uid}: cached summary is corrupt`);
          return;
        }
        for (const key of Object.keys(actual) as (keyof typeof actual)[]) {
          if (JSON.stringify(cached[key]) !== JSON.stringify(actual[key])) {
            say(
              `UID ${uid}: ${key} cached ${JSON.stringify(cached[key])}, server ${JSON.stringify(actual[key])}`,
            );
          }
        }
      });
    }
  } finally {
    lock.release();
  }
}
