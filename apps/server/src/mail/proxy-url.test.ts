import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PROXY_PATH, signedProxyUrl, verifyProxySignature } from './proxy-url.js';

const secret = randomBytes(32);

function parse(signed: string) {
  const url = new URL(signed, 'http://x');
  return {
    path: url.pathname,
    url: url.searchParams.get('url')!,
    exp: Number(url.searchParams.get('exp')),
    sig: url.searchParams.get('sig')!,
  };
}

describe('signed image-proxy URLs', () => {
  const remote = 'https://images.example.org/a.png?x=1&y=2';

  it('verify for the URL they were made for, until they expire', () => {
    const { path, url, exp, sig } = parse(signedProxyUrl(secret, remote, 10_000));
    expect(path).toBe(PROXY_PATH);
    expect(url).toBe(remote);
    expect(verifyProxySignature(secret, url, exp, sig, 9_999)).toBe(true);
    expect(verifyProxySignature(secret, url, exp, sig, 10_000)).toBe(false);
  });

  it('do not verify for another URL, expiry or secret', () => {
    const { url, exp, sig } = parse(signedProxyUrl(secret, remote, 10_000));
    expect(verifyProxySignature(secret, `${url}&z=3`, exp, sig, 0)).toBe(false);
    expect(verifyProxySignature(secret, url, exp + 1, sig, 0)).toBe(false);
    expect(verifyProxySignature(randomBytes(32), url, exp, sig, 0)).toBe(false);
    expect(verifyProxySignature(secret, url, Number.NaN, sig, 0)).toBe(false);
    expect(verifyProxySignature(secret, url, exp, 'short', 0)).toBe(false);
  });
});
