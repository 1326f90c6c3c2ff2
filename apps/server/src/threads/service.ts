/**
 * Conversations of a folder, joined by the user's own replies from Sent (the adapter around
 * ../mail/threading.ts).
 *
 * Bounds (a 100,000-message INBOX must not be fetched whole): only the newest `THREAD_WINDOW`
 * messages of the folder (by sequence number, i.e. arrival) and the newest `SENT_WINDOW` of the
 * Sent folder are threaded. That is one bounded FETCH of envelopes, flags, structure and the
 * References header per folder, one `UID THREAD REFERENCES` over the same window where the server
 * has THREAD=REFERENCES (its grouping is merged with ours; ours is still needed to link Sent,
 * which the server threads separately), and snippets for the page's rows only. A conversation
 * whose messages are all older than the window is not listed; `truncated` says so.
 *
 * Sent mail is joined to a folder's conversations through References / In-Reply-To (the user's
 * replies name the messages they answer); a Sent conversation with no message in the folder is
 * left out. A Sent copy of a message that is also in the folder (same Message-ID) is shown once.
 */
import type { ThreadDetail, ThreadPage, ThreadSummary } from '@westwind/contract';
import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow';
import { AppErrors } from '../errors.js';
import {
  buildThreads,
  messageKey,
  normalizeMessageId,
  type Thread,
  type ThreadableMessage,
} from '../mail/threading.js';
import { mailboxIdOf } from '../mailboxes/mailbox-id.js';
import { listFolders } from '../mailboxes/service.js';
import { fetchSnippets, lockFresh } from '../messages/list/fetch-page.js';
import { hasAttachments, toAddresses, toSummary } from '../messages/list/summary.js';
import { canServerThread, uidThreadReferences } from './imap-thread.js';

export const THREAD_WINDOW = 2000;
export const SENT_WINDOW = 2000;

const THREAD_FETCH: FetchQueryObject = {
  uid: true,
  envelope: true,
  flags: true,
  size: true,
  internalDate: true,
  bodyStructure: true,
  headers: ['references'],
};

export interface FetchedMessage extends ThreadableMessage {
  path: string;
  row: FetchMessageObject;
}

interface Window {
  messages: FetchedMessage[];
  groups: string[][];
  truncated: boolean;
}

function toThreadable(row: FetchMessageObject, path: string): FetchedMessage {
  const envelope = row.envelope ?? {};
  const sent = envelope.date ? new Date(envelope.date).getTime() : Number.NaN;
  const received = row.internalDate ? new Date(row.internalDate).getTime() : 0;
  const flags = row.flags ?? new Set<string>();
  return {
    path,
    row,
    mailboxId: mailboxIdOf(path),
    uid: row.uid,
    messageId: envelope.messageId ?? null,
    inReplyTo: envelope.inReplyTo ?? null,
    references: row.headers ? row.headers.toString('latin1') : null,
    subject: envelope.subject ?? '',
    date: Number.isFinite(sent) ? sent : received,
    from: toAddresses(envelope.from),
    seen: flags.has('\\Seen'),
    flagged: flags.has('\\Flagged'),
    hasAttachments: hasAttachments(row.bodyStructure),
  };
}

/** The newest `size` messages of `path`, and the server's threads of them where it has THREAD. */
async function fetchWindow(
  client: ImapFlow,
  path: string,
  size: number,
  serverThreads: boolean,
): Promise<Window> {
  const lock = await lockFresh(client, path, 'conversations');
  try {
    const mailbox = client.mailbox;
    if (!mailbox) throw new AppErrors.MailboxNotFound();
    const exists = mailbox.exists;
    if (exists === 0) return { messages: [], groups: [], truncated: false };
    const from = Math.max(1, exists - size + 1);
    const rows = await client.fetchAll(`${from}:${exists}`, THREAD_FETCH);
    let groups: string[][] = [];
    if (serverThreads && canServerThread(client)) {
      const mailboxId = mailboxIdOf(path);
      groups = (await uidThreadReferences(client, from, exists)).map((uids) =>
        uids.map((uid) => messageKey({ mailboxId, uid })),
      );
    }
    return { messages: rows.map((row) => toThreadable(row, path)), groups, truncated: from > 1 };
  } finally {
    lock.release();
  }
}

async function sentPathOf(client: ImapFlow): Promise<string | null> {
  const folders = await listFolders(client, { counts: false });
  return folders.find((folder) => folder.role === 'sent' && folder.exists)?.path ?? null;
}

export interface FolderThreads {
  threads: Thread<FetchedMessage>[];
  windowSize: number;
  truncated: boolean;
}

/** Every conversation of the folder's window, newest activity first. */
export async function threadFolder(client: ImapFlow, path: string): Promise<FolderThreads> {
  const folder = await fetchWindow(client, path, THREAD_WINDOW, true);
  const sentPath = await sentPathOf(client);
  let sent: FetchedMessage[] = [];
  if (sentPath !== null && sentPath !== path && folder.messages.length > 0) {
    const inFolder = new Set(folder.messages.map((m) => normalizeMessageId(m.messageId)).filter(Boolean));
    sent = (await fetchWindow(client, sentPath, SENT_WINDOW, false)).messages.filter(
      (m) => !inFolder.has(normalizeMessageId(m.messageId)),
    );
  }
  const mailboxId = mailboxIdOf(path);
  const threads = buildThreads([...folder.messages, ...sent], { groups: folder.groups }).filter((thread) =>
    thread.members.some((m) => m.mailboxId === mailboxId),
  );
  return { threads, windowSize: folder.messages.length, truncated: folder.truncated };
}

/** Snippets for `messages`, one partial FETCH per folder (and text part number). */
async function snippetsOf(
  client: ImapFlow,
  messages: readonly FetchedMessage[],
): Promise<Map<string, string>> {
  const byPath = new Map<string, FetchedMessage[]>();
  for (const message of messages) byPath.set(message.path, [...(byPath.get(message.path) ?? []), message]);
  const out = new Map<string, string>();
  for (const [path, list] of byPath) {
    const lock = await lockFresh(client, path, 'conversation snippets');
    try {
      const snippets = await fetchSnippets(
        client,
        list.map((m) => m.row),
      );
      for (const message of list) out.set(messageKey(message), snippets.get(message.uid) ?? '');
    } finally {
      lock.release();
    }
  }
  return out;
}

function summaryOf(message: FetchedMessage, snippets: Map<string, string>) {
  return toSummary(message.row, message.mailboxId, snippets.get(messageKey(message)) ?? '');
}

interface ThreadCursor {
  lastDate: string;
  threadId: string;
}

export function encodeThreadCursor(cursor: ThreadCursor): string {
  return Buffer.from(JSON.stringify([cursor.lastDate, cursor.threadId]), 'utf8').toString('base64url');
}

export function readThreadCursor(value: string): ThreadCursor | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [lastDate, threadId] = parsed;
    if (typeof lastDate !== 'string' || typeof threadId !== 'string') return null;
    if (Number.isNaN(Date.parse(lastDate)) || !/^[A-Za-z0-9_-]{1,64}$/.test(threadId)) return null;
    return { lastDate, threadId };
  } catch {
    return null;
  }
}

/**
 * A page of conversations. The cursor names a position in the order (last activity, id), not an
 * offset: a conversation that gets new mail moves to the top without shifting later pages.
 */
export async function threadPage(
  client: ImapFlow,
  path: string,
  query: { mailboxId: string; limit: number; cursor?: string | undefined },
): Promise<ThreadPage> {
  const cursor = query.cursor === undefined ? null : readThreadCursor(query.cursor);
  if (query.cursor !== undefined && cursor === null) throw new AppErrors.InvalidCursor();
  const { threads, windowSize, truncated } = await threadFolder(client, path);
  const after = cursor
    ? threads.filter(
        (t) =>
          t.lastDate < cursor.lastDate || (t.lastDate === cursor.lastDate && t.threadId > cursor.threadId),
      )
    : threads;
  const page = after.slice(0, query.limit);
  const latest = page.map((thread) => thread.members.at(-1) as FetchedMessage);
  const snippets = await snippetsOf(client, latest);
  const items: ThreadSummary[] = page.map((thread, i) => ({
    threadId: thread.threadId,
    subject: thread.subject,
    participants: thread.participants,
    lastDate: thread.lastDate,
    messageCount: thread.messageCount,
    unreadCount: thread.unreadCount,
    hasAttachments: thread.hasAttachments,
    flagged: thread.flagged,
    messages: thread.messages,
    latest: summaryOf(latest[i] as FetchedMessage, snippets),
  }));
  const last = page.at(-1);
  const nextCursor =
    last && after.length > page.length
      ? encodeThreadCursor({ lastDate: last.lastDate, threadId: last.threadId })
      : null;
  return { mailboxId: query.mailboxId, items, nextCursor, windowSize, truncated };
}

/** One conversation of the folder's window, with its messages from the folder and from Sent. */
export async function threadDetail(
  client: ImapFlow,
  path: string,
  query: { mailboxId: string; threadId: string },
): Promise<ThreadDetail> {
  const { threads } = await threadFolder(client, path);
  const thread = threads.find((t) => t.threadId === query.threadId);
  if (!thread) throw new AppErrors.MessageNotFound();
  const snippets = await snippetsOf(client, thread.members);
  return {
    threadId: thread.threadId,
    mailboxId: query.mailboxId,
    subject: thread.subject,
    messages: thread.members.map((m) => summaryOf(m, snippets)),
  };
}
