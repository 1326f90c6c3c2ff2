import type { Attachment } from 'svelte/attachments';

/**
 * Sets style properties from script. The CSP (`style-src 'self'`) blocks `style=` attributes and
 * Svelte's `style:` directives in markup, but not CSSOM writes like `element.style.height = …`,
 * so geometry computed at run time (virtual scrolling) goes through this.
 */
export function setStyle(properties: Record<string, string>): Attachment<HTMLElement> {
  return (element) => {
    for (const [name, value] of Object.entries(properties)) element.style.setProperty(name, value);
  };
}
