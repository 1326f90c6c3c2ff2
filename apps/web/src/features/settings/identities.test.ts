import { describe, expect, it } from 'vitest';
import type { Identity } from '../../lib/api/compose';
import {
  hasErrors,
  newIdentity,
  removeIdentity,
  sameIdentities,
  serverFieldError,
  toPayload,
  validateIdentities,
} from './identities';

const identity = (patch: Partial<Identity>): Identity => ({
  id: 'x',
  name: '',
  address: 'x@example.org',
  signatureHtml: '',
  signatureText: '',
  isDefault: false,
  ...patch,
});

const primary = identity({ id: 'primary', address: 'me@example.org', isDefault: true });

describe('identities editor logic', () => {
  it('accepts a valid list, including an internationalized address', () => {
    const list = [primary, identity({ id: 'a', name: 'Team', address: 'jörg@bücher.example' })];
    expect(hasErrors(validateIdentities(list))).toBe(false);
  });

  it('reports field errors: empty, invalid and duplicate addresses, long signature', () => {
    const errors = validateIdentities([
      primary,
      identity({ id: 'a', address: '' }),
      identity({ id: 'b', address: 'not an address' }),
      identity({ id: 'c', address: 'Me@Example.org' }),
      identity({ id: 'c2', address: 'me@example.org', name: 'Support' }),
      identity({ id: 'd', address: 'd@example.org', signatureText: 'x'.repeat(20_001) }),
      identity({ id: 'e', address: 'e@example.org', name: 'a\nb' }),
    ]);
    expect(errors.a?.address).toMatch(/Enter/);
    expect(errors.b?.address).toMatch(/isn’t a valid/);
    expect(errors.c?.address).toMatch(/has this name and address/);
    expect(errors.c2).toBeUndefined();
    expect(errors.d?.signatureText).toMatch(/at most/);
    expect(errors.e?.name).toMatch(/line breaks/);
    expect(errors.primary).toBeUndefined();
  });

  it('maps the server’s validation message to the row and field that was sent', () => {
    const sent = [primary, identity({ id: 'work' })];
    expect(
      serverFieldError('Invalid body: identities/1/name must NOT have more than 256 characters', sent),
    ).toEqual({ id: 'work', field: 'name', text: 'Too long for the server: at most 256 characters.' });
    expect(serverFieldError('Invalid body: identities/1/address must match pattern "x"', sent)?.field).toBe(
      'address',
    );
    expect(serverFieldError('Invalid body: identities/7/name must …', sent)).toBeNull();
    expect(serverFieldError('Invalid body: identities must NOT have more than 50 items', sent)).toBeNull();
  });

  it('makes unique ids the server accepts, and moves the default to primary on removal', () => {
    const a = newIdentity([primary], () => 0.5);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    let n = 0;
    const b = newIdentity([primary, a], () => (n++ === 0 ? 0.5 : 0.25));
    expect(b.id).not.toBe(a.id);
    const list = [
      { ...primary, isDefault: false },
      { ...a, isDefault: true },
    ];
    expect(removeIdentity(list, a.id)).toEqual([primary]);
    expect(removeIdentity(list, 'primary')).toHaveLength(2);
  });

  it('sees unsaved changes, and trims what it sends', () => {
    const list = [primary, identity({ id: 'a' })];
    expect(sameIdentities(list, structuredClone(list))).toBe(true);
    expect(sameIdentities(list, [primary, identity({ id: 'a', signatureText: 'Hi' })])).toBe(false);
    expect(sameIdentities(list, [primary])).toBe(false);
    expect(toPayload([identity({ name: ' Ann ', address: ' a@b.org ' })])[0]).toMatchObject({
      name: 'Ann',
      address: 'a@b.org',
    });
  });
});
