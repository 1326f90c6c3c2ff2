import type { MessageRef } from '@westwind/contract';
import type { ComposeAddress, ComposeMode, DraftInput, Identity } from '../../lib/api/compose';
import { isValidAddress } from './addresses';
import type { FileEntry, LocalDraft } from './local-drafts';
import { htmlToText, setSignature } from './sanitize-paste';

/** A random UUID, also where `crypto.randomUUID` is missing (plain http on a LAN). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A file on its way to the server. */
export interface Upload {
  key: number;
  filename: string;
  size: number;
  /** 0–1 */
  progress: number;
  error: string;
  abort: () => void;
}

export type SaveState = 'idle' | 'pending' | 'saving' | 'saved' | 'local-only';

/** One open composer window: what is typed, its attachments, and its save/send state. */
export class ComposeDraft {
  readonly #draftId: string;
  identityId = $state<string | undefined>(undefined);
  to = $state.raw<ComposeAddress[]>([]);
  cc = $state.raw<ComposeAddress[]>([]);
  bcc = $state.raw<ComposeAddress[]>([]);
  showCc = $state(false);
  subject = $state('');
  /** Editor HTML (rich mode). */
  html = $state('');
  /** The plain-text body: typed in plain mode, derived from the editor in rich mode. */
  text = $state('');
  plain = $state(false);
  files = $state.raw<FileEntry[]>([]);
  uploads = $state.raw<Upload[]>([]);
  inReplyTo: MessageRef | undefined;
  mode: ComposeMode | undefined;
  minimized = $state(false);
  /** Loading a template or a resumed draft. */
  loading = $state(false);
  sending = $state(false);
  /** A send or validation error, shown in the window. */
  error = $state('');
  /** Addresses the mail server refused on the last try (lower case), marked on their chips. */
  rejected = $state.raw<string[]>([]);
  saveState = $state<SaveState>('idle');
  /** The last server save failed: the newest text is only in this browser until one succeeds. */
  serverBehind = $state(false);
  /** Where the caret goes when the window opens. */
  focus: 'to' | 'body' = 'to';
  /** Bumped when the body is replaced from outside the editor (a template, a restore). */
  bodyVersion = $state(0);

  constructor(draftId: string = uuid()) {
    this.#draftId = draftId;
  }

  get draftId(): string {
    return this.#draftId;
  }

  get uploading(): boolean {
    return this.uploads.some((u) => !u.error);
  }

  get recipients(): ComposeAddress[] {
    return [...this.to, ...this.cc, ...this.bcc];
  }

  get title(): string {
    return this.subject.trim() || 'New message';
  }

  /** The body for the server; invalid-looking addresses are kept (the server says why). */
  toInput(): DraftInput {
    const clean = (list: ComposeAddress[]) => list.filter((a) => a.address.length >= 3);
    return {
      ...(this.identityId ? { identityId: this.identityId } : {}),
      to: clean(this.to),
      cc: clean(this.cc),
      bcc: clean(this.bcc),
      subject: this.subject.replace(/[\r\n]+/g, ' '),
      ...(this.plain ? {} : { html: this.html }),
      text: this.text,
      attachments: this.files.map((f) => f.attachment),
      ...(this.inReplyTo ? { inReplyTo: this.inReplyTo } : {}),
      ...(this.mode ? { mode: this.mode } : {}),
    };
  }

  toLocal(account: string, synced: boolean): LocalDraft {
    return {
      draftId: this.#draftId,
      account,
      draft: this.toInput(),
      files: this.files,
      changedAt: Date.now(),
      synced,
    };
  }

  /** Fills the draft from a saved one (local copy, Drafts folder, template). */
  load(draft: DraftInput, files: FileEntry[]): void {
    this.identityId = draft.identityId;
    this.to = draft.to;
    this.cc = draft.cc;
    this.bcc = draft.bcc;
    this.showCc = draft.cc.length + draft.bcc.length > 0;
    this.subject = draft.subject;
    this.plain = draft.html === undefined;
    this.html = draft.html ?? '';
    this.text = draft.text;
    this.files = files;
    this.inReplyTo = draft.inReplyTo;
    this.mode = draft.mode;
    this.bodyVersion++;
  }

  /** Why the draft cannot be sent yet, or '' when it can. */
  problem(): string {
    if (this.uploading) return 'Wait for the attachments to finish uploading.';
    if (this.recipients.length === 0) return 'Add at least one recipient.';
    const bad = this.recipients.filter((a) => !isValidAddress(a.address));
    if (bad.length > 0) return `Check ${bad.map((a) => `“${a.address}”`).join(', ')}: not a valid address.`;
    return '';
  }

  /** The editor element while the window is open (rich mode), for DOM edits like a signature swap. */
  editor: HTMLElement | null = null;

  /** Swaps the signature of `from` for that of `to`, in either mode. */
  swapSignature(from: Identity | undefined, to: Identity | undefined): void {
    if (this.plain || !this.editor) {
      const sig = (i: Identity | undefined) =>
        i?.signatureText.trim() ? `\n\n-- \n${i.signatureText.trim()}` : '';
      const oldSig = sig(from);
      const newSig = sig(to);
      if (oldSig && this.text.includes(oldSig)) this.text = this.text.replace(oldSig, newSig);
      else if (newSig && !this.text.includes(newSig)) this.text = `${this.text}${newSig}`;
      return;
    }
    setSignature(this.editor, to?.signatureHtml ?? '', to?.signatureText ?? '');
    this.html = this.editor.innerHTML;
    this.text = htmlToText(this.editor);
  }
}
