import type { ThreadDetail, ThreadSummary } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import { getThread, listThreads } from './api';

export type ListMode = 'messages' | 'conversations';

const MODE_KEY = 'westwind.listMode';
const PAGE = 30;

function storedMode(): ListMode {
  try {
    return globalThis.localStorage?.getItem(MODE_KEY) === 'conversations' ? 'conversations' : 'messages';
  } catch {
    return 'messages';
  }
}

/** The opened conversation: shown in the reader while the reader has its anchor message open. */
export interface OpenThread {
  threadId: string;
  mailboxId: string;
  /** The folder message the reader opens (the newest one of the folder). */
  anchorUid: number;
}

/**
 * Conversation mode of the list pane: the remembered choice, the folder's conversations (paged by
 * cursor) and the open conversation's messages.
 */
export class ConversationState {
  #mode = $state<ListMode>(storedMode());
  #mailboxId = $state<string | null>(null);
  #items = $state.raw<ThreadSummary[]>([]);
  #cursor: string | null = null;
  #exhausted = $state(false);
  #loading = $state(false);
  #error = $state.raw<ApiRequestError | null>(null);
  #open = $state.raw<OpenThread | null>(null);
  #detail = $state.raw<ThreadDetail | null>(null);
  #detailError = $state.raw<ApiRequestError | null>(null);
  #generation = 0;
  #detailController: AbortController | undefined;

  get mode(): ListMode {
    return this.#mode;
  }
  get items(): ThreadSummary[] {
    return this.#items;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get loaded(): boolean {
    return this.#exhausted || this.#items.length > 0;
  }
  get hasMore(): boolean {
    return !this.#exhausted;
  }
  get error(): ApiRequestError | null {
    return this.#error;
  }
  get open(): OpenThread | null {
    return this.#open;
  }
  get detail(): ThreadDetail | null {
    return this.#detail;
  }
  get detailError(): ApiRequestError | null {
    return this.#detailError;
  }

  setMode(mode: ListMode): void {
    this.#mode = mode;
    try {
      globalThis.localStorage?.setItem(MODE_KEY, mode);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    if (mode === 'messages') this.close();
  }

  /** Shows `mailboxId`'s conversations (a no-op when they are already there). */
  show(mailboxId: string): void {
    if (mailboxId === this.#mailboxId) return;
    this.#mailboxId = mailboxId;
    this.reload();
  }

  reload(): void {
    this.#generation += 1;
    this.#items = [];
    this.#cursor = null;
    this.#exhausted = false;
    this.#error = null;
    this.#loading = false;
    void this.loadMore();
  }

  async loadMore(): Promise<void> {
    const mailboxId = this.#mailboxId;
    if (!mailboxId || this.#loading || this.#exhausted) return;
    const generation = this.#generation;
    this.#loading = true;
    this.#error = null;
    try {
      const page = await listThreads(mailboxId, { cursor: this.#cursor, limit: PAGE });
      if (generation !== this.#generation) return;
      const known = new Set(this.#items.map((t) => t.threadId));
      this.#items = [...this.#items, ...page.items.filter((t) => !known.has(t.threadId))];
      this.#cursor = page.nextCursor;
      this.#exhausted = page.nextCursor === null;
    } catch (error) {
      if (generation === this.#generation) this.#error = toApiRequestError(error);
    } finally {
      if (generation === this.#generation) this.#loading = false;
    }
  }

  /** Opens a conversation; returns the folder message the reader should open alongside. */
  openThread(thread: ThreadSummary): number | null {
    const mailboxId = this.#mailboxId;
    const anchor = thread.messages.filter((m) => m.mailboxId === mailboxId).at(-1);
    if (!mailboxId || !anchor) return null;
    this.#detailController?.abort();
    const controller = new AbortController();
    this.#detailController = controller;
    this.#open = { threadId: thread.threadId, mailboxId, anchorUid: anchor.uid };
    this.#detail = null;
    this.#detailError = null;
    getThread(thread.threadId, mailboxId, controller.signal).then(
      (detail) => {
        if (this.#detailController === controller) this.#detail = detail;
      },
      (error) => {
        if (this.#detailController === controller) this.#detailError = toApiRequestError(error);
      },
    );
    return anchor.uid;
  }

  /** A message of the conversation was read: keep the row's unread count in step. */
  markedRead(threadId: string): void {
    this.#items = this.#items.map((t) =>
      t.threadId === threadId && t.unreadCount > 0 ? { ...t, unreadCount: t.unreadCount - 1 } : t,
    );
  }

  close(): void {
    this.#detailController?.abort();
    this.#detailController = undefined;
    this.#open = null;
    this.#detail = null;
    this.#detailError = null;
  }
}

/** App-wide: the list pane and the reader pane share it. */
export const conversations = new ConversationState();
