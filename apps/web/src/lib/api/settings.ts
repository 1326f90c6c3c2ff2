import type { Settings } from '@westwind/contract';
import { apiRequest } from './client';

export function getSettings(): Promise<Settings> {
  return apiRequest<Settings>('GET', '/settings');
}

/** Replaces the settings; resolves with what the server stored (addresses normalized). */
export function putSettings(settings: Settings): Promise<Settings> {
  return apiRequest<Settings>('PUT', '/settings', { body: settings });
}
