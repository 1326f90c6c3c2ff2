/**
 * One page of a folder's message list, straight from IMAP. This is the boundary the summary cache
 * (Redis) slots in behind: it takes a connection, a path and the query, and returns the page.
 *
 * Costs on a 100,000-message folder:
 * - date order (arrival = UID order): the first page is one FETCH of the newest sequence numbers;
 *   later pages one `UID SEARCH RETURN (ALL) UID 1:n` (ESEARCH answers with a compact set, often
 *   a single range) and one FETCH of the page's UIDs. Never a FETCH of the whole folder.
 * - sender, subject, size: one `UID SORT` (ESORT `RETURN (ALL)` where offered), then the FETCH of
 *   the page. Servers without SORT are sorted here from a bounded FETCH of the keys.
 * - snippets: the server's PREVIEW (RFC 8970) where offered, else one bounded partial FETCH
 *   (BINARY.PEEK where offered) per distinct text part number, usually one or two commands.
 *
 * Rules of the connection (see ImapConnectionManager): no other command inside `for await` over a
 * fetch (all fetches here are `fetchAll` of bounded UID lists), the lock released in `finally`.
 */
import type { MessagePage, MessageSort, MessageSummary } from '@westwind/contract';
import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow';
import { AppErrors } from '../../errors.js';
import { type Cursor, encodeCursor, readCursor, type SortOrder } from './cursor.js';
import { canServerSort, hasDisplaySort, type ServerSortCriterion, uidSortAll } from './imap-sort.js';
import { fetchPreviews } from './preview.js';
import { SNIPPET_FETCH_BYTES, snippetFrom } from './snippet.js';
import { compareRows, indexAfter, sortKeyOf } from './sort-keys.js';
import { snippetPart, type TextPart, toSummary } from './summary.js';
import { takeFromSet, toSequenceSet } from './uid-set.js';

export interface SummaryPageQuery {
  mailboxId: string;
  limit: number;
  sort: MessageSort;
  order: SortOrder;
  cursor?: string | undefined;
}

/** Without server-side SORT, folders up to this size are sorted here; larger ones are refused. */
export const CLIENT_SORT_MAX = 20_000;

const SUMMARY_FETCH: FetchQueryObject = {
  uid: true,
  envelope: true,
  flags: true,
  size: true,
  internalDate: true,
  bodyStructure: true,
};

export interface PageIds {
  uids: number[];
  hasMore: boolean;
}

/**
 * The summary cache as this code sees it (implemented in ../../cache): a page served from the
 * cache, syncing and filling misses over `client` as needed, or null when the cache cannot be
 * used (Redis down or slow, server without CONDSTORE, another instance mid-sync) and the page
 * must come from IMAP directly.
 */
export interface SummaryPageCache {
  page(client: ImapFlow, path: string, query: SummaryPageQuery): Promise<MessagePage | null>;
}

export async function fetchSummaryPage(
  client: ImapFlow,
  path: string,
  query: SummaryPageQuery,
  cache?: SummaryPageCache,
): Promise<MessagePage> {
  if (cache) {
    const cached = await cache.page(client, path, query);
    if (cached) return cached;
  }
  const lock = await lockFresh(client, path, 'message list');
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new AppErrors.MailboxNotFound();
    const uidValidity = String(mailbox.uidValidity);
    const cursor =
      query.cursor === undefined
        ? null
        : readCursor(query.cursor, { uidValidity, sort: query.sort, order: query.order });
    if (query.cursor !== undefined && !cursor) throw new AppErrors.InvalidCursor();
    const state = `${uidValidity}:${mailbox.highestModseq ?? `${mailbox.uidNext}-${mailbox.exists}`}`;

    let rows: FetchMessageObject[] = [];
    let hasMore = false;
    if (mailbox.exists > 0) {
      if (query.sort === 'date' && !cursor) {
        // The newest (or oldest) messages by sequence number: no search at all.
        const exists = mailbox.exists;
        const range =
          query.order === 'desc'
            ? `${Math.max(1, exists - query.limit + 1)}:${exists}`
            : `1:${Math.min(exists, query.limit)}`;
        rows = await client.fetchAll(range, SUMMARY_FETCH);
        rows.sort((a, b) => (query.order === 'desc' ? b.uid - a.uid : a.uid - b.uid));
        rows = rows.slice(0, query.limit);
        hasMore = exists > query.limit;
      } else {
        const page =
          query.sort === 'date'
            ? await uidPageAfter(client, cursor!, query.order, query.limit)
            : await sortedPage(client, query, cursor, mailbox.exists);
        hasMore = page.hasMore;
        rows = await fetchInOrder(client, page.uids);
      }
    }

    const snippets = await fetchSnippets(client, rows);
    const unread = await countUnseen(client);
    const items: MessageSummary[] = rows.map((row) =>
      toSummary(row, query.mailboxId, snippets.get(row.uid) ?? ''),
    );
    const last = rows.at(-1);
    const nextCursor =
      hasMore && last
        ? encodeCursor({
            uidValidity,
            sort: query.sort,
            order: query.order,
            key: sortKeyOf(query.sort, last, { displayFrom: hasDisplaySort(client) }),
            uid: last.uid,
          })
        : null;
    return { mailboxId: query.mailboxId, total: mailbox.exists, unread, state, items, nextCursor };
  } finally {
    lock.release();
  }
}

/**
 * Locks (selecting if needed) `path`. A pooled connection may have had the folder selected for a
 * while: a NOOP first lets the server report what other clients changed meanwhile (EXISTS,
 * EXPUNGE, flags), so counts and UIDs are current. A fresh SELECT needs none.
 */
export async function lockFresh(client: ImapFlow, path: string, description: string) {
  const wasOpen = client.mailbox !== false && client.mailbox.path === path;
  const lock = await client.getMailboxLock(path, { description });
  try {
    if (wasOpen) await client.noop();
  } catch (error) {
    lock.release();
    throw error;
  }
  return lock;
}

/** Date order after a cursor: the UIDs below (or above) the cursor's, by one ESEARCH. */
async function uidPageAfter(
  client: ImapFlow,
  cursor: Cursor,
  order: SortOrder,
  limit: number,
): Promise<PageIds> {
  if (order === 'desc' && cursor.uid <= 1) return { uids: [], hasMore: false };
  const range = order === 'desc' ? `1:${cursor.uid - 1}` : `${cursor.uid + 1}:*`;
  const result = await client.search({ uid: range }, { uid: true, returnOptions: ['all'] });
  if (result === false || result === undefined) throw new AppErrors.UpstreamError('the search failed');
  let uids: number[];
  if (Array.isArray(result)) {
    const sorted = [...result].sort((a, b) => a - b);
    uids = order === 'desc' ? sorted.slice(-(limit + 1)) : sorted.slice(0, limit + 2);
  } else {
    // `n:*` matches the highest UID even when it is below n (RFC 3501 section 6.4.8), hence + 2.
    uids = takeFromSet(result.all ?? '', order === 'desc' ? limit + 1 : limit + 2, order === 'desc');
  }
  uids = uids.filter((uid) => (order === 'desc' ? uid < cursor.uid : uid > cursor.uid));
  if (order === 'desc') uids.reverse();
  return { uids: uids.slice(0, limit), hasMore: uids.length > limit };
}

const SERVER_CRITERIA: Record<Exclude<MessageSort, 'date'>, ServerSortCriterion> = {
  subject: 'SUBJECT',
  from: 'FROM',
  size: 'SIZE',
};

/** Sender, subject or size order: the whole order from the server, then the page's slice of it. */
export async function sortedPage(
  client: ImapFlow,
  query: SummaryPageQuery,
  cursor: Cursor | null,
  exists: number,
): Promise<PageIds> {
  const sort = query.sort as Exclude<MessageSort, 'date'>;
  const displayFrom = hasDisplaySort(client);
  let sorted: number[];
  const known = new Map<number, ReturnType<typeof sortKeyOf>>();
  if (canServerSort(client)) {
    const criterion = sort === 'from' && displayFrom ? 'DISPLAYFROM' : SERVER_CRITERIA[sort];
    sorted = await uidSortAll(client, criterion);
  } else {
    sorted = await sortHere(client, sort, exists, known);
  }
  if (query.order === 'desc') sorted.reverse();
  const start = cursor
    ? await indexAfter(sorted, cursor, query.order, async (uid) => {
        if (known.has(uid)) return known.get(uid);
        const row = await client.fetchOne(
          String(uid),
          { uid: true, envelope: true, size: true },
          { uid: true },
        );
        return row ? sortKeyOf(sort, row, { displayFrom }) : undefined;
      })
    : 0;
  return { uids: sorted.slice(start, start + query.limit), hasMore: start + query.limit < sorted.length };
}

/** The fallback for servers without SORT: fetch every key (bounded), sort here, ascending. */
async function sortHere(
  client: ImapFlow,
  sort: Exclude<MessageSort, 'date'>,
  exists: number,
  known: Map<number, ReturnType<typeof sortKeyOf>>,
): Promise<number[]> {
  if (exists > CLIENT_SORT_MAX) {
    throw new AppErrors.NotImplemented(
      `Sorting a folder of more than ${CLIENT_SORT_MAX} messages by ${sort}`,
    );
  }
  const fields: FetchQueryObject =
    sort === 'size' ? { uid: true, size: true } : { uid: true, envelope: true };
  const rows: { key: ReturnType<typeof sortKeyOf>; uid: number }[] = [];
  for (let start = 1; start <= exists; start += 2000) {
    const chunk = await client.fetchAll(`${start}:${Math.min(exists, start + 1999)}`, fields);
    for (const row of chunk) {
      const key = sortKeyOf(sort, row, { displayFrom: false });
      known.set(row.uid, key);
      rows.push({ key, uid: row.uid });
    }
  }
  rows.sort(compareRows);
  return rows.map((row) => row.uid);
}

/** FETCH the summaries of `uids` and return them in that order (UIDs gone since are left out). */
export async function fetchInOrder(client: ImapFlow, uids: number[]): Promise<FetchMessageObject[]> {
  if (uids.length === 0) return [];
  const rows = await client.fetchAll(toSequenceSet(uids), SUMMARY_FETCH, { uid: true });
  const byUid = new Map(rows.map((row) => [row.uid, row]));
  return uids.map((uid) => byUid.get(uid)).filter((row): row is FetchMessageObject => row !== undefined);
}

/**
 * Snippets of the rows: the server's previews where it has them (see preview.ts), else one partial
 * FETCH per distinct text part number.
 */
export async function fetchSnippets(
  client: ImapFlow,
  rows: FetchMessageObject[],
): Promise<Map<number, string>> {
  const previews = await fetchPreviews(
    client,
    rows.map((row) => row.uid),
  );
  if (previews) return previews;
  const byPart = new Map<string, { uid: number; part: TextPart }[]>();
  for (const row of rows) {
    const part = snippetPart(row.bodyStructure);
    if (!part) continue;
    const list = byPart.get(part.part) ?? [];
    list.push({ uid: row.uid, part });
    byPart.set(part.part, list);
  }
  const snippets = new Map<number, string>();
  for (const [key, entries] of byPart) {
    const parts = new Map(entries.map((entry) => [entry.uid, entry.part]));
    const fetched = await client.fetchAll(
      toSequenceSet([...parts.keys()]),
      { uid: true, bodyParts: [{ key, start: 0, maxLength: SNIPPET_FETCH_BYTES }] },
      { uid: true, binary: true },
    );
    for (const row of fetched) {
      const part = parts.get(row.uid);
      const raw = row.bodyParts?.get(key) ?? row.bodyParts?.get(key.toLowerCase());
      if (!part || !raw) continue;
      snippets.set(row.uid, snippetFrom(raw, part, row.binaryParts?.has(key) ?? false));
    }
  }
  return snippets;
}

export async function countUnseen(client: ImapFlow): Promise<number> {
  const result = await client.search({ seen: false }, { uid: true, returnOptions: ['count'] });
  if (result === false || result === undefined) return 0;
  return Array.isArray(result) ? result.length : (result.count ?? 0);
}
