/**
 * Builds the `srcdoc` of the sandboxed iframe that shows an HTML body. The HTML was sanitized on
 * the server; it is sanitized again here with DOMPurify (the browser's own parser, so what is
 * checked is what renders). DOMPurify is loaded on first use so it is not part of first paint.
 */
import type { Config, DOMPurify } from 'dompurify';

/** The iframe's own CSP: no scripts, no network except images from our origin (attachments,
 * and the image proxy once the person chose to show remote content) and data: images. */
export function mailContentSecurityPolicy(appOrigin: string): string {
  return [
    "default-src 'none'",
    `img-src ${appOrigin} data:`,
    "style-src 'unsafe-inline'",
    "font-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

export function wrapMailDocument(sanitizedBody: string, appOrigin: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(mailContentSecurityPolicy(appOrigin))}">` +
    '<meta name="referrer" content="no-referrer">' +
    `</head><body>${sanitizedBody}</body></html>`
  );
}

const PURIFY_CONFIG: Config = {
  // Forms, frames and the like are never useful in mail and only widen the attack surface.
  FORBID_TAGS: [
    'form',
    'input',
    'button',
    'select',
    'textarea',
    'iframe',
    'frame',
    'object',
    'embed',
    'base',
    'meta',
    'link',
  ],
  FORBID_ATTR: ['srcset', 'ping', 'formaction'],
  ADD_ATTR: ['target'],
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

let purifier: Promise<DOMPurify> | undefined;

function loadPurifier(): Promise<DOMPurify> {
  purifier ??= import('dompurify').then(({ default: purify }) => {
    purify.addHook('afterSanitizeAttributes', (node) => {
      if (node.nodeName !== 'A' || !(node instanceof Element)) return;
      const href = node.getAttribute('href');
      if (!href) return;
      // Links open in a new tab without a handle back to Westwind, and show where they go.
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
      node.setAttribute('title', href);
    });
    return purify;
  });
  return purifier;
}

export async function buildMailDocument(html: string, appOrigin: string): Promise<string> {
  const purify = await loadPurifier();
  const clean = purify.sanitize(html, PURIFY_CONFIG) as unknown as string;
  return wrapMailDocument(clean, appOrigin);
}
