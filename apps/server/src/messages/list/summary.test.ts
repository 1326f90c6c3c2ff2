import type { MessageStructureObject } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { hasAttachments, snippetPart, toAddresses, toFlags, toSummary } from './summary.js';

const text = (part: string, extra: Partial<MessageStructureObject> = {}): MessageStructureObject => ({
  part,
  type: 'text/plain',
  encoding: 'quoted-printable',
  parameters: { charset: 'utf-8' },
  ...extra,
});
const html = (part: string): MessageStructureObject => ({ part, type: 'text/html', encoding: 'base64' });
const multi = (
  type: string,
  childNodes: MessageStructureObject[],
  part?: string,
): MessageStructureObject => ({
  type: `multipart/${type}`,
  childNodes,
  ...(part ? { part } : {}),
});

describe('summaries', () => {
  it('maps addresses, leaving out empty group entries', () => {
    expect(toAddresses([{ name: 'Zoë', address: 'zoe@example.org' }, {}, { address: 'x@y' }])).toEqual([
      { name: 'Zoë', address: 'zoe@example.org' },
      { name: '', address: 'x@y' },
    ]);
    expect(toAddresses(undefined)).toEqual([]);
  });

  it('maps flags, $Forwarded included, and keeps other keywords', () => {
    const { flags, keywords } = toFlags(
      new Set(['\\Seen', '\\Answered', '$Forwarded', '$Label1', '\\Recent']),
    );
    expect(flags).toEqual({ seen: true, flagged: false, answered: true, draft: false, forwarded: true });
    expect(keywords).toEqual(['$Label1']);
  });

  it('detects attachments but not inline images of an HTML body', () => {
    expect(hasAttachments(text('1'))).toBe(false);
    expect(hasAttachments(multi('alternative', [text('1'), html('2')]))).toBe(false);
    const related = multi('related', [html('1'), { part: '2', type: 'image/png', id: '<cid1>' }]);
    expect(hasAttachments(related)).toBe(false);
    expect(hasAttachments(multi('mixed', [text('1'), { part: '2', type: 'application/pdf' }]))).toBe(true);
    expect(
      hasAttachments(
        multi('mixed', [text('1'), { part: '2', type: 'image/png', disposition: 'attachment' }]),
      ),
    ).toBe(true);
    expect(
      hasAttachments(multi('mixed', [text('1'), text('2', { parameters: { name: 'notes.txt' } })])),
    ).toBe(true);
    expect(hasAttachments(multi('mixed', [text('1'), { part: '2', type: 'message/rfc822' }]))).toBe(true);
    expect(hasAttachments(undefined)).toBe(false);
  });

  it('picks the text part for the snippet', () => {
    expect(snippetPart({ type: 'text/plain' })?.part).toBe('1');
    const mixed = multi('mixed', [
      multi('alternative', [text('1.1'), html('1.2')], '1'),
      { part: '2', type: 'image/png' },
    ]);
    expect(snippetPart(mixed)).toMatchObject({
      part: '1.1',
      type: 'text/plain',
      encoding: 'quoted-printable',
      charset: 'utf-8',
    });
    expect(snippetPart(multi('alternative', [html('1')]))).toMatchObject({ part: '1', type: 'text/html' });
    expect(snippetPart(multi('mixed', [text('1', { disposition: 'attachment' })]))).toBeNull();
  });

  it('builds a summary, falling back to the arrival time for a missing Date', () => {
    const summary = toSummary(
      {
        uid: 7,
        envelope: { subject: 'Grüße', from: [{ name: 'A', address: 'a@x' }], messageId: '<m@x>' },
        flags: new Set(['\\Flagged']),
        size: 1234,
        internalDate: new Date('2025-01-02T03:04:05Z'),
        bodyStructure: text('1'),
      },
      'SU5CT1g',
      'hello',
    );
    expect(summary).toMatchObject({
      mailboxId: 'SU5CT1g',
      uid: 7,
      subject: 'Grüße',
      messageId: '<m@x>',
      inReplyTo: null,
      date: '2025-01-02T03:04:05.000Z',
      receivedAt: '2025-01-02T03:04:05.000Z',
      size: 1234,
      hasAttachments: false,
      snippet: 'hello',
    });
    expect(summary.flags.flagged).toBe(true);
  });
});
