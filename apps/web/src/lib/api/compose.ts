/**
 * The compose API: identities, contacts, uploads, drafts, send with undo and reply templates.
 * Only the lazily loaded composer imports this module, so none of it weighs on first load.
 */
import type {
  ComposeLimits,
  ComposeMode,
  Contact,
  ContactList,
  DraftInput,
  Identity,
  IdentityList,
  ReplyTemplate,
  ResumedDraft,
  SavedDraft,
  SendResult,
  SendStatus,
  UndoResult,
  UploadResult,
} from '@westwind/contract';
import { API_PREFIX, ApiRequestError, apiRequest, errorFromResponse } from './client';

export type {
  ComposeAddress,
  ComposeLimits,
  ComposeMode,
  Contact,
  DraftAttachment,
  DraftInput,
  Identity,
  ReplyTemplate,
  ResumedDraft,
  SavedDraft,
  SendError,
  SendResult,
  SendStatus,
  UndoResult,
  UploadResult,
} from '@westwind/contract';

// --- Calls ---------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export async function listIdentities(): Promise<Identity[]> {
  return (await apiRequest<IdentityList>('GET', '/identities')).identities;
}

/**
 * Listeners told about a saved identity list. The settings editor and an open composer live in
 * different lazy chunks that share this module, so a composer already loaded picks up a new
 * identity or signature without a reload.
 */
const identityListeners = new Set<(list: Identity[]) => void>();

export function onIdentitiesSaved(listener: (list: Identity[]) => void): () => void {
  identityListeners.add(listener);
  return () => identityListeners.delete(listener);
}

/** Replaces the list; the answer is the list as stored (normalized, signatures sanitized). */
export async function saveIdentities(identities: Identity[]): Promise<Identity[]> {
  const saved = (await apiRequest<IdentityList>('PUT', '/identities', { body: { identities } })).identities;
  for (const listener of identityListeners) listener(saved);
  return saved;
}

export async function searchContacts(q: string, signal?: AbortSignal): Promise<Contact[]> {
  const options = signal ? { signal } : {};
  return (await apiRequest<ContactList>('GET', `/contacts?q=${enc(q)}&limit=8`, options)).contacts;
}

export function composeLimits(): Promise<ComposeLimits> {
  return apiRequest<ComposeLimits>('GET', '/compose/limits');
}

export function saveDraft(draftId: string, draft: DraftInput, signal?: AbortSignal): Promise<SavedDraft> {
  return apiRequest<SavedDraft>(
    'PUT',
    `/compose/drafts/${enc(draftId)}`,
    signal ? { body: draft, signal } : { body: draft },
  );
}

export function deleteDraft(draftId: string): Promise<void> {
  return apiRequest<void>('DELETE', `/compose/drafts/${enc(draftId)}`);
}

export function draftFromMessage(mailboxId: string, uid: number): Promise<ResumedDraft> {
  return apiRequest<ResumedDraft>('GET', `/compose/drafts/from/${enc(mailboxId)}/${uid}`);
}

export function sendDraft(draftId: string, draft: DraftInput): Promise<SendResult> {
  return apiRequest<SendResult>('POST', '/compose/send', { body: { draftId, draft }, timeoutMs: 120_000 });
}

export function undoSend(sendId: string): Promise<UndoResult> {
  return apiRequest<UndoResult>('POST', `/compose/send/${enc(sendId)}/undo`);
}

export function sendStatus(sendId: string): Promise<SendStatus> {
  return apiRequest<SendStatus>('GET', `/compose/send/${enc(sendId)}`);
}

export function replyTemplate(mailboxId: string, uid: number, mode: ComposeMode): Promise<ReplyTemplate> {
  return apiRequest<ReplyTemplate>('GET', `/mailboxes/${enc(mailboxId)}/messages/${uid}/reply?mode=${mode}`);
}

export function deleteUpload(uploadId: string): Promise<void> {
  return apiRequest<void>('DELETE', `/compose/uploads/${enc(uploadId)}`);
}

/** An upload in flight: `promise` settles with the server's answer, `abort()` cancels it. */
export interface UploadHandle {
  promise: Promise<UploadResult>;
  abort(): void;
}

/**
 * Uploads one file as multipart field `file`. XHR rather than fetch: fetch reports no upload
 * progress. `onprogress` gets the fraction sent (0–1).
 */
export function uploadFile(file: File, csrf: string, onprogress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<UploadResult>((resolve, reject) => {
    xhr.open('POST', `${API_PREFIX}/compose/uploads`);
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onprogress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const response = new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status });
      if (xhr.status >= 200 && xhr.status < 300) {
        onprogress(1);
        response
          .json()
          .then(resolve, () =>
            reject(new ApiRequestError({ status: xhr.status, code: 'BAD_RESPONSE', message: 'Not JSON.' })),
          );
      } else {
        void errorFromResponse(response).then(reject);
      }
    };
    xhr.onerror = () =>
      reject(new ApiRequestError({ status: 0, code: 'NETWORK', message: 'Upload failed.' }));
    xhr.onabort = () =>
      reject(new ApiRequestError({ status: 0, code: 'ABORTED', message: 'Upload cancelled.' }));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/** The CSRF token for requests made outside `apiRequest` (the XHR upload). */
export async function fetchCsrfToken(): Promise<string> {
  const body = await apiRequest<{ token: string }>('GET', '/csrf');
  return body.token;
}
