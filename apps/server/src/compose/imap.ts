/**
 * The IMAP side of composing: the Drafts and Sent folders, APPEND, replacing a draft's older
 * versions, reading parts of an original for forwarding, flags on the original after sending.
 * Every function runs on a borrowed connection and releases its mailbox lock in `finally`.
 */
import type { ImapFlow } from 'imapflow';
import { AppErrors } from '../errors.js';
import { partsFromStructure } from '../mail/view-model.js';
import { mailboxIdOf } from '../mailboxes/mailbox-id.js';
import { listFolders } from '../mailboxes/service.js';
import { lockFresh } from '../messages/list/fetch-page.js';
import { DRAFT_ID_HEADER } from './mime.js';

export interface FolderRef {
  path: string;
  id: string;
}

const DEFAULT_NAMES = { drafts: 'Drafts', sent: 'Sent' } as const;

/** The folder with this special use (RFC 6154); created under its usual name when missing. */
export async function roleFolder(client: ImapFlow, role: 'drafts' | 'sent'): Promise<FolderRef> {
  const folders = await listFolders(client, { counts: false });
  const found = folders.find((f) => f.role === role && f.exists && f.selectable);
  if (found) return { path: found.path, id: found.id };
  const path = DEFAULT_NAMES[role];
  const byName = folders.find((f) => f.path.toLowerCase() === path.toLowerCase() && f.selectable);
  if (byName) return { path: byName.path, id: byName.id };
  await client.mailboxCreate(path);
  return { path, id: mailboxIdOf(path) };
}

/** APPENDs and returns the new UID (UIDPLUS), or finds it by the draft id header. */
export async function appendMessage(
  client: ImapFlow,
  path: string,
  source: Buffer,
  flags: string[],
  draftId: string | null,
): Promise<number> {
  const result = await client.append(path, source, flags, new Date());
  if (result && typeof result.uid === 'number') return result.uid;
  if (draftId === null) return 0;
  const uids = await draftVersions(client, path, draftId);
  const newest = uids.sort((a, b) => b - a)[0];
  if (!newest) throw new AppErrors.UpstreamError('the saved draft could not be found again');
  return newest;
}

/** UIDs of every stored version of a draft (searched by its X-Westwind-Draft-Id header). */
export async function draftVersions(client: ImapFlow, path: string, draftId: string): Promise<number[]> {
  const lock = await lockFresh(client, path, 'draft versions');
  try {
    const found = await client.search({ header: { [DRAFT_ID_HEADER]: draftId } }, { uid: true });
    return found || [];
  } finally {
    lock.release();
  }
}

/** Deletes (\Deleted + UID EXPUNGE) the given UIDs of a folder; missing ones are ignored. */
export async function deleteMessages(client: ImapFlow, path: string, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  const lock = await lockFresh(client, path, 'delete draft');
  try {
    await client.messageDelete(uids.join(','), { uid: true });
  } finally {
    lock.release();
  }
}

/** Removes every version of a draft except `keep`. */
export async function deleteDraftVersions(
  client: ImapFlow,
  path: string,
  draftId: string,
  keep: number | null,
): Promise<void> {
  const uids = (await draftVersions(client, path, draftId)).filter((uid) => uid !== keep);
  await deleteMessages(client, path, uids);
}

/** The whole source of one message. */
export async function fetchSource(
  client: ImapFlow,
  path: string,
  uid: number,
  maxBytes: number,
): Promise<Buffer> {
  const lock = await lockFresh(client, path, 'fetch source');
  try {
    const message = await client.fetchOne(
      String(uid),
      { uid: true, size: true, source: true },
      { uid: true },
    );
    if (!message || message.uid !== uid || !message.source) throw new AppErrors.MessageNotFound();
    if ((message.size ?? message.source.length) > maxBytes) throw tooLarge(maxBytes);
    return message.source;
  } finally {
    lock.release();
  }
}

function tooLarge(maxBytes: number): Error {
  return Object.assign(new Error(`The attachments are larger than ${maxBytes} bytes together`), {
    statusCode: 413,
    code: 'BODY_TOO_LARGE',
  });
}

export interface FetchedPart {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** One listed attachment of a message (only parts the reader lists, never a body or multipart). */
export async function fetchPart(
  client: ImapFlow,
  path: string,
  uid: number,
  partId: string,
  maxBytes: number,
): Promise<FetchedPart> {
  const lock = await lockFresh(client, path, 'fetch part');
  try {
    const message = await client.fetchOne(String(uid), { uid: true, bodyStructure: true }, { uid: true });
    if (!message || message.uid !== uid) throw new AppErrors.MessageNotFound();
    const part = partsFromStructure(message.bodyStructure).find((p) => p.partId === partId);
    if (!part) throw new AppErrors.AttachmentNotFound();
    const download = await client.download(String(uid), partId, { uid: true });
    if (!download.content) throw new AppErrors.AttachmentNotFound();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of download.content as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        download.content.destroy();
        throw tooLarge(maxBytes);
      }
      chunks.push(chunk);
    }
    return { filename: part.filename, contentType: part.contentType, content: Buffer.concat(chunks) };
  } finally {
    lock.release();
  }
}

export interface ThreadHeaders {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
}

/** Message-ID, In-Reply-To and References of the original, for a reply's threading headers. */
export async function threadHeaders(client: ImapFlow, path: string, uid: number): Promise<ThreadHeaders> {
  const lock = await lockFresh(client, path, 'thread headers');
  try {
    const message = await client.fetchOne(
      String(uid),
      { uid: true, envelope: true, headers: ['references'] },
      { uid: true },
    );
    if (!message || message.uid !== uid) throw new AppErrors.MessageNotFound();
    const refs = (message.headers?.toString('utf8') ?? '').replace(/\r?\n[ \t]+/g, ' ');
    const ids = (text: string | undefined) => text?.match(/<[^<>\s]{1,995}>/g) ?? [];
    return {
      messageId: ids(message.envelope?.messageId)[0] ?? null,
      inReplyTo: ids(message.envelope?.inReplyTo)[0] ?? null,
      references: ids(refs.replace(/^references:/i, '')).slice(0, 200),
    };
  } finally {
    lock.release();
  }
}

/** Sets a flag on the original after a reply (\Answered) or forward ($Forwarded). */
export async function addFlag(client: ImapFlow, path: string, uid: number, flag: string): Promise<void> {
  const lock = await lockFresh(client, path, 'flag original');
  try {
    await client.messageFlagsAdd(String(uid), [flag], { uid: true, silent: true });
  } finally {
    lock.release();
  }
}
