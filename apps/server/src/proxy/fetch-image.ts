/**
 * Fetches one remote image for the image proxy, through the same SSRF guard as the upstream code
 * (../upstream/guard.ts): the URL's host is resolved and EVERY address checked against the
 * address policy, then the request connects to that checked address (a `lookup` that returns only
 * it) while the Host header, SNI and certificate check use the name — no second DNS query between
 * check and connect. The binary sibling of `guardedFetchText` (../upstream/guarded-fetch.ts).
 *
 * Unlike the autoconfig fetch, redirects may go to another origin (images live on CDNs), but each
 * hop is a new URL that goes through the same checks (scheme, credentials, resolve, every
 * address), at most `maxRedirects` times. Nothing of the user's request is forwarded: no cookies,
 * no Authorization, no Referer; a fixed User-Agent. One deadline covers the whole exchange (DNS,
 * connect, redirects, body) and the body is capped while reading.
 */
import type { GuardOptions } from '../upstream/guard.js';
import { guardedGetOnce } from '../upstream/guarded-fetch.js';

export const IMAGE_PROXY_USER_AGENT = 'Westwind-ImageProxy/1';

export interface ImageFetchOptions extends GuardOptions {
  /** Deadline for the whole fetch, DNS and redirects included. */
  timeoutMs: number;
  /** A body larger than this is refused (on Content-Length and while reading). */
  maxBytes: number;
  /** Redirects followed at most, each re-checked; default 3. */
  maxRedirects?: number;
  /** Extra trusted CA certificates (PEM) instead of Node's bundle; for tests and private CAs. */
  ca?: string | Buffer;
}

export type ImageFetchFailure =
  | 'bad-url'
  | 'forbidden'
  | 'timeout'
  | 'too-large'
  | 'not-image'
  | 'status'
  | 'redirect'
  | 'network';

export class ImageFetchError extends Error {
  readonly kind: ImageFetchFailure;
  constructor(kind: ImageFetchFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageFetchError';
    this.kind = kind;
  }
}

export interface FetchedImage {
  /** One of ALLOWED_IMAGE_TYPES: what the proxy sends as Content-Type. */
  contentType: string;
  body: Buffer;
  /** The URL the image finally came from (after redirects). */
  url: string;
}

/**
 * Raster types a browser decodes in an `<img>` without running anything. SVG is never here (it can
 * carry scripts and remote loads). Aliases map to the type the proxy sends.
 */
const ALLOWED_IMAGE_TYPES: ReadonlyMap<string, string> = new Map([
  ['image/png', 'image/png'],
  ['image/apng', 'image/png'],
  ['image/jpeg', 'image/jpeg'],
  ['image/jpg', 'image/jpeg'],
  ['image/pjpeg', 'image/jpeg'],
  ['image/gif', 'image/gif'],
  ['image/webp', 'image/webp'],
  ['image/avif', 'image/avif'],
  ['image/bmp', 'image/bmp'],
  ['image/x-ms-bmp', 'image/bmp'],
  ['image/x-icon', 'image/x-icon'],
  ['image/vnd.microsoft.icon', 'image/x-icon'],
]);

/** The Content-Type to serve for an upstream Content-Type, or a reason to refuse it. */
export function servedImageType(header: string | undefined): string | { refused: string } {
  const media = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const allowed = ALLOWED_IMAGE_TYPES.get(media);
  if (allowed) return allowed;
  if (media.includes('svg')) return { refused: 'SVG images are never proxied' };
  if (media.startsWith('image/')) return { refused: `image type ${media} is not supported` };
  return { refused: `not an image (${media || 'no Content-Type'})` };
}

/** Parses a URL the proxy may fetch: absolute http(s), no credentials. */
export function parseImageUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ImageFetchError('bad-url', 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImageFetchError('bad-url', `only http: and https: URLs are proxied, not ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new ImageFetchError('bad-url', 'URLs with credentials are not proxied');
  if (!url.hostname) throw new ImageFetchError('bad-url', 'the URL has no host');
  return url;
}

export async function guardedFetchImage(url: string, options: ImageFetchOptions): Promise<FetchedImage> {
  const deadline = Date.now() + options.timeoutMs;
  const maxRedirects = options.maxRedirects ?? 3;
  let current = parseImageUrl(url);
  for (let hop = 0; ; hop++) {
    const result = await fetchOnce(current, options, deadline);
    if (result.kind === 'image') return { ...result.image, url: current.href };
    if (hop >= maxRedirects) throw new ImageFetchError('redirect', `more than ${maxRedirects} redirects`);
    let next: URL;
    try {
      next = parseImageUrl(new URL(result.location, current).href);
    } catch (error) {
      throw new ImageFetchError(
        'redirect',
        `redirect from ${current.origin} to an unusable location: ${(error as Error).message}`,
      );
    }
    current = next;
  }
}

type Once = { kind: 'image'; image: Omit<FetchedImage, 'url'> } | { kind: 'redirect'; location: string };

async function fetchOnce(url: URL, options: ImageFetchOptions, deadline: number): Promise<Once> {
  let contentType = '';
  const result = await guardedGetOnce(url, options, deadline, {
    // The complete header set: nothing of the user's request (cookies, Authorization, Referer,
    // their User-Agent or address) reaches the remote host.
    headers: {
      accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8',
      'accept-encoding': 'identity',
      'user-agent': IMAGE_PROXY_USER_AGENT,
    },
    noun: 'image',
    refuse: (response) => {
      const type = servedImageType(response.headers['content-type']);
      if (typeof type !== 'string') return new ImageFetchError('not-image', `${url.origin}: ${type.refused}`);
      contentType = type;
      return null;
    },
    error: (kind, message, cause) => new ImageFetchError(kind, message, { cause }),
  });
  return result.kind === 'body' ? { kind: 'image', image: { contentType, body: result.body } } : result;
}
