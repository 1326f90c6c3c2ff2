/**
 * Multi-select over a list of row keys (UIDs), as file managers do it: a plain click selects one
 * row, ctrl/cmd toggles one, shift extends from the anchor (the last row clicked without shift).
 */
export interface Selection {
  keys: ReadonlySet<number>;
  anchor: number | null;
}

export const EMPTY_SELECTION: Selection = { keys: new Set(), anchor: null };

export interface ClickModifiers {
  shift: boolean;
  toggle: boolean;
}

export function clickSelect(
  selection: Selection,
  order: readonly number[],
  key: number,
  { shift, toggle }: ClickModifiers,
): Selection {
  if (shift && selection.anchor !== null) {
    const from = order.indexOf(selection.anchor);
    const to = order.indexOf(key);
    if (from !== -1 && to !== -1) {
      const [lo, hi] = from < to ? [from, to] : [to, from];
      const keys = new Set(toggle ? selection.keys : []);
      for (let i = lo; i <= hi; i++) keys.add(order[i] as number);
      return { keys, anchor: selection.anchor };
    }
  }
  if (toggle) return toggleKey(selection, key);
  return { keys: new Set([key]), anchor: key };
}

export function toggleKey(selection: Selection, key: number): Selection {
  const keys = new Set(selection.keys);
  if (keys.has(key)) keys.delete(key);
  else keys.add(key);
  return { keys, anchor: key };
}

/** Keeps only keys still present (after rows were removed or the list reloaded). */
export function pruneSelection(selection: Selection, present: ReadonlySet<number>): Selection {
  const keys = new Set([...selection.keys].filter((k) => present.has(k)));
  if (keys.size === selection.keys.size) return selection;
  return {
    keys,
    anchor: selection.anchor !== null && present.has(selection.anchor) ? selection.anchor : null,
  };
}
