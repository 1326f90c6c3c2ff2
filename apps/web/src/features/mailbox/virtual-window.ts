/** Which rows of a fixed-row-height list to put in the DOM. */
export interface RowWindow {
  /** First row index rendered (inclusive). */
  start: number;
  /** Row index after the last one rendered (exclusive). */
  end: number;
}

export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, total - 1) - overscan);
  const end = Math.min(total, first + visible + overscan);
  return { start, end };
}

/** The scrollTop that brings row `index` into view, or null when it already is. */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}

/**
 * Where to scroll after rows were added or taken away above what the person is reading. The row
 * that was at the top of the viewport, at index `before` and now at `after` (-1: gone), keeps its
 * place on screen. At the very top the new rows show instead: `slide` is how far (px) they slide in.
 */
export function anchorScroll(
  scrollTop: number,
  rowHeight: number,
  before: number,
  after: number,
): { scrollTop: number; slide: number } {
  const shift = (after - before) * rowHeight;
  if (after < 0 || shift === 0) return { scrollTop, slide: 0 };
  // Below one pixel counts as the top: a fractional scroll position is not reading further down.
  if (scrollTop < 1) return { scrollTop, slide: Math.max(0, shift) };
  return { scrollTop: Math.max(0, scrollTop + shift), slide: 0 };
}
