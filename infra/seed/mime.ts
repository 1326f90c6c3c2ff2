/**
 * Low-level MIME encoding helpers: RFC 2047 encoded-words, RFC 2231 parameters,
 * quoted-printable, base64, header folding and legacy charset encoders.
 * Everything here is pure and CRLF-based.
 */

export const CRLF = '\r\n';

// ---------------------------------------------------------------------------
// charsets

const singleByteTables = new Map<string, Map<number, number>>();
const doubleByteTables = new Map<string, Map<number, number>>();

/** Canonical label → WHATWG TextDecoder label. */
const DECODER_LABEL: Record<string, string> = {
  'utf-8': 'utf-8',
  'us-ascii': 'ascii',
  'iso-8859-1': 'latin1',
  'windows-1252': 'windows-1252',
  'iso-8859-7': 'iso-8859-7',
  'iso-8859-2': 'iso-8859-2',
  'koi8-r': 'koi8-r',
  shift_jis: 'shift_jis',
  'iso-2022-jp': 'iso-2022-jp',
  gb2312: 'gbk',
};

export function isSupportedCharset(charset: string): boolean {
  return charset.toLowerCase() in DECODER_LABEL;
}

/** Decode bytes in a charset (uses the WHATWG decoders built into Node). */
export function decodeCharset(bytes: Uint8Array, charset: string): string {
  const lc = charset.toLowerCase();
  if (lc === 'iso-8859-1' || lc === 'us-ascii') return Buffer.from(bytes).toString('latin1');
  if (lc === 'windows-1252') return decodeWindows1252(bytes);
  const label = DECODER_LABEL[lc] ?? lc;
  return new TextDecoder(label, { fatal: true }).decode(bytes);
}

/**
 * windows-1252 bytes 0x80..0x9F (Node 20's TextDecoder treats windows-1252 as
 * latin1, so this part of the table is spelled out). 0 = unassigned.
 */
const WIN1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    const cp = b >= 0x80 && b <= 0x9f ? WIN1252_HIGH[b - 0x80]! : b;
    if (cp === 0) throw new TypeError(`byte 0x${b.toString(16)} is unassigned in windows-1252`);
    s += String.fromCharCode(cp);
  }
  return s;
}

function singleByteTable(charset: string): Map<number, number> {
  let table = singleByteTables.get(charset);
  if (!table && charset === 'windows-1252') {
    table = new Map();
    for (let b = 0; b < 256; b++) {
      const cp = b >= 0x80 && b <= 0x9f ? WIN1252_HIGH[b - 0x80]! : b;
      if (cp !== 0) table.set(cp, b);
    }
    singleByteTables.set(charset, table);
  }
  if (!table) {
    table = new Map();
    const dec = new TextDecoder(DECODER_LABEL[charset] ?? charset);
    for (let b = 0; b < 256; b++) {
      const s = dec.decode(Uint8Array.of(b));
      const cp = s.codePointAt(0);
      if (s.length === 1 && cp !== undefined && cp !== 0xfffd && !table.has(cp)) table.set(cp, b);
    }
    singleByteTables.set(charset, table);
  }
  return table;
}

/** Code point → two bytes (as b1 << 8 | b2) for shift_jis and gb2312, built by inverting the decoder. */
function doubleByteTable(charset: 'shift_jis' | 'gb2312'): Map<number, number> {
  let table = doubleByteTables.get(charset);
  if (!table) {
    table = new Map();
    const dec = new TextDecoder(charset === 'shift_jis' ? 'shift_jis' : 'gbk');
    const leads: number[] = [];
    const trails: number[] = [];
    if (charset === 'shift_jis') {
      for (let b = 0x81; b <= 0x9f; b++) leads.push(b);
      for (let b = 0xe0; b <= 0xef; b++) leads.push(b);
      for (let b = 0x40; b <= 0xfc; b++) if (b !== 0x7f) trails.push(b);
    } else {
      // GB2312 proper (EUC-CN): both bytes in A1..FE
      for (let b = 0xa1; b <= 0xf7; b++) leads.push(b);
      for (let b = 0xa1; b <= 0xfe; b++) trails.push(b);
    }
    for (const l of leads) {
      for (const t of trails) {
        const s = dec.decode(Uint8Array.of(l, t));
        if (s.length !== 1) continue;
        const cp = s.codePointAt(0)!;
        if (cp === 0xfffd || cp < 0x80 || table.has(cp)) continue;
        table.set(cp, (l << 8) | t);
      }
    }
    doubleByteTables.set(charset, table);
  }
  return table;
}

function sjisToJis(code: number): [number, number] {
  let s1 = code >> 8;
  const s2 = code & 0xff;
  if (s1 >= 0xe0) s1 -= 0x40;
  let j1 = (s1 - 0x81) * 2 + 0x21;
  let j2: number;
  if (s2 >= 0x9f) {
    j1 += 1;
    j2 = s2 - 0x7e;
  } else {
    j2 = s2 - (s2 >= 0x80 ? 0x20 : 0x1f);
  }
  return [j1, j2];
}

/** Encode text in a charset; throws if a character is not representable. */
export function encodeCharset(text: string, charset: string): Buffer {
  const cs = charset.toLowerCase();
  if (cs === 'utf-8') return Buffer.from(text, 'utf8');
  const out: number[] = [];
  const fail = (ch: string): never => {
    throw new Error(
      `character ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16)}) not in ${charset}`,
    );
  };
  if (cs === 'us-ascii') {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp > 0x7f) fail(ch);
      out.push(cp);
    }
    return Buffer.from(out);
  }
  if (cs === 'iso-8859-1') {
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp > 0xff) fail(ch);
      out.push(cp);
    }
    return Buffer.from(out);
  }
  if (cs === 'shift_jis' || cs === 'gb2312') {
    const table = doubleByteTable(cs);
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x80) {
        out.push(cp);
        continue;
      }
      if (cs === 'shift_jis' && cp >= 0xff61 && cp <= 0xff9f) {
        out.push(cp - 0xff61 + 0xa1); // half-width katakana: single bytes A1..DF
        continue;
      }
      const code = table.get(cp);
      if (code === undefined) fail(ch);
      else out.push(code >> 8, code & 0xff);
    }
    return Buffer.from(out);
  }
  if (cs === 'iso-2022-jp') {
    const table = doubleByteTable('shift_jis');
    let inJis = false;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x80) {
        if (inJis) {
          out.push(0x1b, 0x28, 0x42); // ESC ( B
          inJis = false;
        }
        out.push(cp);
        continue;
      }
      const code = table.get(cp);
      if (code === undefined || code >> 8 < 0x81) fail(ch);
      const [j1, j2] = sjisToJis(code!);
      if (!inJis) {
        out.push(0x1b, 0x24, 0x42); // ESC $ B
        inJis = true;
      }
      out.push(j1, j2);
    }
    if (inJis) out.push(0x1b, 0x28, 0x42);
    return Buffer.from(out);
  }
  const table = singleByteTable(cs);
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const b = cp < 0x80 ? cp : table.get(cp);
    if (b === undefined) fail(ch);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** True when every character of the text can be encoded in the charset. */
export function canEncode(text: string, charset: string): boolean {
  try {
    encodeCharset(text, charset);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// transfer encodings

/** Base64 with 76-character lines, CRLF-separated, ending with CRLF. */
export function base64Body(data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF) + CRLF;
}

const HEX = '0123456789ABCDEF';

/**
 * Quoted-printable (RFC 2045 6.7) of text already encoded in its charset.
 * Line breaks in the input (LF or CRLF) become hard CRLF breaks; output
 * lines are at most 76 characters; ends with CRLF.
 */
export function quotedPrintable(data: Uint8Array): string {
  const out: string[] = [];
  let line = '';
  const flushSoft = () => {
    out.push(`${line}=`);
    line = '';
  };
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const b = data[i]!;
    if (b === 0x0a || (b === 0x0d && data[i + 1] === 0x0a)) {
      if (b === 0x0d) i++;
      out.push(line);
      line = '';
      continue;
    }
    const next = data[i + 1];
    const atEol = next === undefined || next === 0x0a || next === 0x0d;
    let tok: string;
    if ((b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !atEol)) {
      tok = String.fromCharCode(b);
    } else {
      tok = `=${HEX[b >> 4]}${HEX[b & 15]}`;
    }
    // keep room for the soft-break '=' (76 max incl. '=')
    if (line.length + tok.length > 75) flushSoft();
    line += tok;
  }
  out.push(line);
  return out.join(CRLF) + CRLF;
}

/** Normalise any line endings to CRLF and make sure the text ends with CRLF. */
export function toCrlf(text: string): string {
  const t = text.replace(/\r\n|\r|\n/g, CRLF);
  return t.endsWith(CRLF) ? t : t + CRLF;
}

// ---------------------------------------------------------------------------
// RFC 2047 encoded-words

export type WordEncoding = 'B' | 'Q';
/** 'text' for unstructured headers (Subject), 'phrase' for display names. */
export type WordContext = 'text' | 'phrase';

const MAX_WORD = 75;

function qEncodeBytes(bytes: Uint8Array, context: WordContext): string {
  let s = '';
  for (const b of bytes) {
    if (b === 0x20) s += '_';
    else if (
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x21 ||
      b === 0x2a ||
      b === 0x2b ||
      b === 0x2d ||
      b === 0x2f ||
      (context === 'text' && (b === 0x2e || b === 0x2c || b === 0x3a || b === 0x3b))
    ) {
      s += String.fromCharCode(b);
    } else {
      s += `=${HEX[b >> 4]}${HEX[b & 15]}`;
    }
  }
  return s;
}

/**
 * Encode text as one or more encoded-words (each ≤ 75 chars), never splitting
 * a character (a code point, or an escape sequence run for ISO-2022-JP)
 * across words.
 */
export function encodeWords(
  text: string,
  opts: { encoding?: WordEncoding; charset?: string; context?: WordContext } = {},
): string[] {
  const encoding = opts.encoding ?? 'B';
  const charset = opts.charset ?? 'UTF-8';
  const context = opts.context ?? 'text';
  const prefix = `=?${charset}?${encoding}?`;
  const room = MAX_WORD - prefix.length - 2;
  const words: string[] = [];
  const chars = Array.from(text);
  let start = 0;
  const render = (from: number, to: number): string => {
    const bytes = encodeCharset(chars.slice(from, to).join(''), charset);
    return encoding === 'B' ? bytes.toString('base64') : qEncodeBytes(bytes, context);
  };
  while (start < chars.length) {
    // grow greedily; the encoded length is monotonic in the number of characters
    let lo = start + 1;
    let hi = chars.length;
    if (render(start, lo).length > room) throw new Error('single character does not fit in an encoded-word');
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (render(start, mid).length <= room) lo = mid;
      else hi = mid - 1;
    }
    words.push(`${prefix}${render(start, lo)}?=`);
    start = lo;
  }
  return words;
}

export type HeaderTextStyle =
  | { kind: 'raw' } // RFC 6532: UTF-8 in the header as-is
  | { kind: 'words'; encoding: WordEncoding; charset?: string; plainPrefix?: boolean };

const isAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);

/**
 * Tokens (to be joined by single spaces / folding) for an unstructured header
 * such as Subject. With plainPrefix, leading ASCII words stay readable and only
 * the rest is encoded, as many MUAs do.
 */
export function headerTextTokens(
  text: string,
  style: HeaderTextStyle,
  context: WordContext = 'text',
): string[] {
  if (style.kind === 'raw' || isAscii(text)) return splitSpaces(text);
  const wopts = { encoding: style.encoding, charset: style.charset ?? 'UTF-8', context };
  if (style.plainPrefix && context === 'text') {
    const words = text.split(' ');
    let k = 0;
    while (k < words.length - 1 && isAscii(words[k]!) && !/=\?/.test(words[k]!) && words[k] !== '') k++;
    if (k > 0) {
      const rest = words.slice(k).join(' ');
      return [...words.slice(0, k), ...encodeWords(rest, wopts)];
    }
  }
  return encodeWords(text, wopts);
}

function splitSpaces(text: string): string[] {
  // keep exact spacing: split on single spaces only; runs of spaces become empty tokens
  return text.split(' ');
}

/**
 * Fold a header: tokens are separated by one space; a line break (CRLF + space)
 * replaces a separator whenever the line would exceed 78 characters.
 * Returns the full header including its trailing CRLF.
 */
export function foldHeader(name: string, tokens: string[]): string {
  let line = `${name}:`;
  const lines: string[] = [];
  let first = true;
  for (const tok of tokens) {
    if (!first && line.length + 1 + tok.length > 78 && tok !== '') {
      lines.push(line);
      line = ` ${tok}`;
    } else {
      line += ` ${tok}`;
    }
    first = false;
  }
  lines.push(line);
  for (const l of lines) {
    if (Buffer.byteLength(l) > 998) throw new Error(`header line too long in ${name}`);
  }
  return lines.join(CRLF) + CRLF;
}

/** A header whose value must not be folded arbitrarily (already short or pre-folded). */
export function rawHeader(name: string, value: string): string {
  return `${name}: ${value}${CRLF}`;
}

// ---------------------------------------------------------------------------
// addresses

export interface Address {
  name?: string;
  address: string;
}

const ATEXT_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;

/** Tokens for one address: display name (quoted / encoded / raw UTF-8) + <addr>. */
export function addressTokens(addr: Address, style: HeaderTextStyle): string[] {
  if (!addr.name) return [addr.address];
  const name = addr.name;
  if (isAscii(name) || style.kind === 'raw') {
    if (ATEXT_PHRASE.test(name) && !name.startsWith(' ') && !name.endsWith(' ') && !name.includes('  ')) {
      return [...name.split(' '), `<${addr.address}>`];
    }
    const quoted = `"${name.replace(/(["\\])/g, '\\$1')}"`;
    return [quoted, `<${addr.address}>`];
  }
  return [
    ...encodeWords(name, { encoding: style.encoding, charset: style.charset ?? 'UTF-8', context: 'phrase' }),
    `<${addr.address}>`,
  ];
}

/** Tokens for an address list with commas attached to the last token of each entry. */
export function addressListTokens(list: Address[], styleFor: (a: Address) => HeaderTextStyle): string[] {
  const out: string[] = [];
  list.forEach((a, i) => {
    const toks = addressTokens(a, styleFor(a));
    if (i < list.length - 1) toks[toks.length - 1] += ',';
    out.push(...toks);
  });
  return out;
}

// ---------------------------------------------------------------------------
// RFC 2231 parameters

const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

function pctEncode(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out.push(b < 0x80 && ATTR_CHAR.test(c) ? c : `%${HEX[b >> 4]}${HEX[b & 15]}`);
  }
  return out;
}

/**
 * Parameter tokens (each starting with "; " stripped — caller joins with ";")
 * for `name=value`: plain quoted-string when ASCII and short, otherwise RFC 2231
 * `name*=UTF-8''...`, split into `name*0*`, `name*1*`, ... continuations when long.
 */
export function paramTokens(name: string, value: string, charset = 'UTF-8'): string[] {
  if (isAscii(value) && value.length <= 60) {
    return [`${name}="${value.replace(/(["\\])/g, '\\$1')}"`];
  }
  const pieces = pctEncode(encodeCharset(value, charset));
  const head = `${charset}''`;
  const whole = head + pieces.join('');
  if (whole.length + name.length + 3 <= 76) return [`${name}*=${whole}`];
  const out: string[] = [];
  let cur = head;
  let n = 0;
  for (const p of pieces) {
    if (cur.length + p.length > 56) {
      out.push(`${name}*${n}*=${cur}`);
      n++;
      cur = '';
    }
    cur += p;
  }
  out.push(`${name}*${n}*=${cur}`);
  return out;
}

/** A structured header like Content-Type with parameters, folded one parameter per line when needed. */
export function headerWithParams(name: string, value: string, params: string[]): string {
  const tokens = [params.length > 0 ? `${value};` : value];
  params.forEach((p, i) => {
    tokens.push(i < params.length - 1 ? `${p};` : p);
  });
  return foldHeader(name, tokens);
}
