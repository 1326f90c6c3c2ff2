import { ErrorCodes } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { silentServer, useSilentServer } from '../support/fake-servers.ts';
import { useApps } from '../support/server.ts';

const app = useApps();

describe('GET /healthz', () => {
  it('answers ok without touching dependencies', async () => {
    const server = await app({ IMAP_PORT: '1' });
    const response = await server.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('is ready against the real Dovecot and Redis', async () => {
    const response = await (await app()).inject('/readyz');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.status).toBe('ok');
    expect(body.checks['store:redis'].ok).toBe(true);
    expect(body.checks.imap.ok).toBe(true);
  });

  it('runs on the in-process store without REDIS_URL', async () => {
    const server = await app({ REDIS_URL: undefined });
    expect(server.store.kind).toBe('memory');
    const response = await server.inject('/readyz');
    expect(response.statusCode).toBe(200);
    expect(response.json().checks['store:memory'].ok).toBe(true);
  });

  describe('with an upstream that accepts and never answers', () => {
    const silent = useSilentServer();

    it('reports unavailable within its deadline', async () => {
      const server = await app({ IMAP_PORT: String(silent.port), READY_TIMEOUT_MS: '300' });
      const response = await server.inject('/readyz');
      expect(response.statusCode).toBe(503);
      const body = response.json();
      expect(body.status).toBe('unavailable');
      expect(body.checks.imap.ok).toBe(false);
      expect(body.checks['store:redis'].ok).toBe(true);
    });
  });

  it('reports a Redis that does not answer, and keeps serving', async () => {
    const deadRedis = await silentServer();
    try {
      const server = await app({ REDIS_URL: `redis://127.0.0.1:${deadRedis.port}`, READY_TIMEOUT_MS: '300' });
      const response = await server.inject('/readyz');
      expect(response.statusCode).toBe(503);
      expect(response.json().checks['store:redis'].ok).toBe(false);
      expect((await server.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await deadRedis.close();
    }
  });
});

describe('GET /metrics', () => {
  it('exposes Prometheus metrics including request durations', async () => {
    const server = await app();
    await server.inject('/healthz');
    const response = await server.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.body).toMatch(/westwind_http_request_duration_seconds_count\{[^}]*route="\/healthz"/);
    expect(response.body).toMatch(/westwind_process_resident_memory_bytes/);
  });
});

describe('GET /api/openapi.json', () => {
  it('serves an OpenAPI 3.1 document generated from the contract', async () => {
    const response = await (await app()).inject('/api/openapi.json');
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Westwind API');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
  });
});

describe('errors', () => {
  it('answers unknown API routes with the uniform JSON error', async () => {
    const response = await (await app()).inject({ method: 'POST', url: '/api/nothing-here', payload: {} });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: ErrorCodes.NOT_FOUND, message: 'No route for POST /api/nothing-here' },
    });
  });

  it('rejects malformed JSON with a clear code and no stack trace', async () => {
    const response = await (await app()).inject({
      method: 'POST',
      url: '/api/nothing-here',
      headers: { 'content-type': 'application/json' },
      payload: '{"address":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(ErrorCodes.BAD_REQUEST);
    expect(response.body).not.toMatch(/at .*\.js:\d+/);
  });

  it('rejects bodies over the limit with BODY_TOO_LARGE', async () => {
    const response = await (await app({ BODY_LIMIT_BYTES: '1024' })).inject({
      method: 'POST',
      url: '/api/nothing-here',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ blob: 'x'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe(ErrorCodes.BODY_TOO_LARGE);
  });
});

describe('the SPA', () => {
  it('is served with a strict CSP and no caching of index.html', async () => {
    const response = await (await app()).inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
  });

  it('falls back to index.html for client-side routes', async () => {
    const response = await (await app()).inject('/mail/inbox');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
