import type { SessionInfo, SignInRequest } from '@westwind/contract';
import { ApiRequestError, apiRequest } from './client';

/** The signed-in session, or throws (401 `SESSION_REQUIRED` when there is none). */
export async function fetchSession(): Promise<SessionInfo> {
  return parseSessionInfo(await apiRequest<unknown>('GET', '/session'));
}

/** Signs in; resolves with the new session. */
export async function createSession(request: SignInRequest): Promise<SessionInfo> {
  const body = await apiRequest<unknown>('POST', '/session', { body: request });
  // A server that answers 204 still set the cookie; ask for the session it created.
  return body === undefined ? fetchSession() : parseSessionInfo(body);
}

export async function deleteSession(): Promise<void> {
  await apiRequest<unknown>('DELETE', '/session');
}

/** Checks the shape the UI relies on; the SPA carries no schema validator, to stay small. */
export function parseSessionInfo(value: unknown): SessionInfo {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { address, displayName, capabilities } = record;
  if (typeof address !== 'string' || address === '') {
    throw new ApiRequestError({
      status: 200,
      code: 'BAD_RESPONSE',
      message: 'The session response has no address.',
    });
  }
  return {
    address,
    displayName: typeof displayName === 'string' ? displayName : '',
    capabilities: Array.isArray(capabilities)
      ? capabilities.filter((c): c is string => typeof c === 'string')
      : [],
  };
}
