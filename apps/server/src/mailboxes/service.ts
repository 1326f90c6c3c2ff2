/**
 * Folder operations over one pooled IMAP connection (the adapter around folders.ts, names.ts and
 * policy.ts). Every operation first LISTs, so its checks see the server's current state, not a
 * cached one; a folder that another client deleted meanwhile is a MailboxNotFound, whether it is
 * noticed by that LIST or by the server refusing the command (`[NONEXISTENT]`).
 *
 * imapflow quirks handled here:
 * - `list({ statusQuery })` asks for STATUS inside LIST (RFC 5819 LIST-STATUS) where the server has
 *   it and otherwise runs STATUS per folder itself; a folder it has no counts for (no inline
 *   answer, or its STATUS failed) gets one STATUS here, and is left out if it has gone meanwhile.
 * - `mailboxCreate` subscribes the new folder itself, and resolves `created: false` instead of
 *   throwing when it exists (`[ALREADYEXISTS]`).
 * - `mailboxSubscribe`/`mailboxUnsubscribe` resolve `false` on NO instead of throwing.
 * - Dovecot does not carry subscriptions over a RENAME (Maildir++ keeps them by name), so
 *   `rename` moves them for the folder and its subfolders.
 */
import type { CreateMailboxRequest, Mailbox, MailboxList, UpdateMailboxRequest } from '@westwind/contract';
import type { ImapFlow, ListResponse, StatusObject } from 'imapflow';
import { AppErrors } from '../errors.js';
import { classifyImapError } from '../imap/index.js';
import { mailboxCommandError } from './failures.js';
import { buildFolders, descendantsOf, type Folder, type ListedEntry, toMailbox } from './folders.js';
import { mailboxPathOf } from './mailbox-id.js';
import { checkMailboxName, childPath, isInboxPath, isSameOrBelow } from './names.js';
import { deleteRefusal, renameRefusal } from './policy.js';

const COUNTS = { messages: true, unseen: true } as const;

type StatusAnswer = ListedEntry['status'];

function serverLabelsFolders(client: ImapFlow): boolean {
  const caps = client.capabilities;
  return caps.has('SPECIAL-USE') || caps.has('XLIST') || caps.has('IMAP4rev2');
}

function needsCounts(entry: ListResponse): boolean {
  if (entry.flags.has('\\Noselect') || entry.flags.has('\\NonExistent')) return false;
  const status = entry.status as (StatusObject & { error?: unknown }) | undefined;
  return !status || status.error !== undefined || typeof status.messages !== 'number';
}

/** STATUS for one folder; null when the folder no longer exists. */
async function countsOf(client: ImapFlow, path: string): Promise<StatusAnswer | null> {
  try {
    // `false` means the server refused STATUS for another reason: show the folder without counts.
    return (await client.status(path, COUNTS)) || {};
  } catch (error) {
    if (classifyImapError(error) === 'mailbox-missing') return null;
    throw error;
  }
}

/** The folder list as the server has it now; `counts` adds message and unread counts. */
export async function listFolders(client: ImapFlow, { counts }: { counts: boolean }): Promise<Folder[]> {
  // LIST-STATUS of the folder this pooled connection has selected answers from the connection's
  // own view, which only a NOOP brings up to date (RFC 3501 §6.3.10): counts would lag changes
  // made through other connections.
  if (counts && client.mailbox) await client.noop();
  const listed = await client.list(counts ? { statusQuery: COUNTS } : {});
  const entries: ListedEntry[] = [];
  for (const entry of listed) {
    if (counts && needsCounts(entry)) {
      const status = await countsOf(client, entry.path);
      if (status === null) continue;
      entries.push({ ...entry, status });
    } else {
      entries.push(entry);
    }
  }
  return buildFolders(entries, { guessRolesFromNames: !serverLabelsFolders(client) });
}

export async function listMailboxes(client: ImapFlow): Promise<MailboxList> {
  const folders = await listFolders(client, { counts: true });
  return { mailboxes: folders.map(toMailbox) };
}

/** The folder an id names; MailboxNotFound for a malformed id or a folder that is not there. */
function existingFolder(folders: readonly Folder[], id: string): Folder {
  const path = mailboxPathOf(id);
  const folder = path === null ? undefined : folders.find((f) => f.path === path);
  if (!folder?.exists) throw new AppErrors.MailboxNotFound();
  return folder;
}

/**
 * The parent named by `parentId` (null or absent: the top level). Any folder of the tree may be a
 * parent, a placeholder too (creating under it is how it becomes real), unless the server says it
 * can have no subfolders.
 *
 * `''` also means the top level: Fastify's Ajv coerces types, so a JSON `null` checked against
 * `string | null` arrives as `''` (the string branch is tried first). No folder id is empty.
 */
function parentFolder(folders: readonly Folder[], parentId: string | null | undefined): Folder | null {
  if (parentId === null || parentId === undefined || parentId === '') return null;
  const path = mailboxPathOf(parentId);
  const parent = path === null ? undefined : folders.find((f) => f.path === path);
  if (!parent) throw new AppErrors.MailboxNotFound();
  if (!parent.canHaveChildren) {
    throw new AppErrors.InvalidMailboxName(`"${parent.path}" cannot have subfolders`);
  }
  return parent;
}

/** The hierarchy delimiter for new top-level folders. */
function topLevelDelimiter(client: ImapFlow, folders: readonly Folder[]): string | null {
  const fromNamespace = client.namespace?.delimiter;
  if (fromNamespace !== undefined) return fromNamespace;
  return folders.find((f) => isInboxPath(f.path))?.delimiter ?? folders[0]?.delimiter ?? null;
}

function validName(raw: string, delimiter: string | null): string {
  const check = checkMailboxName(raw, delimiter);
  if (!check.ok) throw new AppErrors.InvalidMailboxName(check.reason);
  return check.name;
}

function refuseExisting(folders: readonly Folder[], path: string): void {
  // INBOX always exists, whatever its case; placeholders do not, so creating one makes it real.
  if (isInboxPath(path) || folders.some((f) => f.exists && f.path === path)) {
    throw new AppErrors.MailboxExists();
  }
}

/** One folder as the server has it now, with its counts. */
async function readMailbox(client: ImapFlow, path: string): Promise<Mailbox> {
  const folders = await listFolders(client, { counts: false });
  const folder = folders.find((f) => f.path === path && f.exists);
  if (!folder) throw new AppErrors.MailboxNotFound();
  if (!folder.selectable) return toMailbox(folder);
  const status = await countsOf(client, path);
  if (status === null) throw new AppErrors.MailboxNotFound();
  return toMailbox({ ...folder, total: status?.messages ?? 0, unread: status?.unseen ?? 0 });
}

function unavailable(): Error {
  // imapflow resolves `undefined` when the connection left the authenticated state.
  return new AppErrors.UpstreamUnavailable();
}

export async function createMailbox(client: ImapFlow, request: CreateMailboxRequest): Promise<Mailbox> {
  const folders = await listFolders(client, { counts: false });
  const parent = parentFolder(folders, request.parentId);
  const delimiter = parent ? parent.delimiter : topLevelDelimiter(client, folders);
  const path = childPath(parent?.path ?? null, validName(request.name, delimiter), delimiter);
  refuseExisting(folders, path);
  const result = await client.mailboxCreate(path).catch((error: unknown) => {
    throw mailboxCommandError(error, 'create');
  });
  if (!result) throw unavailable();
  if (!result.created) throw new AppErrors.MailboxExists();
  return readMailbox(client, result.path);
}

async function setSubscribed(client: ImapFlow, path: string, subscribed: boolean): Promise<void> {
  const done = subscribed ? await client.mailboxSubscribe(path) : await client.mailboxUnsubscribe(path);
  if (done === undefined) throw unavailable();
  if (!done) throw new AppErrors.UpstreamError('it did not change the subscription');
}

/** RENAME, then the subscriptions of the folder and its subfolders follow it. */
async function rename(client: ImapFlow, folder: Folder, target: string, folders: readonly Folder[]) {
  const subscribed = [folder, ...descendantsOf(folder, folders)].filter((f) => f.subscribed);
  const result = await client.mailboxRename(folder.path, target).catch((error: unknown) => {
    throw mailboxCommandError(error, 'rename');
  });
  if (!result) throw unavailable();
  for (const old of subscribed) {
    const moved = `${result.newPath}${old.path.slice(folder.path.length)}`;
    await client.mailboxSubscribe(moved);
    await client.mailboxUnsubscribe(old.path);
  }
  return result.newPath;
}

export async function updateMailbox(
  client: ImapFlow,
  id: string,
  request: UpdateMailboxRequest,
): Promise<Mailbox> {
  const folders = await listFolders(client, { counts: false });
  const folder = existingFolder(folders, id);
  let path = folder.path;
  if (request.name !== undefined || request.parentId !== undefined) {
    const parent =
      request.parentId === undefined
        ? (folders.find((f) => f.id === folder.parentId) ?? null)
        : parentFolder(folders, request.parentId);
    const delimiter = folder.delimiter ?? topLevelDelimiter(client, folders);
    const name = request.name === undefined ? folder.name : validName(request.name, delimiter);
    const target = childPath(parent?.path ?? null, name, delimiter);
    if (target !== folder.path) {
      const refusal = renameRefusal(folder, folders);
      if (refusal) throw new AppErrors.MailboxProtected(refusal);
      if (parent && isSameOrBelow(parent.path, folder.path, delimiter)) {
        throw new AppErrors.InvalidMailboxName('A folder cannot be moved into itself or its own subfolders');
      }
      refuseExisting(folders, target);
      path = await rename(client, folder, target, folders);
    }
  }
  if (request.subscribed !== undefined) await setSubscribed(client, path, request.subscribed);
  return readMailbox(client, path);
}

export async function deleteMailbox(client: ImapFlow, id: string): Promise<void> {
  const folders = await listFolders(client, { counts: false });
  const folder = existingFolder(folders, id);
  const refusal = deleteRefusal(folder, folders);
  if (refusal) throw new AppErrors.MailboxProtected(refusal);
  const result = await client.mailboxDelete(folder.path).catch((error: unknown) => {
    throw mailboxCommandError(error, 'delete');
  });
  if (!result) throw unavailable();
  // Some servers (Dovecot with Maildir++ among them) keep the subscription of a deleted folder,
  // which would come back as a phantom entry; best effort, the folder is gone either way.
  if (folder.subscribed) await client.mailboxUnsubscribe(folder.path);
}

/**
 * Empties Trash or Junk for good (what Gmail and Roundcube offer for those two). Other folders
 * are refused: deleting everything in them is a bulk delete, which moves to Trash instead.
 */
export async function emptyMailbox(client: ImapFlow, id: string): Promise<{ affected: number }> {
  const folders = await listFolders(client, { counts: false });
  const folder = existingFolder(folders, id);
  if (folder.role !== 'trash' && folder.role !== 'junk') {
    throw new AppErrors.MailboxProtected(`Only Trash and Junk can be emptied; "${folder.name}" is neither`);
  }
  const lock = await client.getMailboxLock(folder.path);
  try {
    const exists = client.mailbox ? client.mailbox.exists : 0;
    if (exists === 0) return { affected: 0 };
    const done = await client.messageDelete('1:*');
    if (!done) throw unavailable();
    return { affected: exists };
  } finally {
    lock.release();
  }
}
