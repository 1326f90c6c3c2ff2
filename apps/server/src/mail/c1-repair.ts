/**
 * Node 20's TextDecoder decodes `windows-1252` (and the labels WHATWG maps to it: iso-8859-1,
 * us-ascii, latin1…) as ISO-8859-1, so bytes 0x80–0x9F come out as C1 control characters instead
 * of € ‚ „ … “ ” – — ™ (fixed in later Node releases). postal-mime uses that decoder, so on an
 * affected runtime we map C1 controls to their windows-1252 characters, as browsers do. C1
 * controls have no legitimate use in mail text, so the mapping is safe for other charsets too.
 */
const CP1252: Record<number, number> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x0192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x02c6,
  137: 0x2030,
  138: 0x0160,
  139: 0x2039,
  140: 0x0152,
  142: 0x017d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x02dc,
  153: 0x2122,
  154: 0x0161,
  155: 0x203a,
  156: 0x0153,
  158: 0x017e,
  159: 0x0178,
};

const affected = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80)) !== '\u20ac';

export function repairC1<T extends string | undefined>(text: T): T {
  if (!affected || text === undefined || !/[\u0080-\u009f]/.test(text)) return text;
  return text.replace(/[\u0080-\u009f]/g, (c) => {
    const mapped = CP1252[c.charCodeAt(0)];
    return mapped === undefined ? c : String.fromCharCode(mapped);
  }) as T;
}
