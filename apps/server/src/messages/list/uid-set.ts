/**
 * IMAP sequence sets (RFC 3501 section 9 `sequence-set`) as the server sends them in ESEARCH and
 * ESORT `ALL` results, and as we send them in UID commands. Pure; the server's text is untrusted,
 * so parsing is strict and bounded.
 */

/** The most numbers one set may expand to: far above any mailbox, well below memory trouble. */
export const MAX_EXPANDED = 5_000_000;

const RANGE = /^(\d{1,10})(?::(\d{1,10}))?$/;

/**
 * The numbers of a sequence set in the order written. A range `a:b` with `b < a` is expanded
 * downwards: RFC 5267 ESORT results list ranges in sort order, so `5:3` means 5, 4, 3.
 * Throws on anything that is not a plain set of numbers (`*` has no meaning in a result).
 */
export function expandSet(set: string, limit = MAX_EXPANDED): number[] {
  const out: number[] = [];
  if (set.trim() === '') return out;
  for (const part of set.split(',')) {
    const match = RANGE.exec(part.trim());
    if (!match) throw new Error(`not a sequence set: ${JSON.stringify(set.slice(0, 40))}`);
    const a = Number(match[1]);
    const b = match[2] === undefined ? a : Number(match[2]);
    if (a < 1 || b < 1 || a > 0xffffffff || b > 0xffffffff) throw new Error('number out of range');
    if (out.length + Math.abs(b - a) + 1 > limit) throw new Error('sequence set too large');
    if (a <= b) for (let n = a; n <= b; n++) out.push(n);
    else for (let n = a; n >= b; n--) out.push(n);
  }
  return out;
}

/**
 * The first `count` numbers of a set (or the last `count`, `fromEnd`), without expanding the
 * rest: an ESEARCH `ALL` of a 100,000-message folder is often one range, `1:100000`.
 * Returned in the set's own order.
 */
export function takeFromSet(set: string, count: number, fromEnd = false): number[] {
  const parts = set.trim() === '' ? [] : set.split(',');
  const ranges = parts.map((part) => {
    const match = RANGE.exec(part.trim());
    if (!match) throw new Error(`not a sequence set: ${JSON.stringify(set.slice(0, 40))}`);
    const a = Number(match[1]);
    return [a, match[2] === undefined ? a : Number(match[2])] as const;
  });
  const out: number[] = [];
  if (!fromEnd) {
    for (const [a, b] of ranges) {
      const step = a <= b ? 1 : -1;
      for (let n = a; out.length < count; n += step) {
        out.push(n);
        if (n === b) break;
      }
      if (out.length >= count) break;
    }
    return out;
  }
  for (let i = ranges.length - 1; i >= 0 && out.length < count; i--) {
    const [a, b] = ranges[i]!;
    const step = a <= b ? -1 : 1;
    for (let n = b; out.length < count; n += step) {
      out.push(n);
      if (n === a) break;
    }
  }
  return out.reverse();
}

/** A compact UID set for a command: sorted, deduplicated, consecutive runs as ranges. */
export function toSequenceSet(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) {
      i++;
      end = sorted[i]!;
    }
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}
