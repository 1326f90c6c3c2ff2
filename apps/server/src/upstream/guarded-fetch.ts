/**
 * Fetches a small text document (an autoconfig file) from a host the user named, through the
 * SSRF guard: the host is resolved and every address checked (guard.ts), then the request
 * connects to that checked address through a `lookup` that returns only it, while the Host
 * header, SNI and certificate check use the name. There is no second DNS query between check and
 * connect. HTTPS only (plain HTTP only when a test asks for it), a deadline over the whole
 * exchange, a size cap, and redirects followed only within the same origin.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { type CheckedAddress, GuardError, type GuardOptions, resolveChecked } from './guard.js';

export interface GuardedFetchOptions extends GuardOptions {
  /** Deadline for the whole fetch, DNS included. */
  timeoutMs: number;
  /** A body larger than this is refused (checked on Content-Length and while reading). */
  maxBytes: number;
  /** Same-origin redirects followed at most; default 3. */
  maxRedirects?: number;
  /** Extra trusted CA certificates (PEM) instead of Node's bundle; for tests and private CAs. */
  ca?: string | Buffer;
  /** Test only: accept `http:` URLs (a loopback fixture has no certificate). */
  allowHttpForTests?: boolean;
}

/** Why a fetch gave nothing: a refusal by the guard or policy, or a plain failure. */
export class FetchError extends Error {
  readonly kind: 'forbidden' | 'timeout' | 'too-large' | 'status' | 'redirect' | 'network';
  constructor(kind: FetchError['kind'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchError';
    this.kind = kind;
  }
}

export type FetchTextFn = (url: string) => Promise<string>;

/** `fetchText` bound to the given guard and limits, as resolveUpstream's default. */
export function createGuardedFetch(options: GuardedFetchOptions): FetchTextFn {
  return (url) => guardedFetchText(url, options);
}

export async function guardedFetchText(url: string, options: GuardedFetchOptions): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  let current = new URL(url);
  const origin = current.origin;
  const maxRedirects = options.maxRedirects ?? 3;
  for (let hop = 0; ; hop++) {
    const result = await fetchOnce(current, options, deadline);
    if (result.kind === 'body') return result.text;
    if (hop >= maxRedirects)
      throw new FetchError('redirect', `more than ${maxRedirects} redirects from ${origin}`);
    let next: URL;
    try {
      next = new URL(result.location, current);
    } catch {
      throw new FetchError('redirect', `invalid redirect location from ${current.origin}`);
    }
    // A redirect to another host would let any site aim the server at any host; same origin only.
    if (next.origin !== origin) {
      throw new FetchError('redirect', `redirect from ${origin} to another origin (${next.origin}) refused`);
    }
    current = next;
  }
}

type Once = { kind: 'body'; text: string } | { kind: 'redirect'; location: string };

async function fetchOnce(url: URL, options: GuardedFetchOptions, deadline: number): Promise<Once> {
  const isHttps = url.protocol === 'https:';
  if (!isHttps && !(url.protocol === 'http:' && options.allowHttpForTests)) {
    throw new FetchError('forbidden', `only https: URLs are fetched, not ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new FetchError('forbidden', 'URLs with credentials are not fetched');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;

  const remaining = () => deadline - Date.now();
  let checked: CheckedAddress;
  try {
    checked = await resolveChecked(host, {
      ...options,
      dnsTimeoutMs: Math.max(1, Math.min(options.dnsTimeoutMs, remaining())),
    });
  } catch (error) {
    if (error instanceof GuardError) {
      const kind =
        error.kind === 'forbidden' ? 'forbidden' : error.kind === 'timeout' ? 'timeout' : 'network';
      throw new FetchError(kind, error.message, { cause: error });
    }
    throw error;
  }
  if (remaining() <= 0)
    throw new FetchError('timeout', `${url.origin}: no answer within ${options.timeoutMs} ms`);

  // Hands the socket the checked address and nothing else; Node asks with `all: true` when
  // autoSelectFamily is on, and with a single-answer callback otherwise.
  const pinnedLookup = ((_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  }) as LookupFunction;

  return new Promise<Once>((resolve, reject) => {
    let settled = false;
    const fail = (error: FetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = (isHttps ? https : http).request({
      protocol: url.protocol,
      host,
      port: url.port || (isHttps ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'application/xml, text/xml;q=0.9', 'user-agent': 'Westwind-autoconfig/1' },
      lookup: pinnedLookup,
      // No pooled socket: one could have been opened to another address for the same name.
      agent: false,
      ...(isHttps && net.isIP(host) === 0 ? { servername: host } : {}),
      ...(isHttps && options.ca ? { ca: options.ca } : {}),
    });
    const timer = setTimeout(
      () => fail(new FetchError('timeout', `${url.origin}: no answer within ${options.timeoutMs} ms`)),
      Math.max(1, remaining()),
    );
    request.on('error', (error) =>
      fail(new FetchError('network', `${url.origin}: ${error.message}`, { cause: error })),
    );
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = response.headers.location;
        response.resume();
        if (!location) return fail(new FetchError('redirect', `${url.origin}: redirect without a Location`));
        settled = true;
        clearTimeout(timer);
        request.destroy();
        return resolve({ kind: 'redirect', location });
      }
      if (status !== 200) {
        response.resume();
        return fail(new FetchError('status', `${url.origin}${url.pathname}: HTTP ${status}`));
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        return fail(
          new FetchError('too-large', `${url.origin}: ${declared} bytes is over ${options.maxBytes}`),
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          fail(new FetchError('too-large', `${url.origin}: response over ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) =>
        fail(new FetchError('network', `${url.origin}: ${error.message}`, { cause: error })),
      );
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end();
  });
}
