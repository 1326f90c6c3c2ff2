import { DEFAULT_SETTINGS } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { imagesAllowed, normalizeSettings, readSettings, writeSettings } from './service.js';

describe('settings', () => {
  it('defaults, then round-trips normalized values', async () => {
    const store = new MemoryStore();
    expect(await readSettings(store, 'acct')).toEqual(DEFAULT_SETTINGS);
    const saved = await writeSettings(store, 'acct', {
      markReadDelaySeconds: 3,
      imagesAllowedFrom: [' News@Example.org ', 'news@example.org', 'a@b.test', 'nonsense'],
    });
    expect(saved).toEqual({ markReadDelaySeconds: 3, imagesAllowedFrom: ['a@b.test', 'news@example.org'] });
    expect(await readSettings(store, 'acct')).toEqual(saved);
    await store.close();
  });

  it('ignores a corrupt stored value', async () => {
    const store = new MemoryStore();
    await store.set('ww:account:{acct}:settings', '{"markReadDelaySeconds":"soon"}');
    expect(await readSettings(store, 'acct')).toEqual(DEFAULT_SETTINGS);
    await store.set('ww:account:{acct}:settings', 'not json');
    expect(await readSettings(store, 'acct')).toEqual(DEFAULT_SETTINGS);
    await store.close();
  });

  it('allows images by sender address, case-insensitively', () => {
    const settings = normalizeSettings({ markReadDelaySeconds: 0, imagesAllowedFrom: ['news@example.org'] });
    expect(imagesAllowed(settings, [{ address: 'News@Example.org' }])).toBe(true);
    expect(imagesAllowed(settings, [{ address: 'other@example.org' }])).toBe(false);
  });
});
