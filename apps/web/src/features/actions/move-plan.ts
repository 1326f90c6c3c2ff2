import type { Mailbox, MessageAction } from '@westwind/contract';

/** `spam` moves to Junk, or out of Junk to the Inbox ("Not spam"). */
export type MoveKind = 'move' | 'archive' | 'delete' | 'spam';

/** One folder's share of a move: the list may hold search results from several folders. */
export interface MovePlan {
  source: string;
  uids: number[];
  target: string | undefined;
  action: MessageAction;
  /** Expunged for good (a delete in Trash or Junk, or with no Trash to move to). */
  permanent: boolean;
}

export interface SpecialFolders {
  inbox?: string | undefined;
  junk?: string | undefined;
  archive?: string | undefined;
  trash?: string | undefined;
}

/**
 * Where each folder's messages go for a move of `kind`. Folders whose messages would stay where
 * they are (archiving what is in Archive, a move without a target) are left out.
 */
export function planMoves(
  kind: MoveKind,
  groups: ReadonlyMap<string, number[]>,
  roleOf: (mailboxId: string) => Mailbox['role'] | undefined,
  special: SpecialFolders,
  targetId?: string,
): MovePlan[] {
  const plans: MovePlan[] = [];
  for (const [source, uids] of groups) {
    const role = roleOf(source);
    const target = {
      move: targetId,
      archive: special.archive,
      spam: role === 'junk' ? special.inbox : special.junk,
      delete: special.trash,
    }[kind];
    const permanent = kind === 'delete' && (!target || role === 'trash' || role === 'junk');
    if (!permanent && (!target || target === source)) continue;
    plans.push({ source, uids, target, action: kind === 'delete' ? 'delete' : 'move', permanent });
  }
  return plans;
}
