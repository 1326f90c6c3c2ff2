import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiRequestError, apiRequest, forgetCsrfToken, isApiErrorBody, parseRetryAfter } from './client';

function stubFetch(implementation: (url: string, init: RequestInit) => Promise<Response>) {
  const fetchMock = vi.fn(implementation);
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

async function rejection(promise: Promise<unknown>): Promise<ApiRequestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiRequestError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

afterEach(() => {
  vi.unstubAllGlobals();
  forgetCsrfToken();
});

/** A fetch stub that hands out CSRF tokens like the server and delegates the rest. */
function stubApi(implementation: (url: string, init: RequestInit) => Promise<Response>) {
  let issued = 0;
  return stubFetch(async (url, init) =>
    url === '/api/csrf' ? json(200, { token: `token-${++issued}` }) : implementation(url, init),
  );
}

describe('apiRequest', () => {
  it('sends JSON with the session cookie and the CSRF token, and parses the answer', async () => {
    const fetchMock = stubApi(async () => json(200, { ok: true }));
    await expect(apiRequest('POST', '/session', { body: { address: 'a@b.test' } })).resolves.toEqual({
      ok: true,
    });
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/csrf');
    const [url, init] = fetchMock.mock.calls[1]!;
    expect(url).toBe('/api/session');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"address":"a@b.test"}');
    expect((init.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect((init.headers as Record<string, string>)['x-csrf-token']).toBe('token-1');
  });

  it('fetches the CSRF token once and sends none on GET', async () => {
    const fetchMock = stubApi(async () => json(200, {}));
    await apiRequest('POST', '/a', { body: {} });
    await apiRequest('POST', '/b', { body: {} });
    await apiRequest('GET', '/c');
    const urls = fetchMock.mock.calls.map(([url]) => url);
    expect(urls).toEqual(['/api/csrf', '/api/a', '/api/b', '/api/c']);
    expect((fetchMock.mock.calls[3]![1].headers as Record<string, string>)['x-csrf-token']).toBeUndefined();
  });

  it('retries once with a fresh token when the server refuses the CSRF token', async () => {
    let attempts = 0;
    const fetchMock = stubApi(async () =>
      ++attempts === 1
        ? json(403, { error: { code: 'CSRF_INVALID', message: 'reload' } })
        : json(200, { ok: 1 }),
    );
    await expect(apiRequest('POST', '/session', { body: {} })).resolves.toEqual({ ok: 1 });
    const tokens = fetchMock.mock.calls
      .filter(([url]) => url === '/api/session')
      .map(([, init]) => (init.headers as Record<string, string>)['x-csrf-token']);
    expect(tokens).toEqual(['token-1', 'token-2']);
  });

  it('sends no Content-Type without a body', async () => {
    const fetchMock = stubApi(async () => new Response(null, { status: 204 }));
    await expect(apiRequest('DELETE', '/session')).resolves.toBeUndefined();
    const init = fetchMock.mock.calls[1]![1];
    expect(init.body).toBeUndefined();
    expect((init.headers as Record<string, string>)['content-type']).toBeUndefined();
  });

  it('turns the uniform error body into ApiRequestError', async () => {
    stubFetch(async () =>
      json(429, {
        error: { code: 'RATE_LIMITED', message: 'Too many sign-in attempts', retryAfterSeconds: 30 },
      }),
    );
    const error = await rejection(apiRequest('POST', '/session', { body: {} }));
    expect(error).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Too many sign-in attempts',
      retryAfterSeconds: 30,
    });
  });

  it('takes Retry-After from the header when the body has none', async () => {
    stubFetch(async () =>
      json(429, { error: { code: 'RATE_LIMITED', message: 'Slow down' } }, { 'retry-after': '12' }),
    );
    expect((await rejection(apiRequest('GET', '/session'))).retryAfterSeconds).toBe(12);
  });

  it('falls back to the status when the error body is not ours', async () => {
    stubFetch(
      async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(await rejection(apiRequest('GET', '/session'))).toMatchObject({
      status: 502,
      code: 'BAD_RESPONSE',
      message: 'HTTP 502 Bad Gateway',
    });

    stubFetch(async () => new Response('', { status: 404 }));
    expect(await rejection(apiRequest('POST', '/session', { body: {} }))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it('reports a network failure as NETWORK', async () => {
    stubFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await rejection(apiRequest('GET', '/session'))).toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('reports timeouts and aborts', async () => {
    stubFetch(async () => {
      throw new DOMException('The operation timed out.', 'TimeoutError');
    });
    expect((await rejection(apiRequest('GET', '/session'))).code).toBe('TIMEOUT');

    stubFetch(async () => {
      throw new DOMException('The operation was aborted.', 'AbortError');
    });
    expect((await rejection(apiRequest('GET', '/session'))).code).toBe('ABORTED');
  });

  it('rejects a 200 that is not JSON', async () => {
    stubFetch(async () => new Response('<html></html>', { status: 200 }));
    expect(await rejection(apiRequest('GET', '/session'))).toMatchObject({
      status: 200,
      code: 'BAD_RESPONSE',
    });
  });
});

describe('isApiErrorBody', () => {
  it('accepts the contract shape only', () => {
    expect(isApiErrorBody({ error: { code: 'X', message: 'y' } })).toBe(true);
    expect(isApiErrorBody({ error: { code: 'X', message: 'y', retryAfterSeconds: 3 } })).toBe(true);
    expect(isApiErrorBody({ error: { code: 'X', message: 'y', retryAfterSeconds: -1 } })).toBe(false);
    expect(isApiErrorBody({ error: { code: 'X' } })).toBe(false);
    expect(isApiErrorBody({ message: 'Not Found', statusCode: 404 })).toBe(false);
    expect(isApiErrorBody(null)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter(' 120 ')).toBe(120);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
