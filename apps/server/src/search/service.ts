/**
 * Search over one pooled IMAP connection: the adapter around query.ts (parsing) and
 * search-cursor.ts (paging and merging). Folders are searched one after another on the same
 * connection, each with `UID SEARCH RETURN (ALL COUNT)` (ESEARCH, RFC 4731) where offered; only
 * the page's messages are then fetched, with the message list's own summary code.
 *
 * Costs for a page: per folder searched, one SELECT (or NOOP), two SEARCHes (matches, unread
 * matches) and, when several folders are merged, one FETCH of INTERNALDATE for at most
 * limit + 1 UIDs; then per folder on the page one FETCH of summaries and the snippet FETCHes.
 */
import { createHash } from 'node:crypto';
import type { MessageSummary, SearchResult } from '@westwind/contract';
import type { ImapFlow, SearchObject } from 'imapflow';
import { AppErrors } from '../errors.js';
import type { Folder } from '../mailboxes/folders.js';
import { mailboxIdOf } from '../mailboxes/mailbox-id.js';
import { isInboxPath } from '../mailboxes/names.js';
import { listFolders } from '../mailboxes/service.js';
import { fetchInOrder, fetchSnippets, lockFresh } from '../messages/list/fetch-page.js';
import { toSummary } from '../messages/list/summary.js';
import { expandSet, toSequenceSet } from '../messages/list/uid-set.js';
import { allOf, type FolderScope, type ParsedQuery, toSearchObject } from './query.js';
import {
  type Candidate,
  encodeSearchCursor,
  fingerprint,
  mergePage,
  type Position,
  readSearchCursor,
} from './search-cursor.js';

/** At most this many folders are searched for `in:all` (the first ones in display order). */
export const MAX_FOLDERS = 40;

/** Virtual folders that hold copies of mail found elsewhere; never part of `in:all`. */
const VIRTUAL = new Set(['\\all', '\\flagged', '\\important']);

export interface SearchRequest {
  query: string;
  parsed: ParsedQuery;
  /** The folder open in the client (searched when the query has no `in:`). */
  mailboxId: string;
  path: string;
  cursor?: string | undefined;
  limit: number;
}

/** Gmail's names for special folders, as `in:` accepts them. */
const ROLE_NAMES: Record<string, Folder['role']> = {
  inbox: 'inbox',
  sent: 'sent',
  drafts: 'drafts',
  draft: 'drafts',
  trash: 'trash',
  bin: 'trash',
  spam: 'junk',
  junk: 'junk',
  archive: 'archive',
};

/** The folders a scope means, in order. `current` needs no LIST. */
export async function foldersToSearch(client: ImapFlow, scope: FolderScope, path: string): Promise<string[]> {
  if (scope.kind === 'current') return [path];
  const folders = (await listFolders(client, { counts: false })).filter((f) => f.selectable);
  if (scope.kind === 'named') {
    const wanted = scope.name.toLowerCase();
    const role = ROLE_NAMES[wanted];
    const found =
      (role && folders.find((f) => f.role === role)) ||
      folders.find((f) => f.path === scope.name) ||
      folders.find((f) => f.path.toLowerCase() === wanted || (isInboxPath(f.path) && wanted === 'inbox')) ||
      folders.find((f) => f.name.toLowerCase() === wanted);
    if (!found) throw new AppErrors.MailboxNotFound();
    return [found.path];
  }
  return folders
    .filter(
      (f) => f.role !== 'trash' && f.role !== 'junk' && !VIRTUAL.has((f.specialUse ?? '').toLowerCase()),
    )
    .slice(0, MAX_FOLDERS)
    .map((f) => f.path);
}

interface FolderMatches {
  path: string;
  /** Matching UIDs below the cursor position, newest first, at most limit + 1. */
  candidates: number[];
  /** How many matches are below the position (for `more`). */
  remaining: number;
  total: number;
  unread: number;
  uidValidity: string;
  /** Changes whenever the folder does. */
  state: string;
}

async function searchUids(client: ImapFlow, object: SearchObject): Promise<number[]> {
  const result = await client.search(object, { uid: true, returnOptions: ['all'] });
  // `false`: the server refused the search (NO/BAD); imapflow rethrows lost connections.
  if (result === false || result === undefined) throw new AppErrors.UpstreamError('the search failed');
  return Array.isArray(result) ? [...result] : expandSet(result.all ?? '');
}

async function countMatches(client: ImapFlow, object: SearchObject): Promise<number> {
  const result = await client.search(object, { uid: true, returnOptions: ['count'] });
  if (result === false || result === undefined) throw new AppErrors.UpstreamError('the search failed');
  return Array.isArray(result) ? result.length : (result.count ?? 0);
}

async function searchFolder(
  client: ImapFlow,
  path: string,
  object: SearchObject,
  position: Position,
  limit: number,
): Promise<FolderMatches> {
  const lock = await lockFresh(client, path, 'search');
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new AppErrors.MailboxNotFound();
    const uidValidity = String(mailbox.uidValidity);
    const state = `${path}:${uidValidity}:${mailbox.highestModseq ?? `${mailbox.uidNext}-${mailbox.exists}`}`;
    if (mailbox.exists === 0) {
      return { path, candidates: [], remaining: 0, total: 0, unread: 0, uidValidity, state };
    }
    const uids = (await searchUids(client, object)).sort((a, b) => b - a);
    const unread = await countMatches(client, allOf([object, { seen: false }]));
    const below = position === null ? uids : position === 0 ? [] : uids.filter((uid) => uid < position);
    return {
      path,
      candidates: below.slice(0, limit + 1),
      remaining: below.length,
      total: uids.length,
      unread,
      uidValidity,
      state,
    };
  } finally {
    lock.release();
  }
}

/** INTERNALDATE of each candidate, to merge folders by arrival. */
async function arrivalTimes(client: ImapFlow, path: string, uids: number[]): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  if (uids.length === 0) return times;
  const lock = await lockFresh(client, path, 'search dates');
  try {
    const rows = await client.fetchAll(toSequenceSet(uids), { uid: true, internalDate: true }, { uid: true });
    for (const row of rows) {
      const date = row.internalDate instanceof Date ? row.internalDate : new Date(row.internalDate ?? 0);
      times.set(row.uid, Number.isNaN(date.getTime()) ? 0 : date.getTime());
    }
  } finally {
    lock.release();
  }
  return times;
}

async function summariesOf(client: ImapFlow, path: string, uids: number[]): Promise<MessageSummary[]> {
  if (uids.length === 0) return [];
  const lock = await lockFresh(client, path, 'search results');
  try {
    const rows = await fetchInOrder(client, uids);
    const snippets = await fetchSnippets(client, rows);
    const mailboxId = mailboxIdOf(path);
    return rows.map((row) => toSummary(row, mailboxId, snippets.get(row.uid) ?? ''));
  } finally {
    lock.release();
  }
}

export async function runSearch(client: ImapFlow, request: SearchRequest): Promise<SearchResult> {
  const { parsed, limit } = request;
  const object = toSearchObject(parsed);
  const paths = await foldersToSearch(client, parsed.folder, request.path);

  // The cursor can only be checked once every folder's UIDVALIDITY is known; until then its
  // positions are read without the fingerprint check.
  const loose = request.cursor === undefined ? null : looseCursor(request.cursor, paths.length);
  if (request.cursor !== undefined && !loose) throw new AppErrors.InvalidCursor();

  const matches: FolderMatches[] = [];
  for (const [i, path] of paths.entries()) {
    matches.push(await searchFolder(client, path, object, loose?.[i] ?? null, limit));
  }
  const print = fingerprint([request.query, ...matches.map((m) => `${m.path}:${m.uidValidity}`)]);
  if (request.cursor !== undefined && !readSearchCursor(request.cursor, print, paths.length)) {
    throw new AppErrors.InvalidCursor();
  }

  const lists: Candidate[][] = [];
  for (const [f, folder] of matches.entries()) {
    const times =
      matches.length > 1
        ? await arrivalTimes(client, folder.path, folder.candidates)
        : new Map<number, number>();
    // A candidate expunged since the SEARCH has no date: it is left out.
    lists.push(
      folder.candidates
        .filter((uid) => matches.length === 1 || times.has(uid))
        .map((uid) => ({ folder: f, uid, time: times.get(uid) ?? 0 })),
    );
  }
  const positions = matches.map((_, i) => loose?.[i] ?? null);
  const merged = mergePage(
    lists,
    positions,
    matches.map((m) => m.remaining),
    limit,
  );

  const byFolder = new Map<number, number[]>();
  for (const entry of merged.page)
    byFolder.set(entry.folder, [...(byFolder.get(entry.folder) ?? []), entry.uid]);
  const found = new Map<string, MessageSummary>();
  for (const [f, uids] of byFolder) {
    for (const summary of await summariesOf(client, matches[f]!.path, uids)) {
      found.set(`${f}:${summary.uid}`, summary);
    }
  }
  const items = merged.page
    .map((entry) => found.get(`${entry.folder}:${entry.uid}`))
    .filter((item): item is MessageSummary => item !== undefined);

  const scopeId = paths.length === 1 ? mailboxIdOf(paths[0]!) : request.mailboxId;
  return {
    mailboxId: scopeId,
    total: matches.reduce((n, m) => n + m.total, 0),
    unread: matches.reduce((n, m) => n + m.unread, 0),
    state: createHash('sha256')
      .update(matches.map((m) => m.state).join('\n'))
      .digest('base64url')
      .slice(0, 16),
    items,
    nextCursor: merged.more ? encodeSearchCursor(print, merged.positions) : null,
    folders: paths.length,
  };
}

/** The positions of a cursor, before its fingerprint can be checked. */
function looseCursor(text: string, folders: number): Position[] | null {
  const match = /^2\.([0-9a-z]{1,8})\./.exec(text);
  return match ? readSearchCursor(text, match[1]!, folders) : null;
}
