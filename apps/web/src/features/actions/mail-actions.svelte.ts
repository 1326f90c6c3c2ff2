import type { MessageFlags } from '@westwind/contract';
import { describeError, toApiRequestError } from '../../lib/api';
import * as mailApi from '../../lib/api/mail';
import type { FolderState } from '../mailbox/folder-state.svelte';
import { folderLabel } from '../mailbox/folder-tree';
import { groupByFolder, keyOf, type MessageKey, parseKey } from '../mailbox/message-key';
import type { MessageListState, RemovedRow } from '../mailbox/message-list-state.svelte';
import type { ReaderState } from '../reader/reader-state.svelte';
import { type MoveKind, type MovePlan, planMoves } from './move-plan';
import { toasts } from './toast-state.svelte';

export type { MoveKind };

export type FlagAction = 'read' | 'unread' | 'flag' | 'unflag';

const FLAG_CHANGE = {
  read: { seen: true },
  unread: { seen: false },
  flag: { flagged: true },
  unflag: { flagged: false },
} as const;

const plural = (n: number) => (n === 1 ? 'message' : `${n} messages`);
const failed = (what: string, n: number, error: unknown) =>
  toasts.show(`Couldn’t ${what} ${plural(n)}. ${describeError(toApiRequestError(error))}`, 'error');

/** A dialog an action waits on (see action-dialog.svelte, loaded on demand). */
export type PendingDialog =
  | { kind: 'copy' | 'move'; keys: MessageKey[] }
  | { kind: 'empty'; mailboxId: string };

/**
 * Single and bulk actions with optimistic UI: the list, the folder counts and the reader change at
 * once; a failure puts them back and says why; moves offer an undo that moves the messages back.
 * Rows are keyed by folder and UID; each action sends one request per folder.
 */
export class MailActions {
  readonly #folders: FolderState;
  readonly #list: MessageListState;
  readonly #reader: ReaderState;
  #pending = $state.raw<PendingDialog | null>(null);

  constructor(folders: FolderState, list: MessageListState, reader: ReaderState) {
    this.#folders = folders;
    this.#list = list;
    this.#reader = reader;
  }

  get pending(): PendingDialog | null {
    return this.#pending;
  }

  /** Asks for a folder, then copies or moves there. */
  pickFolder(kind: 'copy' | 'move', keys: MessageKey[] = this.targets()): void {
    if (keys.length > 0) this.#pending = { kind, keys };
  }

  /** Asks to confirm, then empties Trash or Junk. */
  confirmEmpty(mailboxId: string): void {
    this.#pending = { kind: 'empty', mailboxId };
  }

  closeDialog(): void {
    this.#pending = null;
  }

  /** The messages an action applies to: the selection, else the open (or focused) one. */
  targets(): MessageKey[] {
    if (this.#list.selected.size > 0) return [...this.#list.selected];
    const open = this.#reader.target;
    if (open) return [keyOf(open)];
    const focused = this.#list.focused;
    return focused ? [keyOf(focused)] : [];
  }

  async setFlag(action: FlagAction, keys: MessageKey[] = this.targets()): Promise<void> {
    if (keys.length === 0) return;
    const change: Partial<MessageFlags> = FLAG_CHANGE[action];
    const before = this.#list.setFlags(keys, change);
    const readerBefore = this.#reader.detail?.summary;
    const unreadDelta = new Map<string, number>();
    for (const [key, flags] of before) {
      if (change.seen === undefined || change.seen === flags.seen) continue;
      const { mailboxId } = parseKey(key);
      unreadDelta.set(mailboxId, (unreadDelta.get(mailboxId) ?? 0) + (change.seen ? -1 : 1));
    }
    for (const [mailboxId, unread] of unreadDelta) this.#folders.adjust(mailboxId, { unread });
    for (const key of keys) {
      const { mailboxId, uid } = parseKey(key);
      this.#reader.patchFlags(mailboxId, uid, change);
    }
    await this.#perFolder(keys, 'update', async (mailboxId, uids) => {
      try {
        await mailApi.messageAction({ mailboxId, uids, action });
      } catch (error) {
        this.#list.restoreFlags(
          new Map([...before].filter(([key]) => parseKey(key).mailboxId === mailboxId)),
        );
        this.#folders.adjust(mailboxId, { unread: -(unreadDelta.get(mailboxId) ?? 0) });
        if (readerBefore?.mailboxId === mailboxId && uids.includes(readerBefore.uid)) {
          this.#reader.patchFlags(mailboxId, readerBefore.uid, readerBefore.flags);
        }
        throw error;
      }
    });
  }

  /** Star or unstar, depending on the first target. */
  toggleFlag(keys: MessageKey[] = this.targets()): Promise<void> {
    const first = keys[0] === undefined ? undefined : this.#list.byKey(keys[0]);
    const open = this.#reader.detail?.summary;
    const flagged = first ? first.flags.flagged : open && keyOf(open) === keys[0] && open.flags.flagged;
    return this.setFlag(flagged ? 'unflag' : 'flag', keys);
  }

  /** Called when the reader opened a message and the server marked it read. */
  markedRead(mailboxId: string, uid: number): void {
    const key = keyOf({ mailboxId, uid });
    const before = this.#list.setFlags([key], { seen: true });
    if (before.get(key)?.seen === false) this.#folders.adjust(mailboxId, { unread: -1 });
  }

  async move(kind: MoveKind, keys: MessageKey[] = this.targets(), targetId?: string): Promise<void> {
    if (keys.length === 0) return;
    const folders = this.#folders;
    const [inbox, junk, archive, trash] = (['inbox', 'junk', 'archive', 'trash'] as const).map(
      (role) => folders.byRole(role)?.id,
    );
    if ((kind === 'archive' && !archive) || (kind === 'spam' && !junk)) {
      toasts.show(`There is no ${kind === 'archive' ? 'Archive' : 'Junk'} folder on this account.`, 'error');
      return;
    }
    const plans = planMoves(
      kind,
      groupByFolder(keys),
      (id) => folders.byId(id)?.role,
      { inbox, junk, archive, trash },
      targetId,
    );
    const forever = plans.filter((p) => p.permanent).reduce((n, p) => n + p.uids.length, 0);
    if (plans.length === 0) return;
    if (forever > 0 && !confirm(`Delete ${plural(forever)} forever? This can’t be undone.`)) return;

    const movedKeys = plans.flatMap((p) => p.uids.map((uid) => keyOf({ mailboxId: p.source, uid })));
    const removed = this.#list.remove(movedKeys);
    const open = this.#reader.target;
    if (open && movedKeys.includes(keyOf(open))) this.#reader.close();

    const undo: { from: string; to: string; uids: number[] }[] = [];
    let count = 0;
    await this.#perFolder(movedKeys, 'move', async (source, uids) => {
      const plan = plans.find((p) => p.source === source) as MovePlan;
      const rows = removed.filter((r) => r.item.mailboxId === source);
      const counts = (sign: number) => this.#adjustCounts(plan, rows, sign);
      counts(1);
      try {
        const result = await mailApi.messageAction({
          mailboxId: source,
          uids,
          action: plan.action,
          ...(plan.action === 'move' ? { targetMailboxId: plan.target } : {}),
        });
        count += uids.length;
        const map = result?.uidMap;
        const back = map
          ? uids.map((uid) => map[String(uid)]).filter((u): u is number => typeof u === 'number')
          : [];
        if (!plan.permanent && plan.target && back.length > 0)
          undo.push({ from: plan.target, to: source, uids: back });
      } catch (error) {
        this.#list.reinsert(rows);
        counts(-1);
        throw error;
      }
    });
    if (count === 0) return;
    const done = {
      move: 'Moved',
      archive: 'Archived',
      delete: forever === count ? 'Deleted forever' : 'Moved to Trash',
      spam: plans.every((p) => p.target === inbox) ? 'Not spam, moved to Inbox' : 'Marked as spam',
    }[kind];
    const label = `${done}: ${plural(count)}.`;
    if (undo.length > 0) toasts.show(label, 'info', { label: 'Undo', run: () => void this.#undo(undo) });
    else toasts.show(label);
  }

  /** Copies to another folder; no undo (the originals stay where they are). */
  async copy(keys: MessageKey[], targetId: string): Promise<void> {
    let count = 0;
    await this.#perFolder(keys, 'copy', async (mailboxId, uids) => {
      await mailApi.messageAction({ mailboxId, uids, action: 'copy', targetMailboxId: targetId });
      count += uids.length;
    });
    const target = this.#folders.byId(targetId);
    if (count > 0) toasts.show(`Copied ${plural(count)} to ${target ? folderLabel(target) : 'the folder'}.`);
    void this.#folders.load();
  }

  /** Deletes everything in Trash or Junk for good; throws `ApiRequestError` (the dialog says why). */
  async empty(mailboxId: string): Promise<void> {
    const { affected } = await mailApi.emptyMailbox(mailboxId);
    if (this.#reader.target?.mailboxId === mailboxId) this.#reader.close();
    if (this.#list.mailboxId === mailboxId) this.#list.reload();
    toasts.show(`Deleted ${affected} ${affected === 1 ? 'message' : 'messages'} forever.`);
    void this.#folders.load();
  }

  /** Runs `act` once per folder, in parallel; one error toast for all that failed. */
  async #perFolder(
    keys: Iterable<MessageKey>,
    what: string,
    act: (mailboxId: string, uids: number[]) => Promise<void>,
  ): Promise<void> {
    let failures = 0;
    let cause: unknown;
    await Promise.all(
      [...groupByFolder(keys)].map(([mailboxId, uids]) =>
        act(mailboxId, uids).catch((error: unknown) => {
          failures += uids.length;
          cause = error;
        }),
      ),
    );
    if (failures > 0) failed(what, failures, cause);
  }

  /** Moves the rows' folder counts over to the target (`sign` -1 puts them back). */
  #adjustCounts(plan: MovePlan, rows: RemovedRow[], sign: number): void {
    const unread = rows.filter((r) => !r.item.flags.seen).length * sign;
    const total = rows.length * sign;
    this.#folders.adjust(plan.source, { unread: -unread, total: -total });
    if (plan.target && !plan.permanent) this.#folders.adjust(plan.target, { unread, total });
  }

  async #undo(moves: { from: string; to: string; uids: number[] }[]): Promise<void> {
    const results = await Promise.allSettled(
      moves.map(({ from, to, uids }) =>
        mailApi.messageAction({ mailboxId: from, uids, action: 'move', targetMailboxId: to }),
      ),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) toasts.show(`Couldn’t undo. ${describeError(toApiRequestError(failure.reason))}`, 'error');
    else toasts.show(`Restored ${plural(moves.reduce((n, m) => n + m.uids.length, 0))}.`);
    // The messages have new UIDs now; fetch the list and counts again.
    this.#list.reload();
    void this.#folders.load();
  }
}
