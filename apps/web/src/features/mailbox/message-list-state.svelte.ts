import type { MailboxChanges, MessageFlags, MessageSort, MessageSummary } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import * as mailApi from '../../lib/api/mail';
import { applyChanges } from './apply-changes';
import { keyOf, type MessageKey } from './message-key';
import {
  type ClickModifiers,
  clickSelect,
  EMPTY_SELECTION,
  pruneSelection,
  type Selection,
  toggleKey,
} from './selection';

export type SortOrder = 'asc' | 'desc';

/** A row taken out of the list, with where it was, so it can be put back. */
export interface RemovedRow {
  index: number;
  item: MessageSummary;
}

const PAGE = 50;
const MAX_PAGE = 200;
/** Changes per call, and calls per catch-up before a reload is the cheaper way. */
const MAX_CHANGES = 200;
const MAX_ROUNDS = 5;

/** What the shell learns from the list. */
export interface ListHooks {
  /** The counts every page carries, for the folder tree. */
  counts?(mailboxId: string, counts: { total: number; unread: number }): void;
  /**
   * The state the rows are consistent with, when a first page sets it or a catch-up failed: push
   * compares it with the server's, so anything newer is announced (also after a reconnect).
   * States of later pages are not reported: they may be newer than the rows above them.
   */
  state?(mailboxId: string, state: string): void;
}

/**
 * The open folder's messages. Pages are fetched by cursor in order as the list scrolls; `total`
 * is known from the first page, so the scroll area has its full height from the start and rows
 * not loaded yet show as placeholders.
 */
export class MessageListState {
  #mailboxId = $state<string | null>(null);
  #items = $state.raw<MessageSummary[]>([]);
  #total = $state(0);
  #unread = $state(0);
  #cursor: string | null = null;
  #exhausted = false;
  #loading = $state(false);
  #error = $state.raw<ApiRequestError | null>(null);
  #sort = $state<MessageSort>('date');
  #order = $state<SortOrder>('desc');
  #selection = $state.raw<Selection<MessageKey>>(EMPTY_SELECTION);
  #focusIndex = $state(0);
  #wanted = 0;
  #generation = 0;
  /** The folder state the rows show (from the first page, then each catch-up); null before. */
  #state: string | null = null;
  #catching = false;
  /** A push came while catching up (or before the first page): one more round is due. */
  #behind = false;
  /** UIDs destroyed since the first page: a page fetched before a delete must not bring them back. */
  #gone = new Set<number>();
  readonly #hooks: ListHooks;

  constructor(hooks: ListHooks = {}) {
    this.#hooks = hooks;
  }

  get mailboxId(): string | null {
    return this.#mailboxId;
  }
  get items(): MessageSummary[] {
    return this.#items;
  }
  get total(): number {
    return this.#total;
  }
  get unread(): number {
    return this.#unread;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): ApiRequestError | null {
    return this.#error;
  }
  /** True once the first page arrived (so "empty" means empty). */
  get loaded(): boolean {
    return this.#exhausted || this.#items.length > 0;
  }
  get sort(): MessageSort {
    return this.#sort;
  }
  get order(): SortOrder {
    return this.#order;
  }
  get selected(): ReadonlySet<MessageKey> {
    return this.#selection.keys;
  }
  get focusIndex(): number {
    return this.#focusIndex;
  }
  get focused(): MessageSummary | undefined {
    return this.#items[this.#focusIndex];
  }
  get allSelected(): boolean {
    return this.#items.length > 0 && this.#selection.keys.size === this.#items.length;
  }

  open(mailboxId: string): void {
    if (mailboxId === this.#mailboxId) return;
    this.#mailboxId = mailboxId;
    this.reload();
  }

  setSort(sort: MessageSort, order: SortOrder): void {
    if (sort === this.#sort && order === this.#order) return;
    this.#sort = sort;
    this.#order = order;
    this.reload();
  }

  /** Starts again from the first page (new folder, new sort, after an undo). */
  reload(): void {
    this.#generation += 1;
    this.#items = [];
    this.#total = 0;
    this.#cursor = null;
    this.#exhausted = false;
    this.#error = null;
    this.#selection = EMPTY_SELECTION;
    this.#focusIndex = 0;
    this.#wanted = 0;
    this.#loading = false;
    this.#state = null;
    this.#catching = false;
    this.#behind = false;
    this.#gone = new Set();
    void this.ensureLoaded(PAGE);
  }

  /**
   * Brings the rows up to date after a push said the folder changed: the changes since the state
   * the rows show are applied where the rows are, anywhere in the list, so nothing is fetched again
   * and the selection, focus and reading position stay. Calls that come while one runs are
   * coalesced into one more round. `counts` are the push event's, the freshest unread count there is.
   */
  async catchUp(counts?: { unread: number }): Promise<void> {
    if (counts) this.#unread = counts.unread;
    if (!this.#mailboxId) return;
    this.#behind = true;
    // Before the first page there is nothing to bring up to date; it runs once that page is in.
    if (this.#catching || this.#state === null) return;
    const generation = this.#generation;
    this.#catching = true;
    try {
      while (this.#behind && generation === this.#generation) {
        this.#behind = false;
        await this.#catchUpFrom(generation);
      }
    } finally {
      if (generation === this.#generation) this.#catching = false;
    }
  }

  async #catchUpFrom(generation: number): Promise<void> {
    const mailboxId = this.#mailboxId;
    if (!mailboxId) return;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const since = this.#state;
      if (since === null) return;
      let delta: MailboxChanges;
      try {
        delta = await mailApi.mailboxChanges(mailboxId, since, MAX_CHANGES);
      } catch (failure) {
        if (generation !== this.#generation) return;
        const error = toApiRequestError(failure);
        // Another folder generation (UIDVALIDITY), or the folder is gone: only a reload can say.
        if (error.code === 'INVALID_CURSOR' || error.status === 404) this.reload();
        // Push then announces the folder again when it reconnects; the next event retries too.
        else this.#hooks.state?.(mailboxId, since);
        return;
      }
      if (generation !== this.#generation) return;
      const items = applyChanges(this.#items, delta, {
        mailboxId,
        sort: this.#sort,
        order: this.#order,
        exhausted: this.#exhausted,
      });
      if (!items) {
        this.reload();
        return;
      }
      for (const uid of delta.destroyed) this.#gone.add(uid);
      if (items !== this.#items) this.#replaceRows(items);
      this.#total = this.#exhausted ? items.length : Math.max(delta.total, items.length);
      this.#state = delta.newState;
      if (!delta.hasMoreChanges) return;
    }
    // So far behind that fetching the list again is cheaper than more rounds.
    this.reload();
  }

  /** New rows for the same folder: the selection keeps what is left, focus stays on its message. */
  #replaceRows(items: MessageSummary[]): void {
    const focused = this.focused ? keyOf(this.focused) : undefined;
    this.#items = items;
    this.#selection = pruneSelection(this.#selection, new Set(items.map(keyOf)));
    const index = focused === undefined ? -1 : this.indexOf(focused);
    this.setFocus(index === -1 ? this.#focusIndex : index);
  }

  /** Loads pages until row `end - 1` is there (or the folder ends). */
  async ensureLoaded(end: number): Promise<void> {
    this.#wanted = Math.max(this.#wanted, end);
    if (this.#loading || this.#exhausted || !this.#mailboxId) return;
    const generation = this.#generation;
    const mailboxId = this.#mailboxId;
    this.#loading = true;
    try {
      while (generation === this.#generation && !this.#exhausted && this.#items.length < this.#wanted) {
        const limit = Math.min(MAX_PAGE, Math.max(PAGE, this.#wanted - this.#items.length));
        const first = this.#cursor === null;
        const page = await mailApi.listMessages(mailboxId, {
          cursor: this.#cursor,
          limit,
          sort: this.#sort,
          order: this.#order,
        });
        if (generation !== this.#generation) return;
        const known = new Set(this.#items.map(keyOf));
        const fresh = page.items.filter((m) => !known.has(keyOf(m)) && !this.#gone.has(m.uid));
        this.#items = this.#items.concat(fresh);
        this.#total = Math.max(page.total, this.#items.length);
        this.#unread = page.unread;
        this.#cursor = page.nextCursor;
        this.#exhausted = page.nextCursor === null || page.items.length === 0;
        if (this.#exhausted) this.#total = this.#items.length;
        this.#hooks.counts?.(page.mailboxId, page);
        if (first) {
          this.#state = page.state;
          this.#hooks.state?.(page.mailboxId, page.state);
          if (this.#behind) void this.catchUp();
        }
      }
    } catch (error) {
      if (generation === this.#generation) this.#error = toApiRequestError(error);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  indexOf(key: MessageKey): number {
    return this.#items.findIndex((m) => keyOf(m) === key);
  }

  byKey(key: MessageKey): MessageSummary | undefined {
    return this.#items.find((m) => keyOf(m) === key);
  }

  setFocus(index: number): void {
    this.#focusIndex = Math.max(0, Math.min(index, Math.max(0, this.#items.length - 1)));
  }

  click(key: MessageKey, modifiers: ClickModifiers): void {
    this.#selection = clickSelect(this.#selection, this.#items.map(keyOf), key, modifiers);
    const index = this.indexOf(key);
    if (index !== -1) this.#focusIndex = index;
  }

  toggle(key: MessageKey): void {
    this.#selection = toggleKey(this.#selection, key);
  }

  selectAll(on: boolean): void {
    this.#selection = on ? { keys: new Set(this.#items.map(keyOf)), anchor: null } : EMPTY_SELECTION;
  }

  clearSelection(): void {
    this.#selection = EMPTY_SELECTION;
  }

  /** Changes flags of loaded rows; returns the previous flags for a rollback. */
  setFlags(keys: readonly MessageKey[], change: Partial<MessageFlags>): Map<MessageKey, MessageFlags> {
    const wanted = new Set(keys);
    const before = new Map<MessageKey, MessageFlags>();
    let unreadDelta = 0;
    this.#items = this.#items.map((m) => {
      const key = keyOf(m);
      if (!wanted.has(key)) return m;
      before.set(key, m.flags);
      const flags = { ...m.flags, ...change };
      if (flags.seen !== m.flags.seen) unreadDelta += flags.seen ? -1 : 1;
      return { ...m, flags };
    });
    this.#unread = Math.max(0, this.#unread + unreadDelta);
    return before;
  }

  restoreFlags(before: ReadonlyMap<MessageKey, MessageFlags>): void {
    let unreadDelta = 0;
    this.#items = this.#items.map((m) => {
      const flags = before.get(keyOf(m));
      if (!flags) return m;
      if (flags.seen !== m.flags.seen) unreadDelta += flags.seen ? -1 : 1;
      return { ...m, flags };
    });
    this.#unread = Math.max(0, this.#unread + unreadDelta);
  }

  /** Takes rows out (move, delete); returns them for a rollback. */
  remove(keys: readonly MessageKey[]): RemovedRow[] {
    const wanted = new Set(keys);
    const removed: RemovedRow[] = [];
    const kept: MessageSummary[] = [];
    this.#items.forEach((item, index) => {
      if (wanted.has(keyOf(item))) removed.push({ index, item });
      else kept.push(item);
    });
    if (removed.length === 0) return removed;
    this.#items = kept;
    this.#total = Math.max(0, this.#total - removed.length);
    this.#unread = Math.max(0, this.#unread - removed.filter((r) => !r.item.flags.seen).length);
    this.#selection = pruneSelection(this.#selection, new Set(kept.map(keyOf)));
    this.setFocus(Math.min(this.#focusIndex, kept.length - 1));
    return removed;
  }

  reinsert(rows: readonly RemovedRow[]): void {
    const items = [...this.#items];
    const present = new Set(items.map(keyOf));
    for (const row of [...rows].sort((a, b) => a.index - b.index)) {
      if (present.has(keyOf(row.item))) continue;
      items.splice(Math.min(row.index, items.length), 0, row.item);
    }
    this.#total += items.length - this.#items.length;
    this.#unread += rows.filter((r) => !r.item.flags.seen).length;
    this.#items = items;
  }
}
