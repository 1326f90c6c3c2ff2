/**
 * Response headers for serving a message part. Pure. Nothing a sender chose can make the browser
 * render active content from our origin: HTML, SVG, XML and any type outside a short allowlist
 * are served as `application/octet-stream`; only raster images and PDF may be shown inline (for
 * previews), always with nosniff and a sandboxing CSP.
 */

/** Types served with their own Content-Type (still as downloads unless inline is allowed). */
const SAFE_TYPES = new Set([
  'text/plain',
  'text/csv',
  'text/calendar',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'image/heic',
  'application/pdf',
  'application/zip',
  'application/gzip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/ics',
  'message/rfc822',
  'audio/mpeg',
  'audio/ogg',
  'video/mp4',
]);

/** Types that may be shown inline, for image and PDF previews. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

export const PART_CSP = "default-src 'none'; sandbox";

/** The bare, lowercased `type/subtype` of a Content-Type value, or '' when malformed. */
export function mediaType(contentType: string | undefined): string {
  const bare = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(bare) ? bare : '';
}

/** The Content-Type to send: the part's own when allowlisted, else octet-stream. */
export function servedContentType(contentType: string | undefined): string {
  const type = mediaType(contentType);
  if (!SAFE_TYPES.has(type)) return 'application/octet-stream';
  // Text is sent as UTF-8 only when we know it is; otherwise let the user's program decide.
  return type;
}

export function mayShowInline(contentType: string | undefined): boolean {
  return INLINE_TYPES.has(mediaType(contentType));
}

/**
 * A filename safe to put in a header and to save: no path separators, controls (CR/LF included),
 * bidi overrides or quotes; not empty, not only dots; at most 200 characters.
 */
export function safeFilename(name: string | null | undefined, fallback = 'attachment'): string {
  let clean = (name ?? '')
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .trim()
    .replace(/^[.\s]+/, '');
  if (clean.length > 200) {
    const dot = clean.lastIndexOf('.');
    const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean === '' ? fallback : clean;
}

/** RFC 6266 / RFC 8187: an ASCII fallback plus the UTF-8 name, both from the safe filename. */
export function contentDisposition(kind: 'attachment' | 'inline', filename: string): string {
  const safe = safeFilename(filename);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
