/**
 * IMAP modified UTF-7 (RFC 3501 section 5.1.3), used by Dovecot for mailbox
 * names on disk when the maildir is not configured with UTF8.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';

function encodeRun(units: number[]): string {
  const bytes: number[] = [];
  for (const u of units) bytes.push(u >> 8, u & 0xff);
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!;
  }
  return `&${out}-`;
}

/** UTF-8 (JS string) mailbox name → modified UTF-7. */
export function encodeMutf7(name: string): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      if (run.length > 0) {
        out += encodeRun(run);
        run = [];
      }
      out += c === 0x26 ? '&-' : name[i];
    } else {
      run.push(c); // UTF-16 code units, surrogate pairs included as-is
    }
  }
  if (run.length > 0) out += encodeRun(run);
  return out;
}

/** Modified UTF-7 → UTF-8 (JS string). Throws on malformed input. */
export function decodeMutf7(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = text.indexOf('-', i + 1);
    if (end < 0) throw new Error(`unterminated modified UTF-7 run in ${JSON.stringify(text)}`);
    const chunk = text.slice(i + 1, end);
    i = end;
    if (chunk === '') {
      out += '&';
      continue;
    }
    let bits = 0;
    let acc = 0;
    const bytes: number[] = [];
    for (const c of chunk) {
      const v = B64.indexOf(c);
      if (v < 0) throw new Error(`bad modified UTF-7 character ${JSON.stringify(c)}`);
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes.push((acc >> bits) & 0xff);
      }
    }
    if (bytes.length % 2 !== 0) throw new Error('odd number of bytes in modified UTF-7 run');
    for (let j = 0; j < bytes.length; j += 2) out += String.fromCharCode((bytes[j]! << 8) | bytes[j + 1]!);
  }
  return out;
}

/**
 * Maildir++ directory name for an IMAP mailbox name with '/' separator:
 * `INBOX` → '' (the Maildir root), `Archive/2025` → `.Archive.2025`,
 * `Reçus` → `.Re&AOc-us`.
 */
export function maildirFolderDir(mailbox: string): string {
  if (mailbox.toUpperCase() === 'INBOX') return '';
  const parts = mailbox.split('/');
  for (const p of parts) {
    if (p === '' || p.includes('.'))
      throw new Error(`mailbox name not representable in Maildir++: ${mailbox}`);
  }
  return `.${parts.map(encodeMutf7).join('.')}`;
}
