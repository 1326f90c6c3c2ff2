import type * as Contract from '@westwind/contract';
import type { ApiError, ErrorCode } from '@westwind/contract';

/**
 * Prefix of every REST route. Typed against the contract's constant so the two cannot drift, but
 * written out here: importing the value would pull the contract's TypeBox schemas into the bundle.
 */
export const API_PREFIX: typeof Contract.API_PREFIX = '/api';

/** Codes the client produces itself, when there is no usable answer from the server. */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'ABORTED' | 'BAD_RESPONSE';

/** Any code an `ApiRequestError` can carry; unknown server codes pass through as strings. */
export type RequestErrorCode = ErrorCode | ClientErrorCode | (string & {});

export interface ApiRequestErrorInit {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  code: RequestErrorCode;
  message: string;
  retryAfterSeconds?: number | undefined;
}

/** The one error type every API call throws. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  readonly status: number;
  readonly code: RequestErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ApiRequestErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Sent as JSON. Leave undefined for no body (and no Content-Type). */
  body?: unknown;
  /** Cancels the request; when given, `timeoutMs` is not applied. */
  signal?: AbortSignal;
  /** Deadline for the whole request including the body; default 30 s. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Calls `API_PREFIX + path` with JSON in and out and the session cookie. Resolves with the parsed
 * body (undefined for 204); rejects with an `ApiRequestError` for every failure.
 */
export async function apiRequest<T>(
  method: HttpMethod,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  if (method === 'GET') return send<T>(method, path, options);
  try {
    return await send<T>(method, path, options, await csrfToken());
  } catch (error) {
    // The token's cookie can be gone (cleared, expired): fetch a new one and retry once.
    if (!(error instanceof ApiRequestError) || error.code !== 'CSRF_INVALID') throw error;
    return send<T>(method, path, options, await csrfToken(true));
  }
}

let csrfPromise: Promise<string> | undefined;

/** Drops the cached CSRF token (tests; a page that changed users). */
export function forgetCsrfToken(): void {
  csrfPromise = undefined;
}

/** The CSRF token every state-changing request carries; fetched once per page load. */
function csrfToken(refresh = false): Promise<string> {
  if (refresh || !csrfPromise) {
    csrfPromise = send<{ token?: unknown }>('GET', '/csrf', {}).then((body) => {
      if (typeof body?.token !== 'string') {
        throw new ApiRequestError({
          status: 200,
          code: 'BAD_RESPONSE',
          message: 'The server sent no CSRF token.',
        });
      }
      return body.token;
    });
    csrfPromise.catch(() => {
      csrfPromise = undefined;
    });
  }
  return csrfPromise;
}

async function send<T>(method: HttpMethod, path: string, options: RequestOptions, csrf?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf !== undefined) headers['x-csrf-token'] = csrf;
  let body: string | undefined;
  if (options.body !== undefined) {
    // Only with a body: Fastify rejects an empty body sent as application/json.
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const signal = options.signal ?? AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  try {
    const response = await fetch(`${API_PREFIX}${path}`, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiRequestError({
        status: response.status,
        code: 'BAD_RESPONSE',
        message: 'The server sent a response that is not JSON.',
      });
    }
  } catch (error) {
    throw toApiRequestError(error);
  }
}

/** Wraps anything thrown around a request (fetch failures, aborts) as an `ApiRequestError`. */
export function toApiRequestError(error: unknown): ApiRequestError {
  if (error instanceof ApiRequestError) return error;
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  if (name === 'TimeoutError') {
    return new ApiRequestError({ status: 0, code: 'TIMEOUT', message: 'The request timed out.' });
  }
  if (name === 'AbortError') {
    return new ApiRequestError({ status: 0, code: 'ABORTED', message: 'The request was cancelled.' });
  }
  // fetch() rejects with a TypeError when the network or the server cannot be reached.
  const detail = error instanceof Error ? error.message : String(error);
  return new ApiRequestError({ status: 0, code: 'NETWORK', message: detail || 'Network failure.' });
}

/** Builds the error for a non-2xx response from the uniform `ApiError` body, or from the status alone. */
export async function errorFromResponse(response: Response): Promise<ApiRequestError> {
  const retryAfterHeader = parseRetryAfter(response.headers.get('retry-after'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(await response.text());
  } catch {
    parsed = undefined;
  }
  if (isApiErrorBody(parsed)) {
    const { code, message, retryAfterSeconds } = parsed.error;
    return new ApiRequestError({
      status: response.status,
      code,
      message,
      retryAfterSeconds: retryAfterSeconds ?? retryAfterHeader,
    });
  }
  // Not our server's error shape (a proxy page, an empty body): fall back to the status.
  return new ApiRequestError({
    status: response.status,
    code: STATUS_CODES[response.status] ?? 'BAD_RESPONSE',
    message: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    retryAfterSeconds: retryAfterHeader,
  });
}

/** Statuses whose meaning is unambiguous even without our error body. */
const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  401: 'SESSION_REQUIRED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'BODY_TOO_LARGE',
  429: 'RATE_LIMITED',
  501: 'NOT_IMPLEMENTED',
};

export function isApiErrorBody(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const error: unknown = (value as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, retryAfterSeconds } = error as Record<string, unknown>;
  return (
    typeof code === 'string' &&
    typeof message === 'string' &&
    (retryAfterSeconds === undefined ||
      (typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0))
  );
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
