/**
 * Server-side sanitizer for HTML mail: DOMPurify on one jsdom window, with Westwind's policy in
 * its configuration and hooks. Pure (no I/O); the SPA sanitizes again with the browser's parser
 * and renders the result in a sandboxed iframe. Every rewrite (cid: and remote URLs, link
 * targets, CSS) happens on the DOM inside the hooks; nothing edits the serialized output.
 *
 * Policy in brief:
 * - HTML only: SVG and MathML are not allowed at all (their href, animate/set and namespace
 *   confusion tricks go with them); no script, style-executing or embedding elements, no
 *   `<base>`, `<meta>`, `<link>`, forms and their controls, raw-text elements (`textarea`,
 *   `noscript`, `xmp`, …), `<template>`, `<dialog>`, media elements; no event handlers.
 * - Links: `href` only http(s):, mailto: or `#fragment` after removing the whitespace and control
 *   characters a browser ignores; every `<a>`/`<area>` opens in a new tab with
 *   `rel="noopener noreferrer"`.
 * - Images: `cid:` → the part's same-origin URL; remote http(s) → blocked and reported, or the
 *   image proxy when remote content is allowed; small raster `data:` images kept; `srcset`
 *   dropped. The same for `background` attributes.
 * - CSS: see css.ts.
 */
import createDOMPurify, { type Config, type UponSanitizeAttributeHookEvent } from 'dompurify';
import { JSDOM } from 'jsdom';
import { type CssUrlPolicy, filterInlineStyle, filterStyleSheet } from './css.js';

export interface SanitizeOptions {
  /** Content-ID (without angle brackets) → same-origin URL of that part. */
  cidUrls?: ReadonlyMap<string, string>;
  /** Rewrite remote images and CSS url() to the image proxy instead of blocking them. */
  remoteContent?: boolean;
  /** The proxy URL for a remote URL; default `/api/proxy/image?url=…`. */
  proxyUrl?: (url: string) => string;
}

export interface SanitizeResult {
  /** A body fragment (no `<html>`/`<head>`), safe to place in a sandboxed iframe. */
  html: string;
  /** The HTML refers to remote images or styles (whether or not they were let through). */
  hasRemoteContent: boolean;
  /** The Content-IDs the HTML referred to with `cid:`. */
  referencedCids: Set<string>;
}

/** Input larger than this is cut before parsing (the reader still shows the text part). */
export const MAX_HTML_CHARS = 4 * 1024 * 1024;

export const defaultProxyUrl = (url: string): string => `/api/proxy/image?url=${encodeURIComponent(url)}`;

const FORBID_TAGS = [
  'base',
  'meta',
  'link',
  'script',
  'noscript',
  'template',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'param',
  'form',
  'input',
  'button',
  'select',
  'option',
  'optgroup',
  'textarea',
  'datalist',
  'output',
  'keygen',
  'isindex',
  'xmp',
  'plaintext',
  'noembed',
  'noframes',
  'listing',
  'title',
  'dialog',
  'portal',
  'audio',
  'video',
  'source',
  'track',
  'picture',
  'canvas',
  'svg',
  'math',
  'slot',
];

const FORBID_ATTR = [
  'action',
  'formaction',
  'ping',
  'poster',
  'srcset',
  'imagesrcset',
  'lowsrc',
  'dynsrc',
  'longdesc',
  'cite',
  'xlink:href',
  'xmlns',
  'popover',
  'popovertarget',
  'autofocus',
  'contenteditable',
  'download',
  'target',
  'rel',
  'is',
  'srcdoc',
  'manifest',
  'http-equiv',
];

const CONFIG: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS,
  FORBID_ATTR,
  // Keep a leading <style>; the output is a body fragment either way.
  FORCE_BODY: true,
  WHOLE_DOCUMENT: false,
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // Schemes are decided in the hook below; this only keeps plain values (widths, colours).
  ALLOWED_URI_REGEXP: /^(?:(?:https?|mailto|cid):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i,
  RETURN_TRUSTED_TYPE: false,
};

/** Whitespace and controls a browser removes or ignores inside a URL (and DOMPurify's set). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const URL_NOISE = /[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u2029\u205f\u3000\ufeff]/g;
const SAFE_DATA_IMAGE = /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=]*$/i;
const MAX_DATA_IMAGE = 512 * 1024;

interface Run {
  options: SanitizeOptions;
  hasRemote: boolean;
  cids: Set<string>;
  css: CssUrlPolicy;
}

const { window } = new JSDOM('');
const purify = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
// The hooks are registered once; `current` carries the options of the sanitize() call running now
// (DOMPurify is synchronous, so calls never interleave).
let current: Run | null = null;

function cidUrl(run: Run, raw: string): string | null {
  let id = raw.trim();
  try {
    id = decodeURIComponent(id);
  } catch {
    // keep as is
  }
  id = id.replace(/^<|>$/g, '');
  run.cids.add(id);
  return run.options.cidUrls?.get(id) ?? null;
}

function remoteUrl(run: Run, url: string): string | null {
  run.hasRemote = true;
  if (!run.options.remoteContent) return null;
  return (run.options.proxyUrl ?? defaultProxyUrl)(url);
}

type UrlKind = 'http' | 'mailto' | 'fragment' | 'cid' | 'data' | 'other';

function classify(value: string): { kind: UrlKind; compact: string } {
  const compact = value.replace(URL_NOISE, '');
  const lower = compact.toLowerCase();
  if (lower.startsWith('https://') || lower.startsWith('http://')) return { kind: 'http', compact };
  if (lower.startsWith('mailto:')) return { kind: 'mailto', compact };
  if (lower.startsWith('cid:')) return { kind: 'cid', compact };
  if (lower.startsWith('data:')) return { kind: 'data', compact };
  if (/^#[^#]*$/.test(compact)) return { kind: 'fragment', compact };
  return { kind: 'other', compact };
}

/** An image reference (img src, background attribute) → the value to keep, or null to drop. */
function imageSource(run: Run, value: string): string | null {
  const { kind, compact } = classify(value);
  if (kind === 'cid') return cidUrl(run, compact.slice(4));
  if (kind === 'http') {
    try {
      return remoteUrl(run, new URL(compact).href);
    } catch {
      return null;
    }
  }
  if (kind === 'data' && compact.length <= MAX_DATA_IMAGE && SAFE_DATA_IMAGE.test(compact)) return compact;
  return null;
}

function onAttribute(node: Element, data: UponSanitizeAttributeHookEvent): void {
  const run = current;
  if (!run) return;
  const name = data.attrName;
  const tag = node.nodeName.toLowerCase();
  if (name === 'style') {
    const filtered = filterInlineStyle(data.attrValue, run.css);
    if (filtered) data.attrValue = filtered;
    else data.keepAttr = false;
    return;
  }
  if (name === 'href') {
    const { kind, compact } = classify(data.attrValue);
    if ((tag === 'a' || tag === 'area') && (kind === 'http' || kind === 'mailto' || kind === 'fragment')) {
      data.attrValue = compact;
    } else data.keepAttr = false;
    return;
  }
  if (name === 'src' || name === 'background') {
    const allowed = name === 'src' ? tag === 'img' : true;
    const source = allowed ? imageSource(run, data.attrValue) : null;
    if (source === null) data.keepAttr = false;
    else data.attrValue = source;
    return;
  }
  if (name === 'srcset' && /https?:/i.test(data.attrValue.replace(URL_NOISE, ''))) run.hasRemote = true;
  if (name === 'usemap' && !data.attrValue.startsWith('#')) data.keepAttr = false;
}

purify.addHook('uponSanitizeElement', (node, data) => {
  const run = current;
  if (!run || data.tagName !== 'style') return;
  const text = node.textContent ?? '';
  node.textContent = filterStyleSheet(text, run.css);
});

purify.addHook('uponSanitizeAttribute', onAttribute);

purify.addHook('afterSanitizeAttributes', (node) => {
  const tag = node.nodeName.toLowerCase();
  if ((tag === 'a' || tag === 'area') && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
    // The link text can say anything; the tooltip shows where the link really goes.
    const href = node.getAttribute('href') ?? '';
    if (!href.startsWith('#')) node.setAttribute('title', href);
  }
});

/** Sanitizes one HTML body with the policy above. Never throws on odd input. */
export function sanitizeHtml(html: string, options: SanitizeOptions = {}): SanitizeResult {
  const run: Run = {
    options,
    hasRemote: false,
    cids: new Set(),
    css: {
      cid: (id) => cidUrl(run, id),
      remote: (url) => {
        try {
          return (options.proxyUrl ?? defaultProxyUrl)(new URL(url).href);
        } catch {
          return null;
        }
      },
      onRemote: () => {
        run.hasRemote = true;
      },
    },
  };
  if (!options.remoteContent) run.css.remote = () => null;
  current = run;
  try {
    const input = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
    const clean = purify.sanitize(input, CONFIG) as unknown as string;
    return { html: clean, hasRemoteContent: run.hasRemote, referencedCids: run.cids };
  } finally {
    current = null;
    purify.removed.length = 0;
  }
}

/** The text of an already sanitized fragment (for snippets). Parsing inert markup runs nothing. */
export function htmlToText(html: string): string {
  const template = window.document.createElement('template');
  template.innerHTML = html;
  for (const style of template.content.querySelectorAll('style')) style.remove();
  return template.content.textContent ?? '';
}
