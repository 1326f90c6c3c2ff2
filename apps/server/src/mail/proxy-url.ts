import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed image-proxy URLs. The reader's frame is sandboxed (opaque origin), so its image requests
 * carry no SameSite=Strict session cookie; instead each proxied URL carries an expiry and an HMAC
 * made with the server secret, which the proxy checks. A signature only ever authorizes fetching
 * that one remote URL (through the SSRF guard) until it expires.
 */
export const PROXY_PATH = '/api/proxy/image';

function signature(secret: Buffer, url: string, expiresAt: number): string {
  return createHmac('sha256', secret).update(`image-proxy\n${expiresAt}\n${url}`).digest('base64url');
}

export function signedProxyUrl(secret: Buffer, url: string, expiresAt: number): string {
  const query = new URLSearchParams({ url, exp: String(expiresAt), sig: signature(secret, url, expiresAt) });
  return `${PROXY_PATH}?${query.toString()}`;
}

/** True when `sig` was made by this server for `url` and has not expired at `now` (ms). */
export function verifyProxySignature(
  secret: Buffer,
  url: string,
  expiresAt: number,
  sig: string,
  now: number,
): boolean {
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return false;
  const expected = Buffer.from(signature(secret, url, expiresAt));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
