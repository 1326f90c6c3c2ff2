/**
 * Sort keys for the list's non-date orders, approximating RFC 5256 (SORT) and RFC 5957
 * (DISPLAYFROM) so that (a) a server without SORT can be sorted here, bounded, and (b) a cursor
 * whose last row has gone can still find its place in the server's order. Pure.
 *
 * The server's collation (i;unicode-casemap) is approximated by lower-casing; where the two
 * disagree a page may start a row early or late after its anchor row was deleted, nothing worse.
 */
import type { MessageSort } from '@westwind/contract';
import type { MessageEnvelopeObject } from 'imapflow';
import type { SortKey, SortOrder } from './cursor.js';

/** RFC 5256 section 2.1 base subject, simplified: no reply/forward prefixes, trailers or tags. */
export function baseSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ').trim().toLowerCase();
  for (;;) {
    const before = s;
    s = s.replace(/(\s*\(fwd\))+$/, '').trim();
    s = s.replace(/^(\[[^[\]]*\]\s*)*(re|fwd?)\s*(\[[^[\]]*\])?\s*:\s*/, '').trim();
    s = s.replace(/^\[fwd:\s*(.*)\]$/, '$1').trim();
    if (s === before) break;
  }
  // a leading [blob] goes too, unless it is all there is
  const noBlob = s.replace(/^(\[[^[\]]*\]\s*)+/, '').trim();
  return noBlob || s;
}

/** The key the server sorts `from` by: DISPLAYFROM (display name, else address) or FROM (local part). */
export function fromKey(envelope: MessageEnvelopeObject | undefined, display: boolean): string {
  const first = envelope?.from?.[0];
  if (!first) return '';
  if (display && first.name?.trim()) return first.name.trim().toLowerCase();
  const address = (first.address ?? '').toLowerCase();
  return display ? address : address.split('@')[0]!;
}

export function sortKeyOf(
  sort: MessageSort,
  row: { envelope?: MessageEnvelopeObject | undefined; size?: number | undefined },
  options: { displayFrom: boolean },
): SortKey {
  switch (sort) {
    case 'date':
      return null;
    case 'size':
      return row.size ?? 0;
    case 'subject':
      return baseSubject(row.envelope?.subject ?? '');
    case 'from':
      return fromKey(row.envelope, options.displayFrom);
  }
}

export function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a ?? '');
  const y = String(b ?? '');
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Total order of rows: key, then UID (RFC 5256 breaks ties by sequence number, i.e. UID order). */
export function compareRows(a: { key: SortKey; uid: number }, b: { key: SortKey; uid: number }): number {
  return compareKeys(a.key, b.key) || a.uid - b.uid;
}

/**
 * Index of the first entry of `sorted` (UIDs in list order) that comes after the anchor. When the
 * anchor's UID is still there that is simply the next one; when it has gone (deleted since the page
 * was served), a binary search by key finds where it was, probing keys through `keyOf`.
 */
export async function indexAfter(
  sorted: readonly number[],
  anchor: { key: SortKey; uid: number },
  order: SortOrder,
  keyOf: (uid: number) => Promise<SortKey | undefined>,
): Promise<number> {
  const at = sorted.indexOf(anchor.uid);
  if (at >= 0) return at + 1;
  const direction = order === 'asc' ? 1 : -1;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const uid = sorted[mid]!;
    const key = await keyOf(uid);
    // A probe that vanished too cannot be placed: step past it (the search stays bounded).
    if (key === undefined) {
      lo = mid + 1;
      continue;
    }
    if (direction * compareRows({ key, uid }, anchor) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
