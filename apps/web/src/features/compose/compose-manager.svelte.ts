import type { ComposeMode } from '@westwind/contract';
import { type ApiRequestError, toApiRequestError } from '../../lib/api/client';
import type { ComposeLimits, DraftAttachment, Identity, SendStatus } from '../../lib/api/compose';
import * as api from '../../lib/api/compose';
import { describeError } from '../../lib/api/errors';
import { session } from '../../lib/state/session.svelte';
import { ComposeDraft } from './compose-draft.svelte';
import type { ComposeRequest } from './launcher.svelte';
import {
  type FileEntry,
  isEmptyDraft,
  isTransient,
  type LocalDraft,
  listLocalDrafts,
  readLocalDraft,
  removeLocalDraft,
  retryDelay,
  writeLocalDraft,
} from './local-drafts';
import { initialBody, sanitizePastedHtml } from './sanitize-paste';
import { describeSendError, formatBytes } from './send-errors';

/** Server autosave runs this long after typing stops. */
export const AUTOSAVE_MS = 2000;
/** Open windows at once; the oldest is closed (it is saved) beyond this. */
const MAX_WINDOWS = 4;

export interface PendingSend {
  sendId: string;
  draftId: string;
  undoUntil: number;
  phase: 'undoable' | 'sending' | 'sent' | 'undoing';
  /** The local copy, to reopen the composer on undo or failure. */
  local: LocalDraft;
}

/** All composer windows, the identities, and sends in their undo window. */
export class ComposeManager {
  #windows = $state.raw<ComposeDraft[]>([]);
  #identities = $state.raw<Identity[]>([]);
  #limits = $state.raw<ComposeLimits | null>(null);
  #sends = $state.raw<PendingSend[]>([]);
  /** Local drafts found on start that no window has open. */
  #restorable = $state.raw<LocalDraft[]>([]);
  #timers = new Map<ComposeDraft, ReturnType<typeof setTimeout>>();
  #saving = new Map<ComposeDraft, Promise<void>>();
  /** Server saves that failed in a row, per draft: each retry waits longer. */
  #failures = new Map<ComposeDraft, number>();
  #stopIdentities: () => void;
  #uploadKey = 0;
  #csrf: Promise<string> | undefined;
  /** Identities and limits loaded (or failed): a new message waits for its signature. */
  #ready: Promise<unknown>;

  /** The signed-in address, stamped on local copies. */
  get #account(): string {
    return session.info?.address ?? '';
  }

  get windows(): readonly ComposeDraft[] {
    return this.#windows;
  }
  get identities(): readonly Identity[] {
    return this.#identities;
  }
  get sends(): readonly PendingSend[] {
    return this.#sends;
  }
  get restorable(): readonly LocalDraft[] {
    return this.#restorable;
  }
  get limits(): ComposeLimits | null {
    return this.#limits;
  }

  constructor() {
    const local = listLocalDrafts(this.#account);
    this.#restorable = local.filter((d) => !isEmptyDraft(d.draft));
    // Empty leftovers are not worth a question.
    for (const d of local) if (isEmptyDraft(d.draft)) removeLocalDraft(d.draftId);
    this.#ready = Promise.allSettled([
      api.listIdentities().then((list) => (this.#identities = list)),
      api.composeLimits().then((limits) => (this.#limits = limits)),
    ]);
    addEventListener('online', this.#online);
    // Identities edited in settings while the composer is loaded: new windows use them at once.
    this.#stopIdentities = api.onIdentitiesSaved((list) => this.#identitiesSaved(list));
  }

  #disposed = false;

  #online = () => {
    for (const w of this.#windows) {
      if (!w.serverBehind) continue;
      this.#failures.delete(w);
      this.schedule(w, 0);
    }
  };

  /** Stops timers and listeners (the shell is going away: sign-out). Local copies stay. */
  dispose(): void {
    this.#disposed = true;
    removeEventListener('online', this.#online);
    this.#stopIdentities();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const w of this.#windows) for (const u of w.uploads) u.abort();
  }

  #identitiesSaved(list: Identity[]): void {
    const before = this.#identities;
    this.#identities = list;
    // A window sending as a removed identity would be refused at send: it moves to the default.
    for (const w of this.#windows) {
      if (!w.identityId || list.some((i) => i.id === w.identityId)) continue;
      const fallback = this.defaultIdentity();
      w.swapSignature(
        before.find((i) => i.id === w.identityId),
        fallback,
      );
      w.identityId = fallback?.id;
      this.changed(w);
    }
  }

  identity(id: string | undefined): Identity | undefined {
    return this.#identities.find((i) => i.id === id) ?? this.defaultIdentity();
  }
  defaultIdentity(): Identity | undefined {
    return this.#identities.find((i) => i.isDefault) ?? this.#identities[0];
  }

  // --- Opening -------------------------------------------------------------------------------

  async handle(request: ComposeRequest): Promise<void> {
    if (request.kind === 'new') {
      await Promise.race([this.#ready, new Promise((r) => setTimeout(r, 1500))]);
      this.openNew();
    } else if (request.kind === 'reply') {
      const { mailboxId, uid, mode } = request;
      if (mode === 'forwardAsAttachment')
        await this.openForwardAsAttachment(mailboxId, uid, request.size ?? 0);
      else await this.openReply(mailboxId, uid, mode);
    } else await this.resume(request.mailboxId, request.uid);
  }

  #add(draft: ComposeDraft): ComposeDraft {
    let list = [...this.#windows.filter((w) => w !== draft), draft];
    while (list.length > MAX_WINDOWS) {
      const oldest = list[0]!;
      void this.close(oldest);
      list = list.slice(1);
    }
    // Only the newest window stays expanded on a small screen; on desktop they sit side by side.
    this.#windows = list;
    return draft;
  }

  openNew(): ComposeDraft {
    const draft = new ComposeDraft();
    const identity = this.defaultIdentity();
    if (identity) draft.identityId = identity.id;
    draft.html = initialBody(identity?.signatureHtml ?? '', identity?.signatureText ?? '', null);
    draft.bodyVersion++;
    return this.#add(draft);
  }

  async openReply(mailboxId: string, uid: number, mode: ComposeMode): Promise<void> {
    const draft = this.#add(new ComposeDraft());
    draft.loading = true;
    draft.focus = mode === 'forward' ? 'to' : 'body';
    try {
      const template = await api.replyTemplate(mailboxId, uid, mode);
      const files: FileEntry[] = template.draft.attachments.map((attachment, i) => ({
        attachment,
        filename: template.attachments[i]?.filename ?? 'attachment',
        size: template.attachments[i]?.size ?? 0,
        contentType: template.attachments[i]?.contentType ?? '',
      }));
      const identity = this.identity(template.draft.identityId);
      const quoted =
        template.quotedHtml !== null
          ? sanitizePastedHtml(template.quotedHtml)
          : template.draft.html !== undefined
            ? sanitizePastedHtml(template.draft.html)
            : null;
      draft.load(
        {
          ...template.draft,
          ...(identity ? { identityId: identity.id } : {}),
          html: initialBody(identity?.signatureHtml ?? '', identity?.signatureText ?? '', quoted),
        },
        files,
      );
      draft.text = template.draft.text;
      this.persistLocal(draft, false);
    } catch (error) {
      draft.error = `Couldn’t prepare the ${mode === 'forward' ? 'forward' : 'reply'}. ${describeError(toApiRequestError(error))}`;
    } finally {
      draft.loading = false;
    }
  }

  /** The original whole, as a message/rfc822 attachment: no quote, the caret in To. */
  async openForwardAsAttachment(mailboxId: string, uid: number, size: number): Promise<void> {
    const draft = this.#add(new ComposeDraft());
    draft.loading = true;
    draft.focus = 'to';
    try {
      // The forward template still gives what the server decides: the Fwd: subject (never
      // stacked), the identity, and the reference that flags the original $Forwarded afterwards.
      const template = await api.replyTemplate(mailboxId, uid, 'forward');
      const identity = this.identity(template.draft.identityId);
      const attachment: DraftAttachment = { messageAsAttachment: { mailboxId, uid } };
      draft.load(
        {
          ...template.draft,
          ...(identity ? { identityId: identity.id } : {}),
          html: initialBody(identity?.signatureHtml ?? '', identity?.signatureText ?? '', null),
          text: identity?.signatureText.trim() ?? '',
          attachments: [attachment],
        },
        // The server's name for the part, so the chip shows what the recipient gets.
        [{ attachment, filename: `message-${uid}.eml`, size, contentType: 'message/rfc822' }],
      );
      this.persistLocal(draft, false);
    } catch (error) {
      draft.error = `Couldn’t prepare the forward. ${describeError(toApiRequestError(error))}`;
    } finally {
      draft.loading = false;
    }
  }

  /** Opens a message of the Drafts folder in the composer. */
  async resume(mailboxId: string, uid: number): Promise<void> {
    const draft = this.#add(new ComposeDraft());
    draft.loading = true;
    try {
      const resumed = await api.draftFromMessage(mailboxId, uid);
      const open = this.#windows.find((w) => w !== draft && w.draftId === resumed.draftId);
      if (open) {
        this.#windows = this.#windows.filter((w) => w !== draft);
        open.minimized = false;
        return;
      }
      const files: FileEntry[] = resumed.draft.attachments.map((attachment, i) => ({
        attachment,
        filename: resumed.attachments[i]?.filename ?? 'attachment',
        size: resumed.attachments[i]?.size ?? 0,
        contentType: resumed.attachments[i]?.contentType ?? '',
      }));
      const replacement = new ComposeDraft(resumed.draftId);
      replacement.focus = 'body';
      replacement.load(resumed.draft, files);
      replacement.saveState = 'saved';
      this.#windows = this.#windows.map((w) => (w === draft ? replacement : w));
    } catch (error) {
      draft.error = `Couldn’t open the draft. ${describeError(toApiRequestError(error))}`;
    } finally {
      draft.loading = false;
    }
  }

  /** Reopens a locally kept draft (restore offer, undo, failed send). */
  openLocal(local: LocalDraft, error = ''): ComposeDraft {
    const existing = this.#windows.find((w) => w.draftId === local.draftId);
    const draft = existing ?? new ComposeDraft(local.draftId);
    if (!existing) {
      draft.load(local.draft, local.files);
      // The server never got this version (offline, a crash): save it now.
      if (!local.synced) this.schedule(draft, 0);
      else draft.saveState = 'saved';
    }
    draft.error = error;
    draft.minimized = false;
    draft.focus = 'body';
    this.#restorable = this.#restorable.filter((d) => d.draftId !== local.draftId);
    return this.#add(draft);
  }

  restoreAll(): void {
    for (const local of this.#restorable) this.openLocal(local);
  }

  /** Forgets the locally kept drafts that were offered (their server copies, if any, stay in Drafts). */
  dismissRestorable(): void {
    for (const local of this.#restorable) removeLocalDraft(local.draftId);
    this.#restorable = [];
  }

  // --- Saving --------------------------------------------------------------------------------

  /** Every change: the local copy now, the server a moment after typing stops. */
  changed(draft: ComposeDraft): void {
    if (draft.sending || draft.loading) return;
    this.persistLocal(draft, false);
    draft.saveState = 'pending';
    this.schedule(draft, AUTOSAVE_MS);
  }

  persistLocal(draft: ComposeDraft, synced: boolean): void {
    if (!writeLocalDraft(draft.toLocal(this.#account, synced)) && draft.saveState === 'local-only') {
      draft.error = 'This browser can’t keep a copy of the draft, and the server can’t be reached.';
    }
  }

  schedule(draft: ComposeDraft, delay: number): void {
    clearTimeout(this.#timers.get(draft));
    this.#timers.set(
      draft,
      setTimeout(() => void this.save(draft), delay),
    );
  }

  /** Saves to the Drafts folder now (one save at a time per draft; a change meanwhile saves again). */
  async save(draft: ComposeDraft): Promise<void> {
    clearTimeout(this.#timers.get(draft));
    this.#timers.delete(draft);
    const running = this.#saving.get(draft);
    if (running) {
      await running;
      if (draft.saveState !== 'pending') return;
    }
    if (draft.sending) return;
    const input = draft.toInput();
    const draftId = draft.draftId;
    const job = (async () => {
      draft.saveState = 'saving';
      try {
        await api.saveDraft(draftId, input);
        this.#failures.delete(draft);
        draft.serverBehind = false;
        if (draft.saveState === 'saving') {
          draft.saveState = 'saved';
          writeLocalDraft({ ...draft.toLocal(this.#account, true), draft: input });
        }
      } catch (failure) {
        // Kept locally; retried on the next change, by itself later, or when back online.
        draft.serverBehind = true;
        if (draft.saveState === 'saving') draft.saveState = 'local-only';
        this.#retryLater(draft, toApiRequestError(failure));
      }
    })();
    this.#saving.set(draft, job);
    await job;
    if (this.#saving.get(draft) === job) this.#saving.delete(draft);
  }

  /**
   * A network failure or a server that is away (5xx, 429) is retried with backoff while the window
   * is open: the browser's `online` event does not fire when only the server was unreachable.
   * A refusal (other 4xx) would fail the same way again, so it waits for the next change.
   */
  #retryLater(draft: ComposeDraft, error: ApiRequestError): void {
    if (!isTransient(error) || this.#disposed || !this.#windows.includes(draft)) return;
    // A change made during the failed save already has its own, sooner save.
    if (this.#timers.has(draft)) return;
    const failures = (this.#failures.get(draft) ?? 0) + 1;
    this.#failures.set(draft, failures);
    this.schedule(draft, retryDelay(failures, error.retryAfterSeconds));
  }

  /** Closes the window, keeping the draft (saved now; the local copy goes once the server has it). */
  async close(draft: ComposeDraft): Promise<void> {
    this.#windows = this.#windows.filter((w) => w !== draft);
    for (const u of draft.uploads) u.abort();
    draft.editor = null;
    if (isEmptyDraft(draft.toInput()) && draft.saveState === 'idle') {
      removeLocalDraft(draft.draftId);
      return;
    }
    if (draft.saveState !== 'saved') await this.save(draft);
    if (draft.saveState === 'saved') removeLocalDraft(draft.draftId);
  }

  /** Throws the draft away: the window, the local copy, the Drafts folder copy and its uploads. */
  async discard(draft: ComposeDraft): Promise<void> {
    clearTimeout(this.#timers.get(draft));
    this.#windows = this.#windows.filter((w) => w !== draft);
    for (const u of draft.uploads) u.abort();
    removeLocalDraft(draft.draftId);
    await this.#saving.get(draft);
    await api.deleteDraft(draft.draftId).catch(() => {});
    for (const f of draft.files) {
      if ('uploadId' in f.attachment) void api.deleteUpload(f.attachment.uploadId).catch(() => {});
    }
  }

  // --- Attachments ---------------------------------------------------------------------------

  #token(): Promise<string> {
    this.#csrf ??= api.fetchCsrfToken();
    this.#csrf.catch(() => (this.#csrf = undefined));
    return this.#csrf;
  }

  addFiles(draft: ComposeDraft, files: Iterable<File>): void {
    for (const file of files) void this.#upload(draft, file);
  }

  async #upload(draft: ComposeDraft, file: File): Promise<void> {
    const key = ++this.#uploadKey;
    let handle: api.UploadHandle | undefined;
    const entry = {
      key,
      filename: file.name || 'pasted-image.png',
      size: file.size,
      progress: 0,
      error: '',
      abort: () => handle?.abort(),
    };
    const update = (patch: Partial<typeof entry>) => {
      draft.uploads = draft.uploads.map((u) => (u.key === key ? { ...u, ...patch } : u));
    };
    draft.uploads = [...draft.uploads, entry];
    const max = this.#limits?.maxAttachmentBytes ?? 0;
    const used = draft.files.reduce((sum, f) => sum + f.size, 0);
    if (max > 0 && used + file.size > max) {
      update({
        error: `Too large: attachments can add up to ${formatBytes(max)} (this file is ${formatBytes(file.size)}).`,
      });
      return;
    }
    try {
      const csrf = await this.#token();
      handle = api.uploadFile(file, csrf, (progress) => update({ progress }));
      const result = await handle.promise;
      draft.uploads = draft.uploads.filter((u) => u.key !== key);
      draft.files = [
        ...draft.files,
        {
          attachment: { uploadId: result.uploadId },
          filename: result.filename,
          size: result.size,
          contentType: result.contentType,
        },
      ];
      this.changed(draft);
    } catch (failure) {
      const error = toApiRequestError(failure);
      if (error.code === 'ABORTED') {
        draft.uploads = draft.uploads.filter((u) => u.key !== key);
        return;
      }
      if (error.code === 'CSRF_INVALID') this.#csrf = undefined;
      const tooLarge = error.status === 413 || /TOO_LARGE/.test(String(error.code));
      update({
        error: tooLarge
          ? `Too large to attach${max ? ` (the limit is ${formatBytes(max)})` : ''}.`
          : `Upload failed. ${describeError(error)}`,
      });
    }
  }

  removeUpload(draft: ComposeDraft, key: number): void {
    draft.uploads.find((u) => u.key === key)?.abort();
    draft.uploads = draft.uploads.filter((u) => u.key !== key);
  }

  removeFile(draft: ComposeDraft, file: FileEntry): void {
    draft.files = draft.files.filter((f) => f !== file);
    this.changed(draft);
    if ('uploadId' in file.attachment) void api.deleteUpload(file.attachment.uploadId).catch(() => {});
  }

  // --- Sending -------------------------------------------------------------------------------

  async send(draft: ComposeDraft): Promise<void> {
    if (draft.sending) return;
    const problem = draft.problem();
    if (problem) {
      draft.error = problem;
      return;
    }
    draft.sending = true;
    draft.error = '';
    draft.rejected = [];
    clearTimeout(this.#timers.get(draft));
    await this.#saving.get(draft);
    const local = draft.toLocal(this.#account, false);
    writeLocalDraft(local);
    try {
      const result = await api.sendDraft(draft.draftId, local.draft);
      const state = result.status.state;
      if (state === 'failed' || state === 'cancelled') {
        draft.sending = false;
        draft.error = describeSendError(result.status);
        draft.rejected = rejectedOf(result.status);
        if (state === 'failed') this.#afterFailure(draft);
        return;
      }
      this.#windows = this.#windows.filter((w) => w !== draft);
      const pending: PendingSend = {
        sendId: result.sendId,
        draftId: draft.draftId,
        undoUntil: Date.parse(result.undoUntil) || Date.now(),
        phase: state === 'sent' ? 'sent' : 'undoable',
        local,
      };
      this.#sends = [...this.#sends.filter((s) => s.draftId !== draft.draftId), pending];
      if (state === 'sent') this.#sent(pending);
      else void this.#follow(pending);
    } catch (error) {
      draft.sending = false;
      draft.error = `Not sent. ${describeError(toApiRequestError(error))} Your draft is kept.`;
    }
  }

  /** A failed send keeps the draft (the server keeps it in Drafts too); sending again is a new try. */
  #afterFailure(draft: ComposeDraft): void {
    this.persistLocal(draft, false);
  }

  #patch(sendId: string, patch: Partial<PendingSend>): void {
    this.#sends = this.#sends.map((s) => (s.sendId === sendId ? { ...s, ...patch } : s));
  }

  /** Waits out the undo window, then asks the server until the message left or failed. */
  async #follow(pending: PendingSend): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.max(0, pending.undoUntil - Date.now()) + 300));
    for (let attempt = 0; attempt < 180; attempt++) {
      const current = this.#sends.find((s) => s.sendId === pending.sendId);
      if (this.#disposed || !current || current.phase === 'undoing') return;
      if (current.phase === 'undoable') this.#patch(pending.sendId, { phase: 'sending' });
      let status: SendStatus | undefined;
      try {
        status = await api.sendStatus(pending.sendId);
      } catch {
        status = undefined;
      }
      if (status?.state === 'sent') return this.#sent(pending);
      if (status?.state === 'failed') return this.#failed(pending, status);
      if (status?.state === 'cancelled') {
        this.#sends = this.#sends.filter((s) => s.sendId !== pending.sendId);
        return;
      }
      await new Promise((r) => setTimeout(r, attempt < 10 ? 500 : 2000));
    }
  }

  #sent(pending: PendingSend): void {
    removeLocalDraft(pending.draftId);
    this.#patch(pending.sendId, { phase: 'sent' });
    setTimeout(() => (this.#sends = this.#sends.filter((s) => s.sendId !== pending.sendId)), 4000);
  }

  #failed(pending: PendingSend, status: SendStatus): void {
    this.#sends = this.#sends.filter((s) => s.sendId !== pending.sendId);
    const draft = this.openLocal(readLocalDraft(pending.draftId) ?? pending.local, describeSendError(status));
    draft.rejected = rejectedOf(status);
    this.#afterFailure(draft);
  }

  async undo(sendId: string): Promise<void> {
    const pending = this.#sends.find((s) => s.sendId === sendId);
    if (!pending || pending.phase === 'sent' || pending.phase === 'undoing') return;
    this.#patch(sendId, { phase: 'undoing' });
    try {
      await api.undoSend(sendId);
      this.#sends = this.#sends.filter((s) => s.sendId !== sendId);
      this.openLocal(readLocalDraft(pending.draftId) ?? pending.local);
    } catch (failure) {
      const error = toApiRequestError(failure);
      this.#patch(sendId, { phase: 'sending' });
      if (error.status === 409) {
        this.#say('Too late to undo: the message has already left.');
      } else {
        this.#say(`Couldn’t undo. ${describeError(error)}`);
      }
      void this.#follow({ ...pending, undoUntil: 0 });
    }
  }

  #toastText = $state('');
  get toast(): string {
    return this.#toastText;
  }
  #say(text: string): void {
    this.#toastText = text;
    setTimeout(() => {
      if (this.#toastText === text) this.#toastText = '';
    }, 6000);
  }
}

const rejectedOf = (status: SendStatus) =>
  (status.error?.rejectedRecipients ?? []).map((a) => a.toLowerCase());
