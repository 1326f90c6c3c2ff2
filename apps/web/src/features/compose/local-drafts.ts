import type { DraftAttachment, DraftInput } from '../../lib/api/compose';

/** An attachment as the composer shows it: what the draft sends, and a name and size for the chip. */
export interface FileEntry {
  attachment: DraftAttachment;
  filename: string;
  size: number;
  contentType: string;
}

/**
 * Every change to a draft is written to localStorage under its draftId, so a closed tab, a crash or
 * an offline period loses nothing. The copy is removed once the server confirms the send (or the
 * user discards the draft). Restored drafts are untrusted input: validated field by field.
 */
export const LOCAL_PREFIX = 'westwind.draft.';

export interface LocalDraft {
  draftId: string;
  /** Whose draft: a shared browser must not offer one person's drafts to another. */
  account: string;
  draft: DraftInput;
  /** The draft's attachments, with names for the chips (same order as `draft.attachments`). */
  files: FileEntry[];
  /** ms since epoch of the last change. */
  changedAt: number;
  /** Whether the server has this version. */
  synced: boolean;
}

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>;

function store(): Store | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function writeLocalDraft(value: LocalDraft, s: Store | null = store()): boolean {
  try {
    s?.setItem(LOCAL_PREFIX + value.draftId, JSON.stringify(value));
    return s !== null;
  } catch {
    // Quota exceeded or storage disabled: the server copy is all there is.
    return false;
  }
}

export function removeLocalDraft(draftId: string, s: Store | null = store()): void {
  try {
    s?.removeItem(LOCAL_PREFIX + draftId);
  } catch {
    /* storage disabled */
  }
}

export function readLocalDraft(draftId: string, s: Store | null = store()): LocalDraft | null {
  try {
    return parseLocalDraft(s?.getItem(LOCAL_PREFIX + draftId) ?? null);
  } catch {
    return null;
  }
}

/** Every stored draft of `account`, newest first. */
export function listLocalDrafts(account: string, s: Store | null = store()): LocalDraft[] {
  if (!s) return [];
  const found: LocalDraft[] = [];
  try {
    for (let i = 0; i < s.length; i++) {
      const key = s.key(i);
      if (!key?.startsWith(LOCAL_PREFIX)) continue;
      const draft = parseLocalDraft(s.getItem(key));
      if (draft && key === LOCAL_PREFIX + draft.draftId && draft.account === account) found.push(draft);
    }
  } catch {
    return found;
  }
  return found.sort((a, b) => b.changedAt - a.changedAt);
}

const str = (v: unknown, max = 1_000_000): string => (typeof v === 'string' ? v.slice(0, max) : '');
const addresses = (v: unknown) =>
  Array.isArray(v)
    ? v
        .filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
        .map((a) => ({ name: str(a.name, 500), address: str(a.address, 320) }))
        .filter((a) => a.address)
        .slice(0, 500)
    : [];

export function parseLocalDraft(raw: string | null): LocalDraft | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const d = (typeof v.draft === 'object' && v.draft !== null ? v.draft : {}) as Record<string, unknown>;
  const draftId = str(v.draftId, 100);
  if (!/^[0-9a-f-]{8,64}$/i.test(draftId)) return null;
  const ref = d.inReplyTo as Record<string, unknown> | undefined;
  const files = Array.isArray(v.files) ? v.files.map(parseFile).filter((f) => f !== null) : [];
  const mode = d.mode === 'reply' || d.mode === 'replyAll' || d.mode === 'forward' ? d.mode : undefined;
  return {
    draftId,
    account: str(v.account, 320),
    changedAt: Number(v.changedAt) || 0,
    synced: v.synced === true,
    files,
    draft: {
      ...(typeof d.identityId === 'string' ? { identityId: d.identityId } : {}),
      to: addresses(d.to),
      cc: addresses(d.cc),
      bcc: addresses(d.bcc),
      subject: str(d.subject, 998).replace(/[\r\n]+/g, ' '),
      ...(typeof d.html === 'string' ? { html: d.html } : {}),
      text: str(d.text),
      attachments: files.map((f) => f.attachment),
      ...(ref && typeof ref.mailboxId === 'string' && typeof ref.uid === 'number'
        ? { inReplyTo: { mailboxId: ref.mailboxId, uid: ref.uid } }
        : {}),
      ...(mode ? { mode } : {}),
    },
  };
}

function parseFile(value: unknown): FileEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const f = value as Record<string, unknown>;
  const a = (typeof f.attachment === 'object' && f.attachment !== null ? f.attachment : {}) as Record<
    string,
    unknown
  >;
  let attachment: DraftAttachment;
  if (typeof a.uploadId === 'string') attachment = { uploadId: a.uploadId };
  else if (typeof a.fromMessage === 'object' && a.fromMessage !== null) {
    const m = a.fromMessage as Record<string, unknown>;
    if (typeof m.mailboxId !== 'string' || typeof m.uid !== 'number' || typeof m.partId !== 'string')
      return null;
    attachment = { fromMessage: { mailboxId: m.mailboxId, uid: m.uid, partId: m.partId } };
  } else if (typeof a.messageAsAttachment === 'object' && a.messageAsAttachment !== null) {
    const m = a.messageAsAttachment as Record<string, unknown>;
    if (typeof m.mailboxId !== 'string' || typeof m.uid !== 'number') return null;
    attachment = { messageAsAttachment: { mailboxId: m.mailboxId, uid: m.uid } };
  } else return null;
  return {
    attachment,
    filename: str(f.filename, 500),
    size: Number(f.size) || 0,
    contentType: str(f.contentType, 200),
  };
}

/** Whether a draft holds anything worth restoring. */
export function isEmptyDraft(d: DraftInput): boolean {
  return (
    d.to.length + d.cc.length + d.bcc.length + d.attachments.length === 0 &&
    !d.subject.trim() &&
    !d.text.trim()
  );
}

/** A failed server save is retried after about 2 s, 4 s, 8 s, … up to this. */
export const MAX_RETRY_MS = 60_000;

/**
 * How long to wait before the next server save after `failures` failed ones in a row. Jittered
 * (±20 %) so tabs that lost the same connection do not all come back in the same instant; never
 * sooner than the server's Retry-After.
 */
export function retryDelay(failures: number, retryAfterSeconds = 0, random = Math.random): number {
  const backoff = Math.min(MAX_RETRY_MS, 2000 * 2 ** Math.max(0, failures - 1));
  return Math.max(Math.round(backoff * (0.8 + random() * 0.4)), retryAfterSeconds * 1000);
}

/** Whether a failed save is worth retrying unchanged: the network or a server that is away. */
export function isTransient(error: { status: number; code: string }): boolean {
  if (error.code === 'ABORTED') return false;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}
