import type { EmailAddress } from '@westwind/contract';

/**
 * A pragmatic check, not RFC 5322 in full: one `@`, a non-empty local part without spaces or
 * angle brackets (quoted local parts allowed), and a domain with a dot or an IDN label.
 */
const LOCAL = /^(?:"(?:[^"\\\r\n]|\\.)+"|[^\s@<>()[\]\\,;:"]+)$/u;
const DOMAIN = /^(?:[^\s@<>()[\]\\,;:".]+\.)+[^\s@<>()[\]\\,;:".]{2,}$/u;

export function isValidAddress(address: string): boolean {
  if (address.length > 254 || /[\r\n]/.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  return local.length <= 64 && LOCAL.test(local) && DOMAIN.test(address.slice(at + 1));
}

/** Splits pasted text into entries at commas, semicolons and line breaks outside quotes and <>. */
export function splitAddressList(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if (!quoted && !angle && (ch === ',' || ch === ';' || ch === '\n' || ch === '\r')) {
      if (current.trim()) parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** `Name <a@b>`, `"Last, First" <a@b>`, `<a@b>` or a bare `a@b` (CR/LF removed from names). */
export function parseAddress(entry: string): EmailAddress {
  const text = entry.replace(/[\r\n]+/g, ' ').trim();
  const match = /^(.*?)\s*<([^<>]*)>\s*$/.exec(text);
  if (match) {
    let name = match[1]!.trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) {
      name = name.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    return { name, address: match[2]!.trim() };
  }
  return { name: '', address: text.replace(/^mailto:/i, '') };
}

export function parseAddressList(text: string): EmailAddress[] {
  return splitAddressList(text).map(parseAddress);
}

/** How a chip reads: the name when there is one, else the address. */
export function addressLabel(value: EmailAddress): string {
  return value.name || value.address;
}

/** Drops repeats (case-insensitive on the address), keeping the first. */
export function dedupeAddresses(list: readonly EmailAddress[]): EmailAddress[] {
  const seen = new Set<string>();
  return list.filter((a) => {
    const key = a.address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
