import type { MessageAction } from '@westwind/contract';
import { describeError, toApiRequestError } from '../../lib/api';
import * as mailApi from '../../lib/api/mail';
import type { FolderState } from '../mailbox/folder-state.svelte';
import type { MessageListState } from '../mailbox/message-list-state.svelte';
import type { ReaderState } from '../reader/reader-state.svelte';
import { toasts } from './toast-state.svelte';

export type FlagAction = 'read' | 'unread' | 'flag' | 'unflag';
export type MoveKind = 'move' | 'archive' | 'delete' | 'junk';

const FLAG_CHANGE = {
  read: { seen: true },
  unread: { seen: false },
  flag: { flagged: true },
  unflag: { flagged: false },
} as const;

const plural = (n: number) => (n === 1 ? 'message' : `${n} messages`);

/**
 * Single and bulk actions with optimistic UI: the list, the folder counts and the reader change at
 * once; a failure puts them back and says why; moves offer an undo that moves the messages back.
 */
export class MailActions {
  readonly #folders: FolderState;
  readonly #list: MessageListState;
  readonly #reader: ReaderState;

  constructor(folders: FolderState, list: MessageListState, reader: ReaderState) {
    this.#folders = folders;
    this.#list = list;
    this.#reader = reader;
  }

  /** The messages an action applies to: the selection, else the focused (or open) one. */
  targets(): number[] {
    if (this.#list.selected.size > 0) return [...this.#list.selected];
    const open = this.#reader.target;
    if (open && open.mailboxId === this.#list.mailboxId) return [open.uid];
    const focused = this.#list.focused;
    return focused ? [focused.uid] : [];
  }

  async setFlag(action: FlagAction, uids: number[] = this.targets()): Promise<void> {
    const mailboxId = this.#list.mailboxId;
    if (!mailboxId || uids.length === 0) return;
    const change = FLAG_CHANGE[action];
    const before = this.#list.setFlags(uids, change);
    const unreadDelta = [...before.values()].reduce(
      (sum, flags) => sum + ('seen' in change && change.seen !== flags.seen ? (change.seen ? -1 : 1) : 0),
      0,
    );
    this.#folders.adjust(mailboxId, { unread: unreadDelta });
    for (const uid of uids) this.#reader.patchFlags(uid, change);
    try {
      await mailApi.messageAction({ mailboxId, uids, action });
    } catch (error) {
      this.#list.restoreFlags(before);
      this.#folders.adjust(mailboxId, { unread: -unreadDelta });
      for (const [uid, flags] of before) this.#reader.patchFlags(uid, flags);
      toasts.show(
        `Couldn’t update ${plural(uids.length)}. ${describeError(toApiRequestError(error))}`,
        'error',
      );
    }
  }

  /** Star or unstar, depending on the first target. */
  toggleFlag(uids: number[] = this.targets()): Promise<void> {
    const first = this.#list.items.find((m) => m.uid === uids[0]);
    return this.setFlag(first?.flags.flagged ? 'unflag' : 'flag', uids);
  }

  /** Called when the reader opened a message: the server marked it read. */
  markedRead(mailboxId: string, uid: number): void {
    if (this.#list.mailboxId !== mailboxId) return;
    const before = this.#list.setFlags([uid], { seen: true });
    if (before.get(uid)?.seen === false) this.#folders.adjust(mailboxId, { unread: -1 });
  }

  async move(kind: MoveKind, uids: number[] = this.targets(), targetId?: string): Promise<void> {
    const source = this.#list.mailboxId;
    if (!source || uids.length === 0) return;
    const sourceRole = this.#folders.byId(source)?.role;
    let action: MessageAction = 'move';
    let target = targetId;
    if (kind === 'archive') target = this.#folders.byRole('archive')?.id;
    if (kind === 'junk') target = this.#folders.byRole('junk')?.id;
    if (kind === 'delete') {
      action = 'delete';
      target = this.#folders.byRole('trash')?.id;
    }
    const permanent = kind === 'delete' && (!target || sourceRole === 'trash' || sourceRole === 'junk');
    if (kind !== 'delete' && !target) {
      toasts.show(`There is no ${kind === 'archive' ? 'Archive' : 'Junk'} folder on this account.`, 'error');
      return;
    }
    if (target === source && !permanent) return;
    if (permanent && !confirm(`Delete ${plural(uids.length)} forever? This can’t be undone.`)) return;

    const removed = this.#list.remove(uids);
    const unread = removed.filter((r) => !r.item.flags.seen).length;
    this.#folders.adjust(source, { unread: -unread, total: -removed.length });
    if (target && !permanent) this.#folders.adjust(target, { unread, total: removed.length });
    const openUid = this.#reader.target?.mailboxId === source ? this.#reader.target.uid : null;
    if (openUid !== null && uids.includes(openUid)) this.#reader.close();

    try {
      const result = await mailApi.messageAction({
        mailboxId: source,
        uids,
        action,
        ...(action === 'move' && target ? { targetMailboxId: target } : {}),
      });
      const done = {
        move: 'Moved',
        archive: 'Archived',
        delete: permanent ? 'Deleted forever' : 'Moved to Trash',
        junk: 'Marked as spam',
      }[kind];
      const label = `${done}: ${plural(uids.length)}.`;
      const map = result?.uidMap;
      const backUids = map
        ? uids.map((uid) => map[String(uid)]).filter((u): u is number => typeof u === 'number')
        : [];
      if (!permanent && target && backUids.length > 0) {
        toasts.show(label, 'info', { label: 'Undo', run: () => void this.#undo(target, source, backUids) });
      } else {
        toasts.show(label);
      }
    } catch (error) {
      this.#list.reinsert(removed);
      this.#folders.adjust(source, { unread, total: removed.length });
      if (target && !permanent) this.#folders.adjust(target, { unread: -unread, total: -removed.length });
      toasts.show(
        `Couldn’t move ${plural(uids.length)}. ${describeError(toApiRequestError(error))}`,
        'error',
      );
    }
  }

  async #undo(from: string, to: string, uids: number[]): Promise<void> {
    try {
      await mailApi.messageAction({ mailboxId: from, uids, action: 'move', targetMailboxId: to });
      toasts.show(`Restored ${plural(uids.length)}.`);
    } catch (error) {
      toasts.show(`Couldn’t undo. ${describeError(toApiRequestError(error))}`, 'error');
    }
    // The messages have new UIDs now; fetch the list and counts again.
    if (this.#list.mailboxId === to || this.#list.mailboxId === from) this.#list.reload();
    void this.#folders.load();
  }
}
