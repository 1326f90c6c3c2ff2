import { describe, expect, it } from 'vitest';
import {
  addressListTokens,
  decodeCharset,
  encodeCharset,
  encodeWords,
  foldHeader,
  headerTextTokens,
  paramTokens,
  quotedPrintable,
} from './mime.js';
import { checkMessage, decodeEncodedWords, parseAddresses, parseStructured } from './mime-check.js';

const unfold = (h: string) => h.replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
const headerValue = (h: string) => unfold(h).replace(/^[^:]+: ?/, '');

const SAMPLES = [
  'Réunion de demain — ordre du jour',
  'Встреча в четверг: повестка дня и очень длинное продолжение темы письма',
  'Καλημέρα από την Αθήνα',
  '会議の議事録と来週の打ち合わせについてのご連絡（長い件名のテスト）',
  '项目进度更新',
  'اجتماع يوم الأحد',
  'Weekend sale ⛰️🎒 up to 40% off — 👨‍👩‍👧‍👦 family deals',
  'Plain ASCII subject that is rather long and needs folding somewhere along the way',
];

describe('RFC 2047 encoded-words', () => {
  it('keeps every word ≤ 75 chars and decodes back (B and Q, text and phrase)', () => {
    for (const s of SAMPLES) {
      for (const encoding of ['B', 'Q'] as const) {
        for (const context of ['text', 'phrase'] as const) {
          const words = encodeWords(s, { encoding, context });
          for (const w of words) {
            expect(w.length).toBeLessThanOrEqual(75);
            expect(w).toMatch(/^=\?UTF-8\?[BQ]\?[^?\s]*\?=$/);
          }
          expect(decodeEncodedWords(words.join(' '))).toBe(s);
          expect(decodeEncodedWords(words.join('\r\n '.replace('\r\n', '')))).toBe(s);
        }
      }
    }
  });

  it('encodes legacy charsets without splitting characters', () => {
    const cases: [string, string][] = [
      ['Réunion à Zürich', 'ISO-8859-1'],
      ['Prix – “spécial” 49 €', 'windows-1252'],
      ['Отчёт за квартал', 'KOI8-R'],
      ['見積書の送付について、ご確認ください', 'Shift_JIS'],
      ['見積書の送付について、ご確認ください', 'ISO-2022-JP'],
      ['项目进度更新', 'GB2312'],
      ['Καλημέρα', 'ISO-8859-7'],
      ['Zażółć gęślą jaźń', 'ISO-8859-2'],
    ];
    for (const [text, charset] of cases) {
      for (const encoding of ['B', 'Q'] as const) {
        const words = encodeWords(text, { encoding, charset });
        for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
        expect(decodeEncodedWords(words.join(' '))).toBe(text);
      }
    }
  });

  it('leaves leading ASCII words readable with plainPrefix', () => {
    const tokens = headerTextTokens('Re: [dev] Réunion demain', {
      kind: 'words',
      encoding: 'Q',
      plainPrefix: true,
    });
    expect(tokens.slice(0, 2)).toEqual(['Re:', '[dev]']);
    expect(decodeEncodedWords(tokens.join(' '))).toBe('Re: [dev] Réunion demain');
  });
});

describe('header folding', () => {
  it('folds at spaces, keeps lines ≤ 78 when possible and unfolds to the original', () => {
    for (const s of SAMPLES) {
      const h = foldHeader('Subject', headerTextTokens(s, { kind: 'words', encoding: 'B' }));
      for (const line of h.split('\r\n').filter(Boolean)) {
        // a line may only exceed 78 when it holds a single (≤ 75 char) encoded-word
        if (line.length > 78) expect(line.replace(/^Subject: /, '').trim()).toMatch(/^=\?[^ ]{1,73}\?=$/);
      }
      expect(decodeEncodedWords(headerValue(h))).toBe(s);
      const raw = foldHeader('Subject', headerTextTokens(s, { kind: 'raw' }));
      expect(headerValue(raw)).toBe(s);
    }
  });

  it('formats address lists with quoting and encoded names', () => {
    const list = [
      { name: 'Smith, Jordan', address: 'jordan@contoso.example' },
      { name: 'Анна Смирнова', address: 'anna@example.ru.test' },
      { name: 'Pat 🌻 Rivera', address: 'pat@example.com' },
      { address: 'bare@example.org' },
      { name: "Tom O'Neill", address: 'tom@example.net' },
    ];
    const h = foldHeader(
      'To',
      addressListTokens(list, () => ({ kind: 'words', encoding: 'Q' })),
    );
    expect(parseAddresses(headerValue(h))).toEqual(list);
    const raw = foldHeader(
      'To',
      addressListTokens(list, () => ({ kind: 'raw' })),
    );
    expect(parseAddresses(headerValue(raw))).toEqual(list);
  });
});

describe('RFC 2231 parameters', () => {
  it('uses plain quoted values for short ASCII and extended values otherwise', () => {
    expect(paramTokens('filename', 'report.pdf')).toEqual(['filename="report.pdf"']);
    expect(paramTokens('filename', '見積書.pdf')).toEqual([
      `filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8.pdf`,
    ]);
  });

  it('splits long names into continuations that decode back', () => {
    const name =
      'A very long document name that needs RFC 2231 continuations — résumé annexe 2026 見積書.pdf';
    const toks = paramTokens('filename', name);
    expect(toks.length).toBeGreaterThan(1);
    expect(toks[0]).toMatch(/^filename\*0\*=UTF-8''/);
    for (const t of toks) expect(t.length).toBeLessThanOrEqual(76);
    expect(parseStructured(`attachment; ${toks.join('; ')}`).params.filename).toBe(name);
  });
});

describe('transfer encodings', () => {
  it('quoted-printable keeps lines ≤ 76 and round-trips through the checker', () => {
    const text = `${'Zürich '.repeat(40)}\n\nline with trailing space \n=equals= and tabs\t\n${'x'.repeat(200)}\n`;
    const qp = quotedPrintable(Buffer.from(text, 'utf8'));
    for (const line of qp.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    const msg = Buffer.from(
      `Date: Mon, 1 Jan 2026 00:00:00 +0000\r\nFrom: a@b.test\r\nMessage-ID: <x@b.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp}`,
    );
    const r = checkMessage(msg);
    expect(r.problems).toEqual([]);
    expect(r.root.decoded?.toString('utf8')).toBe(text.replace(/\n/g, '\r\n'));
  });
});

describe('charsets', () => {
  it('round-trips each supported legacy charset', () => {
    const cases: [string, string][] = [
      ['Grüße, Straße – €', 'windows-1252'],
      ['Grüße, Straße', 'ISO-8859-1'],
      ['Съешь же ещё этих мягких французских булок', 'KOI8-R'],
      ['いつもお世話になっております。ｱｲｳ', 'Shift_JIS'],
      ['いつもお世話になっております。 ASCII 混在', 'ISO-2022-JP'],
      ['感谢您的及时回复。', 'GB2312'],
      ['Ξεσκεπάζω την ψυχοφθόρα βδελυγμία', 'ISO-8859-7'],
    ];
    for (const [text, cs] of cases) {
      const bytes = encodeCharset(text, cs);
      expect(decodeCharset(bytes, cs)).toBe(text);
      if (cs !== 'ISO-2022-JP') expect(bytes.length).toBeLessThan(Buffer.byteLength(text) + 1);
    }
    expect(encodeCharset('—', 'windows-1252')).toEqual(Buffer.from([0x97]));
    expect(() => encodeCharset('€', 'ISO-8859-1')).toThrow();
    expect(() => encodeCharset('🎉', 'Shift_JIS')).toThrow();
  });
});
