/**
 * The list's page cursor: an opaque base64url JSON naming a position (the last row's sort key and
 * UID), never an offset, so mail that arrives or goes while someone pages does not shift the pages
 * that follow. A cursor is only valid for the folder generation (UIDVALIDITY), sort and order it
 * was made for. Pure.
 */
import type { MessageSort } from '@westwind/contract';

export type SortOrder = 'asc' | 'desc';

/** The sort key of a row: a number (size) or a normalized string (subject, sender); null for date. */
export type SortKey = string | number | null;

export interface Cursor {
  uidValidity: string;
  sort: MessageSort;
  order: SortOrder;
  key: SortKey;
  uid: number;
}

interface Wire {
  v: 1;
  uv: string;
  s: MessageSort;
  o: SortOrder;
  k: SortKey;
  u: number;
}

/** Keys are cut so the cursor stays well inside the query's 512-character limit. */
export const MAX_KEY_CHARS = 60;

const SORTS = new Set<string>(['date', 'from', 'subject', 'size']);

export function encodeCursor(cursor: Cursor): string {
  const key = typeof cursor.key === 'string' ? [...cursor.key].slice(0, MAX_KEY_CHARS).join('') : cursor.key;
  const wire: Wire = { v: 1, uv: cursor.uidValidity, s: cursor.sort, o: cursor.order, k: key, u: cursor.uid };
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
}

/** Decodes without checking it against a folder; null when it is not a cursor of ours at all. */
export function parseCursor(text: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) return null;
  let wire: unknown;
  try {
    wire = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return null;
  const w = wire as Record<string, unknown>;
  if (w.v !== 1) return null;
  if (typeof w.uv !== 'string' || !/^\d{1,10}$/.test(w.uv)) return null;
  if (typeof w.s !== 'string' || !SORTS.has(w.s)) return null;
  if (w.o !== 'asc' && w.o !== 'desc') return null;
  if (typeof w.u !== 'number' || !Number.isInteger(w.u) || w.u < 1 || w.u > 0xffffffff) return null;
  const k = w.k;
  if (w.s === 'date' && k !== null) return null;
  if (w.s === 'size' && (typeof k !== 'number' || !Number.isInteger(k) || k < 0)) return null;
  if ((w.s === 'from' || w.s === 'subject') && (typeof k !== 'string' || [...k].length > MAX_KEY_CHARS))
    return null;
  return { uidValidity: w.uv, sort: w.s as MessageSort, order: w.o, key: k as SortKey, uid: w.u };
}

/**
 * The cursor, if it is well-formed and made for this folder generation, sort and order; null
 * otherwise (the caller answers InvalidCursor: start again from the top).
 */
export function readCursor(
  text: string,
  expected: { uidValidity: string; sort: MessageSort; order: SortOrder },
): Cursor | null {
  const cursor = parseCursor(text);
  if (!cursor) return null;
  if (cursor.uidValidity !== expected.uidValidity) return null;
  if (cursor.sort !== expected.sort || cursor.order !== expected.order) return null;
  return cursor;
}
