import { DEFAULT_SETTINGS, Settings } from '@westwind/contract';
import { Value } from 'typebox/value';
import type { KeyValueStore } from '../store/store.js';

const key = (accountKey: string) => `ww:account:{${accountKey}}:settings`;

/** Addresses compare case-insensitively in the domain and are kept unique and sorted. */
export function normalizeSettings(settings: Settings): Settings {
  const addresses = new Set(
    settings.imagesAllowedFrom.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@')),
  );
  return { markReadDelaySeconds: settings.markReadDelaySeconds, imagesAllowedFrom: [...addresses].sort() };
}

/** Stored settings, or the defaults; a value that fails the schema is ignored, never trusted. */
export async function readSettings(store: KeyValueStore, accountKey: string): Promise<Settings> {
  const raw = await store.get(key(accountKey));
  if (raw === null) return DEFAULT_SETTINGS;
  try {
    const value: unknown = JSON.parse(raw);
    return Value.Check(Settings, value) ? value : DEFAULT_SETTINGS;
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export async function writeSettings(
  store: KeyValueStore,
  accountKey: string,
  settings: Settings,
): Promise<Settings> {
  const normalized = normalizeSettings(settings);
  await store.set(key(accountKey), JSON.stringify(normalized));
  return normalized;
}

export function imagesAllowed(settings: Settings, senders: readonly { address: string }[]): boolean {
  return senders.some((sender) => settings.imagesAllowedFrom.includes(sender.address.toLowerCase()));
}
