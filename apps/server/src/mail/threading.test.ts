import { describe, expect, it } from 'vitest';
import {
  baseSubject,
  buildThreads,
  MAX_REFERENCES,
  messageKey,
  normalizeMessageId,
  parseReferences,
  type ThreadableMessage,
} from './threading.js';

let nextUid = 1;
function msg(
  partial: Partial<ThreadableMessage> & { id?: string | null; refs?: string[] },
): ThreadableMessage {
  const { id, refs, ...rest } = partial;
  return {
    mailboxId: 'INBOX',
    uid: nextUid++,
    messageId: id === undefined ? null : id === null ? null : `<${id}>`,
    inReplyTo: refs && refs.length > 0 ? `<${refs.at(-1)}>` : null,
    references: refs ? refs.map((r) => `<${r}>`).join(' ') : null,
    subject: 'Hello',
    date: Date.UTC(2026, 0, 1) + nextUid * 60_000,
    from: [{ name: 'A', address: 'a@example.org' }],
    seen: true,
    flagged: false,
    hasAttachments: false,
    ...rest,
  };
}

const uidsOf = (thread: { messages: { uid: number }[] }) => thread.messages.map((m) => m.uid);

describe('header parsing', () => {
  it('normalizes Message-IDs', () => {
    expect(normalizeMessageId(' <a@b> ')).toBe('a@b');
    expect(normalizeMessageId('a@b')).toBe('a@b');
    expect(normalizeMessageId('')).toBeNull();
    expect(normalizeMessageId('<>')).toBeNull();
    expect(normalizeMessageId(null)).toBeNull();
  });

  it('bounds huge References headers, keeping the root and the newest ids', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `<r${i}@x>`);
    const refs = parseReferences(ids.join(' '));
    expect(refs.length).toBeLessThanOrEqual(MAX_REFERENCES);
    expect(refs[0]).toBe('r0@x');
    expect(refs.at(-1)).toBe('r4999@x');
    expect(parseReferences('garbage <ok@x> <bad id> <>')).toEqual(['ok@x']);
  });

  it('strips reply, forward and list prefixes from subjects', () => {
    expect(baseSubject('Re: Fwd: AW: [dev-list] Sv: Plan')).toEqual({ base: 'Plan', isReply: true });
    expect(baseSubject('RE[2]: Plan')).toEqual({ base: 'Plan', isReply: true });
    expect(baseSubject('[dev-list] Plan')).toEqual({ base: 'Plan', isReply: false });
    expect(baseSubject('[only]')).toEqual({ base: '[only]', isReply: false });
    expect(baseSubject('Return of the plan')).toEqual({ base: 'Return of the plan', isReply: false });
  });
});

describe('buildThreads', () => {
  it('groups by References across folders and orders by newest activity', () => {
    const root = msg({ id: 'root@x', subject: 'Plan' });
    const other = msg({ id: 'other@x', subject: 'Lunch', seen: false });
    const reply = msg({ id: 'reply@me', refs: ['root@x'], subject: 'Re: Plan', mailboxId: 'Sent' });
    const reply2 = msg({
      id: 'r2@x',
      refs: ['root@x', 'reply@me'],
      subject: 'Re: Plan',
      seen: false,
      flagged: true,
    });
    const threads = buildThreads([reply2, other, reply, root]);
    expect(threads).toHaveLength(2);
    const [plan, lunch] = threads;
    expect(uidsOf(plan!)).toEqual([root.uid, reply.uid, reply2.uid]);
    expect(plan!.messages[1]).toEqual({ mailboxId: 'Sent', uid: reply.uid });
    expect(plan!).toMatchObject({ subject: 'Plan', messageCount: 3, unreadCount: 1, flagged: true });
    expect(lunch!).toMatchObject({ messageCount: 1, unreadCount: 1 });
  });

  it('keeps a stable id named by the root Message-ID, even when the root is missing', () => {
    const a = msg({ id: 'a@x', refs: ['gone@x'] });
    const b = msg({ id: 'b@x', refs: ['gone@x'] });
    const [thread] = buildThreads([a, b]);
    expect(uidsOf(thread!)).toEqual([a.uid, b.uid]);
    const root = msg({ id: 'gone@x' });
    const [withRoot] = buildThreads([a, b, root]);
    expect(withRoot!.threadId).toBe(thread!.threadId);
    expect(withRoot!.messageCount).toBe(3);
  });

  it('survives missing and duplicate Message-IDs', () => {
    const a = msg({ id: null, subject: 'One' });
    const b = msg({ id: null, subject: 'Two' });
    const original = msg({ id: 'dup@x', subject: 'Three' });
    const copy = msg({ id: 'dup@x', subject: 'Three', mailboxId: 'Sent' });
    const reply = msg({ id: 'rep@x', refs: ['dup@x'], subject: 'Re: Three' });
    const threads = buildThreads([a, b, original, copy, reply]);
    expect(threads.map((t) => t.messageCount).sort()).toEqual([1, 1, 1, 2]);
    const three = threads.find((t) => t.messageCount === 2)!;
    expect(uidsOf(three)).toEqual([original.uid, reply.uid]);
    // Every message is in exactly one thread.
    expect(threads.flatMap(uidsOf).sort((x, y) => x - y)).toEqual(
      [a, b, original, copy, reply].map((m) => m.uid),
    );
  });

  it('breaks cycles in References', () => {
    const a = msg({ id: 'a@x', refs: ['b@x'] });
    const b = msg({ id: 'b@x', refs: ['a@x'] });
    const c = msg({ id: 'c@x', refs: ['c@x', 'a@x', 'b@x', 'a@x'] });
    const threads = buildThreads([a, b, c]);
    expect(threads).toHaveLength(1);
    expect(threads[0]!.messageCount).toBe(3);
  });

  it('falls back to the subject only for replies without references', () => {
    const original = msg({ id: 'o@x', subject: 'Budget' });
    const orphan = msg({ id: 'p@x', subject: 'Re: [team] Budget' });
    const unrelated = msg({ id: 'q@x', subject: 'Budget' });
    const threads = buildThreads([original, orphan, unrelated]);
    expect(threads).toHaveLength(2);
    expect(threads.find((t) => t.messageCount === 2)!.messages.map((m) => m.uid)).toEqual([
      original.uid,
      orphan.uid,
    ]);
  });

  it('merges extra groups such as a server THREAD answer', () => {
    const a = msg({ id: 'a@x', subject: 'X' });
    const b = msg({ id: 'b@x', subject: 'Y' });
    expect(buildThreads([a, b])).toHaveLength(2);
    expect(buildThreads([a, b], { groups: [[messageKey(a), messageKey(b)]] })).toHaveLength(1);
  });

  it('handles a long chain and a big mailbox quickly', () => {
    const chain: ThreadableMessage[] = [];
    for (let i = 0; i < 3000; i++) {
      const refs = chain.slice(-100).map((m) => m.messageId!.slice(1, -1));
      chain.push(msg({ id: `c${i}@x`, refs: refs.length ? refs : undefined }));
    }
    const started = performance.now();
    const threads = buildThreads(chain);
    expect(threads).toHaveLength(1);
    expect(threads[0]!.messageCount).toBe(3000);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('lists participants once each, oldest first', () => {
    const a = msg({ id: 'a@x', from: [{ name: 'Ann', address: 'ann@x' }] });
    const b = msg({ id: 'b@x', refs: ['a@x'], from: [{ name: 'Me', address: 'me@x' }] });
    const c = msg({ id: 'c@x', refs: ['a@x', 'b@x'], from: [{ name: 'ANN', address: 'Ann@x' }] });
    expect(buildThreads([a, b, c])[0]!.participants.map((p) => p.address)).toEqual(['ann@x', 'me@x']);
  });
});
