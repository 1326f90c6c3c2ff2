import { describe, expect, it } from 'vitest';
import { safeHref, tagDecision } from './paste-policy';

describe('paste policy', () => {
  it('keeps formatting, drops active content, unwraps the rest', () => {
    expect(tagDecision('B')).toBe('keep');
    expect(tagDecision('blockquote')).toBe('keep');
    expect(tagDecision('script')).toBe('drop');
    expect(tagDecision('svg')).toBe('drop');
    expect(tagDecision('img')).toBe('drop');
    expect(tagDecision('span')).toBe('unwrap');
    expect(tagDecision('font')).toBe('unwrap');
  });
  it('allows only http(s) and mailto links, whatever the obfuscation', () => {
    expect(safeHref('https://example.com/a')).toBe('https://example.com/a');
    expect(safeHref('mailto:a@x.test')).toBe('mailto:a@x.test');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref(' java\tscript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,x')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
  });
});
