import { describe, expect, it } from 'vitest';
import { MAIL_BODY_CSP, mailBodyDocument } from './body-document.js';

describe('the mail body document', () => {
  it('allows inline styles and same-origin images, and nothing that runs or leaves', () => {
    const directives = new Map(MAIL_BODY_CSP.split('; ').map((d) => [d.split(' ')[0], d]));
    expect(directives.get('default-src')).toBe("default-src 'none'");
    expect(directives.get('style-src')).toBe("style-src 'unsafe-inline'");
    expect(directives.get('img-src')).toBe("img-src 'self' data:");
    expect(directives.has('script-src')).toBe(false);
    expect(directives.get('sandbox')).not.toMatch(/allow-scripts|allow-same-origin/);
  });

  it('wraps the sanitized body without touching it', () => {
    const body = '<p style="color:red">Hi</p>';
    expect(mailBodyDocument(body)).toContain(`<body>${body}</body>`);
  });
});
