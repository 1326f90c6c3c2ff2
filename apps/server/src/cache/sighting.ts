/**
 * A sighting is the state of a mailbox as last seen on the server, and when: `state|ms`, or
 * `changed|ms` when Westwind changed it then to a state not yet seen. The cache serves a page
 * without asking the server only while the mailbox's latest sighting equals its synced state and
 * no account-wide change (an action whose folders are not known) came after it.
 */
const SIGHTING = /^(\d{1,10}:s?\d{1,20}|changed)\|(\d{1,15})$/;

export interface Sighting {
  state: string;
  /** When it was seen (ms since the epoch). */
  at: number;
}

/** The sighting to trust, or null. Malformed values (Redis is untrusted input) count as none. */
export function currentSighting(mailbox: string | null, account: string | null): Sighting | null {
  const seen = mailbox === null ? null : SIGHTING.exec(mailbox);
  if (!seen || seen[1] === 'changed') return null;
  const at = Number(seen[2]);
  const anyChange = account === null ? null : SIGHTING.exec(account);
  if (anyChange && Number(anyChange[2]) >= at) return null;
  return { state: seen[1]!, at };
}
