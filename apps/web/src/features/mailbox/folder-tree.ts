import type { Mailbox, MailboxRole } from '@westwind/contract';

/** Special-use folders come first, in this order (RFC 6154 roles). */
export const ROLE_ORDER: readonly NonNullable<MailboxRole>[] = [
  'inbox',
  'drafts',
  'sent',
  'archive',
  'junk',
  'trash',
];

export const ROLE_LABELS: Record<NonNullable<MailboxRole>, string> = {
  inbox: 'Inbox',
  drafts: 'Drafts',
  sent: 'Sent',
  archive: 'Archive',
  junk: 'Junk',
  trash: 'Trash',
};

export interface FolderRow {
  mailbox: Mailbox;
  /** Display name: the role's label for special-use folders, else the last path segment. */
  label: string;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
}

export function folderLabel(mailbox: Mailbox): string {
  return mailbox.role ? ROLE_LABELS[mailbox.role] : mailbox.name;
}

function rank(mailbox: Mailbox): number {
  const index = mailbox.role ? ROLE_ORDER.indexOf(mailbox.role) : -1;
  return index === -1 ? ROLE_ORDER.length : index;
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

/**
 * Flattens the folder list into visible rows in display order: top-level special-use folders
 * first, then the rest alphabetically; children under their parent, hidden when it is collapsed.
 * A folder whose parent is missing from the list is shown at the top level.
 */
export function buildFolderRows(mailboxes: readonly Mailbox[], collapsed: ReadonlySet<string>): FolderRow[] {
  const ids = new Set(mailboxes.map((m) => m.id));
  const children = new Map<string | null, Mailbox[]>();
  for (const mailbox of mailboxes) {
    const parent = mailbox.parentId !== null && ids.has(mailbox.parentId) ? mailbox.parentId : null;
    const list = children.get(parent);
    if (list) list.push(mailbox);
    else children.set(parent, [mailbox]);
  }
  const rows: FolderRow[] = [];
  const visit = (parent: string | null, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort(
      (a, b) => rank(a) - rank(b) || collator.compare(folderLabel(a), folderLabel(b)),
    );
    for (const mailbox of list) {
      const hasChildren = children.has(mailbox.id);
      const expanded = hasChildren && !collapsed.has(mailbox.id);
      rows.push({ mailbox, label: folderLabel(mailbox), depth, hasChildren, expanded });
      if (expanded) visit(mailbox.id, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

/** The folder with a role, if the server has one. */
export function findRole(mailboxes: readonly Mailbox[], role: NonNullable<MailboxRole>): Mailbox | undefined {
  return mailboxes.find((m) => m.role === role);
}
