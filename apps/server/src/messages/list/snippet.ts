/**
 * A preview line from the first bytes of a message's text part. Pure. The bytes are a bounded
 * partial fetch, so they may end in the middle of an encoded group, a multi-byte character or an
 * HTML tag; every step here tolerates that.
 */

export const SNIPPET_CHARS = 200;
/** How much of the part to fetch: enough for a snippet after quoting and HTML markup. */
export const SNIPPET_FETCH_BYTES = 2048;

/** Removes the content-transfer-encoding of a (possibly truncated) part. */
export function decodeTransfer(raw: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64': {
      const text = raw.toString('latin1').replace(/[^A-Za-z0-9+/]/g, '');
      return Buffer.from(text.slice(0, text.length - (text.length % 4)), 'base64');
    }
    case 'quoted-printable': {
      const text = raw
        .toString('latin1')
        // a soft break, or an escape cut off at the end of the fetched bytes
        .replace(/=(\r?\n|[0-9A-Fa-f]?$)/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const hex = text[i] === '=' ? text.slice(i + 1, i + 3) : '';
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(text.charCodeAt(i) & 0xff);
        }
      }
      return Buffer.from(bytes);
    }
    default:
      return raw;
  }
}

/** Decodes text in its declared charset; unknown labels fall back to UTF-8, then Latin-1. */
export function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.trim().toLowerCase() || 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label === 'us-ascii' ? 'utf-8' : label);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  // A character cut in half at the end of the fetched bytes decodes to U+FFFD: drop it.
  return decoder.decode(bytes).replace(/\uFFFD+$/, '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * Plain text of an HTML fragment, for a preview line only: the result is shown as text (never as
 * HTML), so this needs no sanitizer, only to leave out what is not visible text.
 */
export function htmlToText(html: string): string {
  return (
    html
      .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?(<\/\1\s*>|$)/gi, ' ')
      .replace(/<!--[\s\S]*?(-->|$)/g, ' ')
      // tags, including one cut off at the end
      .replace(/<[^>]*(>|$)/g, ' ')
      .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
        if (name[0] === '#') {
          const code =
            name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
          return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
        }
        return ENTITIES[name.toLowerCase()] ?? whole;
      })
  );
}

/**
 * A single line of at most `max` characters: quoted lines (`>`) and signature separators left out,
 * whitespace collapsed, control characters removed.
 */
export function cleanSnippet(text: string, max = SNIPPET_CHARS): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^-- ?$/.test(line)) break;
    if (/^\s*>/.test(line)) continue;
    lines.push(line);
  }
  const flat = lines
    .join(' ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length <= max
    ? flat
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/**
 * The snippet of a part from its first bytes. `decoded` says the server already removed the
 * transfer encoding (FETCH BINARY, RFC 3516).
 */
export function snippetFrom(
  raw: Buffer,
  part: { type: string; encoding: string; charset: string },
  decoded: boolean,
): string {
  const bytes = decoded ? raw : decodeTransfer(raw, part.encoding);
  const text = decodeCharset(bytes, part.charset);
  return cleanSnippet(part.type === 'text/html' ? htmlToText(text) : text);
}
