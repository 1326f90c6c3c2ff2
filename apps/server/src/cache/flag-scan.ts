/**
 * The sync of a server without CONDSTORE (neither HIGHESTMODSEQ nor CHANGEDSINCE): a bounded
 * flags scan. Each sync fetches the FLAGS of the newest `window` UIDs, of the UIDs the request is
 * about to show, and of one `slice` of the older ones, taken in turn from the top down so that
 * every row is looked at again within (count / slice) syncs. Arrivals
 * and expunges are exact (UIDNEXT and the count from STATUS, then one UID SEARCH). Pure: the
 * summary cache calls these and tests call them directly.
 */
import { UidIndex } from './uid-index.js';

export interface ScanPlan {
  /** Ascending UIDs whose flags this sync fetches. */
  uids: number[];
  /**
   * Those of them whose flags are kept even where no summary is cached (the newest and the shown
   * ones: what a client can hold), so the next scan has something to compare with. The older
   * slice's rows are compared only where cached, which bounds what is kept to the window.
   */
  keep: Set<number>;
  /** Where the next sync's older slice starts (exclusive upper bound; 0: below the window). */
  nextFrom: number;
}

/** The older slice a sync scans besides the newest `window`: a quarter of it. */
export function sliceFor(window: number): number {
  return Math.max(1, Math.round(window / 4));
}

/**
 * What one sync scans in `index`: the newest `window`, `extra` (those still in the index) and
 * the `slice` below `from` (0 or past the bottom: just below the window again).
 */
export function planScan(
  index: UidIndex,
  window: number,
  slice: number,
  from: number,
  extra: readonly number[],
): ScanPlan {
  const newest = index.takeDesc(window);
  const floor = newest.at(-1) ?? 0;
  let start = from > 0 && from < floor ? from : floor;
  let older = index.takeDesc(slice, start);
  if (older.length === 0 && start !== floor) {
    start = floor;
    older = index.takeDesc(slice, start);
  }
  const last = older.at(-1);
  // Past the bottom: the next slice starts just below the window again.
  const nextFrom = last === undefined || last <= (index.takeAsc(1)[0] ?? 0) ? 0 : last;
  const keep = new Set(newest);
  for (const uid of extra) if (index.has(uid)) keep.add(uid);
  const uids = new Set([...keep, ...older]);
  return { uids: [...uids].sort((a, b) => a - b), keep, nextFrom };
}

/**
 * The UIDs whose flags differ from what the cache holds: `scanned` maps UID to packed flags as
 * the server has them now, `cached` to the packed flags of the cached summary (codec.ts), null
 * where none is cached: such a row has no flags to be wrong and is fetched whole when shown.
 */
export function changedFlags(
  scanned: ReadonlyMap<number, string>,
  cached: ReadonlyMap<number, string | null>,
): number[] {
  const changed: number[] = [];
  for (const [uid, flags] of scanned) {
    const known = cached.get(uid);
    if (typeof known === 'string' && known !== flags) changed.push(uid);
  }
  return changed.sort((a, b) => a - b);
}

/**
 * Generations are `era × 2^20 + n`: a rebuilt cache draws a random era, so a state a client kept
 * from before (Redis lost, the baseline evicted) is never taken for one of the new cache, whatever
 * the clocks say; its changes call finds no log for it and the client starts again.
 */
const ERA_SHIFT = 20n;
const IN_ERA = (1n << ERA_SHIFT) - 1n;

export function newEra(random: () => number = Math.random): bigint {
  return BigInt(1 + Math.floor(random() * 0x7fffffff)) << ERA_SHIFT;
}

/** The generation after `generation`, null when its era is used up (then a new era starts). */
export function nextGeneration(generation: bigint): bigint | null {
  return (generation & IN_ERA) === IN_ERA ? null : generation + 1n;
}

/** One entry of a mailbox's change log: what one generation changed (sent whole) and removed. */
export interface LoggedChange {
  changed: number[];
  removed: number[];
}

/** An entry longer than this is logged as too big: a changes call across it starts over. */
export const MAX_LOGGED_UIDS = 5_000;
const TOO_BIG = '!';

export function packLoggedChange(change: LoggedChange): string {
  if (change.changed.length + change.removed.length > MAX_LOGGED_UIDS) return TOO_BIG;
  return `${UidIndex.fromUids(change.changed)}|${UidIndex.fromUids(change.removed)}`;
}

/** The entry, `too-big`, or null when the value is not one we wrote. */
export function unpackLoggedChange(text: string | null): LoggedChange | 'too-big' | null {
  if (text === TOO_BIG) return 'too-big';
  if (typeof text !== 'string') return null;
  const parts = text.split('|');
  if (parts.length !== 2) return null;
  const changed = UidIndex.parse(parts[0]!);
  const removed = UidIndex.parse(parts[1]!);
  if (!changed || !removed || changed.count + removed.count > MAX_LOGGED_UIDS) return null;
  return { changed: changed.takeAsc(changed.count), removed: removed.takeAsc(removed.count) };
}

/**
 * The changes between two generations from their log entries (oldest first): UIDs removed in any
 * are destroyed; the others that changed are reported with the last generation that touched them
 * (for cutting a long answer at a generation). Null when an entry is missing or too big.
 */
export function replayLog(
  entries: readonly { generation: bigint; entry: LoggedChange | 'too-big' | null }[],
): { changed: Map<number, bigint>; removed: Set<number> } | null {
  const changed = new Map<number, bigint>();
  const removed = new Set<number>();
  for (const { generation, entry } of entries) {
    if (entry === null || entry === 'too-big') return null;
    for (const uid of entry.changed) changed.set(uid, generation);
    for (const uid of entry.removed) removed.add(uid);
  }
  for (const uid of removed) changed.delete(uid);
  return { changed, removed };
}
