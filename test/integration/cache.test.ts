import { ErrorCodes, type MessageSummary } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { BASIC_IMAP_HOST } from '../../infra/stack/index.ts';
import {
  allRows,
  changes,
  idOf,
  imap,
  message,
  newUser,
  page,
  serverUids,
  signedIn,
  verify,
} from '../fault/cache-support.ts';
import { useApps } from '../support/server.ts';

const apps = useApps();
/**
 * These tests look at the sync against changes by another mail client, so every page asks the
 * server by STATUS; serving from a recent sighting or a checked selection without that is tested
 * in cache-freshness.test.ts. The sync is tested twice: against Dovecot as it is (QRESYNC
 * deltas) and against its listener that hides CONDSTORE and QRESYNC (bounded flags scan, whose
 * window covers these small folders whole; cache-flag-scan.test.ts looks past it).
 */
const SERVERS = [
  { server: 'with QRESYNC', imapHost: undefined, state: /^\d+:\d+$/ },
  { server: 'without CONDSTORE', imapHost: BASIC_IMAP_HOST, state: /^\d+:s\d+$/ },
];
const appFor =
  (imapHost: string | undefined) =>
  (overrides: Record<string, string> = {}) =>
    apps({
      CACHE_FRESH_MS: '0',
      CACHE_SELECTION_TRUST_S: '0',
      ...(imapHost ? { IMAP_HOST: imapHost } : {}),
      ...overrides,
    });
const app = appFor(undefined);

/** A tiny deterministic PRNG so a failing sequence can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('summary cache (GET /api/mailboxes/:id/messages, /changes)', () => {
  it('requires authentication for changes', async () => {
    const response = await (await app()).inject({ url: `/api/mailboxes/${idOf('INBOX')}/changes?since=1:1` });
    expect(response.statusCode).toBe(401);
  });
});

describe.each(SERVERS)('summary cache sync, server $server', ({ imapHost, state: stateFormat }) => {
  const app = appFor(imapHost);

  it('sends only the flags of changed messages nobody listed, and whole summaries of new ones', async () => {
    const user = await newUser('cache-flagonly', 20);
    const api = await signedIn(await app(), user);
    const direct = await imap(user);
    try {
      const first = await page(api, 'INBOX', { limit: 5 });
      const listed = first.items[1]!.uid;
      const lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.messageFlagsAdd('2', ['\\Flagged'], { uid: true });
        await direct.messageFlagsAdd(String(listed), ['\\Flagged'], { uid: true });
        await direct.append('INBOX', message('arrived'));
      } finally {
        lock.release();
      }
      const delta = await changes(api, 'INBOX', first.state);
      expect(delta.flagUpdates).toEqual([{ uid: 2, flags: expect.objectContaining({ flagged: true }) }]);
      expect(delta.updated.map((r) => [r.uid, r.flags.flagged])).toEqual([[listed, true]]);
      expect(delta.created.map((r) => r.subject)).toEqual(['arrived']);
    } finally {
      await direct.logout();
    }
  });

  it('matches IMAP exactly after random changes by another client (append, flag, expunge, move)', async () => {
    const user = await newUser('cache-rand', 40);
    const api = await signedIn(await app(), user);
    const direct = await imap(user);
    await direct.mailboxCreate('Moved').catch(() => {});
    const random = prng(20260601);
    // The client's model of INBOX, kept only from the first list and then the changes calls.
    const model = new Map<number, MessageSummary>();
    for (const row of await allRows(api, 'INBOX', 30)) model.set(row.uid, row);
    let state = (await page(api, 'INBOX', { limit: 1 })).state;
    try {
      for (let round = 0; round < 12; round++) {
        const lock = await direct.getMailboxLock('INBOX');
        try {
          for (let op = 0; op < 4; op++) {
            const uids = ((await direct.search({ all: true }, { uid: true })) || []) as number[];
            const pick = () => String(uids[Math.floor(random() * uids.length)]);
            const kind = Math.floor(random() * 5);
            if (kind === 0 || uids.length < 5)
              await direct.append('INBOX', message(`round ${round}.${op}`), ['\\Seen']);
            else if (kind === 1)
              await direct.messageFlagsAdd(pick(), ['\\Flagged', '$label1'], { uid: true });
            else if (kind === 2) await direct.messageFlagsRemove(pick(), ['\\Seen'], { uid: true });
            else if (kind === 3) await direct.messageDelete(pick(), { uid: true });
            else await direct.messageMove(pick(), 'Moved', { uid: true });
          }
        } finally {
          lock.release();
        }
        const delta = await changes(api, 'INBOX', state);
        expect(delta.oldState).toBe(state);
        for (const uid of delta.destroyed) model.delete(uid);
        for (const row of [...delta.created, ...delta.updated]) model.set(row.uid, row);
        for (const { uid, flags } of delta.flagUpdates) {
          const known = model.get(uid);
          if (known) model.set(uid, { ...known, flags });
        }
        state = delta.newState;
        // Every other round a list (sometimes from a cold page), the rest through changes only.
        if (round % 2 === 0) {
          const rows = await allRows(api, 'INBOX', 25);
          expect(rows.map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
          expect(new Map(rows.map((r) => [r.uid, r]))).toEqual(model);
        }
        const report = await verify(user);
        expect(report.mismatches).toEqual([]);
      }
      const moved = await allRows(api, 'Moved');
      expect(moved.map((r) => r.uid)).toEqual(await serverUids(user, 'Moved'));
      expect([...model.keys()].sort((a, b) => b - a)).toEqual(await serverUids(user, 'INBOX'));
      const report = await verify(user);
      expect(report.mismatches).toEqual([]);
      expect(report.summaries).toBeGreaterThan(0);
    } finally {
      await direct.logout();
    }
  });

  it('drops and resyncs a folder recreated under the same name (UIDVALIDITY change)', async () => {
    const user = await newUser('cache-uv', 0);
    const api = await signedIn(await app(), user);
    const direct = await imap(user);
    try {
      await direct.mailboxCreate('Again');
      for (const subject of ['one', 'two', 'three']) await direct.append('Again', message(subject));
      const before = await page(api, 'Again');
      expect(before.items.map((r) => r.subject)).toEqual(['three', 'two', 'one']);
      await direct.mailboxDelete('Again');
      await direct.mailboxCreate('Again');
      await direct.append('Again', message('four'));
      const after = await page(api, 'Again');
      expect(after.items.map((r) => r.subject)).toEqual(['four']);
      expect(after.state).not.toBe(before.state);
      const stale = await api.request({
        url: `/api/mailboxes/${idOf('Again')}/changes?since=${before.state}`,
      });
      expect(stale.statusCode).toBe(400);
      expect(stale.json().error.code).toBe(ErrorCodes.INVALID_CURSOR);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout();
    }
  });

  it('sees expunges and flag changes made while the cache is cold and while it is warm', async () => {
    const user = await newUser('cache-cw', 20);
    const direct = await imap(user);
    try {
      // Cold: changes before anything was cached.
      let lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.messageDelete('1:3', { uid: true });
        await direct.messageFlagsAdd('4', ['\\Flagged'], { uid: true });
      } finally {
        lock.release();
      }
      const api = await signedIn(await app(), user);
      let rows = await allRows(api, 'INBOX');
      expect(rows.map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
      expect(rows.find((r) => r.uid === 4)?.flags.flagged).toBe(true);
      const warmState = (await page(api, 'INBOX')).state;
      // Warm: every row is cached now.
      lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.messageDelete('5', { uid: true });
        await direct.messageFlagsRemove('4', ['\\Flagged'], { uid: true });
        await direct.messageFlagsAdd('6', ['\\Seen', '\\Answered'], { uid: true });
      } finally {
        lock.release();
      }
      const delta = await changes(api, 'INBOX', warmState);
      expect(delta.destroyed).toContain(5);
      expect(delta.updated.map((r) => r.uid).sort()).toEqual([4, 6]);
      rows = await allRows(api, 'INBOX');
      expect(rows.map((r) => r.uid)).toEqual(await serverUids(user, 'INBOX'));
      expect(rows.find((r) => r.uid === 4)?.flags.flagged).toBe(false);
      expect(rows.find((r) => r.uid === 6)?.flags).toMatchObject({ seen: true, answered: true });
      const unread = (await page(api, 'INBOX')).unread;
      expect(unread).toBe(rows.filter((r) => !r.flags.seen).length);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout();
    }
  });

  it('updates the cache on its own actions', async () => {
    const user = await newUser('cache-act', 10);
    const api = await signedIn(await app(), user);
    const first = await page(api, 'INBOX');
    expect(first.state).toMatch(stateFormat);
    const uid = first.items[0]!.uid;
    const action = await api.request({
      method: 'POST',
      url: '/api/messages/actions',
      payload: { mailboxId: idOf('INBOX'), uids: [uid], action: 'flag' },
    });
    expect(action.statusCode, action.body).toBe(200);
    const after = await page(api, 'INBOX');
    expect(after.items[0]!.flags.flagged).toBe(true);
    expect(after.state).not.toBe(first.state);
    expect((await verify(user)).mismatches).toEqual([]);
  });

  it('pages correctly while another instance syncs the same mailbox', async () => {
    const user = await newUser('cache-page', 45);
    const a = await signedIn(await app(), user);
    const b = await signedIn(await app(), user);
    const direct = await imap(user);
    try {
      const seen: number[] = [];
      const first = await page(a, 'INBOX', { limit: 10 });
      seen.push(...first.items.map((r) => r.uid));
      const lock = await direct.getMailboxLock('INBOX');
      try {
        await direct.append('INBOX', message('new while paging'));
        await direct.messageDelete('30:32', { uid: true });
        await direct.messageFlagsAdd('1:45', ['\\Seen'], { uid: true });
      } finally {
        lock.release();
      }
      // Instance B syncs (twice at once) while A keeps paging with its cursor.
      let cursor = first.nextCursor;
      const syncs = Promise.all([page(b, 'INBOX'), page(b, 'INBOX', { limit: 5 })]);
      while (cursor) {
        const next = await page(a, 'INBOX', { limit: 10, cursor });
        seen.push(...next.items.map((r) => r.uid));
        cursor = next.nextCursor;
      }
      await syncs;
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort((x, y) => y - x));
      const gone = new Set([30, 31, 32]);
      const expected = Array.from({ length: 45 }, (_, i) => 45 - i).filter((u) => !gone.has(u));
      expect(seen.filter((u) => !gone.has(u))).toEqual(expected);
      expect((await verify(user)).mismatches).toEqual([]);
    } finally {
      await direct.logout();
    }
  });
});
