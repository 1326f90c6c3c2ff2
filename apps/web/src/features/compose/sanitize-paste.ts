import { safeHref, tagDecision } from './paste-policy';

export const SIGNATURE_CLASS = 'westwind-signature';

/**
 * Converts pasted HTML into a fragment of safe nodes. The markup is parsed inert (a `<template>`
 * runs no scripts and loads nothing) and copied node by node into a new fragment: only text and
 * allowlisted elements, and no attributes but a checked `href`. Nothing parsed is inserted itself.
 */
export function sanitizePastedHtml(html: string, doc: Document = document): DocumentFragment {
  const template = doc.createElement('template');
  template.innerHTML = html;
  const out = doc.createDocumentFragment();
  copyChildren(template.content, out, doc, 0);
  return out;
}

function copyChildren(from: Node, to: Node, doc: Document, depth: number): void {
  if (depth > 64) return;
  for (const node of Array.from(from.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.appendChild(doc.createTextNode(node.textContent ?? ''));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue;
    const element = node as Element;
    // Foreign content (SVG, MathML) never passes, even if a tag name matches.
    if (element.namespaceURI !== 'http://www.w3.org/1999/xhtml') continue;
    const decision = tagDecision(element.localName);
    if (decision === 'drop') continue;
    if (decision === 'unwrap') {
      copyChildren(element, to, doc, depth + 1);
      continue;
    }
    const copy = doc.createElement(element.localName);
    // The composer's own signature block keeps its marker, so a later identity change finds it.
    if (element.localName === 'div' && element.className === SIGNATURE_CLASS)
      copy.className = SIGNATURE_CLASS;
    if (element.localName === 'a') {
      const href = safeHref(element.getAttribute('href') ?? '');
      if (href) {
        copy.setAttribute('href', href);
        copy.setAttribute('rel', 'noopener noreferrer');
      }
    }
    copyChildren(element, copy, doc, depth + 1);
    to.appendChild(copy);
  }
}

/** Serializes editor HTML to plain text (for the text part and plain-text mode). */
export function htmlToText(root: HTMLElement): string {
  // innerText, not textContent: it turns paragraphs, <br> and list items into line breaks.
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered line breaks are the point
  return (root.innerText ?? root.textContent ?? '')
    .replace(/\u00a0/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Escapes text for the HTML part (plain text → paragraphs with line breaks). */
export function textToHtml(text: string): string {
  const escapeHtml = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return text
    .split(/\n{2,}/)
    .map((para) => `<p>${escapeHtml(para).replace(/\n/g, '<br>')}</p>`)
    .join('');
}

/** Replaces (or appends) the signature block in the editor, built from sanitized nodes. */
export function setSignature(editor: HTMLElement, html: string, text: string): void {
  let block = editor.querySelector<HTMLElement>(`div.${SIGNATURE_CLASS}`);
  const content = html.trim() ? sanitizePastedHtml(html) : text.trim() ? textFragment(text) : null;
  if (!content) {
    block?.remove();
    return;
  }
  if (!block) {
    block = document.createElement('div');
    block.className = SIGNATURE_CLASS;
    // Above a quoted original, like Gmail; at the end otherwise.
    const quote = editor.querySelector(':scope > blockquote');
    editor.insertBefore(block, quote);
  }
  block.replaceChildren(content);
}

function textFragment(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  text.split('\n').forEach((line, i) => {
    if (i > 0) fragment.appendChild(document.createElement('br'));
    fragment.appendChild(document.createTextNode(line));
  });
  return fragment;
}

/** Builds the editor's starting HTML: an empty line for the caret, the signature, a quote. */
export function initialBody(
  signatureHtml: string,
  signatureText: string,
  quoted: DocumentFragment | null,
): string {
  const root = document.createElement('div');
  const first = document.createElement('p');
  first.appendChild(document.createElement('br'));
  root.appendChild(first);
  setSignature(root, signatureHtml, signatureText);
  if (quoted) root.appendChild(quoted);
  return root.innerHTML;
}
