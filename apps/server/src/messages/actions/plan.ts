/**
 * What a message action does on the server, decided without the network. Pure.
 */
import type { MessageAction } from '@westwind/contract';

/** The mailboxes of the account as far as the decision needs them. */
export interface MailboxInfo {
  path: string;
  specialUse?: string | undefined;
}

export type ActionPlan =
  | { kind: 'store'; op: 'add' | 'remove'; flag: '\\Seen' | '\\Flagged' }
  | { kind: 'move' | 'copy'; target: string }
  | { kind: 'expunge' };

const STORES: Record<'read' | 'unread' | 'flag' | 'unflag', Extract<ActionPlan, { kind: 'store' }>> = {
  read: { kind: 'store', op: 'add', flag: '\\Seen' },
  unread: { kind: 'store', op: 'remove', flag: '\\Seen' },
  flag: { kind: 'store', op: 'add', flag: '\\Flagged' },
  unflag: { kind: 'store', op: 'remove', flag: '\\Flagged' },
};

/** Reasons a plan cannot be made; the route maps them to API errors. */
export type PlanFailure = 'target-missing' | 'target-required';

function samePath(a: string, b: string): boolean {
  // INBOX is case-insensitive (RFC 3501 section 5.1); every other name is not.
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}

/**
 * `delete` moves to the account's Trash (special-use \Trash, RFC 6154), or expunges when the
 * folder is Trash or Junk itself or the account has no Trash. `move`/`copy` need a target that
 * exists.
 */
export function planAction(
  action: MessageAction,
  source: string,
  target: string | undefined,
  mailboxes: readonly MailboxInfo[],
): ActionPlan | PlanFailure {
  switch (action) {
    case 'read':
    case 'unread':
    case 'flag':
    case 'unflag':
      return STORES[action];
    case 'move':
    case 'copy': {
      if (target === undefined) return 'target-required';
      const found = mailboxes.find((mailbox) => samePath(mailbox.path, target));
      return found ? { kind: action, target: found.path } : 'target-missing';
    }
    case 'delete': {
      const trash = mailboxes.find((mailbox) => mailbox.specialUse === '\\Trash');
      const here = mailboxes.find((mailbox) => samePath(mailbox.path, source));
      if (!trash || samePath(trash.path, source) || here?.specialUse === '\\Junk') return { kind: 'expunge' };
      return { kind: 'move', target: trash.path };
    }
  }
}

/** Which plans need the account's folder list. */
export function needsMailboxList(action: MessageAction): boolean {
  return action === 'move' || action === 'copy' || action === 'delete';
}
