import { describe, expect, it } from 'vitest';
import { linkify } from './linkify';

describe('linkify', () => {
  it('finds http(s), www and e-mail addresses, leaving trailing punctuation as text', () => {
    expect(
      linkify('See https://example.com/a?b=1&c=2. Or www.example.org, or mail ada@example.test!'),
    ).toEqual([
      { kind: 'text', text: 'See ' },
      { kind: 'link', text: 'https://example.com/a?b=1&c=2', href: 'https://example.com/a?b=1&c=2' },
      { kind: 'text', text: '. Or ' },
      { kind: 'link', text: 'www.example.org', href: 'https://www.example.org/' },
      { kind: 'text', text: ', or mail ' },
      { kind: 'link', text: 'ada@example.test', href: 'mailto:ada@example.test' },
      { kind: 'text', text: '!' },
    ]);
  });

  it('keeps balanced parentheses and stops at quotes and angle brackets', () => {
    const tokens = linkify(
      '(https://en.wikipedia.org/wiki/Foo_(bar)) <https://x.test/"onmouseover=alert(1)>',
    );
    const links = tokens.filter((t) => t.kind === 'link').map((t) => t.text);
    expect(links).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)', 'https://x.test/']);
  });

  it('never links other schemes and keeps markup as text', () => {
    const text = 'javascript:alert(1) data:text/html,<script>alert(1)</script> <b>bold</b>';
    expect(linkify(text)).toEqual([{ kind: 'text', text }]);
  });

  it('handles empty text', () => {
    expect(linkify('')).toEqual([]);
  });
});
