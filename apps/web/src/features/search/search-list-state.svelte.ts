import type { MessagePage } from '@westwind/contract';
import { getContext, setContext } from 'svelte';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import { MessageListState } from '../mailbox/message-list-state.svelte';
import { searchMessages } from './search-api';

const PAGE = 50;
const MAX_PAGE = 200;

/**
 * The message list with a search mode: while a query is active, pages come from `GET /api/search`
 * instead of the folder; selection, focus, flags and removals are the list's own. Rows are keyed
 * by folder and UID, so results from other folders (`in:all`) are acted on where they are.
 */
export class SearchableListState extends MessageListState {
  #query = $state<string | null>(null);
  #queryError = $state<string | null>(null);
  #total = $state(0);
  #folders = $state(1);
  #loading = $state(false);
  #error = $state.raw<ApiRequestError | null>(null);
  #exhausted = $state(false);
  #cursor: string | null = null;
  #wanted = 0;
  #generation = 0;

  /** The active query, or null outside search mode. */
  get query(): string | null {
    return this.#query;
  }
  /** Why the server refused the query (shown beside the search box). */
  get queryError(): string | null {
    return this.#queryError;
  }
  get searchFolders(): number {
    return this.#folders;
  }
  override get total(): number {
    if (this.#query === null) return super.total;
    return this.#exhausted ? this.items.length : Math.max(this.#total, this.items.length);
  }
  override get unread(): number {
    if (this.#query === null) return super.unread;
    return this.items.reduce((n, m) => n + (m.flags.seen ? 0 : 1), 0);
  }
  override get loading(): boolean {
    return this.#query === null ? super.loading : this.#loading;
  }
  override get error(): ApiRequestError | null {
    return this.#query === null ? super.error : this.#error;
  }
  override get loaded(): boolean {
    return this.#query === null ? super.loaded : this.#exhausted || this.items.length > 0;
  }

  search(query: string): void {
    const q = query.trim();
    if (q === '') {
      this.clearSearch();
      return;
    }
    this.#query = q;
    this.reload();
  }

  clearSearch(): void {
    if (this.#query === null && this.#queryError === null) return;
    this.#query = null;
    this.reload();
  }

  override open(mailboxId: string): void {
    // Opening a folder leaves search mode, as in Gmail.
    if (this.#query !== null && mailboxId === this.mailboxId) {
      this.clearSearch();
      return;
    }
    this.#query = null;
    this.#queryError = null;
    super.open(mailboxId);
  }

  override reload(): void {
    this.#generation += 1;
    this.#total = 0;
    this.#folders = 1;
    this.#cursor = null;
    this.#exhausted = false;
    this.#error = null;
    this.#queryError = null;
    this.#loading = false;
    this.#wanted = 0;
    super.reload();
  }

  override async ensureLoaded(end: number): Promise<void> {
    const q = this.#query;
    if (q === null) return super.ensureLoaded(end);
    this.#wanted = Math.max(this.#wanted, end);
    const mailboxId = this.mailboxId;
    if (this.#loading || this.#exhausted || !mailboxId) return;
    const generation = this.#generation;
    this.#loading = true;
    try {
      while (generation === this.#generation && !this.#exhausted && this.items.length < this.#wanted) {
        const limit = Math.min(MAX_PAGE, Math.max(PAGE, this.#wanted - this.items.length));
        const page = await searchMessages(q, { mailboxId, cursor: this.#cursor, limit });
        if (generation !== this.#generation) return;
        this.#append(page);
      }
    } catch (failure) {
      if (generation !== this.#generation) return;
      const error = toApiRequestError(failure);
      if (error.status === 400 && error.code !== 'INVALID_CURSOR') {
        this.#queryError = error.message;
        this.#exhausted = true;
      } else if (error.code === 'MAILBOX_NOT_FOUND') {
        this.#queryError = 'That folder does not exist.';
        this.#exhausted = true;
      } else {
        this.#error = error;
      }
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  #append(page: MessagePage & { folders: number }): void {
    const start = this.items.length;
    super.reinsert(page.items.map((item, i) => ({ index: start + i, item })));
    this.#total = page.total;
    this.#folders = page.folders;
    this.#cursor = page.nextCursor;
    this.#exhausted = page.nextCursor === null || page.items.length === 0;
  }
}

const KEY = Symbol('search');

export function setSearch(list: SearchableListState): SearchableListState {
  return setContext(KEY, list);
}

export function useSearch(): SearchableListState {
  const list = getContext<SearchableListState | undefined>(KEY);
  if (!list) throw new Error('useSearch() outside the mail shell');
  return list;
}
