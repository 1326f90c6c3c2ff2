import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import type { ComposeConfig } from './config.js';
import { attachmentLimit, rememberSmtpSize } from './drafts.js';

const config = { attachmentMaxBytes: 25 * 1024 * 1024 } as ComposeConfig;

describe('attachmentLimit', () => {
  it("is the operator's limit, lowered by a smaller SMTP SIZE (leaving room for base64)", async () => {
    const store = new MemoryStore();
    expect(await attachmentLimit(store, config, 'a')).toBe(25 * 1024 * 1024);
    await rememberSmtpSize(store, 'a', 10 * 1024 * 1024);
    expect(await attachmentLimit(store, config, 'a')).toBe(7.5 * 1024 * 1024 - 64 * 1024);
    await rememberSmtpSize(store, 'a', 0);
    expect(await attachmentLimit(store, config, 'a')).toBe(25 * 1024 * 1024);
    await store.close();
  });
});
