import type { MessageFlags } from '@westwind/contract';

/**
 * IMAP flags → the contract's flags. The list (summaries) and the reader use this one mapping:
 * \Seen, \Flagged, \Answered, \Draft, and the $Forwarded keyword (RFC 5788 registry). Kept identical
 * to `toFlags` in messages/list/summary.ts (the list's mapping).
 */
export function flagsOf(flags: Iterable<string> | undefined): MessageFlags {
  const set = new Set([...(flags ?? [])].map((flag) => flag.toLowerCase()));
  return {
    seen: set.has('\\seen'),
    flagged: set.has('\\flagged'),
    answered: set.has('\\answered'),
    draft: set.has('\\draft'),
    // RFC 5788 registered keyword; some clients wrote the non-standard \Forwarded.
    forwarded: set.has('$forwarded') || set.has('\\forwarded'),
  };
}

/** Keywords that have a field of their own and so are not repeated in `keywords`. */
const MAPPED_KEYWORDS = new Set(['$forwarded']);

/** Keywords: flags that are neither system flags (`\\…`) nor mapped to a field above. */
export function keywordsOf(flags: Iterable<string> | undefined): string[] {
  return [...(flags ?? [])].filter(
    (flag) => !flag.startsWith('\\') && !MAPPED_KEYWORDS.has(flag.toLowerCase()),
  );
}
