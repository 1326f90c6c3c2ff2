/**
 * The search page cursor and the merge of several folders' matches into one newest-first list.
 * Pure.
 *
 * Within a folder, matches go newest first by UID (arrival order, as in the message list). Across
 * folders they are merged by arrival date, taking each folder's matches strictly in UID order, so
 * the position in each folder is just "the last UID taken" and no page repeats or skips a match.
 *
 * The cursor is compact text (not JSON) so it stays under the 512-character query limit with
 * dozens of folders: `2.<fingerprint>.<pos>,<pos>,...` with one position per searched folder in
 * order, base 36: empty = nothing taken yet, `0` = that folder is done, n = continue below UID n.
 * The fingerprint ties it to the query, the folders searched and their UIDVALIDITY.
 */

export type Position = number | null;

const PREFIX = '2';

/** FNV-1a over the parts, base 36: not a security measure, just "is this the same search". */
export function fingerprint(parts: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(parts.join('\u0000'), 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

export function encodeSearchCursor(print: string, positions: readonly Position[]): string {
  return `${PREFIX}.${print}.${positions.map((p) => (p === null ? '' : p.toString(36))).join(',')}`;
}

/** The positions, or null when the cursor is not one of ours for this search. */
export function readSearchCursor(text: string, print: string, folders: number): Position[] | null {
  const match = /^2\.([0-9a-z]{1,8})\.([0-9a-z,]{0,500})$/.exec(text);
  if (!match || match[1] !== print) return null;
  const parts = match[2]!.split(',');
  if (parts.length !== folders) return null;
  const positions: Position[] = [];
  for (const part of parts) {
    if (part === '') {
      positions.push(null);
      continue;
    }
    const n = Number.parseInt(part, 36);
    if (!/^[0-9a-z]{1,7}$/.test(part) || !Number.isSafeInteger(n) || n > 0xffffffff) return null;
    positions.push(n);
  }
  return positions;
}

export interface Candidate {
  folder: number;
  uid: number;
  /** Arrival time in ms; only compared across folders. */
  time: number;
}

/**
 * Takes up to `limit` matches newest first from per-folder candidate lists (each newest first by
 * UID, each holding at least limit + 1 entries or all that are left). Returns the page and the
 * new positions; `more` says whether anything is left after it.
 */
export function mergePage(
  lists: readonly Candidate[][],
  positions: readonly Position[],
  remaining: readonly number[],
  limit: number,
): { page: Candidate[]; positions: Position[]; more: boolean } {
  const heads = lists.map(() => 0);
  const page: Candidate[] = [];
  const next = [...positions];
  while (page.length < limit) {
    let best = -1;
    for (let f = 0; f < lists.length; f++) {
      const head = lists[f]![heads[f]!];
      if (!head) continue;
      const current = best === -1 ? undefined : lists[best]![heads[best]!];
      if (!current || head.time > current.time) best = f;
    }
    if (best === -1) break;
    const taken = lists[best]![heads[best]!]!;
    page.push(taken);
    heads[best]! += 1;
    next[best] = taken.uid;
  }
  let more = false;
  for (let f = 0; f < lists.length; f++) {
    const left = remaining[f]! - heads[f]!;
    if (left > 0) more = true;
    // A folder with nothing left is marked done, so later pages skip its FETCH.
    else if (next[f] !== null || positions[f] === null) next[f] = 0;
  }
  return { page, positions: next, more };
}
