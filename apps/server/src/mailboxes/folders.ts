/**
 * From LIST results to the API's folder list: roles, nesting, selectability and order. Pure: the
 * IMAP adapter (service.ts) feeds it imapflow's `list()` entries; tests feed it literals.
 */
import type { Mailbox, MailboxRole } from '@westwind/contract';
import { mailboxIdOf } from './mailbox-id.js';
import { isInboxPath, leafNameOf, parentPathOf } from './names.js';

/** What this module reads of a LIST entry; imapflow's `ListResponse` fits. */
export interface ListedEntry {
  path: string;
  delimiter?: string | null;
  flags: ReadonlySet<string>;
  subscribed?: boolean;
  /** imapflow's verdict, used only when the server reports no special-use flags of its own. */
  specialUse?: string;
  status?: { messages?: number; unseen?: number; error?: unknown };
}

/** A folder as the server side works with it: the API's `Mailbox` plus what the rules need. */
export interface Folder extends Mailbox {
  /** The RFC 6154 attribute (`\Sent`, `\All`, ...) or null; every special-use folder is protected. */
  specialUse: string | null;
  /** False for placeholders (`\NonExistent`, or a parent missing from the listing). */
  exists: boolean;
  /** False when the server says it can have no subfolders (`\Noinferiors`). */
  canHaveChildren: boolean;
}

export interface BuildOptions {
  /**
   * Trust imapflow's name-based special-use guesses ("Sent Items" → Sent). Only for servers
   * without SPECIAL-USE or XLIST: where the server labels its folders, a user's own folder
   * named "Archive" must stay an ordinary (deletable) folder.
   */
  guessRolesFromNames: boolean;
}

const ROLE_OF_ATTRIBUTE: Record<string, Exclude<MailboxRole, null>> = {
  '\\sent': 'sent',
  '\\drafts': 'drafts',
  '\\trash': 'trash',
  '\\junk': 'junk',
  '\\archive': 'archive',
};
const SPECIAL_USE_ATTRIBUTES = new Set([
  '\\all',
  '\\archive',
  '\\drafts',
  '\\flagged',
  '\\junk',
  '\\sent',
  '\\trash',
  '\\important',
]);

/** Display order of roles among siblings; everything else follows, alphabetically. */
const ROLE_ORDER: readonly MailboxRole[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural, case-insensitive order ("Folder 2" before "folder 10"), then a stable tie-break. */
export function compareNames(a: string, b: string): number {
  const natural = collator.compare(a, b);
  if (natural !== 0) return natural;
  return a < b ? -1 : a > b ? 1 : 0;
}

function rank(role: MailboxRole): number {
  const at = ROLE_ORDER.indexOf(role);
  return at < 0 ? ROLE_ORDER.length : at;
}

/** Sibling order: Inbox, Drafts, Sent, Archive, Junk, Trash, then by name. */
export function compareFolders(a: Pick<Folder, 'role' | 'name'>, b: Pick<Folder, 'role' | 'name'>): number {
  return rank(a.role) - rank(b.role) || compareNames(a.name, b.name);
}

/** The RFC 6154 attribute among a LIST entry's flags, lower-cased, or null. */
export function specialUseAttribute(flags: ReadonlySet<string>): string | null {
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (SPECIAL_USE_ATTRIBUTES.has(lower)) return lower;
  }
  return null;
}

export function roleOf(
  entry: Pick<ListedEntry, 'path' | 'flags' | 'specialUse'>,
  options: BuildOptions,
): MailboxRole {
  if (isInboxPath(entry.path)) return 'inbox';
  const attribute = specialUseAttribute(entry.flags);
  if (attribute) return ROLE_OF_ATTRIBUTE[attribute] ?? null;
  if (options.guessRolesFromNames && entry.specialUse) {
    return ROLE_OF_ATTRIBUTE[entry.specialUse.toLowerCase()] ?? null;
  }
  return null;
}

function hasFlag(flags: ReadonlySet<string>, flag: string): boolean {
  const lower = flag.toLowerCase();
  for (const f of flags) if (f.toLowerCase() === lower) return true;
  return false;
}

function count(value: number | undefined): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

function toFolder(entry: ListedEntry, options: BuildOptions): Folder {
  const delimiter = entry.delimiter || null;
  const parentPath = parentPathOf(entry.path, delimiter);
  const nonExistent = hasFlag(entry.flags, '\\NonExistent');
  const role = nonExistent ? null : roleOf(entry, options);
  const attribute = nonExistent ? null : specialUseAttribute(entry.flags);
  return {
    id: mailboxIdOf(entry.path),
    path: entry.path,
    name: leafNameOf(entry.path, delimiter),
    parentId: parentPath === null ? null : mailboxIdOf(parentPath),
    delimiter,
    role,
    subscribed: entry.subscribed === true,
    selectable: !nonExistent && !hasFlag(entry.flags, '\\Noselect'),
    total: count(entry.status?.messages),
    unread: count(entry.status?.unseen),
    specialUse: attribute ?? (role && role !== 'inbox' ? `\\${role}` : null),
    exists: !nonExistent,
    canHaveChildren: !hasFlag(entry.flags, '\\Noinferiors') && delimiter !== null,
  };
}

/** A stand-in for a parent the listing did not include, so every parentId resolves. */
function placeholder(path: string, delimiter: string): Folder {
  const parentPath = parentPathOf(path, delimiter);
  return {
    id: mailboxIdOf(path),
    path,
    name: leafNameOf(path, delimiter),
    parentId: parentPath === null ? null : mailboxIdOf(parentPath),
    delimiter,
    role: null,
    subscribed: false,
    selectable: false,
    total: 0,
    unread: 0,
    specialUse: null,
    exists: false,
    canHaveChildren: true,
  };
}

/**
 * Builds the folder list from LIST entries: one folder per path (the first entry wins), missing
 * ancestors added as non-selectable placeholders, in tree order (each folder followed by its
 * subfolders, siblings sorted by `compareFolders`).
 */
export function buildFolders(entries: readonly ListedEntry[], options: BuildOptions): Folder[] {
  const byPath = new Map<string, Folder>();
  for (const entry of entries) {
    if (!entry.path || byPath.has(entry.path)) continue;
    byPath.set(entry.path, toFolder(entry, options));
  }
  for (const folder of [...byPath.values()]) {
    let parent = folder.delimiter ? parentPathOf(folder.path, folder.delimiter) : null;
    while (parent !== null && !byPath.has(parent)) {
      byPath.set(parent, placeholder(parent, folder.delimiter!));
      parent = parentPathOf(parent, folder.delimiter);
    }
  }
  const children = new Map<string | null, Folder[]>();
  for (const folder of byPath.values()) {
    const siblings = children.get(folder.parentId);
    if (siblings) siblings.push(folder);
    else children.set(folder.parentId, [folder]);
  }
  const ordered: Folder[] = [];
  const visit = (parentId: string | null) => {
    const siblings = children.get(parentId);
    if (!siblings) return;
    siblings.sort(compareFolders);
    for (const folder of siblings) {
      ordered.push(folder);
      visit(folder.id);
    }
  };
  visit(null);
  return ordered;
}

/** Every folder below `folder` (not itself), in list order. */
export function descendantsOf(folder: Folder, folders: readonly Folder[]): Folder[] {
  if (!folder.delimiter) return [];
  const prefix = `${folder.path}${folder.delimiter}`;
  return folders.filter((other) => other.path.startsWith(prefix));
}

/** The API's view of a folder: exactly the contract's fields. */
export function toMailbox(folder: Folder): Mailbox {
  const { id, path, name, parentId, delimiter, role, subscribed, selectable, total, unread } = folder;
  return { id, path, name, parentId, delimiter, role, subscribed, selectable, total, unread };
}
