import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { foldIcsLine, makeDocx, makeIcs, makeJpeg, makePdf, makePng, makeXlsx } from './files.js';
import { Rng } from './prng.js';

/** Walk PNG chunks, checking every CRC; returns the inflated image data. */
function readPng(buf: Buffer): { width: number; height: number; data: Buffer } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  let end = false;
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString('latin1');
    const data = buf.subarray(off + 8, off + 8 + len);
    expect(buf.readUInt32BE(off + 8 + len)).toBe(crc32(buf.subarray(off + 4, off + 8 + len)) >>> 0);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    if (type === 'IEND') end = true;
    off += 12 + len;
  }
  expect(end).toBe(true);
  return { width, height, data: inflateSync(Buffer.concat(idat)) };
}

/** Walk JPEG marker segments up to SOS, then find EOI. */
function readJpeg(buf: Buffer): { width: number; height: number; markers: number[] } {
  expect(buf[0]).toBe(0xff);
  expect(buf[1]).toBe(0xd8);
  let off = 2;
  const markers: number[] = [];
  let width = 0;
  let height = 0;
  for (;;) {
    expect(buf[off]).toBe(0xff);
    const marker = buf[off + 1]!;
    markers.push(marker);
    const len = buf.readUInt16BE(off + 2);
    if (marker === 0xc0) {
      height = buf.readUInt16BE(off + 5);
      width = buf.readUInt16BE(off + 7);
    }
    off += 2 + len;
    if (marker === 0xda) break;
  }
  // entropy-coded data: every 0xFF is stuffed (FF 00) until the EOI marker
  for (let i = off; i < buf.length - 2; i++) if (buf[i] === 0xff) expect(buf[i + 1]).toBe(0x00);
  expect(buf.subarray(buf.length - 2)).toEqual(Buffer.from([0xff, 0xd9]));
  return { width, height, markers };
}

function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(off)).toBe(0x02014b50);
    const method = buf.readUInt16LE(off + 10);
    const crc = buf.readUInt32LE(off + 16);
    const csize = buf.readUInt32LE(off + 20);
    const size = buf.readUInt32LE(off + 24);
    const nlen = buf.readUInt16LE(off + 28);
    const local = buf.readUInt32LE(off + 42);
    const name = buf.subarray(off + 46, off + 46 + nlen).toString('utf8');
    expect(buf.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const comp = buf.subarray(start, start + csize);
    const data = method === 0 ? comp : inflateRawSync(comp);
    expect(data.length).toBe(size);
    expect(crc32(data) >>> 0).toBe(crc);
    files.set(name, data);
    off += 46 + nlen;
  }
  return files;
}

describe('attachment payloads', () => {
  const rng = () => new Rng('files-test');

  it('PNG: valid chunks and CRCs, inflates to height × (1 + 3·width), size near the target', () => {
    for (const target of [1_000, 8_000, 60_000, 180_000]) {
      const png = makePng(rng(), target);
      const { width, height, data } = readPng(png);
      expect(data.length).toBe(height * (1 + 3 * width));
      if (target >= 8_000) expect(Math.abs(png.length - target) / target).toBeLessThan(0.1);
    }
  });

  it('JPEG: SOI, JFIF, DQT, SOF0, DHT, SOS, stuffed entropy data, EOI; COM padding reaches the target', () => {
    for (const target of [2_000, 30_000, 150_000]) {
      const jpg = makeJpeg(rng(), target);
      const { width, height, markers } = readJpeg(jpg);
      expect(width).toBeGreaterThan(0);
      expect(height).toBeGreaterThan(0);
      for (const m of [0xe0, 0xdb, 0xc0, 0xc4, 0xda]) expect(markers).toContain(m);
      if (target >= 30_000) expect(Math.abs(jpg.length - target)).toBeLessThan(100);
    }
  });

  it('PDF: header, xref offsets pointing at their objects, trailer and startxref', () => {
    const pdf = makePdf(rng(), {
      title: 'Facture (test) n°12',
      lines: ['one', 'two (2)'],
      date: new Date(0),
      targetSize: 40_000,
    });
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(text.slice(startxref))!;
    expect(first).toBe('0');
    const entries = text
      .slice(startxref)
      .split('\n')
      .slice(2, 2 + Number(count));
    entries.forEach((e, n) => {
      expect(e.length).toBe(19); // 20 bytes with the newline
      if (n === 0) return;
      const off = Number(e.slice(0, 10));
      expect(text.slice(off, off + `${n} 0 obj`.length)).toBe(`${n} 0 obj`);
    });
    expect(Math.abs(pdf.length - 40_000) / 40_000).toBeLessThan(0.1);
  });

  it('DOCX / XLSX: zip entries with correct CRCs and the OOXML parts Office needs', () => {
    const docx = readZip(
      makeDocx(rng(), {
        title: 'Notes',
        paragraphs: ['Grüße & <tags>'],
        date: new Date('2026-01-02T03:04:05Z'),
        targetSize: 30_000,
      }),
    );
    expect([...docx.keys()]).toEqual(
      expect.arrayContaining(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']),
    );
    expect(docx.get('word/document.xml')!.toString('utf8')).toContain('Grüße &amp; &lt;tags&gt;');
    const xlsx = readZip(
      makeXlsx(rng(), { headers: ['Item', 'Q1'], date: new Date('2026-01-02T03:04:05Z'), targetSize: 5_000 }),
    );
    expect([...xlsx.keys()]).toEqual(
      expect.arrayContaining(['[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml']),
    );
  });

  it('iCalendar: CRLF lines folded at 75 octets without splitting UTF-8', () => {
    const long = `DESCRIPTION:${'Réunion d’équipe 日本語 '.repeat(10)}`;
    const folded = foldIcsLine(long);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    const ics = makeIcs({
      uid: 'u1@westwind.test',
      summary: 'Design review, v2; final',
      description: 'x',
      start: new Date('2026-05-01T10:00:00Z'),
      minutes: 30,
      stamp: new Date('2026-04-01T10:00:00Z'),
      organizer: { name: 'Alice', address: 'alice@westwind.test' },
      attendees: [{ name: 'Bob', address: 'bob@westwind.test' }],
      location: 'Room 1',
    });
    expect(ics).toContain('DTSTART:20260501T100000Z\r\nDTEND:20260501T103000Z\r\n');
    expect(ics).toContain('SUMMARY:Design review\\, v2\\; final');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
  });
});
