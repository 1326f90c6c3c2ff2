/**
 * What may be done to which folder. Pure: decides from the folder list, returns the reason a
 * change is refused (for MailboxProtected) or null.
 *
 * - INBOX cannot be renamed (RFC 3501 §6.3.5: RENAME INBOX moves its messages into a new folder
 *   and leaves INBOX empty, which no user means), moved or deleted.
 * - Special-use folders (RFC 6154: Sent, Drafts, Trash, Junk, Archive, All, Flagged) cannot be
 *   renamed, moved or deleted: other clients and the server itself find them by these paths.
 * - A folder that contains INBOX or a special-use folder cannot be renamed or moved, since that
 *   would move them too.
 * - A folder with subfolders is not deleted: the subfolders must be deleted or moved first. IMAP
 *   DELETE would leave them behind under a placeholder (RFC 3501 §6.3.4), and deleting a whole
 *   tree at once is too easy to do by mistake.
 */
import { descendantsOf, type Folder } from './folders.js';
import { isInboxPath } from './names.js';

const ROLE_LABEL: Record<string, string> = {
  '\\sent': 'Sent',
  '\\drafts': 'Drafts',
  '\\trash': 'Trash',
  '\\junk': 'Junk',
  '\\archive': 'Archive',
  '\\all': 'All Mail',
  '\\flagged': 'Flagged',
  '\\important': 'Important',
};

function specialLabel(folder: Folder): string | null {
  if (isInboxPath(folder.path)) return 'Inbox';
  if (!folder.specialUse) return null;
  return ROLE_LABEL[folder.specialUse.toLowerCase()] ?? folder.specialUse;
}

function describe(folder: Folder): string {
  const label = specialLabel(folder);
  if (label === 'Inbox') return 'The Inbox';
  return `"${folder.path}" is the ${label} folder and`;
}

export function renameRefusal(folder: Folder, folders: readonly Folder[]): string | null {
  if (specialLabel(folder)) {
    return `${describe(folder)} cannot be renamed or moved`;
  }
  const special = descendantsOf(folder, folders).find((child) => child.exists && specialLabel(child));
  if (special) {
    return `"${folder.path}" contains the ${specialLabel(special)} folder "${special.path}" and cannot be renamed or moved`;
  }
  return null;
}

export function deleteRefusal(folder: Folder, folders: readonly Folder[]): string | null {
  if (specialLabel(folder)) {
    return `${describe(folder)} cannot be deleted`;
  }
  if (descendantsOf(folder, folders).length > 0) {
    return `"${folder.path}" has subfolders; delete or move them first`;
  }
  return null;
}
