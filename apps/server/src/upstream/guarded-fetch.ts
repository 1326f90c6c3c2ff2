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

export type GuardedFailure = FetchError['kind'];

/** What one guarded GET gave: a body (all of it, within the cap) or a redirect not yet followed. */
export type GuardedResponse = { kind: 'body'; body: Buffer } | { kind: 'redirect'; location: string };

export interface GuardedGetRequest {
  /** The complete header set sent: nothing else of anyone's request reaches the remote host. */
  headers: Record<string, string>;
  /** What the body is called in messages ("response", "image"). */
  noun: string;
  /** Refuses a 200 response before its body is read (a wrong content type, say). */
  refuse?: (response: http.IncomingMessage) => Error | null;
  /** Builds the caller's own error type for each failure. */
  error: (kind: GuardedFailure, message: string, cause?: unknown) => Error;
}

/**
 * One GET through the guard, the mechanism both fetchers share: the host resolved and every
 * address checked, the socket pinned to the checked address (Host, SNI and certificate use the
 * name), one deadline, the body capped on Content-Length and while reading. Redirects are
 * returned, not followed: each caller has its own rule for them.
 */
export async function guardedGetOnce(
  url: URL,
  options: Pick<GuardedFetchOptions, 'timeoutMs' | 'maxBytes' | 'ca'> & GuardOptions,
  deadline: number,
  spec: GuardedGetRequest,
): Promise<GuardedResponse> {
  const isHttps = url.protocol === 'https:';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const remaining = () => deadline - Date.now();
  const timeout = () =>
    spec.error('timeout', `${url.origin}: no ${spec.noun} within ${options.timeoutMs} ms`);
  if (remaining() <= 0) throw timeout();

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
      throw spec.error(kind, error.message, error);
    }
    throw error;
  }
  if (remaining() <= 0) throw timeout();

  // Hands the socket the checked address and nothing else; Node asks with `all: true` when
  // autoSelectFamily is on, and with a single-answer callback otherwise.
  const pinnedLookup = ((_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  }) as LookupFunction;

  return new Promise<GuardedResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
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
      headers: spec.headers,
      lookup: pinnedLookup,
      // No pooled socket: one could have been opened to another address for the same name.
      agent: false,
      ...(isHttps && net.isIP(host) === 0 ? { servername: host } : {}),
      ...(isHttps && options.ca ? { ca: options.ca } : {}),
    });
    const timer = setTimeout(() => fail(timeout()), Math.max(1, remaining()));
    const network = (error: Error) => fail(spec.error('network', `${url.origin}: ${error.message}`, error));
    request.on('error', network);
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if ([301, 302, 303, 307, 308].includes(status)) {
        const location = response.headers.location;
        response.resume();
        if (!location) return fail(spec.error('redirect', `${url.origin}: redirect without a Location`));
        settled = true;
        clearTimeout(timer);
        request.destroy();
        return resolve({ kind: 'redirect', location });
      }
      if (status !== 200) {
        response.resume();
        return fail(spec.error('status', `${url.origin}${url.pathname}: HTTP ${status}`));
      }
      const refusal = spec.refuse?.(response);
      if (refusal) return fail(refusal);
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        return fail(spec.error('too-large', `${url.origin}: ${declared} bytes is over ${options.maxBytes}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          fail(spec.error('too-large', `${url.origin}: ${spec.noun} over ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', network);
      response.on('aborted', () => fail(spec.error('network', `${url.origin}: response aborted`)));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ kind: 'body', body: Buffer.concat(chunks) });
      });
    });
    request.end();
  });
}

async function fetchOnce(url: URL, options: GuardedFetchOptions, deadline: number) {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttpForTests)) {
    throw new FetchError('forbidden', `only https: URLs are fetched, not ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new FetchError('forbidden', 'URLs with credentials are not fetched');
  const result = await guardedGetOnce(url, options, deadline, {
    headers: { accept: 'application/xml, text/xml;q=0.9', 'user-agent': 'Westwind-autoconfig/1' },
    noun: 'response',
    error: (kind, message, cause) => new FetchError(kind, message, { cause }),
  });
  return result.kind === 'body' ? { kind: 'body' as const, text: result.body.toString('utf8') } : result;
}
