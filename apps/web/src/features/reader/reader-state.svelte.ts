import type { MessageDetail } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import * as mailApi from '../../lib/api/mail';

/** The open message. */
export class ReaderState {
  #detail = $state.raw<MessageDetail | null>(null);
  #target = $state.raw<{ mailboxId: string; uid: number } | null>(null);
  #loading = $state(false);
  #error = $state.raw<ApiRequestError | null>(null);
  #controller: AbortController | undefined;

  get detail(): MessageDetail | null {
    return this.#detail;
  }
  get target(): { mailboxId: string; uid: number } | null {
    return this.#target;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get error(): ApiRequestError | null {
    return this.#error;
  }

  isOpen(mailboxId: string, uid: number): boolean {
    return this.#target?.mailboxId === mailboxId && this.#target.uid === uid;
  }

  /**
   * Loads a message (the server marks it read unless `markRead` is false); resolves with it, or
   * null on failure. `keep` leaves the current view up while it reloads.
   */
  async open(
    mailboxId: string,
    uid: number,
    { remoteContent = false, markRead = true, keep = false } = {},
  ): Promise<MessageDetail | null> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#target = { mailboxId, uid };
    if (!keep) this.#detail = null;
    this.#error = null;
    this.#loading = true;
    try {
      const detail = await mailApi.getMessage(mailboxId, uid, {
        remoteContent,
        markRead,
        signal: controller.signal,
      });
      if (this.#controller !== controller) return null;
      this.#detail = detail;
      return detail;
    } catch (error) {
      if (this.#controller === controller) this.#error = toApiRequestError(error);
      return null;
    } finally {
      if (this.#controller === controller) this.#loading = false;
    }
  }

  /** Loads the open message again (with its remote images, or after the sender was allowed). */
  reload(remoteContent = false): void {
    const target = this.#target;
    if (target) void this.open(target.mailboxId, target.uid, { remoteContent, markRead: false, keep: true });
  }

  /** Keeps the open message's flags in step with the list. */
  patchFlags(mailboxId: string, uid: number, flags: Partial<MessageDetail['summary']['flags']>): void {
    const detail = this.#detail;
    if (!detail || detail.summary.uid !== uid || detail.summary.mailboxId !== mailboxId) return;
    this.#detail = {
      ...detail,
      summary: { ...detail.summary, flags: { ...detail.summary.flags, ...flags } },
    };
  }

  close(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    this.#target = null;
    this.#detail = null;
    this.#error = null;
    this.#loading = false;
  }
}
