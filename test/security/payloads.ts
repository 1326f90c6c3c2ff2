/**
 * Hostile messages for the HTML-mail suite: at least one per attack class of DESIGN.md's
 * "Security baseline" that the reader can show. Adapted from the server sanitizer's corpus
 * (apps/server/src/mail/sanitize.test.ts, which does not export it), with two changes so the
 * browser suite can observe outcomes:
 * - every script vector runs `{{JS}}`, which sets `window.__xss` and calls `alert`;
 * - every remote load points at `{{R}}` (the suite's loopback sentinel server, whose hits are
 *   counted) or `{{EVIL}}` (a non-loopback host; any request to it is recorded and is a failure).
 */

export interface MailCase {
  /** Short, unique; also ends up in the subject. */
  name: string;
  /** The attack class of DESIGN.md it exercises. */
  attackClass: string;
  html?: string;
  text?: string;
  /** Raw subject; the case name is appended. */
  subject?: string;
  /** Raw From header value; default a plain address. */
  from?: string;
  attachments?: { filename: string; contentType: string; content: string }[];
  /** The message carries remote images the "Show images" button should bring in. */
  remoteImages?: boolean;
}

export const JS = 'window.__xss=1;alert(1)';
export const EVIL = 'https://evil.example';

export const cases: MailCase[] = [
  // SVG use/animate/set href and style tricks
  {
    name: 'svg-use',
    attackClass: 'SVG use href',
    html: '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0neCcgb25lcnJvcj0nYWxlcnQoMSknLz48L3N2Zz4=#x"/><use href="{{R}}/svg-use.svg#x"/></svg>',
  },
  {
    name: 'svg-animate',
    attackClass: 'SVG animate href',
    html: '<svg><a><animate attributeName="href" values="javascript:{{JS}}"/><text x="20" y="20">click me</text></a><animate onbegin="{{JS}}" attributeName="x" dur="1s"/></svg>',
  },
  {
    name: 'svg-set',
    attackClass: 'SVG set href',
    html: '<svg><a><set attributeName="href" to="javascript:{{JS}}"/><text x="20" y="20">x</text></a><set attributeName="onmouseover" to="{{JS}}"/></svg>',
  },
  {
    name: 'svg-style',
    attackClass: 'SVG style',
    html: '<svg><style>@import url({{R}}/svg-style.css);svg{background:url({{R}}/svg-style-bg.png)}</style><image href="{{R}}/svg-image.png"/><image xlink:href="{{EVIL}}/svg-xlink.png"/></svg><svg onload="{{JS}}"></svg>',
  },
  {
    name: 'svg-foreignobject',
    attackClass: 'SVG foreignObject',
    html: '<svg><foreignObject><iframe src="javascript:{{JS}}"></iframe><img src="{{R}}/fo.png" onerror="{{JS}}"></foreignObject></svg>',
  },
  // MathML href
  {
    name: 'mathml-href',
    attackClass: 'MathML href',
    html: '<math><mtext><a href="javascript:{{JS}}">x</a></mtext><mi href="javascript:{{JS}}">y</mi><maction actiontype="statusline" xlink:href="javascript:{{JS}}">z</maction></math>',
  },
  // namespace attribute breakout
  {
    name: 'namespace-breakout',
    attackClass: 'namespace attribute breakout',
    html: '<svg><p><style><g title="</style><img src=x onerror={{JS}}>"></g></style></p></svg><math><style><img src=x onerror={{JS}}></style></math>',
  },
  {
    name: 'xlink-breakout',
    attackClass: 'namespace attribute breakout',
    html: '<a xlink:href="javascript:{{JS}}" xmlns:xlink="http://www.w3.org/1999/xlink">x</a><svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:{{JS}}"><text y="20">y</text></a></svg>',
  },
  // data: and entity-obfuscated javascript: links
  {
    name: 'data-link',
    attackClass: 'data: links',
    html: '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a><a href="data:image/svg+xml,<svg onload=alert(1)>">y</a><iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  },
  {
    name: 'entity-javascript',
    attackClass: 'entity-obfuscated javascript: links',
    html: '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;window.__xss=1">a</a><a href="jav&#x09;ascript&colon;{{JS}}">b</a><a href="  \u0001javascript:{{JS}}">c</a><a href="vbscript:msgbox(1)">d</a><a href="&#x6A;avascript&#0000058&#0000097lert(1)">e</a><a href="java\nscript:{{JS}}">f</a>',
  },
  // <base>
  {
    name: 'base',
    attackClass: '<base>',
    html: '<base href="{{R}}/base/"><a href="login">relative</a><img src="pixel.gif"><link rel=stylesheet href="base.css">',
  },
  // raw-text breakouts
  {
    name: 'textarea',
    attackClass: 'raw-text breakout (textarea)',
    html: '<textarea><img src=x onerror={{JS}}></textarea><textarea></textarea><img src=x onerror={{JS}}>',
  },
  {
    name: 'noscript',
    attackClass: 'raw-text breakout (noscript)',
    html: '<noscript><p title="</noscript><img src=x onerror={{JS}}>"></noscript><xmp><img src=x onerror={{JS}}></xmp><title><img src=x onerror={{JS}}></title><noembed><img src=x onerror={{JS}}></noembed>',
  },
  // mutation XSS
  {
    name: 'mxss-svg-style',
    attackClass: 'mutation XSS',
    html: '<svg></p><style><a id="</style><img src=1 onerror={{JS}}>">',
  },
  {
    name: 'mxss-mglyph',
    attackClass: 'mutation XSS',
    html: '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror={{JS}}&gt;">',
  },
  {
    name: 'mxss-form-math',
    attackClass: 'mutation XSS',
    html: '<form><math><mtext></form><form><mglyph><style></math><img src onerror={{JS}}>',
  },
  {
    name: 'mxss-noscript-comment',
    attackClass: 'mutation XSS',
    html: '<noscript><style></noscript><img src=x onerror={{JS}}></style></noscript><!--><img src=x onerror={{JS}}>--><table><td><style></table><img src=x onerror={{JS}}></style>',
  },
  // CSS: escapes, var(), image(), unclosed url(, @import
  {
    name: 'css-escapes',
    attackClass: 'CSS escapes',
    html: '<style>.a{background:u\\72 l({{R}}/css-esc-a.png)} .b{b\\61 ckground-image:\\75\\72\\6c({{R}}/css-esc-b.png)}</style><p class=a>a</p><p class=b>b</p><div style="background:\\75rl({{R}}/css-esc-c.png)">c</div>',
  },
  {
    name: 'css-var',
    attackClass: 'CSS var()',
    html: '<style>.a{--u:url({{R}}/css-var-a.png);background:var(--u)}</style><p class=a>a</p><div style="--x:url({{R}}/css-var-b.png); background-image: var(--x)">b</div>',
  },
  {
    name: 'css-image',
    attackClass: 'CSS image()',
    html: '<div style="background-image:image(\'{{R}}/css-image.png\');width:50px;height:50px">a</div><div style="background-image:image-set(\'{{R}}/css-image-set.png\' 1x);width:50px;height:50px">b</div><div style="background-image:-webkit-image-set(url({{R}}/css-wis.png) 1x);width:50px;height:50px">c</div>',
  },
  {
    name: 'css-unclosed-url',
    attackClass: 'CSS unclosed url(',
    html: '<div style="width:50px;height:50px;background:url({{R}}/css-unclosed-a.png">a</div><style>p{background:url({{R}}/css-unclosed-b.png</style><p>b</p>',
  },
  {
    name: 'css-import',
    attackClass: 'CSS @import',
    html: '<style>@import "{{R}}/css-import-a.css"; @import url({{R}}/css-import-b.css); @import url({{EVIL}}/c.css); p{color:red}</style><style>@font-face{font-family:x;src:url({{R}}/font.woff)} p{font-family:x}</style><p>x</p>',
  },
  {
    name: 'css-comment',
    attackClass: 'CSS escapes',
    html: '<div style="width:50px;height:50px;background:u/**/rl({{R}}/css-comment-a.png)">a</div><style>p{background:url/*x*/({{R}}/css-comment-b.png)}</style><p>b</p><div style="width:expression({{JS}});behavior:url({{R}}/x.htc);-moz-binding:url({{R}}/x.xml#x)">c</div>',
  },
  // position:fixed overlays
  {
    name: 'fixed-overlay',
    attackClass: 'position:fixed overlays',
    html: '<div style="position:fixed;top:0;left:0;width:100vw;height:100vh;z-index:2147483647;background:#c00;color:#fff;font-size:40px">Session expired. Log in again</div><div style="position:fi\\78 ed;top:0;left:0;right:0;bottom:0;z-index:9999;background:#00c">x</div><style>.o{position:absolute!important;top:-500px;left:-500px;width:5000px;height:5000px;background:#0c0}</style><div class=o>o</div><dialog open style="position:fixed;inset:0">overlay</dialog>',
  },
  // meta refresh, forms
  {
    name: 'meta-form',
    attackClass: 'meta refresh and forms',
    html: '<meta http-equiv="refresh" content="0;url=javascript:{{JS}}"><meta http-equiv="refresh" content="0;url={{R}}/refresh"><form action="{{R}}/form"><input name=password type=password autofocus onfocus="{{JS}}"><button formaction="javascript:{{JS}}">go</button></form>',
  },
  {
    name: 'event-handlers',
    attackClass: 'event handlers',
    html: '<p onclick="{{JS}}" onmouseover={{JS}}>hover me</p><details open ontoggle={{JS}}>y</details><img src=x onerror={{JS}}><body onload={{JS}}><video><source onerror={{JS}}></video><marquee onstart={{JS}}>m</marquee>',
  },
  {
    name: 'embeds',
    attackClass: 'embedding elements',
    html: '<iframe src="{{R}}/frame.html"></iframe><object data="{{R}}/x.swf"></object><embed src="{{R}}/e"><video poster="{{R}}/poster.png"><source src="{{R}}/v.mp4"></video><audio src="{{R}}/a.mp3"></audio><link rel=prefetch href="{{R}}/prefetch"><a ping="{{R}}/ping" href="https://example.org/">p</a><script src="{{R}}/x.js"></script><script>{{JS}}</script>',
  },
  // plain-text linkifier injection
  {
    name: 'linkifier',
    attackClass: 'plain-text linkifier injection',
    text: [
      'Hello,',
      'see http://example.org/"><img src=x onerror={{JS}}> and',
      "https://example.org/'onmouseover='{{JS}}' and www.example.org/\"onclick=\"{{JS}}",
      'javascript:{{JS}} and JaVaScRiPt:{{JS}}',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      '<a href="javascript:{{JS}}">click</a> <img src={{R}}/text-img.png onerror={{JS}}>',
      'http://x.example/?q=<script>{{JS}}</script>&a="b"',
      'mail "><svg onload={{JS}}>@example.org',
      '',
    ].join('\r\n'),
  },
  // XSS through subject, sender name, attachment name; attachment content-type tricks
  {
    name: 'headers',
    attackClass: 'XSS through subject and sender name',
    subject: '<img src=x onerror={{JS}}><script>{{JS}}</script>"><svg onload={{JS}}>',
    from: '"<img src=x onerror={{JS}}><script>{{JS}}</script>" <evil@example.org>',
    html: '<p>Look at the subject and sender.</p>',
  },
  {
    name: 'attachment-name',
    attackClass: 'attachment filename and content-type tricks',
    html: '<p>See the attachments.</p>',
    attachments: [
      {
        filename: '"><img src=x onerror={{JS}}>.png',
        contentType: 'image/png',
        content:
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      },
      {
        filename: 'invoice.png',
        contentType: 'text/html',
        content: Buffer.from('<script>window.__xss=1;alert(1)</script>').toString('base64'),
      },
      {
        filename: '<svg onload={{JS}}>.svg',
        contentType: 'image/svg+xml',
        content: Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1;alert(1)"/>',
        ).toString('base64'),
      },
    ],
  },
  // remote images (blocked until "Show images", then through the proxy)
  {
    name: 'remote-images',
    attackClass: 'remote images and CSS url()',
    remoteImages: true,
    html: '<p>Remote content:</p><img id=r1 alt=r1 width=20 height=20 src="{{R}}/remote-img.png"><img src="{{R}}/remote-srcset.png" srcset="{{R}}/remote-2x.png 2x" width=20 height=20><table background="{{R}}/remote-table.png"><tr><td>t</td></tr></table><div style="width:20px;height:20px;background-image:url({{R}}/remote-css.png)">c</div><img src="{{EVIL}}/remote-evil.png" width=20 height=20>',
  },
];

/** Fills in the placeholders of a case's strings. */
export function fill(template: string, sentinelOrigin: string): string {
  return template.replaceAll('{{JS}}', JS).replaceAll('{{R}}', sentinelOrigin).replaceAll('{{EVIL}}', EVIL);
}

const CRLF = '\r\n';

function base64Lines(data: Buffer): string {
  return (
    data
      .toString('base64')
      .match(/.{1,76}/g)
      ?.join(CRLF) ?? ''
  );
}

/** Quotes a MIME parameter value (RFC 2045 quoted-string). */
const quoted = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** The raw RFC 5322 message for a case, ready for APPEND. */
export function buildMessage(mail: MailCase, to: string, sentinelOrigin: string): string {
  const subject = `${mail.subject ? `${fill(mail.subject, sentinelOrigin)} ` : ''}[${mail.name}]`;
  const from = mail.from ? fill(mail.from, sentinelOrigin) : 'Sender <sender@example.org>';
  const headers = [
    `From: ${from}`,
    `To: <${to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${mail.name}.${Date.now()}@westwind.test>`,
    'MIME-Version: 1.0',
  ];
  const body =
    mail.html !== undefined ? fill(mail.html, sentinelOrigin) : fill(mail.text ?? '', sentinelOrigin);
  const bodyType = mail.html !== undefined ? 'text/html' : 'text/plain';
  const bodyPart = [
    `Content-Type: ${bodyType}; charset=utf-8`,
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(body, 'utf8')),
  ].join(CRLF);
  if (!mail.attachments?.length) return [...headers, bodyPart, ''].join(CRLF);

  const boundary = `b-${mail.name}-${Date.now()}`;
  const parts = [bodyPart];
  for (const attachment of mail.attachments) {
    const filename = fill(attachment.filename, sentinelOrigin);
    parts.push(
      [
        `Content-Type: ${attachment.contentType}; name=${quoted(filename)}`,
        `Content-Disposition: attachment; filename=${quoted(filename)}`,
        'Content-Transfer-Encoding: base64',
        '',
        attachment.content,
      ].join(CRLF),
    );
  }
  return [
    ...headers,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multipart message.',
    ...parts.map((part) => `--${boundary}${CRLF}${part}`),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

/** What the attachment list should show as each file's name. */
export function attachmentNames(mail: MailCase, sentinelOrigin: string): string[] {
  return (mail.attachments ?? []).map((a) => fill(a.filename, sentinelOrigin));
}
