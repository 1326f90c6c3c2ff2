import type { ThreadDetail, ThreadPage } from '@westwind/contract';
import { apiRequest } from '../../lib/api/client';

export function listThreads(
  mailboxId: string,
  request: { cursor?: string | null; limit?: number; signal?: AbortSignal } = {},
): Promise<ThreadPage> {
  const query = new URLSearchParams({ limit: String(request.limit ?? 30) });
  if (request.cursor) query.set('cursor', request.cursor);
  return apiRequest<ThreadPage>(
    'GET',
    `/mailboxes/${encodeURIComponent(mailboxId)}/threads?${query}`,
    request.signal ? { signal: request.signal } : {},
  );
}

export function getThread(threadId: string, mailboxId: string, signal?: AbortSignal): Promise<ThreadDetail> {
  const query = new URLSearchParams({ mailboxId });
  return apiRequest<ThreadDetail>(
    'GET',
    `/threads/${encodeURIComponent(threadId)}?${query}`,
    signal ? { signal } : {},
  );
}
