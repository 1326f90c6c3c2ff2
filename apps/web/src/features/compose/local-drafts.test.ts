import { describe, expect, it } from 'vitest';
import {
  isTransient,
  LOCAL_PREFIX,
  type LocalDraft,
  listLocalDrafts,
  parseLocalDraft,
  readLocalDraft,
  removeLocalDraft,
  retryDelay,
  writeLocalDraft,
} from './local-drafts';

class MemoryStorage {
  #map = new Map<string, string>();
  get length() {
    return this.#map.size;
  }
  key(i: number) {
    return [...this.#map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.#map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.#map.set(k, v);
  }
  removeItem(k: string) {
    this.#map.delete(k);
  }
}

const draft = (id: string, changedAt: number): LocalDraft => ({
  draftId: id,
  account: 'me@x.test',
  changedAt,
  synced: false,
  files: [{ attachment: { uploadId: 'u1' }, filename: 'a.txt', size: 3, contentType: 'text/plain' }],
  draft: {
    to: [{ name: '', address: 'a@x.test' }],
    cc: [],
    bcc: [],
    subject: 'Hi',
    html: '<p>Hi</p>',
    text: 'Hi',
    attachments: [{ uploadId: 'u1' }],
  },
});

describe('local drafts', () => {
  it('round-trips, lists newest first and removes', () => {
    const s = new MemoryStorage();
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    writeLocalDraft(draft(a, 1), s);
    writeLocalDraft(draft(b, 2), s);
    s.setItem('other', 'x');
    expect(readLocalDraft(a, s)?.draft.subject).toBe('Hi');
    expect(readLocalDraft(a, s)?.draft.attachments).toEqual([{ uploadId: 'u1' }]);
    expect(listLocalDrafts('me@x.test', s).map((d) => d.draftId)).toEqual([b, a]);
    expect(listLocalDrafts('someone-else@x.test', s)).toEqual([]);
    removeLocalDraft(b, s);
    expect(listLocalDrafts('me@x.test', s).map((d) => d.draftId)).toEqual([a]);
  });
  it('rejects junk and coerces bad fields', () => {
    expect(parseLocalDraft('not json')).toBeNull();
    expect(parseLocalDraft('{"draftId":"../../x"}')).toBeNull();
    const parsed = parseLocalDraft(
      JSON.stringify({
        draftId: 'abcdef12-0000',
        draft: { to: [{ address: 5 }, 'x', { address: 'a@x.test' }], html: 7 },
      }),
    );
    expect(parsed?.draft.to).toEqual([{ name: '', address: 'a@x.test' }]);
    expect(parsed?.draft.html).toBeUndefined();
    expect(LOCAL_PREFIX).toBe('westwind.draft.');
  });
});

describe('server save retries', () => {
  it('backs off from 2 s, doubling up to a minute, with jitter, never before Retry-After', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 12].map((n) => retryDelay(n, 0, mid))).toEqual([
      2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
    expect(retryDelay(1, 0, () => 0)).toBe(1600);
    expect(retryDelay(1, 0, () => 0.999_999)).toBe(2400);
    expect(retryDelay(1, 30, mid)).toBe(30_000);
  });

  it('retries the network and an absent server, not a refusal', () => {
    expect(isTransient({ status: 0, code: 'NETWORK' })).toBe(true);
    expect(isTransient({ status: 0, code: 'TIMEOUT' })).toBe(true);
    expect(isTransient({ status: 503, code: 'UPSTREAM_UNAVAILABLE' })).toBe(true);
    expect(isTransient({ status: 429, code: 'RATE_LIMITED' })).toBe(true);
    expect(isTransient({ status: 0, code: 'ABORTED' })).toBe(false);
    expect(isTransient({ status: 400, code: 'VALIDATION_FAILED' })).toBe(false);
    expect(isTransient({ status: 401, code: 'SESSION_REQUIRED' })).toBe(false);
  });
});
