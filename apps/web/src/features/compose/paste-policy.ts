/**
 * What pasted HTML may keep. Everything else is unwrapped (its text kept) or, for the tags in
 * DROP, removed with its content. The server sanitizes again before sending; this keeps the
 * editor itself free of scripts, styles, images from the web and event handlers.
 */
const KEEP = new Set([
  'p',
  'br',
  'div',
  'b',
  'strong',
  'i',
  'em',
  'u',
  's',
  'ul',
  'ol',
  'li',
  'blockquote',
  'a',
  'pre',
  'code',
  'h1',
  'h2',
  'h3',
  'hr',
]);
const DROP = new Set([
  'script',
  'style',
  'template',
  'iframe',
  'object',
  'embed',
  'noscript',
  'textarea',
  'title',
  'head',
  'meta',
  'link',
  'base',
  'svg',
  'math',
  'img',
  'video',
  'audio',
  'form',
  'input',
  'button',
  'select',
  'frame',
  'frameset',
]);

export type TagDecision = 'keep' | 'unwrap' | 'drop';

export function tagDecision(tagName: string): TagDecision {
  const tag = tagName.toLowerCase();
  if (KEEP.has(tag)) return 'keep';
  if (DROP.has(tag)) return 'drop';
  return 'unwrap';
}

/** The only attribute kept is `href` on links, and only for http(s) and mailto. */
export function safeHref(value: string): string | null {
  // Browsers ignore control characters and whitespace inside schemes ("java\tscript:").
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  if (/^(?:https?:|mailto:)/i.test(compact)) return value.trim();
  return null;
}
