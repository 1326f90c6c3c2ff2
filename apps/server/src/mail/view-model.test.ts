import type { MessageStructureObject } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { contentDisposition, safeFilename, servedContentType } from './attachment-headers.js';
import { flagsOf } from './flags.js';
import { buildMessageDetail, parseListUnsubscribe, parseMime, partsFromStructure } from './view-model.js';

const enc = (s: string) => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

async function view(
  source: Buffer,
  structure?: MessageStructureObject,
  extra: Partial<Parameters<typeof buildMessageDetail>[0]> = {},
) {
  const { email, complete } = await parseMime(source);
  return buildMessageDetail({
    mailboxId: 'SU5CT1g',
    uid: 7,
    email,
    complete,
    flags: new Set(['\\Seen', '$Forwarded', 'work']),
    internalDate: new Date('2024-05-01T10:00:00Z'),
    size: source.length,
    bodyStructure: structure,
    truncatedAt: null,
    remoteContent: false,
    ...extra,
  });
}

describe('parseMime + buildMessageDetail', () => {
  it('decodes RFC 2047 headers and addresses, references and flags', async () => {
    const detail = await view(
      enc(`From: =?UTF-8?B?w4lsb8Ovc2U=?= <eloise@example.org>
To: a@example.org, Team: b@example.org, c@example.org;
Reply-To: r@example.org
Subject: =?ISO-8859-1?Q?caf=E9?= ok
Message-ID: <m1@example.org>
In-Reply-To: <m0@example.org>
References: <a@x> <b@x>
 <m0@example.org>
Date: Wed, 01 May 2024 09:00:00 +0200
List-Unsubscribe: <javascript:alert(1)>, <mailto:unsub@example.org?subject=x>, <https://example.org/u?id=1>
List-Unsubscribe-Post: List-Unsubscribe=One-Click

Hello
`),
    );
    expect(detail.summary.from).toEqual([{ name: 'Éloïse', address: 'eloise@example.org' }]);
    expect(detail.summary.to.map((a) => a.address)).toEqual([
      'a@example.org',
      'b@example.org',
      'c@example.org',
    ]);
    expect(detail.summary.subject).toBe('café ok');
    expect(detail.summary.date).toBe('2024-05-01T07:00:00.000Z');
    expect(detail.summary.flags).toEqual({
      seen: true,
      flagged: false,
      answered: false,
      draft: false,
      forwarded: true,
    });
    expect(detail.summary.keywords).toEqual(['work']);
    expect(detail.references).toEqual(['<a@x>', '<b@x>', '<m0@example.org>']);
    expect(detail.summary.inReplyTo).toBe('<m0@example.org>');
    expect(detail.replyTo).toEqual([{ name: '', address: 'r@example.org' }]);
    expect(detail.text?.trim()).toBe('Hello');
    expect(detail.listUnsubscribe).toEqual({
      url: 'https://example.org/u?id=1',
      mailto: 'mailto:unsub@example.org?subject=x',
      oneClick: true,
    });
  });

  it.each([
    ['ISO-8859-2', Buffer.from([0xb1, 0xe6, 0xea]), 'ąćę'],
    ['windows-1251', Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), 'Привет'],
    ['windows-1252', Buffer.from([0x80, 0x20, 0x93, 0x71, 0x94]), '€ “q”'],
    ['Shift_JIS', Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd]), 'こんにちは'],
    ['ISO-2022-JP', Buffer.from('\x1b$B$3$s$K$A$O\x1b(B', 'latin1'), 'こんにちは'],
    ['KOI8-R', Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), 'Привет'],
  ])('decodes a %s body', async (charset, bytes, expected) => {
    const head = enc(`From: a@example.org\nSubject: x\nContent-Type: text/plain; charset=${charset}\n\n`);
    const detail = await view(Buffer.concat([head, bytes, Buffer.from('\r\n')]));
    expect(detail.text?.trim()).toBe(expected);
  });

  it('lists attachments from BODYSTRUCTURE and flags inline cid images', async () => {
    const source = enc(`From: a@example.org
Subject: x
Content-Type: multipart/related; boundary=b

--b
Content-Type: text/html; charset=utf-8

<p>Hi <img src="cid:logo@x"> <img src="https://track.example/p.gif"></p>
--b
Content-Type: image/png
Content-ID: <logo@x>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b--
`);
    const structure: MessageStructureObject = {
      type: 'multipart/mixed',
      childNodes: [
        {
          part: '1',
          type: 'multipart/related',
          childNodes: [
            { part: '1.1', type: 'text/html', parameters: { charset: 'utf-8' }, size: 80 },
            { part: '1.2', type: 'image/png', id: '<logo@x>', encoding: 'base64', size: 12 },
          ],
        },
        {
          part: '2',
          type: 'application/pdf',
          disposition: 'attachment',
          dispositionParameters: { filename: 'Report ä.pdf' },
          encoding: 'base64',
          size: 7800,
        },
        {
          part: '3',
          type: 'text/plain',
          disposition: 'attachment',
          dispositionParameters: { filename: 'notes.txt' },
          size: 10,
        },
      ],
    };
    const detail = await view(source, structure);
    expect(detail.attachments).toEqual([
      {
        partId: '1.2',
        filename: 'part-1.png',
        contentType: 'image/png',
        size: 8,
        contentId: 'logo@x',
        inline: true,
      },
      {
        partId: '2',
        filename: 'Report ä.pdf',
        contentType: 'application/pdf',
        size: 5700,
        contentId: null,
        inline: false,
      },
      {
        partId: '3',
        filename: 'notes.txt',
        contentType: 'text/plain',
        size: 10,
        contentId: null,
        inline: false,
      },
    ]);
    expect(detail.html).toContain('src="/api/mailboxes/SU5CT1g/messages/7/attachments/1.2?inline=1"');
    expect(detail.html).not.toContain('track.example');
    expect(detail.hasRemoteContent).toBe(true);
    expect(detail.remoteContentShown).toBe(false);
    expect(detail.summary.hasAttachments).toBe(true);
    expect(detail.summary.snippet).toBe('Hi');
  });

  it('treats a single-part non-text message as part 1', () => {
    expect(partsFromStructure({ type: 'application/pdf', parameters: { name: 'a.pdf' }, size: 3 })).toEqual([
      {
        partId: '1',
        filename: 'a.pdf',
        contentType: 'application/pdf',
        size: 3,
        contentId: null,
        disposition: null,
      },
    ]);
  });

  it('survives deep nesting, quickly', async () => {
    let body = 'Content-Type: text/plain\n\ndeep\n';
    for (let i = 0; i < 400; i++)
      body = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${body}--b${i}--\n`;
    const started = Date.now();
    const detail = await view(enc(`From: a@example.org\nSubject: deep\n${body}`));
    expect(detail.summary.subject).toBe('deep');
    expect(Date.now() - started).toBeLessThan(5000);
    let structure: MessageStructureObject = { part: '1', type: 'text/plain' };
    for (let i = 0; i < 5000; i++)
      structure = {
        type: 'multipart/mixed',
        childNodes: [structure, { part: `${i + 2}`, type: 'image/png' }],
      };
    expect(partsFromStructure(structure).length).toBeLessThanOrEqual(500);
  });

  it('survives a missing boundary and broken base64 and quoted-printable', async () => {
    const detail = await view(
      enc(`From: a@example.org
Subject: broken
Content-Type: multipart/alternative; boundary=never

--other
Content-Type: text/plain
Content-Transfer-Encoding: base64

@@@not*base64!!!
`),
    );
    expect(detail.summary.subject).toBe('broken');
    const qp = await view(
      enc(`From: a@example.org
Subject: qp
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9 =ZZ =
soft=
`),
    );
    expect(qp.text).toContain('café');
  });

  it('handles a 5 MB single-line body and huge headers quickly', async () => {
    const line = 'x'.repeat(5 * 1024 * 1024);
    let started = Date.now();
    const big = await view(Buffer.from(`From: a@example.org\r\nSubject: big\r\n\r\n${line}\r\n`));
    expect(big.text?.length).toBeGreaterThan(5_000_000);
    expect(big.summary.snippet.length).toBe(200);
    expect(Date.now() - started).toBeLessThan(5000);

    const hugeHeader = `X-Junk: ${'a'.repeat(3 * 1024 * 1024)}\r\n`;
    started = Date.now();
    const huge = await view(Buffer.from(`From: a@example.org\r\nSubject: huge\r\n${hugeHeader}\r\nbody\r\n`));
    expect(huge.summary.from[0]?.address ?? '').toMatch(/^(a@example\.org)?$/);
    expect(huge.text).toContain('malformed');
    expect(Date.now() - started).toBeLessThan(5000);

    const many = Array.from({ length: 20_000 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const manyHeaders = await view(
      Buffer.from(`From: a@example.org\r\nSubject: many\r\n${many}\r\n\r\nbody\r\n`),
    );
    expect(manyHeaders.summary.subject).toBe('many');
  });

  it('says so when the source was cut at the size limit', async () => {
    const detail = await view(enc('From: a@example.org\nSubject: big\n\nstart'), undefined, {
      truncatedAt: 25 * 1024 * 1024,
    });
    expect(detail.text).toMatch(/^start\s+\[Westwind: this message is larger than 25 MB/);
  });
});

describe('parseListUnsubscribe', () => {
  it('accepts only http(s) and mailto, and one-click only over https', () => {
    expect(
      parseListUnsubscribe('<javascript:alert(1)>, <data:text/html,x>, <ftp://x/>', undefined),
    ).toBeNull();
    expect(parseListUnsubscribe('<http://example.org/u>', 'List-Unsubscribe=One-Click')).toEqual({
      url: 'http://example.org/u',
      mailto: null,
      oneClick: false,
    });
    expect(parseListUnsubscribe('<https://example.org/u>', 'something else')?.oneClick).toBe(false);
    expect(parseListUnsubscribe('no brackets https://example.org/', undefined)).toBeNull();
  });
});

describe('attachment headers', () => {
  it('serves active and unknown types as octet-stream', () => {
    for (const type of [
      'text/html',
      'image/svg+xml',
      'application/xml',
      'text/xml',
      'application/xhtml+xml',
      'application/javascript',
      'x/y',
      'text/html; charset=utf-8',
      '',
    ]) {
      expect(servedContentType(type)).toBe('application/octet-stream');
    }
    expect(servedContentType('image/PNG; name=a.png')).toBe('image/png');
    expect(servedContentType('application/pdf')).toBe('application/pdf');
  });

  it('makes filenames safe for headers and disks', () => {
    expect(safeFilename('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFilename('a\r\nSet-Cookie: x=1.txt')).toBe('aSet-Cookie_ x=1.txt');
    expect(safeFilename('evil\u202Etxt.exe')).toBe('eviltxt.exe');
    expect(safeFilename('...')).toBe('attachment');
    const header = contentDisposition('attachment', 'naïve "quote";\r\n.pdf');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toBe(
      `attachment; filename="na_ve _quote__.pdf"; filename*=UTF-8''na%C3%AFve%20_quote_%3B.pdf`,
    );
  });

  it('maps flags like the list does', () => {
    expect(flagsOf(['\\Flagged', '\\Answered', '\\Draft'])).toEqual({
      seen: false,
      flagged: true,
      answered: true,
      draft: true,
      forwarded: false,
    });
  });
});
