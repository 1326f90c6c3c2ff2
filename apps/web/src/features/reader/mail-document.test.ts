import { describe, expect, it } from 'vitest';
import { mailContentSecurityPolicy, wrapMailDocument } from './mail-document';

describe('mail document', () => {
  it('allows no scripts, no remote loads and only our origin for images', () => {
    const csp = mailContentSecurityPolicy('https://mail.example.test');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('img-src https://mail.example.test data:');
    expect(csp).not.toMatch(/script-src|unsafe-eval|\*/);
  });

  it('puts the CSP in the head, escaped, before any content', () => {
    const doc = wrapMailDocument('<p>hi</p>', 'https://a.test/"><script>');
    expect(doc.indexOf('Content-Security-Policy')).toBeLessThan(doc.indexOf('<p>hi</p>'));
    expect(doc).not.toContain('"><script>');
  });
});
