/**
 * CSS filter for HTML mail: inline `style` attributes and `<style>` elements. Pure.
 *
 * Every declaration is decoded first (comments removed, CSS escapes resolved), checked on the
 * decoded text, and written back decoded, so escapes cannot hide `url(`, `expression(` or
 * `position: fixed`. Whatever is not understood is dropped rather than passed through:
 * - at-rules other than `@media` (so `@import`, `@font-face`, `@namespace`, `@keyframes`…);
 * - custom properties and any value with `var(`, `env(`, `attr(`, `image(`, `image-set(`,
 *   `cross-fade(`, `element(`, `expression(`, `paint(`, a scheme like `javascript:`, `@`, `<`, `>`,
 *   a backslash left after decoding, or unbalanced quotes/parentheses (an unclosed `url(`);
 * - `position: fixed | absolute | sticky` (overlays over the reader), `behavior`, `-moz-binding`;
 * - `url(…)`: `cid:` ones become the part's same-origin URL, remote http(s) ones are dropped and
 *   reported, or rewritten to the image proxy when remote content is allowed; anything else drops.
 */

export interface CssUrlPolicy {
  /** A `cid:` reference (without the scheme) → its same-origin URL, or null when unknown. */
  cid(contentId: string): string | null;
  /** A remote http(s) URL → the URL to use instead (the image proxy), or null to block it. */
  remote(url: string): string | null;
  /** Called whenever a remote reference was seen (loaded through the proxy or blocked). */
  onRemote(): void;
}

const MAX_CSS_CHARS = 512 * 1024;
const MAX_NESTING = 8;

const FORBIDDEN_PROPERTIES = new Set(['behavior', '-moz-binding', 'src', 'content']);
const FORBIDDEN_FUNCTIONS =
  /(?:^|[^a-z0-9-])(?:-[a-z]+-)?(?:var|env|attr|image|image-set|cross-fade|element|expression|paint|src)\s*\(/;
const OVERLAY_POSITIONS = /^(?:fixed|absolute|sticky|-webkit-sticky)$/;

/** Removes comments and resolves CSS escapes (CSS Syntax §4.3.7). Unterminated comments end the text. */
export function decodeCss(input: string): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch === '/' && input[i + 1] === '*') {
      const end = input.indexOf('*/', i + 2);
      if (end === -1) break;
      i = end + 2;
      continue;
    }
    if (ch === '\\') {
      const hex = /^[0-9a-fA-F]{1,6}/.exec(input.slice(i + 1, i + 7));
      if (hex) {
        const code = Number.parseInt(hex[0], 16);
        i += 1 + hex[0].length;
        if (input[i] === '\r' && input[i + 1] === '\n') i += 2;
        else if (input[i] === ' ' || input[i] === '\t' || input[i] === '\n' || input[i] === '\r') i += 1;
        const valid = code !== 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
        out += valid ? String.fromCodePoint(code) : '\ufffd';
        continue;
      }
      const next = input[i + 1];
      if (next === undefined || next === '\n' || next === '\r' || next === '\f') {
        // An escaped newline is a line continuation inside strings; drop both.
        i += 2;
        continue;
      }
      out += next;
      i += 2;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** Splits at `sep` outside quotes and parentheses. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function balanced(value: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\n' || ch === '\r' || ch === '\f') return false;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth < 0) return false;
    }
  }
  return depth === 0 && quote === null;
}

const URL_TOKEN = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^\s"'()]*))\s*\)/g;

/** Rewrites the `url()` tokens of a decoded, balanced value; null when one must not stay. */
function rewriteUrls(value: string, policy: CssUrlPolicy): string | null {
  let ok = true;
  const rewritten = value.replace(URL_TOKEN, (_match, dq?: string, sq?: string, bare?: string) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    const target = (dq ?? sq ?? bare ?? '').replace(/[\u0000-\u0020]/g, '');
    const lower = target.toLowerCase();
    let replacement: string | null = null;
    if (lower.startsWith('cid:')) replacement = policy.cid(target.slice(4));
    else if (lower.startsWith('https://') || lower.startsWith('http://')) {
      policy.onRemote();
      replacement = policy.remote(target);
    }
    if (replacement === null) {
      ok = false;
      return '';
    }
    return `url("${cssString(replacement)}")`;
  });
  if (!ok) return null;
  // A `url(` the token pattern did not consume (unclosed, or odd spacing) is refused.
  const withoutOurs = rewritten.replace(/url\("[^"\\]*"\)/g, '');
  if (/url\s*\(/.test(withoutOurs)) return null;
  return rewritten;
}

/** A URL we generated, as the inside of a double-quoted CSS string. */
function cssString(url: string): string {
  return url.replace(/["\\\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
}

/** Filters one declaration; returns its safe serialization or null to drop it. */
function filterDeclaration(raw: string, policy: CssUrlPolicy): string | null {
  const decoded = decodeCss(raw).trim();
  if (decoded === '') return null;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const property = decoded.slice(0, colon).trim().toLowerCase();
  let value = decoded.slice(colon + 1).trim();
  if (!/^-?[a-z][a-z0-9-]*$/.test(property)) return null; // custom properties (--x) included
  if (FORBIDDEN_PROPERTIES.has(property)) return null;
  let important = '';
  const bang = /!\s*important\s*$/i.exec(value);
  if (bang) {
    important = ' !important';
    value = value.slice(0, bang.index).trim();
  }
  if (value === '' || value.length > 4096) return null;
  if (!balanced(value)) return null;
  if (value.toLowerCase().includes('url')) {
    const rewritten = rewriteUrls(value, policy);
    if (rewritten === null) return null;
    value = rewritten;
  }
  // Checked without the url() tokens we wrote (their URLs may hold `@`, `!`, `;`).
  const probe = value.replace(/url\("[^"\\]*"\)/g, 'url()');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f\\<>{}@!;]/.test(probe)) return null;
  if (!balanced(probe)) return null;
  const lower = probe.toLowerCase();
  if (FORBIDDEN_FUNCTIONS.test(lower)) return null;
  if (/(?:javascript|vbscript|data|livescript)\s*:/.test(lower)) return null;
  if (property === 'position' && OVERLAY_POSITIONS.test(lower.trim())) return null;
  if (/^-[a-z]+-position$/.test(property)) return null;
  return `${property}: ${value}${important}`;
}

/** Filters the text of a `style` attribute. Returns '' when nothing is left. */
export function filterInlineStyle(style: string, policy: CssUrlPolicy): string {
  if (style.length > MAX_CSS_CHARS) return '';
  return splitTopLevel(style, ';')
    .map((declaration) => filterDeclaration(declaration, policy))
    .filter((d): d is string => d !== null)
    .join('; ');
}

/** Filters the text of a `<style>` element: style rules and `@media` only. */
export function filterStyleSheet(css: string, policy: CssUrlPolicy): string {
  if (css.length > MAX_CSS_CHARS) return '';
  // Comments go first: they may hide the braces the block scanner follows.
  const text = stripComments(css);
  const out = filterRules(text, policy, 0);
  // Our output never holds `<`: it could close the raw-text element in a later parse.
  return out.includes('<') ? '' : out;
}

function stripComments(css: string): string {
  let out = '';
  let i = 0;
  while (i < css.length) {
    const start = css.indexOf('/*', i);
    if (start === -1) {
      out += css.slice(i);
      break;
    }
    out += `${css.slice(i, start)} `;
    const end = css.indexOf('*/', start + 2);
    if (end === -1) break;
    i = end + 2;
  }
  return out;
}

/** Index after the block whose `{` is at `open` (quotes respected), or text.length if unclosed. */
function blockEnd(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

function filterRules(text: string, policy: CssUrlPolicy, depth: number): string {
  if (depth > MAX_NESTING) return '';
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[\s;]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    const open = text.indexOf('{', i);
    const semicolon = text.indexOf(';', i);
    if (text[i] === '@' && semicolon !== -1 && (open === -1 || semicolon < open)) {
      i = semicolon + 1; // a statement at-rule: @import, @charset, @namespace — all dropped
      continue;
    }
    if (open === -1) break; // trailing garbage
    const prelude = text.slice(i, open).trim();
    const end = blockEnd(text, open);
    const unclosed = end === text.length && text[end - 1] !== '}';
    const body = text.slice(open + 1, unclosed ? end : end - 1);
    i = end;
    if (unclosed) break; // an unclosed block could swallow what follows; stop here
    const decodedPrelude = decodeCss(prelude);
    if (/[<>\\{}]/.test(decodedPrelude) || decodedPrelude.length > 2048) continue;
    if (decodedPrelude.startsWith('@')) {
      if (!/^@media[\s(]/i.test(decodedPrelude)) continue;
      if (/url|\(\s*-|expression/i.test(decodedPrelude)) continue;
      const inner = filterRules(body, policy, depth + 1);
      if (inner) out.push(`${decodedPrelude} { ${inner} }`);
      continue;
    }
    if (decodedPrelude === '' || decodedPrelude.includes(';')) continue;
    const declarations = filterInlineStyle(body, policy);
    if (declarations) out.push(`${decodedPrelude} { ${declarations} }`);
  }
  return out.join('\n');
}
