import type { MessageFlags, MessagePage, MessageSort, MessageSummary } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import * as mailApi from '../../lib/api/mail';
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
  #onpage: ((page: MessagePage) => void) | undefined;

  constructor(onpage?: (page: MessagePage) => void) {
    this.#onpage = onpage;
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
    void this.ensureLoaded(PAGE);
  }

  /**
   * Brings the top of the list up to date after a push said the folder changed, without starting
   * over: the first page is fetched again and replaces the rows it covers (new mail appears at the
   * top, changed flags update, expunged rows go), the rows further down, the selection and the
   * focused message stay. Other orders than newest-first simply reload.
   */
  async refreshHead(): Promise<void> {
    const mailboxId = this.#mailboxId;
    if (!mailboxId || this.#loading) return;
    if (this.#sort !== 'date' || this.#order !== 'desc' || this.#items.length === 0) {
      this.reload();
      return;
    }
    const generation = this.#generation;
    const focused = this.focused ? keyOf(this.focused) : undefined;
    try {
      const page = await mailApi.listMessages(mailboxId, {
        cursor: null,
        limit: PAGE,
        sort: 'date',
        order: 'desc',
      });
      if (generation !== this.#generation || page.items.length === 0) {
        if (page.items.length === 0 && generation === this.#generation) this.reload();
        return;
      }
      // Newest first by arrival: the fresh page covers every loaded row with a UID at or above its last.
      const oldest = page.items[page.items.length - 1]!.uid;
      const rest = this.#items.filter((m) => m.mailboxId !== mailboxId || m.uid < oldest);
      this.#items = page.items.concat(rest);
      this.#total = Math.max(page.total, this.#items.length);
      this.#unread = page.unread;
      const live = new Set(this.#items.map(keyOf));
      this.#selection = pruneSelection(this.#selection, live);
      if (focused !== undefined) {
        const index = this.indexOf(focused);
        if (index !== -1) this.#focusIndex = index;
      }
      this.#onpage?.(page);
    } catch {
      // A failed refresh leaves the list as it was; the next push or a reload tries again.
    }
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
        const page = await mailApi.listMessages(mailboxId, {
          cursor: this.#cursor,
          limit,
          sort: this.#sort,
          order: this.#order,
        });
        if (generation !== this.#generation) return;
        const known = new Set(this.#items.map(keyOf));
        this.#items = this.#items.concat(page.items.filter((m) => !known.has(keyOf(m))));
        this.#total = Math.max(page.total, this.#items.length);
        this.#unread = page.unread;
        this.#cursor = page.nextCursor;
        this.#exhausted = page.nextCursor === null || page.items.length === 0;
        if (this.#exhausted) this.#total = this.#items.length;
        this.#onpage?.(page);
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
