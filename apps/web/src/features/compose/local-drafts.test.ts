import { describe, expect, it } from 'vitest';
import {
  LOCAL_PREFIX,
  type LocalDraft,
  listLocalDrafts,
  parseLocalDraft,
  readLocalDraft,
  removeLocalDraft,
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
