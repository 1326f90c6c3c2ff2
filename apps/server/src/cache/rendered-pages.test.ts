import { describe, expect, it } from 'vitest';
import { RenderedPages } from './rendered-pages.js';

const page = (json: string) => ({ json: Buffer.from(json), rows: 1 });

describe('RenderedPages', () => {
  it('returns what was stored under the same key only', () => {
    const pages = new RenderedPages(100);
    pages.set('a', page('{"a":1}'));
    expect(pages.get('a')?.json.toString()).toBe('{"a":1}');
    expect(pages.get('b')).toBeUndefined();
  });

  it('drops the least recently used pages past the bound', () => {
    const pages = new RenderedPages(10);
    pages.set('a', page('aaaa'));
    pages.set('b', page('bbbb'));
    pages.get('a');
    pages.set('c', page('cccc'));
    expect(pages.get('b')).toBeUndefined();
    expect(pages.get('a')?.json.toString()).toBe('aaaa');
    expect(pages.get('c')?.json.toString()).toBe('cccc');
    expect(pages.byteLength).toBe(8);
  });

  it('replaces a key without counting it twice, and never keeps a page larger than the bound', () => {
    const pages = new RenderedPages(10);
    pages.set('a', page('aaaa'));
    pages.set('a', page('aaaaaa'));
    expect(pages.byteLength).toBe(6);
    pages.set('big', page('x'.repeat(11)));
    expect(pages.get('big')).toBeUndefined();
    expect(pages.size).toBe(1);
  });
});
