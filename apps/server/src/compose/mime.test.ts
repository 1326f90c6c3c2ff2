import { Readable } from 'node:stream';
import type { DraftInput } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { parseMime } from '../mail/view-model.js';
import { buildMime, draftIdOf, draftInputOf, envelopeRecipients, parseSource } from './mime.js';

const draftId = '0b0e5a4c-3f7e-4c8e-9d55-1f2a3b4c5d6e';

function input(draft: DraftInput, keepBcc: boolean) {
  return {
    draft,
    draftId,
    from: { name: 'Jürgen Ä', address: 'jurgen@westwind.test' },
    identityId: 'primary',
    messageId: '<m1@westwind.test>',
    date: new Date('2024-04-02T08:30:00Z'),
    inReplyTo: '<orig@example.org>',
    references: ['<root@example.org>', '<orig@example.org>'],
    attachments: [
      {
        filename: 'a.bin',
        contentType: 'application/octet-stream',
        content: Readable.from([Buffer.from([0, 1, 2, 255])]),
      },
    ],
    keepBcc,
  };
}

const draft: DraftInput = {
  to: [{ name: 'Bob "B" Ünal', address: '"odd..local"@westwind.test' }],
  cc: [],
  bcc: [{ name: '', address: 'hidden@westwind.test' }],
  subject: 'Grüße 🎉',
  text: 'Hello',
  html: '<p>Hello</p>',
  attachments: [],
  inReplyTo: { mailboxId: 'SU5CT1g', uid: 7 },
  mode: 'reply',
};

describe('buildMime', () => {
  it('round-trips a draft through MIME, Bcc kept only when asked', async () => {
    const stored = await buildMime(input(draft, true));
    const head = stored.toString('utf8').split('\r\n\r\n')[0] ?? '';
    expect(head).toMatch(/^In-Reply-To: <orig@example.org>$/m);
    expect(head).toMatch(/^References: <root@example.org> <orig@example.org>$/m);
    expect(head).toMatch(/^Bcc: hidden@westwind.test$/m);
    expect(head).not.toMatch(/X-Mailer/);
    const { email } = await parseMime(stored);
    expect(draftIdOf(email)).toBe(draftId);
    const back = draftInputOf(email);
    expect(back.subject).toBe('Grüße 🎉');
    expect(back.to[0]?.name).toBe('Bob "B" Ünal');
    expect(back.bcc).toEqual([{ name: '', address: 'hidden@westwind.test' }]);
    expect(back.inReplyTo).toEqual({ mailboxId: 'SU5CT1g', uid: 7 });
    expect(back.mode).toBe('reply');
    expect(back.identityId).toBe('primary');
    expect(email.attachments[0]?.filename).toBe('a.bin');
    expect(Buffer.from(email.attachments[0]?.content as ArrayBuffer)).toEqual(Buffer.from([0, 1, 2, 255]));

    const sent = await buildMime(input(draft, false));
    expect(sent.toString('utf8')).not.toMatch(/^Bcc:/im);
  });

  it('lists every recipient once for the envelope', () => {
    expect(
      envelopeRecipients({
        ...draft,
        to: [{ name: '', address: 'a@x.org' }],
        cc: [{ name: '', address: 'A@x.org' }],
        bcc: [{ name: '', address: 'b@x.org' }],
      }),
    ).toEqual(['a@x.org', 'b@x.org']);
  });

  it('parses only well-formed source headers', () => {
    expect(parseSource('forward; mailbox=SU5CT1g; uid=3')).toEqual({
      mode: 'forward',
      ref: { mailboxId: 'SU5CT1g', uid: 3 },
    });
    expect(parseSource('forward; mailbox=a b; uid=3')).toBeNull();
    expect(parseSource('reply; mailbox=x; uid=99999999999')).toBeNull();
  });
});
