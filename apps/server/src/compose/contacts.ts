/**
 * Address autocomplete: people the user wrote to (recorded at send) and people whose messages
 * the user replied to or forwarded. One bounded list per account in the store, newest first.
 */
import type { Contact } from '@westwind/contract';
import type { KeyValueStore } from '../store/store.js';

export const MAX_CONTACTS = 1000;
const key = (accountKey: string) => `ww:account:{${accountKey}}:contacts`;

interface Entry extends Contact {
  /** Last time used, ms. */
  at: number;
  uses: number;
}

function parse(raw: string | null): Entry[] {
  if (raw === null) return [];
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (e): e is Entry =>
        typeof e === 'object' &&
        e !== null &&
        typeof e.name === 'string' &&
        typeof e.address === 'string' &&
        typeof e.at === 'number' &&
        typeof e.uses === 'number',
    );
  } catch {
    return [];
  }
}

/** Pure: merges new contacts in, most recent first, at most `max`. */
export function mergeContacts(
  existing: Entry[],
  added: readonly Contact[],
  now: number,
  max = MAX_CONTACTS,
): Entry[] {
  const byAddress = new Map(existing.map((e) => [e.address.toLowerCase(), e]));
  for (const contact of added) {
    const address = contact.address.trim();
    if (!address.includes('@') || address.length > 320) continue;
    const name = contact.name
      .replace(/[\r\n]+/g, ' ')
      .trim()
      .slice(0, 256);
    const k = address.toLowerCase();
    const old = byAddress.get(k);
    byAddress.set(k, { address, name: name || old?.name || '', at: now, uses: (old?.uses ?? 0) + 1 });
  }
  return [...byAddress.values()].sort((a, b) => b.at - a.at).slice(0, max);
}

/** Pure: contacts whose name or address contains every word of `q`, frequent and recent first. */
export function matchContacts(entries: readonly Entry[], q: string, limit: number): Contact[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  return entries
    .filter((e) => {
      const hay = `${e.name} ${e.address}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .sort((a, b) => b.uses - a.uses || b.at - a.at)
    .slice(0, limit)
    .map(({ name, address }) => ({ name, address }));
}

export async function recordContacts(store: KeyValueStore, accountKey: string, added: readonly Contact[]) {
  if (added.length === 0) return;
  const entries = mergeContacts(parse(await store.get(key(accountKey))), added, Date.now());
  await store.set(key(accountKey), JSON.stringify(entries));
}

export async function findContacts(
  store: KeyValueStore,
  accountKey: string,
  q: string,
  limit: number,
): Promise<Contact[]> {
  return matchContacts(parse(await store.get(key(accountKey))), q, limit);
}
