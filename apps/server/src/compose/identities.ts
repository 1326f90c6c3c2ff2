/**
 * Sending identities, per account in the store. The session's own address is always present
 * (id `primary`); signatures are sanitized on save like any HTML mail.
 */
import { type Identity, IdentityList, PRIMARY_IDENTITY_ID } from '@westwind/contract';
import { Value } from 'typebox/value';
import { sanitizeHtml } from '../mail/sanitize.js';
import type { KeyValueStore } from '../store/store.js';

const key = (accountKey: string) => `ww:account:{${accountKey}}:identities`;

export interface AccountOwner {
  accountKey: string;
  address: string;
  displayName: string;
}

function primaryOf(owner: AccountOwner): Identity {
  return {
    id: PRIMARY_IDENTITY_ID,
    name: owner.displayName,
    address: owner.address,
    signatureHtml: '',
    signatureText: '',
    isDefault: false,
  };
}

/** Pure: the list as stored, made whole (primary present, its address fixed, exactly one default). */
export function normalizeIdentities(list: readonly Identity[], owner: AccountOwner): Identity[] {
  const seen = new Set<string>();
  const out: Identity[] = [];
  for (const identity of list) {
    if (seen.has(identity.id)) continue;
    seen.add(identity.id);
    const fixed = identity.id === PRIMARY_IDENTITY_ID ? { ...identity, address: owner.address } : identity;
    out.push({ ...fixed, name: fixed.name.trim(), address: fixed.address.trim() });
  }
  if (!seen.has(PRIMARY_IDENTITY_ID)) out.unshift(primaryOf(owner));
  const defaultIndex = Math.max(
    0,
    out.findIndex((i) => i.isDefault),
  );
  return out.map((identity, index) => ({ ...identity, isDefault: index === defaultIndex }));
}

export async function readIdentities(store: KeyValueStore, owner: AccountOwner): Promise<Identity[]> {
  const raw = await store.get(key(owner.accountKey));
  let stored: Identity[] = [];
  if (raw !== null) {
    try {
      const value: unknown = JSON.parse(raw);
      if (Value.Check(IdentityList, value)) stored = value.identities;
    } catch {
      // An unreadable value is ignored, never trusted.
    }
  }
  return normalizeIdentities(stored, owner);
}

export async function writeIdentities(
  store: KeyValueStore,
  owner: AccountOwner,
  list: readonly Identity[],
): Promise<Identity[]> {
  const cleaned = list.map((identity) => ({
    ...identity,
    signatureHtml: identity.signatureHtml === '' ? '' : sanitizeHtml(identity.signatureHtml).html,
  }));
  const normalized = normalizeIdentities(cleaned, owner);
  await store.set(key(owner.accountKey), JSON.stringify({ identities: normalized }));
  return normalized;
}

/** The identity a draft sends as: the one named, else the default. Null when the id is unknown. */
export function pickIdentity(list: readonly Identity[], id: string | undefined): Identity | null {
  if (id === undefined) return list.find((i) => i.isDefault) ?? list[0] ?? null;
  return list.find((i) => i.id === id) ?? null;
}
