import type { MailboxChanges, MessageSort, MessageSummary } from '@westwind/contract';

/** What the list shows, as far as placing changed rows goes. */
export interface ListShape {
  mailboxId: string;
  sort: MessageSort;
  order: 'asc' | 'desc';
  /** Every row of the folder is loaded (the list's far end is the folder's). */
  exhausted: boolean;
}

export type Delta = Pick<MailboxChanges, 'created' | 'updated' | 'flagUpdates' | 'destroyed'>;

/**
 * The rows after a changes call: destroyed rows gone, known rows patched in place, rows the list
 * did not have put where the sort puts them. Returns `rows` itself when nothing visible changed
 * (so nothing re-renders), and null when the delta cannot be placed and the list must reload.
 *
 * Placement relies on the server's date order being UID order (new mail has the highest UIDs).
 * A row beyond the last loaded one is left to the cursor, which fetches it when scrolled to; other
 * sorts cannot place a row without its sort key as the server computes it, so they reload.
 */
export function applyChanges(
  rows: readonly MessageSummary[],
  delta: Delta,
  shape: ListShape,
): MessageSummary[] | null {
  const gone = new Set(delta.destroyed);
  const upserts = new Map<number, MessageSummary>();
  for (const summary of [...delta.created, ...delta.updated]) {
    if (summary.mailboxId === shape.mailboxId && !gone.has(summary.uid)) upserts.set(summary.uid, summary);
  }
  const flags = new Map(delta.flagUpdates.map((f) => [f.uid, f.flags]));
  const byDate = shape.sort === 'date';
  const step = shape.order === 'desc' ? -1 : 1;

  let changed = false;
  const kept: MessageSummary[] = [];
  let previous: number | undefined;
  for (const row of rows) {
    if (row.mailboxId !== shape.mailboxId) return null;
    // Out of UID order means the rows are not what this function assumes: start over instead.
    if (byDate && previous !== undefined && Math.sign(row.uid - previous) !== step) return null;
    previous = row.uid;
    if (gone.has(row.uid)) {
      changed = true;
      continue;
    }
    const fresh = upserts.get(row.uid);
    if (fresh) {
      upserts.delete(row.uid);
      if (!sameRow(row, fresh)) {
        kept.push(fresh);
        changed = true;
        continue;
      }
    }
    const update = flags.get(row.uid);
    if (update && !sameFlags(row.flags, update)) {
      kept.push({ ...row, flags: update });
      changed = true;
      continue;
    }
    kept.push(row);
  }

  if (upserts.size > 0) {
    if (!byDate) return null;
    const last = rows.at(-1)?.uid;
    if (last === undefined && !shape.exhausted) return null;
    const fits = (uid: number) => shape.exhausted || last === undefined || Math.sign(uid - last) !== step;
    const extra = [...upserts.values()].filter((m) => fits(m.uid)).sort((a, b) => step * (a.uid - b.uid));
    if (extra.length > 0) {
      changed = true;
      return merge(kept, extra, step);
    }
  }
  return changed ? kept : (rows as MessageSummary[]);
}

function merge(a: MessageSummary[], b: MessageSummary[], step: number): MessageSummary[] {
  const out: MessageSummary[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (step * (a[i]!.uid - b[j]!.uid) < 0) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out.concat(a.slice(i), b.slice(j));
}

function sameFlags(a: MessageSummary['flags'], b: MessageSummary['flags']): boolean {
  return (
    a.seen === b.seen &&
    a.flagged === b.flagged &&
    a.answered === b.answered &&
    a.draft === b.draft &&
    a.forwarded === b.forwarded
  );
}

/** Only flags and keywords change on a message that stays; the rest is fixed by IMAP. */
function sameRow(a: MessageSummary, b: MessageSummary): boolean {
  return (
    sameFlags(a.flags, b.flags) &&
    a.keywords.length === b.keywords.length &&
    a.keywords.every((k, i) => b.keywords[i] === k) &&
    a.snippet === b.snippet
  );
}
