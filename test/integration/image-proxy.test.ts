/**
 * GET /api/proxy/image against the real app and stack, with a loopback HTTP server standing in
 * for a remote image host (it records every request it gets).
 *
 * The proxy refuses loopback like any other forbidden address; the tests that need the fixture
 * to be reachable allow 127.0.0.0/8 through the proxy's own IMAGE_PROXY_ALLOWED_NETWORKS (never
 * UPSTREAM_ALLOWED_NETWORKS, which stackConfig sets for Dovecot and which must not apply here).
 */
import { createHmac } from 'node:crypto';
import { ErrorCodes } from '@westwind/contract';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type ImageServer, PNG_1X1, startImageServer } from '../security/image-server.ts';
import { ApiClient } from '../support/api-client.ts';
import { closedPort } from '../support/fake-servers.ts';
import { stackConfig, useApps } from '../support/server.ts';

const stack = inject('stack');
const apps = useApps();
let images: ImageServer;

beforeAll(async () => {
  images = await startImageServer();
});
afterAll(async () => {
  await images.close();
});

/** The app, with or without loopback allowed for the proxy (the image fixture lives there). */
function proxyApp(allowLoopback: boolean): Promise<FastifyInstance> {
  return apps({ IMAGE_PROXY_ALLOWED_NETWORKS: allowLoopback ? '127.0.0.0/8' : undefined });
}

async function signedIn(allowLoopback: boolean): Promise<ApiClient> {
  const client = new ApiClient(await proxyApp(allowLoopback));
  const response = await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
  expect(response.statusCode).toBe(200);
  return client;
}

const proxied = (url: string) => `/api/proxy/image?url=${encodeURIComponent(url)}`;

/** Requests the fixture got for `path` since `from`. */
const hitsSince = (from: number, path?: string) =>
  images.requests.slice(from).filter((r) => path === undefined || r.url.startsWith(path));

/** A proxy URL signed as the message view signs it (apps/server/src/mail/proxy-url.ts). */
function signed(url: string, expiresAt: number, signedUrl = url): string {
  const secret = stackConfig(stack).session.secret;
  const sig = createHmac('sha256', secret)
    .update(`image-proxy\n${expiresAt}\n${signedUrl}`)
    .digest('base64url');
  return `/api/proxy/image?${new URLSearchParams({ url, exp: String(expiresAt), sig })}`;
}

describe('GET /api/proxy/image', () => {
  it('requires a session and fetches nothing without one', async () => {
    const client = new ApiClient(await proxyApp(true));
    const before = images.requests.length;
    const response = await client.request({ url: proxied(`${images.origin}/anon.png`) });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
    expect(hitsSince(before)).toEqual([]);
  });

  it('accepts a URL signed by the message view without a cookie, and nothing else', async () => {
    // The reader's sandboxed frame has an opaque origin: its requests carry no session cookie.
    const anonymous = new ApiClient(await proxyApp(true));
    const url = `${images.origin}/signed.png`;
    const ok = await anonymous.request({ url: signed(url, Date.now() + 60_000) });
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.equals(PNG_1X1)).toBe(true);

    const before = images.requests.length;
    const refused = [
      signed(url, Date.now() - 1_000), // expired
      signed(`${images.origin}/other.png`, Date.now() + 60_000, url), // signed for another URL
      signed(url, Date.now() + 60_000).replace(/sig=[^&]+/, 'sig=AAAA'), // forged
      `/api/proxy/image?url=${encodeURIComponent(url)}&exp=${Date.now() + 60_000}`, // unsigned
    ];
    for (const path of refused) {
      const response = await anonymous.request({ url: path });
      expect(response.statusCode, path).toBe(401);
      expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
    }
    expect(hitsSince(before)).toEqual([]);

    // A signature does not get past the SSRF guard.
    const guarded = new ApiClient(await proxyApp(false));
    const forbidden = await guarded.request({ url: signed(url, Date.now() + 60_000) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(hitsSince(before)).toEqual([]);
  });

  it('serves a PNG with safe headers and forwards nothing of the user’s request', async () => {
    const client = await signedIn(true);
    const before = images.requests.length;
    const response = await client.request({
      url: proxied(`${images.origin}/a.png?x=1`),
      headers: {
        authorization: 'Bearer secret-token',
        referer: 'http://127.0.0.1/mail/secret-subject',
        'x-forwarded-for': '203.0.113.9',
        'user-agent': 'Browser/1.0 (user fingerprint)',
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(PNG_1X1)).toBe(true);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(response.headers['cache-control']).toBe('private, max-age=86400');
    expect(response.headers['set-cookie']).toBeUndefined();

    const hits = hitsSince(before);
    expect(hits).toHaveLength(1);
    const [hit] = hits;
    expect(hit?.url).toBe('/a.png?x=1');
    expect(hit?.method).toBe('GET');
    expect(hit?.headers.host).toBe(`127.0.0.1:${images.port}`);
    expect(hit?.headers['user-agent']).toBe('Westwind-ImageProxy/1');
    for (const header of [
      'cookie',
      'authorization',
      'referer',
      'x-forwarded-for',
      'origin',
      'x-csrf-token',
    ]) {
      expect(hit?.headers[header], header).toBeUndefined();
    }
    // The session cookie value appears nowhere in what the remote host saw.
    const sessionCookie = client.cookies.get('ww_session') ?? 'missing';
    expect(JSON.stringify(hit)).not.toContain(sessionCookie);
  });

  it('refuses SVG, HTML and untyped responses with 415', async () => {
    const client = await signedIn(true);
    for (const path of ['/x.svg', '/page.html', '/no-type.png']) {
      const response = await client.request({ url: proxied(`${images.origin}${path}`) });
      expect(response.statusCode, path).toBe(415);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json().error.code).toBe(ErrorCodes.UNSUPPORTED_MEDIA_TYPE);
      expect(response.body).not.toContain('<svg');
      expect(response.body).not.toContain('<p>hello');
    }
  });

  it('refuses images over 10 MB with 413, declared or not', async () => {
    const client = await signedIn(true);
    for (const path of ['/huge-declared.png', '/huge.png']) {
      const response = await client.request({ url: proxied(`${images.origin}${path}`) });
      expect(response.statusCode, path).toBe(413);
      expect(response.json().error.code).toBe(ErrorCodes.BODY_TOO_LARGE);
    }
  });

  it('refuses loopback with 403 HOST_NOT_ALLOWED unless the proxy’s own allowed networks say so', async () => {
    // stackConfig sets UPSTREAM_ALLOWED_NETWORKS=127.0.0.0/8 for Dovecot: it must not apply here.
    const client = await signedIn(false);
    const before = images.requests.length;
    const response = await client.request({ url: proxied(`${images.origin}/loop.png`) });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(hitsSince(before)).toEqual([]);
  });

  it('refuses names and address spellings that lead to loopback, private or link-local addresses', async () => {
    const client = await signedIn(false);
    const port = images.port;
    const before = images.requests.length;
    const urls = [
      `http://localhost:${port}/x.png`,
      `http://[::ffff:127.0.0.1]:${port}/x.png`,
      `http://[::ffff:7f00:1]:${port}/x.png`,
      `http://[0:0:0:0:0:ffff:127.0.0.1]:${port}/x.png`,
      `http://2130706433:${port}/x.png`,
      `http://0x7f.1:${port}/x.png`,
      `http://0177.0.0.1:${port}/x.png`,
      `http://127.1:${port}/x.png`,
      `http://[::1]:${port}/x.png`,
      `http://0.0.0.0:${port}/x.png`,
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/x.png',
      'http://10.0.0.1/x.png',
      'http://[fe80::1]/x.png',
      'http://[fc00::1]/x.png',
      'http://[64:ff9b::7f00:1]/x.png',
    ];
    for (const url of urls) {
      const response = await client.request({ url: proxied(url) });
      expect(response.statusCode, url).toBe(403);
      expect(response.json().error.code, url).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    }
    expect(hitsSince(before)).toEqual([]);
  });

  it('follows a redirect only after checking its target again, at most 3 times', async () => {
    const client = await signedIn(true);
    const before = images.requests.length;
    const redirect = (to: string) => `${images.origin}/redirect?to=${encodeURIComponent(to)}`;

    // An allowed target: followed.
    const ok = await client.request({ url: proxied(redirect('/followed.png')) });
    expect(ok.statusCode).toBe(200);
    expect(hitsSince(before, '/followed.png')).toHaveLength(1);

    // Forbidden targets (metadata address, IPv6 loopback outside 127.0.0.0/8, mapped private).
    for (const to of [
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${images.port}/v6.png`,
      `http://[::ffff:10.0.0.1]:${images.port}/mapped.png`,
    ]) {
      const response = await client.request({ url: proxied(redirect(to)) });
      expect(response.statusCode, to).toBe(403);
      expect(response.json().error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    }
    // Unusable targets.
    for (const to of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://127.0.0.1/x.png']) {
      const response = await client.request({ url: proxied(redirect(to)) });
      expect(response.statusCode, to).toBe(502);
      expect(response.json().error.code).toBe(ErrorCodes.UPSTREAM_ERROR);
    }
    // Four redirects in a row: refused.
    let chain = '/chain-end.png';
    for (let i = 0; i < 4; i++) chain = `/redirect?to=${encodeURIComponent(chain)}`;
    const tooMany = await client.request({ url: proxied(`${images.origin}${chain}`) });
    expect(tooMany.statusCode).toBe(502);
    expect(hitsSince(before, '/chain-end.png')).toEqual([]);
    expect(hitsSince(before, '/v6.png')).toEqual([]);
    expect(hitsSince(before, '/mapped.png')).toEqual([]);
  });

  it('answers 400 for URLs that are not absolute http(s) URLs', async () => {
    const client = await signedIn(true);
    for (const url of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      'file:///etc/passwd',
      'ftp://127.0.0.1/x.png',
      '/x.png',
      'not a url',
      `http://user:pw@127.0.0.1:${images.port}/x.png`,
    ]) {
      const response = await client.request({ url: proxied(url) });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toMatch(/^(BAD_REQUEST|VALIDATION_FAILED)$/);
    }
    const missing = await client.request({ url: '/api/proxy/image' });
    expect(missing.statusCode).toBe(400);
  });

  it('answers 502 when the image host fails and 504 when it hangs', async () => {
    const client = await signedIn(true);
    const notFound = await client.request({ url: proxied(`${images.origin}/404.png`) });
    expect(notFound.statusCode).toBe(502);
    expect(notFound.json().error.code).toBe(ErrorCodes.UPSTREAM_ERROR);
    const refused = await client.request({ url: proxied(`http://127.0.0.1:${await closedPort()}/x.png`) });
    expect(refused.statusCode).toBe(502);
    const started = Date.now();
    const hung = await client.request({ url: proxied(`${images.origin}/hang`) });
    expect(hung.statusCode).toBe(504);
    expect(hung.json().error.code).toBe(ErrorCodes.UPSTREAM_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
