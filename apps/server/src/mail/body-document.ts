/**
 * The document the reader's iframe loads for an HTML body. It is its own response with its own
 * Content-Security-Policy: a `srcdoc` frame would inherit the app's policy, whose `style-src
 * 'self'` strips every style a mail carries. Here inline styles are allowed and nothing else:
 * no scripts (none in the policy, and `sandbox` without allow-scripts), no plugins, no forms, no
 * network but our own origin (cid: parts and, once the person asked, the image proxy) and data:
 * images. The body was sanitized by `sanitizeHtml` before it gets here.
 */
export const MAIL_BODY_CSP = [
  "default-src 'none'",
  "img-src 'self' data:",
  "style-src 'unsafe-inline'",
  "font-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  'sandbox allow-popups allow-popups-to-escape-sandbox',
].join('; ');

export function mailBodyDocument(sanitizedBody: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">' +
    '<meta name="color-scheme" content="light">' +
    `</head><body>${sanitizedBody}</body></html>`
  );
}
