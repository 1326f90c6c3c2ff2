/**
 * `GET /api/proxy/image?url=` — the image proxy the sanitizer points remote images and CSS url()
 * at once the reader chose to show remote content (mail/sanitize.ts `defaultProxyUrl`).
 *
 * Signed-in users only — by session cookie, or by the signature the message view puts on each
 * proxied URL (the reader's sandboxed frame sends no cookie) — rate limited per session (per
 * address for cookie-less requests). The URL goes through the SSRF guard of the
 * upstream code (resolve, check every address, connect to the checked one; fetch-image.ts) with
 * the address policy of ip-policy.ts. The operator's UPSTREAM_ALLOWED_NETWORKS does NOT apply
 * here: the proxy fetches from the internet, never from the operator's network. Its own
 * `allowedNetworks` option (IMAGE_PROXY_ALLOWED_NETWORKS) exists for tests and exotic setups and
 * is empty by default.
 *
 * Only raster images are passed on, with a Content-Type from an allowlist (never SVG), nosniff,
 * a CSP that runs nothing even if the response is opened directly, and a private cache.
 */
import { createHash } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ApiError, type ErrorCode, ErrorCodes } from '@westwind/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { errorBody } from '../errors.js';
import { verifyProxySignature } from '../mail/proxy-url.js';
import { SESSION_COOKIE } from '../sessions/plugin.js';
import { type LookupFn, systemLookup } from '../upstream/guard.js';
import type { Cidr } from '../upstream/ip-policy.js';
import { guardedFetchImage, ImageFetchError, parseImageUrl } from './fetch-image.js';

export interface ImageProxyOptions {
  /**
   * Networks the proxy may fetch from even though the address policy forbids them (loopback,
   * private, …). Empty by default; IMAGE_PROXY_ALLOWED_NETWORKS.
   */
  allowedNetworks: readonly Cidr[];
  /** Deadline of one proxied fetch (DNS, connect, redirects, body); default 10 s. */
  timeoutMs?: number;
  /** Deadline of each DNS lookup; default 3 s. */
  dnsTimeoutMs?: number;
  /** Larger images are refused; default 10 MB. */
  maxBytes?: number;
  /** Proxied images per session per minute; default 600. */
  perSessionPerMinute?: number;
  /**
   * The server secret the message view signs proxied URLs with (mail/proxy-url.ts): the reader's
   * sandboxed frame has an opaque origin, so its image requests carry no SameSite=Strict cookie
   * and are authorized by that signature instead. `config.session.secret`.
   */
  serverSecret: Buffer;
  /** Tests: resolve names another way. */
  lookup?: LookupFn;
}

export const IMAGE_PROXY_DEFAULTS = {
  timeoutMs: 10_000,
  dnsTimeoutMs: 3_000,
  maxBytes: 10 * 1024 * 1024,
  perSessionPerMinute: 600,
};

/** The longest URL accepted (browsers and servers commonly stop around 8 KB). */
const MAX_URL_LENGTH = 8192;

const CSP = "default-src 'none'; sandbox";

const Query = Type.Object({
  url: Type.String({ minLength: 1, maxLength: MAX_URL_LENGTH }),
  /** Expiry (ms since the epoch) and HMAC of a signed proxy URL (mail/proxy-url.ts). */
  exp: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })),
  sig: Type.Optional(Type.String({ maxLength: 128 })),
});

function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string) {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(errorBody(code, message));
}

const failures: Record<ImageFetchError['kind'], { status: number; code: ErrorCode; message: string }> = {
  'bad-url': {
    status: 400,
    code: ErrorCodes.BAD_REQUEST,
    message: 'The image URL is not a usable http(s) URL',
  },
  forbidden: {
    status: 403,
    code: ErrorCodes.HOST_NOT_ALLOWED,
    message: 'Images from this address are not fetched',
  },
  // A redirect to a forbidden address is `forbidden` (each hop is checked like the first).
  redirect: {
    status: 502,
    code: ErrorCodes.UPSTREAM_ERROR,
    message: 'The image server redirected too often or to an unusable URL',
  },
  timeout: {
    status: 504,
    code: ErrorCodes.UPSTREAM_TIMEOUT,
    message: 'The image server did not answer in time',
  },
  'too-large': { status: 413, code: ErrorCodes.BODY_TOO_LARGE, message: 'The image is too large' },
  'not-image': {
    status: 415,
    code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    message: 'The URL does not point to a supported image (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO)',
  },
  status: {
    status: 502,
    code: ErrorCodes.UPSTREAM_ERROR,
    message: 'The image server answered with an error',
  },
  network: { status: 502, code: ErrorCodes.UPSTREAM_ERROR, message: 'The image server could not be reached' },
};

export default async function imageProxyRoutes(
  app: FastifyInstance,
  options: ImageProxyOptions,
): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { allowedNetworks, serverSecret } = options;
  const perSessionPerMinute = options.perSessionPerMinute ?? IMAGE_PROXY_DEFAULTS.perSessionPerMinute;
  const guard = {
    allowedNetworks,
    lookup: options.lookup ?? systemLookup,
    dnsTimeoutMs: options.dnsTimeoutMs ?? IMAGE_PROXY_DEFAULTS.dnsTimeoutMs,
    timeoutMs: options.timeoutMs ?? IMAGE_PROXY_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? IMAGE_PROXY_DEFAULTS.maxBytes,
    maxRedirects: 3,
  };

  api.get(
    '/api/proxy/image',
    {
      schema: {
        tags: ['messages'],
        summary: 'A remote image of a message, fetched through the SSRF guard',
        querystring: Query,
        response: {
          // Sent as a Buffer, which Fastify never serializes; the schema is for the OpenAPI document.
          200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The image' }),
          400: ApiError,
          401: ApiError,
          403: ApiError,
          413: ApiError,
          415: ApiError,
          429: ApiError,
          502: ApiError,
          504: ApiError,
        },
      },
      config: {
        rateLimit: {
          max: perSessionPerMinute,
          timeWindow: 60_000,
          // The rate limit runs before authorization: key on the session cookie (hashed, never
          // stored as is), else (signed URLs from the reader's frame carry no cookie) on the address.
          keyGenerator: (request: FastifyRequest) => {
            const cookie = request.cookies?.[SESSION_COOKIE];
            return cookie
              ? `image-proxy:s:${createHash('sha256').update(cookie).digest('base64url')}`
              : `image-proxy:a:${request.ip}`;
          },
        },
      },
      // A valid signature made by the message view authorizes this one URL until it expires;
      // otherwise the request needs a session (its cookie).
      preHandler: async (request: FastifyRequest<{ Querystring: Static<typeof Query> }>, reply) => {
        const { url, exp, sig } = request.query;
        if (
          serverSecret &&
          exp !== undefined &&
          sig !== undefined &&
          verifyProxySignature(serverSecret, url, Number(exp), sig, Date.now())
        ) {
          return;
        }
        await app.requireSession(request, reply);
      },
    },
    async (request, reply) => {
      let url: URL;
      try {
        url = parseImageUrl(request.query.url);
      } catch (error) {
        return refuse(reply, 400, ErrorCodes.BAD_REQUEST, (error as Error).message);
      }
      try {
        const image = await guardedFetchImage(url.href, guard);
        return (
          reply
            .header('content-type', image.contentType)
            .header('content-length', image.body.length)
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', CSP)
            .header('content-disposition', 'inline')
            .header('cache-control', 'private, max-age=86400')
            // The mail is shown in a sandboxed iframe without allow-same-origin, whose origin is
            // opaque: a same-origin CORP would block the image there. Other sites get no session
            // (the cookie is SameSite=Strict) and so only a 401.
            .header('cross-origin-resource-policy', 'cross-origin')
            .send(image.body)
        );
      } catch (error) {
        if (!(error instanceof ImageFetchError)) throw error;
        request.log.info({ reason: error.message, kind: error.kind }, 'image proxy refused');
        const failure = failures[error.kind];
        return refuse(reply, failure.status, failure.code, failure.message);
      }
    },
  );
}
