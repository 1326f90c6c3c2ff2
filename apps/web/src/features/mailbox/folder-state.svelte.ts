import type { Mailbox } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import * as mailApi from '../../lib/api/mail';
import { buildFolderRows, type FolderRow, findRole, folderLabel } from './folder-tree';

/** The folder tree, its counts and which folder is open. One per mail shell. */
export class FolderState {
  #mailboxes = $state.raw<Mailbox[]>([]);
  #selectedId = $state<string | null>(null);
  #collapsed = $state.raw<ReadonlySet<string>>(new Set());
  #loading = $state(false);
  #error = $state.raw<ApiRequestError | null>(null);
  #rows = $derived(buildFolderRows(this.#mailboxes, this.#collapsed));
  #selected = $derived(this.#mailboxes.find((m) => m.id === this.#selectedId) ?? null);

  get mailboxes(): Mailbox[] {
    return this.#mailboxes;
  }
  get rows(): FolderRow[] {
    return this.#rows;
  }
  get selectedId(): string | null {
    return this.#selectedId;
  }
  get selected(): Mailbox | null {
    return this.#selected;
  }
  get selectedLabel(): string {
    return this.#selected ? folderLabel(this.#selected) : 'Inbox';
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): ApiRequestError | null {
    return this.#error;
  }

  byId(id: string): Mailbox | undefined {
    return this.#mailboxes.find((m) => m.id === id);
  }
  byRole(role: NonNullable<Mailbox['role']>): Mailbox | undefined {
    return findRole(this.#mailboxes, role);
  }

  /** Loads (or refreshes) the list; selects the Inbox the first time. Never throws. */
  async load(): Promise<void> {
    this.#loading = true;
    try {
      this.#mailboxes = await mailApi.listMailboxes();
      this.#error = null;
      if (!this.#selectedId || !this.byId(this.#selectedId)) {
        this.#selectedId = (this.byRole('inbox') ?? this.#mailboxes.find((m) => m.selectable))?.id ?? null;
      }
    } catch (error) {
      this.#error = toApiRequestError(error);
    } finally {
      this.#loading = false;
    }
  }

  select(id: string): void {
    this.#selectedId = id;
  }

  toggle(id: string): void {
    const next = new Set(this.#collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.#collapsed = next;
  }

  /** Applies count changes locally (optimistic UI); the next load() corrects any drift. */
  adjust(id: string, delta: { unread?: number; total?: number }): void {
    this.#mailboxes = this.#mailboxes.map((m) =>
      m.id === id
        ? {
            ...m,
            unread: Math.max(0, m.unread + (delta.unread ?? 0)),
            total: Math.max(0, m.total + (delta.total ?? 0)),
          }
        : m,
    );
  }

  /** Sets the counts the message list learned from the server. */
  setCounts(id: string, counts: { unread: number; total: number }): void {
    const current = this.byId(id);
    if (!current || (current.unread === counts.unread && current.total === counts.total)) return;
    // Only the two counts: callers pass whole pages and push events.
    const { unread, total } = counts;
    this.#mailboxes = this.#mailboxes.map((m) => (m.id === id ? { ...m, unread, total } : m));
  }

  /** These throw `ApiRequestError`; the dialog shows why. */
  async create(name: string, parentId: string | null): Promise<void> {
    const created = await mailApi.createMailbox({ name, parentId });
    await this.load();
    if (created?.id) this.#selectedId = created.id;
  }

  /** Renames and/or (un)subscribes; sends only what changed. */
  async update(mailbox: Mailbox, name: string, subscribed = mailbox.subscribed): Promise<void> {
    const id = mailbox.id;
    const request = {
      ...(name !== mailbox.name ? { name } : {}),
      ...(subscribed !== mailbox.subscribed ? { subscribed } : {}),
    };
    if (Object.keys(request).length === 0) return;
    const updated = await mailApi.updateMailbox(id, request);
    const wasSelected = this.#selectedId === id;
    await this.load();
    if (wasSelected && updated?.id) this.#selectedId = updated.id;
  }

  async remove(id: string): Promise<void> {
    await mailApi.deleteMailbox(id);
    if (this.#selectedId === id) this.#selectedId = this.byRole('inbox')?.id ?? null;
    await this.load();
  }
}
