/**
 * The identities editor's logic that needs no DOM: checks before saving, the server's validation
 * message mapped back to a field, and whether the list differs from what the server has.
 */
import type { Identity } from '../../lib/api/compose';
import { isValidAddress } from '../compose/addresses';

/** The contract's PRIMARY_IDENTITY_ID, without pulling TypeBox into the chunk. */
export const PRIMARY_ID = 'primary';
export const MAX_IDENTITIES = 50;
export const MAX_NAME = 256;
export const MAX_SIGNATURE = 20_000;

export type IdentityField = 'name' | 'address' | 'signatureText';
/** Field errors keyed by identity id. */
export type FieldErrors = Record<string, Partial<Record<IdentityField, string>>>;

export function newIdentity(existing: readonly Identity[], random = Math.random): Identity {
  let id = '';
  do id = `id-${Math.floor(random() * 2 ** 40).toString(36)}`;
  while (existing.some((i) => i.id === id));
  return { id, name: '', address: '', signatureHtml: '', signatureText: '', isDefault: false };
}

/** What PUT /identities gets: trimmed, exactly as the user sees it otherwise. */
export function toPayload(list: readonly Identity[]): Identity[] {
  return list.map((i) => ({ ...i, name: i.name.trim(), address: i.address.trim() }));
}

/** The checks the server would make (and a few it does not: address syntax, duplicates). */
export function validateIdentities(list: readonly Identity[]): FieldErrors {
  const errors: FieldErrors = {};
  const set = (id: string, field: IdentityField, text: string) => {
    errors[id] = { ...errors[id], [field]: text };
  };
  const seen = new Map<string, string>();
  for (const identity of list) {
    const name = identity.name.trim();
    if (/[\r\n]/.test(name)) set(identity.id, 'name', 'A name can’t contain line breaks.');
    else if (name.length > MAX_NAME) set(identity.id, 'name', `Use at most ${MAX_NAME} characters.`);
    if (identity.signatureText.length > MAX_SIGNATURE) {
      set(identity.id, 'signatureText', `Use at most ${MAX_SIGNATURE.toLocaleString('en')} characters.`);
    }
    const address = identity.address.trim();
    // The same address under another name is fine (a second signature); the same pair is not.
    const key = `${name.toLowerCase()}\n${address.toLowerCase()}`;
    // The server always sends the primary identity from the sign-in address, whatever it holds.
    if (identity.id === PRIMARY_ID) {
      seen.set(key, identity.id);
      continue;
    }
    if (!address) set(identity.id, 'address', 'Enter an email address.');
    else if (!isValidAddress(address))
      set(identity.id, 'address', `“${address}” isn’t a valid email address.`);
    else if (seen.has(key)) set(identity.id, 'address', 'Another identity has this name and address.');
    seen.set(key, identity.id);
  }
  return errors;
}

export const hasErrors = (errors: FieldErrors): boolean =>
  Object.values(errors).some((e) => Object.keys(e).length > 0);

const FIELDS: Record<string, IdentityField> = {
  name: 'name',
  address: 'address',
  signatureText: 'signatureText',
  signatureHtml: 'signatureText',
};

/**
 * The server's 400 names the failing value by JSON path ("Invalid body: identities/1/name must
 * NOT have more than 256 characters"); `sent` is the list as sent, so the index finds the row.
 */
export function serverFieldError(
  message: string,
  sent: readonly Identity[],
): { id: string; field: IdentityField; text: string } | null {
  const match = /identities\/(\d+)\/(\w+)\s+(.*)$/.exec(message);
  if (!match) return null;
  const identity = sent[Number(match[1])];
  const field = FIELDS[match[2] ?? ''];
  if (!identity || !field) return null;
  const rule = match[3] ?? '';
  const limit = /(fewer|more) than (\d+)/.exec(rule);
  const text = limit
    ? limit[1] === 'more'
      ? `Too long for the server: at most ${limit[2]} characters.`
      : `Too short for the server: at least ${limit[2]} characters.`
    : /pattern/.test(rule)
      ? 'The server refused this value (line breaks aren’t allowed).'
      : `The server refused this value: ${rule}`;
  return { id: identity.id, field, text };
}

const shape = (i: Identity) => [i.id, i.name, i.address, i.signatureHtml, i.signatureText, i.isDefault];

/** Whether two lists hold the same identities in the same order (the editor's “unsaved” test). */
export function sameIdentities(a: readonly Identity[], b: readonly Identity[]): boolean {
  return (
    a.length === b.length && a.every((i, n) => JSON.stringify(shape(i)) === JSON.stringify(shape(b[n]!)))
  );
}

/** Removes one; the default moves to the primary identity when the removed one had it. */
export function removeIdentity(list: readonly Identity[], id: string): Identity[] {
  if (id === PRIMARY_ID) return [...list];
  const removed = list.find((i) => i.id === id);
  const rest = list.filter((i) => i.id !== id);
  if (removed?.isDefault) return rest.map((i) => ({ ...i, isDefault: i.id === PRIMARY_ID }));
  return rest;
}
