/**
 * Splits plain text into text and link tokens. The UI renders tokens as text nodes and `<a>`
 * elements, never as HTML, so nothing in a message can inject markup; only http(s) URLs and
 * e-mail addresses become links (never javascript:, data: or anything else).
 */
export type TextToken = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const PATTERN = /\bhttps?:\/\/[^\s<>"'`]+|\bwww\.[^\s<>"'`]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/giu;
/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING = new Set([...'.,;:!?)]}\'"»']);

/** Drops trailing punctuation, but keeps a ")" that closes a "(" inside the URL (Wikipedia). */
function trimTrailing(raw: string): string {
  let end = raw.length;
  while (end > 0 && TRAILING.has(raw[end - 1] as string)) {
    if (raw[end - 1] === ')') {
      const part = raw.slice(0, end);
      if (part.split('(').length > part.split(')').length - 1) break;
    }
    end -= 1;
  }
  return raw.slice(0, end);
}

export function linkify(text: string): TextToken[] {
  const tokens: TextToken[] = [];
  let last = 0;
  for (const match of text.matchAll(PATTERN)) {
    let raw = match[0];
    const start = match.index ?? 0;
    raw = trimTrailing(raw);
    const href = toHref(raw);
    if (!href) continue;
    if (start > last) tokens.push({ kind: 'text', text: text.slice(last, start) });
    tokens.push({ kind: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) tokens.push({ kind: 'text', text: text.slice(last) });
  return tokens;
}

function toHref(raw: string): string | null {
  const candidate = /^https?:\/\//i.test(raw)
    ? raw
    : /^www\./i.test(raw)
      ? `https://${raw}`
      : raw.includes('@')
        ? `mailto:${raw}`
        : null;
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}
