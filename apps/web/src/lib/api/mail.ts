import type {
  CreateMailboxRequest,
  Mailbox,
  MailboxChanges,
  MailboxList,
  MessageActionRequest,
  MessageActionResult,
  MessageDetail,
  MessagePage,
  MessageSort,
  UpdateMailboxRequest,
} from '@westwind/contract';
import { API_PREFIX, apiRequest } from './client';

const mailboxPath = (mailboxId: string) => `/mailboxes/${encodeURIComponent(mailboxId)}`;
const messagePath = (mailboxId: string, uid: number) => `${mailboxPath(mailboxId)}/messages/${uid}`;

export async function listMailboxes(): Promise<Mailbox[]> {
  return (await apiRequest<MailboxList>('GET', '/mailboxes')).mailboxes;
}

export function createMailbox(request: CreateMailboxRequest): Promise<Mailbox> {
  return apiRequest<Mailbox>('POST', '/mailboxes', { body: request });
}

export function updateMailbox(mailboxId: string, request: UpdateMailboxRequest): Promise<Mailbox> {
  return apiRequest<Mailbox>('PATCH', mailboxPath(mailboxId), { body: request });
}

export function deleteMailbox(mailboxId: string): Promise<void> {
  return apiRequest<void>('DELETE', mailboxPath(mailboxId));
}

export interface PageRequest {
  cursor?: string | null;
  limit?: number;
  sort?: MessageSort;
  order?: 'asc' | 'desc';
  signal?: AbortSignal;
}

export function listMessages(mailboxId: string, request: PageRequest = {}): Promise<MessagePage> {
  const query = new URLSearchParams();
  if (request.cursor) query.set('cursor', request.cursor);
  query.set('limit', String(request.limit ?? 50));
  query.set('sort', request.sort ?? 'date');
  query.set('order', request.order ?? 'desc');
  const options = request.signal ? { signal: request.signal } : {};
  return apiRequest<MessagePage>('GET', `${mailboxPath(mailboxId)}/messages?${query}`, options);
}

/** What changed in a folder since a list page's (or an earlier call's) `state`. */
export function mailboxChanges(
  mailboxId: string,
  since: string,
  maxChanges: number,
): Promise<MailboxChanges> {
  const query = new URLSearchParams({ since, maxChanges: String(maxChanges) });
  return apiRequest<MailboxChanges>('GET', `${mailboxPath(mailboxId)}/changes?${query}`);
}

export function getMessage(
  mailboxId: string,
  uid: number,
  options: { remoteContent?: boolean; markRead?: boolean; signal?: AbortSignal } = {},
): Promise<MessageDetail> {
  const query = new URLSearchParams({ markRead: String(options.markRead ?? true) });
  // Left out unless asked for: the server then shows images from senders the user allowed.
  if (options.remoteContent) query.set('remoteContent', 'true');
  return apiRequest<MessageDetail>(
    'GET',
    `${messagePath(mailboxId, uid)}?${query}`,
    options.signal ? { signal: options.signal } : {},
  );
}

export function messageAction(request: MessageActionRequest): Promise<MessageActionResult> {
  return apiRequest<MessageActionResult>('POST', '/messages/actions', { body: request });
}

/** Download link for an attachment; `inline` asks for a preview (images and PDFs only). */
export function attachmentUrl(mailboxId: string, uid: number, partId: string, inline = false): string {
  const url = `${API_PREFIX}${messagePath(mailboxId, uid)}/attachments/${encodeURIComponent(partId)}`;
  return inline ? `${url}?inline=1` : url;
}

/** The HTML body as its own document, for the reader's sandboxed iframe. */
export function messageBodyUrl(mailboxId: string, uid: number, remoteContent: boolean): string {
  return `${API_PREFIX}${messagePath(mailboxId, uid)}/body${remoteContent ? '?remoteContent=1' : ''}`;
}

export function rawMessageUrl(mailboxId: string, uid: number): string {
  return `${API_PREFIX}${messagePath(mailboxId, uid)}/raw`;
}

/** Deletes every message of Trash or Junk (409 MAILBOX_PROTECTED for other folders). */
export function emptyMailbox(mailboxId: string): Promise<MessageActionResult> {
  return apiRequest<MessageActionResult>('POST', `${mailboxPath(mailboxId)}/empty`);
}
