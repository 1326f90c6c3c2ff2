import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeCookie,
  encodeCookie,
  newSessionToken,
  openCredential,
  sealCredential,
  sessionIdHash,
} from './crypto.js';

const serverSecret = randomBytes(32);

describe('session tokens', () => {
  it('round-trips through the cookie format', () => {
    const token = newSessionToken();
    expect(decodeCookie(encodeCookie(token))).toEqual(token);
  });

  it('has at least 128 bits of id entropy and never repeats', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionToken().id));
    expect(ids.size).toBe(1000);
    expect(Buffer.from(newSessionToken().id, 'base64url').length).toBeGreaterThanOrEqual(16);
  });

  it.each([
    undefined,
    '',
    'v1',
    'v2.aaa.bbb',
    `v1.${'a'.repeat(43)}`,
    `v1.${'a'.repeat(43)}.${'b'.repeat(42)}`,
    `v1.${'a'.repeat(43)}.${'b'.repeat(43)}.extra`,
    `v1.${'a'.repeat(42)}!.${'b'.repeat(43)}`,
  ])('rejects malformed cookie %j', (value) => {
    expect(decodeCookie(value)).toBeNull();
  });

  it('stores sessions under a keyed hash that depends on the server secret', () => {
    const token = newSessionToken();
    const hash = sessionIdHash(serverSecret, token.id);
    expect(hash).not.toContain(token.id);
    expect(sessionIdHash(randomBytes(32), token.id)).not.toBe(hash);
  });
});

describe('credential sealing', () => {
  const password = `pä ss "word' ${'x'.repeat(10)} 密码`;

  it('opens with the same cookie secret, server secret and context', () => {
    const token = newSessionToken();
    const sealed = sealCredential(serverSecret, token, password, 'ctx');
    expect(sealed.ciphertext).not.toContain(Buffer.from(password).toString('base64url'));
    expect(openCredential(serverSecret, token, sealed, 'ctx')).toBe(password);
  });

  it('cannot be opened without the cookie secret', () => {
    const token = newSessionToken();
    const sealed = sealCredential(serverSecret, token, password, 'ctx');
    const guessed = { id: token.id, keySecret: newSessionToken().keySecret };
    expect(openCredential(serverSecret, guessed, sealed, 'ctx')).toBeNull();
  });

  it('cannot be opened without the server secret', () => {
    const token = newSessionToken();
    const sealed = sealCredential(serverSecret, token, password, 'ctx');
    expect(openCredential(randomBytes(32), token, sealed, 'ctx')).toBeNull();
  });

  it('refuses a credential moved to another record or tampered with', () => {
    const token = newSessionToken();
    const sealed = sealCredential(serverSecret, token, password, 'ctx');
    expect(openCredential(serverSecret, token, sealed, 'other')).toBeNull();
    const flipped = Buffer.from(sealed.ciphertext, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(
      openCredential(serverSecret, token, { ...sealed, ciphertext: flipped.toString('base64url') }, 'ctx'),
    ).toBeNull();
  });

  it('uses a fresh IV each time', () => {
    const token = newSessionToken();
    const a = sealCredential(serverSecret, token, password, 'ctx');
    const b = sealCredential(serverSecret, token, password, 'ctx');
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });
});
