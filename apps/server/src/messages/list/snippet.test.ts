import { describe, expect, it } from 'vitest';
import { cleanSnippet, decodeCharset, decodeTransfer, htmlToText, snippetFrom } from './snippet.js';

describe('snippets', () => {
  it('decodes truncated base64 and quoted-printable', () => {
    const b64 = Buffer.from('Grüße aus Köln').toString('base64');
    expect(
      decodeTransfer(Buffer.from(`${b64.slice(0, 10)}\r\n${b64.slice(10, 15)}`), 'base64').toString(),
    ).toBe('Grüße a');
    expect(
      decodeCharset(decodeTransfer(Buffer.from('Gr=C3=BC=\r\n=C3=9Fe =C3'), 'quoted-printable'), 'utf-8'),
    ).toBe('Grüße ');
    expect(decodeTransfer(Buffer.from('a=3Db=\nc=E'), 'quoted-printable').toString()).toBe('a=bc');
  });

  it('decodes charsets and drops a character cut in half', () => {
    expect(decodeCharset(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'ISO-8859-1')).toBe('café');
    expect(decodeCharset(Buffer.from('日本').subarray(0, 4), 'utf-8')).toBe('日');
    expect(decodeCharset(Buffer.from('plain'), 'x-unknown-charset')).toBe('plain');
  });

  it('reduces HTML to its visible text', () => {
    expect(
      htmlToText('<style>p{}</style><p>Hi&nbsp;<b>there</b> &amp; &#x263A;</p><img src="x" alt='),
    ).toMatch(/^\s*Hi\s+there\s+& ☺\s*$/);
  });

  it('makes one clean line without quotes or signature', () => {
    const text = 'Hello Ann,\r\n\r\n> quoted\r\nSee\tyou\u0000 soon.\r\n-- \r\nBob\r\n';
    expect(cleanSnippet(text)).toBe('Hello Ann, See you soon.');
    expect(cleanSnippet('x'.repeat(300), 20)).toHaveLength(20);
  });

  it('puts the steps together', () => {
    expect(
      snippetFrom(
        Buffer.from('<p>Hi=20there</p>'),
        { type: 'text/html', encoding: 'quoted-printable', charset: 'utf-8' },
        false,
      ),
    ).toBe('Hi there');
    expect(
      snippetFrom(
        Buffer.from('Hi=20there'),
        { type: 'text/plain', encoding: 'quoted-printable', charset: 'utf-8' },
        true,
      ),
    ).toBe('Hi=20there');
  });
});
