/**
 * Multi-select over a list of row keys (message keys, or any other), as file managers do it: a plain click selects one
 * row, ctrl/cmd toggles one, shift extends from the anchor (the last row clicked without shift).
 */
export interface Selection<K = number> {
  keys: ReadonlySet<K>;
  anchor: K | null;
}

export const EMPTY_SELECTION: Selection<never> = { keys: new Set(), anchor: null };

export interface ClickModifiers {
  shift: boolean;
  toggle: boolean;
}

export function clickSelect<K>(
  selection: Selection<K>,
  order: readonly K[],
  key: K,
  { shift, toggle }: ClickModifiers,
): Selection<K> {
  if (shift && selection.anchor !== null) {
    const from = order.indexOf(selection.anchor);
    const to = order.indexOf(key);
    if (from !== -1 && to !== -1) {
      const [lo, hi] = from < to ? [from, to] : [to, from];
      const keys = new Set<K>(toggle ? selection.keys : []);
      for (let i = lo; i <= hi; i++) keys.add(order[i] as K);
      return { keys, anchor: selection.anchor };
    }
  }
  if (toggle) return toggleKey(selection, key);
  return { keys: new Set([key]), anchor: key };
}

export function toggleKey<K>(selection: Selection<K>, key: K): Selection<K> {
  const keys = new Set(selection.keys);
  if (keys.has(key)) keys.delete(key);
  else keys.add(key);
  return { keys, anchor: key };
}

/** Keeps only keys still present (after rows were removed or the list reloaded). */
export function pruneSelection<K>(selection: Selection<K>, present: ReadonlySet<K>): Selection<K> {
  const keys = new Set([...selection.keys].filter((k) => present.has(k)));
  if (keys.size === selection.keys.size) return selection;
  return {
    keys,
    anchor: selection.anchor !== null && present.has(selection.anchor) ? selection.anchor : null,
  };
}
