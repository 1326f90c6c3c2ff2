/**
 * A strict, small MIME reader used to verify the generator's output (tests and
 * `--verify`-style checks). It parses structure, decodes transfer encodings,
 * RFC 2047 encoded-words and RFC 2231 parameters, and reports every rule a
 * message breaks instead of trying to be lenient.
 */
import { decodeCharset, isSupportedCharset } from './mime.js';

export interface Header {
  name: string;
  /** Raw value, folding removed (CRLF before WSP dropped), as UTF-8 text. */
  value: string;
}

export interface Part {
  headers: Header[];
  type: string;
  params: Record<string, string>;
  cte: string;
  /** Body bytes as they appear (still transfer-encoded). */
  raw: Buffer;
  /** Transfer-decoded body (undefined for multiparts). */
  decoded?: Buffer;
  parts: Part[];
  /** For message/rfc822 parts: the enclosed message. */
  message?: Part;
}

export function header(part: Part, name: string): string | undefined {
  const lc = name.toLowerCase();
  return part.headers.find((h) => h.name.toLowerCase() === lc)?.value;
}

export function headers(part: Part, name: string): string[] {
  const lc = name.toLowerCase();
  return part.headers.filter((h) => h.name.toLowerCase() === lc).map((h) => h.value);
}

// ---------------------------------------------------------------------------
// RFC 2047

const WORD_RE = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, enc: string, text: string): string {
  const cs = charset.replace(/\*.*$/, ''); // RFC 2231 language suffix
  let bytes: Buffer;
  if (enc.toUpperCase() === 'B') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
      throw new Error(`bad base64 in encoded-word: ${text}`);
    bytes = Buffer.from(text, 'base64');
  } else {
    const out: number[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '_') out.push(0x20);
      else if (c === '=') {
        const hex = text.slice(i + 1, i + 3);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`bad Q escape in encoded-word: ${text}`);
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else out.push(c.charCodeAt(0));
    }
    bytes = Buffer.from(out);
  }
  return decodeCharset(bytes, cs);
}

/** Decode RFC 2047 encoded-words in an (unfolded) header value; whitespace between adjacent words is dropped. */
export function decodeEncodedWords(value: string): string {
  let out = '';
  let last = 0;
  let prevWordEnd = -1;
  for (const m of value.matchAll(WORD_RE)) {
    const start = m.index!;
    const between = value.slice(last, start);
    if (!(prevWordEnd === last && /^[ \t]*$/.test(between))) out += between;
    out += decodeWord(m[1]!, m[2]!, m[3]!);
    last = start + m[0].length;
    prevWordEnd = last;
  }
  return out + value.slice(last);
}

// ---------------------------------------------------------------------------
// structured values

/** Split on a separator outside quoted strings, comments and angle brackets. */
function splitTop(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let depth = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted) {
      cur += c;
      if (c === '\\') cur += value[++i] ?? '';
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '<') angle = true;
    else if (c === '>') angle = false;
    if (c === sep && depth === 0 && !angle) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) return t.slice(1, -1).replace(/\\(.)/g, '$1');
  return t;
}

export interface ParsedAddress {
  name?: string;
  address: string;
}

/** Parse an address list header (display names decoded). */
export function parseAddresses(value: string): ParsedAddress[] {
  return splitTop(value, ',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(.*)<([^<>]+)>\s*$/.exec(entry);
      if (!m) return { address: entry.trim() };
      const phrase = m[1]!.trim();
      let name: string;
      if (phrase.startsWith('"')) name = unquote(phrase);
      else name = decodeEncodedWords(phrase);
      return name ? { name, address: m[2]!.trim() } : { address: m[2]!.trim() };
    });
}

/** Parse `type/subtype; a=b; c*=utf-8''...` including RFC 2231 continuations and charsets. */
export function parseStructured(value: string): { value: string; params: Record<string, string> } {
  const [first, ...rest] = splitTop(value, ';');
  const pieces = new Map<string, { n: number; text: string; ext: boolean }[]>();
  const simple: Record<string, string> = {};
  for (const r of rest) {
    const eq = r.indexOf('=');
    if (eq < 0) continue;
    const key = r.slice(0, eq).trim().toLowerCase();
    const val = r.slice(eq + 1).trim();
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!m) continue;
    if (m[2] === undefined && m[3] === undefined) {
      simple[m[1]!] = unquote(val);
      continue;
    }
    const list = pieces.get(m[1]!) ?? [];
    list.push({ n: Number(m[2] ?? 0), text: m[3] ? val : unquote(val), ext: m[3] !== undefined });
    pieces.set(m[1]!, list);
  }
  const params: Record<string, string> = { ...simple };
  for (const [name, list] of pieces) {
    list.sort((a, b) => a.n - b.n);
    list.forEach((p, i) => {
      if (p.n !== i) throw new Error(`RFC 2231 continuation gap in ${name}`);
    });
    let charset = 'us-ascii';
    const bytes: number[] = [];
    list.forEach((p, i) => {
      let text = p.text;
      if (i === 0 && p.ext) {
        const m = /^([^']*)'[^']*'(.*)$/.exec(text);
        if (!m) throw new Error(`RFC 2231 parameter without charset: ${name}`);
        charset = m[1] || 'us-ascii';
        text = m[2]!;
      }
      if (p.ext) {
        for (let j = 0; j < text.length; j++) {
          if (text[j] === '%') {
            const hex = text.slice(j + 1, j + 3);
            if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Error(`bad %-escape in ${name}`);
            bytes.push(Number.parseInt(hex, 16));
            j += 2;
          } else bytes.push(text.charCodeAt(j));
        }
      } else for (const b of Buffer.from(text, 'utf8')) bytes.push(b);
    });
    params[name] = decodeCharset(Buffer.from(bytes), charset);
  }
  return { value: (first ?? '').trim().toLowerCase(), params };
}

/** Attachment file name: RFC 2231 filename*, else filename / name (with RFC 2047 words decoded). */
export function filenameOf(part: Part): string | undefined {
  const cd = header(part, 'Content-Disposition');
  const fromCd = cd ? parseStructured(cd).params.filename : undefined;
  const name = fromCd ?? part.params.name;
  return name === undefined ? undefined : decodeEncodedWords(name);
}

// ---------------------------------------------------------------------------
// parsing + checks

function splitLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length - 1; i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a) {
      lines.push(buf.subarray(start, i));
      start = i + 2;
      i++;
    }
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  return lines;
}

function checkLineEndings(buf: Buffer, where: string, problems: string[]): void {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x0a && buf[i - 1] !== 0x0d) {
      problems.push(`${where}: bare LF at ${i}`);
      return;
    }
    if (b === 0x0d && buf[i + 1] !== 0x0a) {
      problems.push(`${where}: bare CR at ${i}`);
      return;
    }
  }
}

function decodeQp(raw: Buffer, where: string, problems: string[]): Buffer {
  const out: number[] = [];
  const lines = splitLines(raw);
  lines.forEach((line, idx) => {
    if (line.length > 76) problems.push(`${where}: quoted-printable line longer than 76 (${line.length})`);
    let soft = false;
    for (let i = 0; i < line.length; i++) {
      const b = line[i]!;
      if (b === 0x3d) {
        if (i === line.length - 1) {
          soft = true;
          break;
        }
        const hex = line.subarray(i + 1, i + 3).toString('latin1');
        if (!/^[0-9A-F]{2}$/.test(hex)) {
          problems.push(`${where}: bad quoted-printable escape =${hex}`);
          return;
        }
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else {
        if (b > 126 || (b < 32 && b !== 9))
          problems.push(`${where}: raw byte 0x${b.toString(16)} in quoted-printable`);
        out.push(b);
      }
    }
    if ((line[line.length - 1] === 0x20 || line[line.length - 1] === 0x09) && !soft) {
      problems.push(`${where}: trailing whitespace in quoted-printable line`);
    }
    if (!soft && idx < lines.length - 1) out.push(0x0d, 0x0a);
  });
  return Buffer.from(out);
}

function decodeB64(raw: Buffer, where: string, problems: string[]): Buffer {
  const lines = splitLines(raw).map((l) => l.toString('latin1'));
  let all = '';
  for (const l of lines) {
    if (l.length > 76) problems.push(`${where}: base64 line longer than 76 (${l.length})`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(l)) problems.push(`${where}: non-base64 characters`);
    all += l;
  }
  if (all.length % 4 !== 0) problems.push(`${where}: base64 length not a multiple of 4`);
  return Buffer.from(all, 'base64');
}

export interface CheckResult {
  root: Part;
  problems: string[];
}

/**
 * Parse and check a message (RFC 5322 + MIME): CRLF only, header lines ≤ 998
 * bytes and well formed, required headers present, multipart boundaries
 * present and closed, transfer encodings valid, text parts valid in their
 * charset, encoded-words decodable.
 */
export function checkMessage(raw: Buffer, where = 'message', top = true): CheckResult {
  const problems: string[] = [];
  if (top) checkLineEndings(raw, where, problems);
  const root = parsePart(raw, where, problems, top);
  return { root, problems };
}

function parsePart(buf: Buffer, where: string, problems: string[], isMessage: boolean): Part {
  let sep = buf.indexOf('\r\n\r\n');
  let headerBuf: Buffer;
  let body: Buffer;
  if (buf.subarray(0, 2).toString() === '\r\n') {
    headerBuf = Buffer.alloc(0);
    body = buf.subarray(2);
  } else {
    if (sep < 0) {
      problems.push(`${where}: no blank line after headers`);
      sep = buf.length;
    }
    headerBuf = buf.subarray(0, sep);
    body = buf.subarray(Math.min(buf.length, sep + 4));
  }
  const hdrs: Header[] = [];
  for (const line of splitLines(headerBuf)) {
    if (line.length > 998) problems.push(`${where}: header line longer than 998 bytes`);
    const text = line.toString('utf8');
    if (line.some((b) => b > 0x7f) && Buffer.from(text, 'utf8').compare(line) !== 0)
      problems.push(`${where}: header is not valid UTF-8`);
    if (text.startsWith(' ') || text.startsWith('\t')) {
      const last = hdrs[hdrs.length - 1];
      if (!last) problems.push(`${where}: continuation line before any header`);
      else if (text.trim() === '') problems.push(`${where}: whitespace-only continuation line`);
      else last.value += text;
      continue;
    }
    const m = /^([!-9;-~]+):[ \t]?(.*)$/.exec(text);
    if (!m) {
      problems.push(`${where}: malformed header line ${JSON.stringify(text.slice(0, 60))}`);
      continue;
    }
    hdrs.push({ name: m[1]!, value: m[2]! });
  }
  const get = (n: string) => hdrs.find((h) => h.name.toLowerCase() === n.toLowerCase())?.value;
  if (isMessage) {
    for (const req of ['Date', 'From', 'Message-ID', 'MIME-Version']) {
      if (!get(req)) problems.push(`${where}: missing ${req}`);
    }
    for (const h of hdrs) {
      if (/^(subject|from|to|cc|reply-to)$/i.test(h.name)) {
        try {
          decodeEncodedWords(h.value);
        } catch (e) {
          problems.push(`${where}: ${h.name}: ${(e as Error).message}`);
        }
      }
    }
    const d = get('Date');
    if (d && Number.isNaN(new Date(d).getTime())) problems.push(`${where}: unparsable Date ${d}`);
  }
  let ct: { value: string; params: Record<string, string> } = {
    value: 'text/plain',
    params: { charset: 'us-ascii' },
  };
  const ctRaw = get('Content-Type');
  if (ctRaw) {
    try {
      ct = parseStructured(ctRaw);
    } catch (e) {
      problems.push(`${where}: Content-Type: ${(e as Error).message}`);
    }
  }
  const cte = (get('Content-Transfer-Encoding') ?? '7bit').trim().toLowerCase();
  if (!['7bit', '8bit', 'binary', 'quoted-printable', 'base64'].includes(cte))
    problems.push(`${where}: unknown transfer encoding ${cte}`);
  const part: Part = { headers: hdrs, type: ct.value, params: ct.params, cte, raw: body, parts: [] };
  if (ct.value.startsWith('multipart/')) {
    if (cte !== '7bit' && cte !== '8bit' && cte !== 'binary')
      problems.push(`${where}: multipart with ${cte} encoding`);
    const boundary = ct.params.boundary;
    if (!boundary) {
      problems.push(`${where}: multipart without boundary`);
      return part;
    }
    if (boundary.length > 70) problems.push(`${where}: boundary longer than 70`);
    const lines = splitLines(body);
    const delim = `--${boundary}`;
    let current: Buffer[] | undefined;
    const chunks: Buffer[][] = [];
    let closed = false;
    for (const line of lines) {
      const t = line.toString('latin1');
      if (t === delim || (t.startsWith(delim) && /^[ \t]*$/.test(t.slice(delim.length)))) {
        if (current) chunks.push(current);
        current = [];
        continue;
      }
      if (t.startsWith(`${delim}--`)) {
        if (current) chunks.push(current);
        current = undefined;
        closed = true;
        break;
      }
      if (current) current.push(line);
    }
    if (!closed) problems.push(`${where}: multipart boundary ${boundary} never closed`);
    if (chunks.length === 0) problems.push(`${where}: multipart without parts`);
    chunks.forEach((c, i) => {
      const partBuf = Buffer.concat(c.flatMap((l, j) => (j < c.length - 1 ? [l, Buffer.from('\r\n')] : [l])));
      // the CRLF before a delimiter belongs to the delimiter; restore line ends inside the part
      part.parts.push(
        parsePart(Buffer.concat([partBuf, Buffer.from('\r\n')]), `${where}/${i + 1}`, problems, false),
      );
    });
    return part;
  }
  // leaf
  let decoded: Buffer;
  if (cte === 'base64') decoded = decodeB64(body, where, problems);
  else if (cte === 'quoted-printable') decoded = decodeQp(body, where, problems);
  else {
    for (const line of splitLines(body))
      if (line.length > 998) problems.push(`${where}: body line longer than 998 bytes`);
    if (cte === '7bit' && body.some((b) => b > 0x7f)) problems.push(`${where}: 8-bit data in a 7bit part`);
    if (body.includes(0)) problems.push(`${where}: NUL byte in body`);
    decoded = body;
  }
  part.decoded = decoded;
  if (ct.value.startsWith('text/')) {
    const charset = (ct.params.charset ?? 'us-ascii').toLowerCase();
    if (!isSupportedCharset(charset)) problems.push(`${where}: unknown charset ${charset}`);
    else {
      try {
        decodeCharset(decoded, charset);
      } catch {
        problems.push(`${where}: text not valid ${charset}`);
      }
    }
  }
  if (ct.value === 'message/rfc822') {
    part.message = parsePart(decoded, `${where}>`, problems, true);
  }
  return part;
}

/** All leaf parts, depth first (descending into message/rfc822 too when asked). */
export function leaves(part: Part, intoMessages = false): Part[] {
  if (part.parts.length > 0) return part.parts.flatMap((p) => leaves(p, intoMessages));
  if (intoMessages && part.message) return [part, ...leaves(part.message, true)];
  return [part];
}

/** Decoded text of a text/* leaf. */
export function textOf(part: Part): string {
  return decodeCharset(part.decoded ?? Buffer.alloc(0), part.params.charset ?? 'us-ascii');
}
