import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../store/memory-store.js';
import { matchContacts, mergeContacts } from './contacts.js';
import { normalizeIdentities, pickIdentity, readIdentities, writeIdentities } from './identities.js';

const owner = { accountKey: 'acct', address: 'me@example.org', displayName: 'Me' };

describe('identities', () => {
  it('always has the primary identity and exactly one default', () => {
    const list = normalizeIdentities(
      [
        {
          id: 'a',
          name: 'A',
          address: 'a@example.org',
          signatureHtml: '',
          signatureText: '',
          isDefault: true,
        },
        {
          id: 'b',
          name: 'B',
          address: 'b@example.org',
          signatureHtml: '',
          signatureText: '',
          isDefault: true,
        },
      ],
      owner,
    );
    expect(list.map((i) => i.id)).toEqual(['primary', 'a', 'b']);
    expect(list.filter((i) => i.isDefault).map((i) => i.id)).toEqual(['a']);
    expect(pickIdentity(list, undefined)?.id).toBe('a');
    expect(pickIdentity(list, 'nope')).toBeNull();
  });

  it('stores sanitized signatures and ignores a corrupt stored value', async () => {
    const store = new MemoryStore();
    const saved = await writeIdentities(store, owner, [
      {
        id: 'primary',
        name: 'Me',
        address: 'changed@example.org',
        signatureHtml: '<b>Me</b><img src=x onerror=alert(1)>',
        signatureText: 'Me',
        isDefault: true,
      },
    ]);
    expect(saved[0]?.address).toBe('me@example.org');
    expect(saved[0]?.signatureHtml).not.toContain('onerror');
    await store.set('ww:account:{acct}:identities', '{"identities":[{"id":1}]}');
    expect((await readIdentities(store, owner)).map((i) => i.id)).toEqual(['primary']);
    await store.close();
  });
});

describe('contacts', () => {
  it('merges, bounds and matches', () => {
    let entries = mergeContacts([], [{ name: 'Ann Lee', address: 'ann@example.org' }], 1);
    entries = mergeContacts(
      entries,
      [
        { name: '', address: 'ANN@example.org' },
        { name: 'Bob', address: 'bob@x.org' },
      ],
      2,
    );
    expect(entries).toHaveLength(2);
    expect(entries.find((e) => e.address.toLowerCase() === 'ann@example.org')?.name).toBe('Ann Lee');
    expect(matchContacts(entries, 'ann', 10)).toEqual([{ name: 'Ann Lee', address: 'ANN@example.org' }]);
    expect(matchContacts(entries, '', 10)).toHaveLength(2);
    const many = mergeContacts(
      [],
      Array.from({ length: 20 }, (_, i) => ({ name: '', address: `p${i}@x.org` })),
      3,
      5,
    );
    expect(many).toHaveLength(5);
  });
});
