/**
 * A sighting is the state of a mailbox as last seen on the server, and when: `state|ms`, or
 * `changed|ms` when Westwind changed it then to a state not yet seen. The cache serves a page
 * without asking the server only while the mailbox's latest sighting equals its synced state and
 * no account-wide change (an action whose folders are not known) came after it.
 */
const SIGHTING = /^(\d{1,10}:\d{1,20}|changed)\|(\d{1,15})$/;

/** The state to trust, or null. Malformed values (Redis is untrusted input) count as no sighting. */
export function currentSighting(mailbox: string | null, account: string | null): string | null {
  const seen = mailbox === null ? null : SIGHTING.exec(mailbox);
  if (!seen || seen[1] === 'changed') return null;
  const anyChange = account === null ? null : SIGHTING.exec(account);
  if (anyChange && Number(anyChange[2]) >= Number(seen[2])) return null;
  return seen[1]!;
}
