/**
 * Small but structurally valid attachment payloads, generated deterministically:
 * PDF (with correct xref offsets), PNG (zlib + CRC), baseline JPEG (DC-only
 * blocks, standard Huffman DC table), ZIP-based DOCX/XLSX, iCalendar and CSV.
 * Sizes are approximate targets; all output is pure computation.
 */
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import type { Rng } from './prng.js';

// ---------------------------------------------------------------------------
// PDF

function pdfString(s: string): string {
  // WinAnsi-ish: keep printable ASCII, replace the rest
  return s.replace(/[^\x20-\x7e]/g, '?').replace(/([()\\])/g, '\\$1');
}

function pdfDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `D:${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** A one-page PDF with text lines and, to reach `targetSize`, an embedded noise image. */
export function makePdf(
  rng: Rng,
  opts: { title: string; lines: string[]; date: Date; targetSize: number },
): Buffer {
  const chunks: Buffer[] = [];
  let offset = 0;
  const offsets: number[] = [];
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    chunks.push(buf);
    offset += buf.length;
  };
  const obj = (n: number, body: Buffer | string) => {
    offsets[n] = offset;
    push(`${n} 0 obj\n`);
    push(body);
    push('\nendobj\n');
  };
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');

  let text = `BT\n/F1 18 Tf\n72 780 Td\n(${pdfString(opts.title)}) Tj\n/F1 11 Tf\n14 TL\nT*\nT*\n`;
  let y = 750;
  for (const l of opts.lines) {
    if (y < 60) break;
    text += `(${pdfString(l)}) '\n`;
    y -= 14;
  }
  text += 'ET\n';
  const base = 900 + text.length;
  const imgBytes = Math.max(0, opts.targetSize - base);
  const imgW = 128;
  const imgH = Math.floor(imgBytes / (imgW * 3));
  if (imgH > 0) text += `q\n240 0 0 ${Math.min(300, Math.max(20, imgH))} 300 80 cm\n/Im1 Do\nQ\n`;

  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  const xobj = imgH > 0 ? ' /XObject << /Im1 6 0 R >>' : '';
  obj(
    3,
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >>${xobj} >> >>`,
  );
  obj(4, `<< /Length ${text.length} >>\nstream\n${text}endstream`);
  obj(5, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  let count = 6;
  if (imgH > 0) {
    const pixels = rng.bytes(imgW * imgH * 3);
    offsets[6] = offset;
    push(
      `6 0 obj\n<< /Type /XObject /Subtype /Image /Width ${imgW} /Height ${imgH} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${pixels.length} >>\nstream\n`,
    );
    push(pixels);
    push('\nendstream\nendobj\n');
    count = 7;
  }
  const infoNo = count;
  obj(
    infoNo,
    `<< /Title (${pdfString(opts.title)}) /Producer (Westwind seed) /CreationDate (${pdfDate(opts.date)}) >>`,
  );
  const xref = offset;
  let x = `xref\n0 ${infoNo + 1}\n0000000000 65535 f \n`;
  for (let i = 1; i <= infoNo; i++) x += `${String(offsets[i]).padStart(10, '0')} 00000 n \n`;
  push(x);
  push(`trailer\n<< /Size ${infoNo + 1} /Root 1 0 R /Info ${infoNo} 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------
// PNG

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/**
 * RGB PNG: a colour gradient with noise in the low bits. The amount of noise
 * is chosen so the compressed file lands near `targetSize`.
 */
export function makePng(rng: Rng, targetSize: number): Buffer {
  // Small images: a smooth gradient, compressed. Bigger ones: the low bits are
  // noise and IDAT is stored uncompressed (deflate level 0), so the file size
  // tracks the target closely and costs no compression time.
  const noisy = targetSize >= 4000;
  const pixelsNeeded = noisy ? Math.max(64, Math.floor((targetSize - 200) / 3.01)) : 64 * 48;
  const width = noisy ? Math.max(16, Math.min(1600, Math.round(Math.sqrt(pixelsNeeded * 1.5)))) : 64;
  const height = noisy ? Math.max(12, Math.floor(pixelsNeeded / width)) : 48;
  const row = width * 3 + 1;
  const raw = noisy ? rng.bytes(row * height) : Buffer.alloc(row * height);
  const hue = rng.int(0, 255);
  const mask = noisy ? 0x0f : 0;
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // filter: none
    const g = Math.floor((y * 255) / height) & ~mask;
    for (let x = 0; x < width; x++) {
      const i = y * row + 1 + x * 3;
      raw[i] = (Math.floor((x * 255) / width) & ~mask) | (raw[i]! & mask);
      raw[i + 1] = g | (raw[i + 1]! & mask);
      raw[i + 2] = ((hue + x + y) & 255 & ~mask) | (raw[i + 2]! & mask);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const idat = deflateSync(raw, { level: noisy ? 0 : 6 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------
// JPEG (baseline, YCbCr 1x1 sampling, every 8x8 block flat: DC + EOB)

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

function huffCodes(bits: number[], vals: number[]): Map<number, [code: number, len: number]> {
  const map = new Map<number, [number, number]>();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) {
      map.set(vals[k++]!, [code, len]);
      code++;
    }
    code <<= 1;
  }
  return map;
}
const DC_CODES = huffCodes(DC_BITS, DC_VALS);

class BitWriter {
  private out: number[] = [];
  private acc = 0;
  private n = 0;
  /** Append the low `len` bits of value (len ≤ 16), MSB first. */
  write(value: number, len: number) {
    this.acc = ((this.acc << len) | (value & ((1 << len) - 1))) >>> 0;
    this.n += len;
    while (this.n >= 8) {
      this.n -= 8;
      const byte = (this.acc >>> this.n) & 0xff;
      this.out.push(byte);
      if (byte === 0xff) this.out.push(0x00); // byte stuffing
    }
    this.acc &= (1 << this.n) - 1;
  }
  finish(): Buffer {
    if (this.n > 0) this.write((1 << (8 - this.n)) - 1, 8 - this.n); // pad with 1-bits
    return Buffer.from(this.out);
  }
}

function segment(marker: number, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/** A valid baseline JPEG (a blocky colour picture), padded with COM segments up to `targetSize`. */
export function makeJpeg(rng: Rng, targetSize: number): Buffer {
  const width = targetSize < 12_000 ? rng.pick([160, 200, 240]) : rng.pick([320, 400, 480, 640]);
  const height = Math.round((width * 3) / 4);
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const cx = rng.float() * bw;
  const cy = rng.float() * bh;
  const tint = rng.int(-60, 60);
  const bits = new BitWriter();
  const pred = [0, 0, 0];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      const d = Math.hypot(bx - cx, by - cy) / Math.max(bw, bh);
      const yv = Math.round(40 + 180 * Math.max(0, 1 - d * 1.4) + 20 * Math.sin(bx / 3));
      const cb = Math.round(128 + tint * Math.cos(by / 7));
      const cr = Math.round(128 - tint * Math.sin(bx / 9) + 30 * (1 - d));
      const comps = [yv, cb, cr];
      for (let c = 0; c < 3; c++) {
        const q = Math.max(-127, Math.min(127, comps[c]! - 128)); // DC/8 with quant 8
        const diff = q - pred[c]!;
        pred[c] = q;
        const mag = Math.abs(diff);
        const cat = mag === 0 ? 0 : 32 - Math.clz32(mag);
        const [code, len] = DC_CODES.get(cat)!;
        bits.write(code, len);
        if (cat > 0) bits.write(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
        bits.write(0, 1); // AC: EOB (only symbol of the AC table, code '0')
      }
    }
  }
  const entropy = bits.finish();
  const app0 = Buffer.from([
    0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48, 0x00, 0x00,
  ]);
  const dqt = Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 8)]);
  const sof = Buffer.from([
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    3,
    1,
    0x11,
    0,
    2,
    0x11,
    0,
    3,
    0x11,
    0,
  ]);
  const dhtDc = Buffer.from([0x00, ...DC_BITS, ...DC_VALS]);
  const dhtAc = Buffer.from([0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
  const sos = Buffer.from([3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]);
  const head = [
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, app0),
    segment(0xfe, Buffer.from('Westwind seed image', 'latin1')),
    segment(0xdb, dqt),
    segment(0xc0, sof),
    segment(0xc4, dhtDc),
    segment(0xc4, dhtAc),
  ];
  const tail = [segment(0xda, sos), entropy, Buffer.from([0xff, 0xd9])];
  let size = head.reduce((n, b) => n + b.length, 0) + tail.reduce((n, b) => n + b.length, 0);
  const pad: Buffer[] = [];
  while (size + 4 < targetSize) {
    const n = Math.min(65533, targetSize - size - 4);
    // printable filler keeps COM segments friendly to tools that print comments
    const filler = rng.bytes(n);
    for (let i = 0; i < n; i++) filler[i] = 0x20 + (filler[i]! % 95);
    pad.push(segment(0xfe, filler));
    size += n + 4;
  }
  return Buffer.concat([...head, ...pad, ...tail]);
}

// ---------------------------------------------------------------------------
// ZIP (DOCX / XLSX)

function dosTime(d: Date): [time: number, date: number] {
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const year = Math.min(2107, Math.max(1980, d.getUTCFullYear()));
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return [time, date];
}

export interface ZipEntry {
  name: string;
  data: Buffer;
  store?: boolean;
}

/** A ZIP archive (deflate or stored entries, UTF-8 names, no extras). */
export function makeZip(entries: ZipEntry[], date: Date, level = 6): Buffer {
  const [time, dosDate] = dosTime(date);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.store ? 0 : 8;
    const body = e.store ? e.data : deflateRawSync(e.data, { level });
    const crc = crc32(e.data) >>> 0;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(time, 10);
    lh.writeUInt16LE(dosDate, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(time, 12);
    ch.writeUInt16LE(dosDate, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    offset += lh.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** A minimal Word document with the given paragraphs (plus an embedded picture when a big size is wanted). */
export function makeDocx(
  rng: Rng,
  opts: { title: string; paragraphs: string[]; date: Date; targetSize: number },
): Buffer {
  const body = [opts.title, ...opts.paragraphs]
    .map((p, i) =>
      i === 0
        ? `<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>${xmlEscape(p)}</w:t></w:r></w:p>`
        : `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(p)}</w:t></w:r></w:p>`,
    )
    .join('');
  const extra = opts.targetSize > 6000 ? makePng(rng, opts.targetSize - 3000) : undefined;
  const entries: ZipEntry[] = [
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
      ),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
      ),
    },
    {
      name: 'word/document.xml',
      data: Buffer.from(
        `${XML_HEAD}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}<w:sectPr/></w:body></w:document>`,
      ),
    },
  ];
  if (extra) {
    entries.push({
      name: 'word/_rels/document.xml.rels',
      data: Buffer.from(
        `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdImg1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="media/image1.png"/></Relationships>`,
      ),
    });
    entries.push({ name: 'word/media/image1.png', data: extra, store: true });
  }
  return makeZip(entries, opts.date);
}

function colName(i: number): string {
  let s = '';
  let n = i + 1;
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** A minimal spreadsheet: a header row and numeric rows (row count scales with the target size). */
export function makeXlsx(rng: Rng, opts: { headers: string[]; date: Date; targetSize: number }): Buffer {
  const rows: string[] = [];
  const head = opts.headers
    .map((h, c) => `<c r="${colName(c)}1" t="inlineStr"><is><t>${xmlEscape(h)}</t></is></c>`)
    .join('');
  rows.push(`<row r="1">${head}</row>`);
  const nRows = Math.max(5, Math.min(60_000, Math.round(opts.targetSize / 18)));
  for (let r = 2; r <= nRows + 1; r++) {
    const cells = opts.headers
      .map((_, c) =>
        c === 0
          ? `<c r="A${r}" t="inlineStr"><is><t>Item ${r - 1}</t></is></c>`
          : `<c r="${colName(c)}${r}"><v>${(rng.float() * 10_000).toFixed(2)}</v></c>`,
      )
      .join('');
    rows.push(`<row r="${r}">${cells}</row>`);
  }
  const ct = `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
  return makeZip(
    [
      { name: '[Content_Types].xml', data: Buffer.from(ct) },
      {
        name: '_rels/.rels',
        data: Buffer.from(
          `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
        ),
      },
      {
        name: 'xl/workbook.xml',
        data: Buffer.from(
          `${XML_HEAD}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
        ),
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: Buffer.from(
          `${XML_HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
        ),
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(
          `${XML_HEAD}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`,
        ),
      },
    ],
    opts.date,
    1,
  );
}

// ---------------------------------------------------------------------------
// iCalendar, CSV

function icsDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Fold iCalendar content lines at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence. */
export function foldIcsLine(line: string): string {
  const out: string[] = [];
  let cur = '';
  let curBytes = 0;
  for (const ch of line) {
    const b = Buffer.byteLength(ch);
    if (curBytes + b > (out.length === 0 ? 75 : 74)) {
      out.push(cur);
      cur = '';
      curBytes = 0;
    }
    cur += ch;
    curBytes += b;
  }
  out.push(cur);
  return out.join('\r\n ');
}

const icsText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');

export function makeIcs(opts: {
  uid: string;
  summary: string;
  description: string;
  start: Date;
  minutes: number;
  stamp: Date;
  organizer: { name: string; address: string };
  attendees: { name: string; address: string }[];
  location: string;
}): string {
  const end = new Date(opts.start.getTime() + opts.minutes * 60_000);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Westwind//Seed//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${opts.uid}`,
    `DTSTAMP:${icsDate(opts.stamp)}`,
    `DTSTART:${icsDate(opts.start)}`,
    `DTEND:${icsDate(end)}`,
    `SUMMARY:${icsText(opts.summary)}`,
    `DESCRIPTION:${icsText(opts.description)}`,
    `LOCATION:${icsText(opts.location)}`,
    `ORGANIZER;CN="${opts.organizer.name.replace(/"/g, '')}":mailto:${opts.organizer.address}`,
    ...opts.attendees.map(
      (a) =>
        `ATTENDEE;CN="${a.name.replace(/"/g, '')}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a.address}`,
    ),
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldIcsLine).join('\r\n')}\r\n`;
}

export function makeCsv(rng: Rng, targetSize: number): string {
  const rows = ['date,region,product,units,revenue'];
  const regions = ['North', 'South', 'East', 'West', 'Zürich', 'São Paulo', 'Kraków'];
  const products = ['Basic', 'Plus', 'Pro', 'Enterprise'];
  let size = rows[0]!.length;
  let day = 1;
  while (size < targetSize) {
    const r = `2026-${String(((day / 28) | 0) % 12 || 12).padStart(2, '0')}-${String((day % 28) + 1).padStart(2, '0')},${rng.pick(regions)},${rng.pick(products)},${rng.int(1, 500)},${(rng.float() * 50_000).toFixed(2)}`;
    rows.push(r);
    size += r.length + 2;
    day++;
  }
  return `${rows.join('\r\n')}\r\n`;
}
