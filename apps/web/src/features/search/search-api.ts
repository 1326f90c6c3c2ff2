import type { SearchResult } from '@westwind/contract';
import { apiRequest } from '../../lib/api/client';

export interface SearchRequest {
  /** The folder searched when the query has no `in:`. */
  mailboxId: string;
  cursor?: string | null;
  limit?: number;
}

export function searchMessages(q: string, request: SearchRequest): Promise<SearchResult> {
  const query = new URLSearchParams({ q, mailboxId: request.mailboxId, limit: String(request.limit ?? 50) });
  if (request.cursor) query.set('cursor', request.cursor);
  return apiRequest<SearchResult>('GET', `/search?${query}`);
}
