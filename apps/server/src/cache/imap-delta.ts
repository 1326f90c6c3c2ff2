/**
 * The IMAP side of a sync: the mailbox's state by STATUS, the CONDSTORE/QRESYNC delta since a
 * modseq, and the full UID list by one ESEARCH. Each is one command (RFC 7162, RFC 4731).
 */
import type { ImapFlow } from 'imapflow';
import { trackHighestModseq, tracksHighestModseq } from '../imap/highest-modseq.js';
import { UidIndex } from './uid-index.js';

export interface ImapState {
  uidValidity: string;
  /** HIGHESTMODSEQ; null when the server (or the mailbox) has no mod-sequences. */
  modseq: string | null;
  /** Null when seen by NOOP on the selected mailbox, which does not report UIDNEXT. */
  uidNext: number | null;
  messages: number;
  /** Asked only where there is no modseq (the flags-scanned cache keeps it). */
  unseen: number | null;
  /** The highest UID, where asked instead of UIDNEXT (selectedScanState). */
  maxUid: number | null;
}

/** Whether the server was asked for mod-sequences on this connection (RFC 7162). */
export function hasModseqs(client: ImapFlow): boolean {
  return client.enabled.has('CONDSTORE') || client.enabled.has('QRESYNC');
}

/**
 * STATUS (MESSAGES UIDNEXT UIDVALIDITY and HIGHESTMODSEQ, or UNSEEN where the server has no
 * mod-sequences): one round trip, no SELECT needed, current even for a mailbox another
 * connection changed. Null when the mailbox is missing.
 */
export async function imapState(client: ImapFlow, path: string): Promise<ImapState | null> {
  const modseqs = hasModseqs(client);
  // STATUS of the selected mailbox is answered from the session's view, which can be a deleted
  // incarnation (RFC 3501 section 6.3.10 advises against it): leave it first, by UNSELECT
  // (RFC 3691), never CLOSE, which would expunge \Deleted messages.
  if (client.mailbox && client.mailbox.path === path && !(await unselect(client))) return null;
  const status = await client.status(path, {
    messages: true,
    uidNext: true,
    uidValidity: true,
    ...(modseqs ? { highestModseq: true } : { unseen: true }),
  });
  if (!status || status.uidValidity === undefined) return null;
  if (status.uidNext === undefined || status.messages === undefined) return null;
  if (modseqs && status.highestModseq === undefined) return null;
  return {
    uidValidity: String(status.uidValidity),
    modseq: modseqs ? String(status.highestModseq) : null,
    uidNext: status.uidNext,
    messages: status.messages,
    unseen: status.unseen ?? null,
    maxUid: null,
  };
}

/**
 * The state of the mailbox `client` has selected, brought up to date by a NOOP: no STATUS, no
 * new SELECT (on Dovecot each costs ~150 ms on a 100,000-message Maildir; NOOP costs what
 * changed). The caller holds the mailbox lock. The new HIGHESTMODSEQ after expunges and
 * arrivals comes as a response code on whatever command ran next (RFC 7162 section 3.1.2.1), so
 * the connection must track it (imap/highest-modseq.ts). Null without CONDSTORE.
 */
export async function selectedState(client: ImapFlow): Promise<ImapState | null> {
  if (!hasModseqs(client)) return null;
  // Pooled and watch connections track it for good; any other is tracked from here on.
  if (!tracksHighestModseq(client)) trackHighestModseq(client);
  await client.noop();
  const mailbox = client.mailbox;
  if (!mailbox || mailbox.highestModseq === undefined) return null;
  return {
    uidValidity: String(mailbox.uidValidity),
    modseq: String(mailbox.highestModseq),
    uidNext: null,
    messages: mailbox.exists,
    unseen: null,
    maxUid: null,
  };
}

/**
 * The state of the mailbox `client` has selected on a server without mod-sequences, without
 * STATUS and a new SELECT (STATUS UNSEEN of a 100,000-message Maildir costs up to ~250 ms, a
 * SELECT 30-240 ms): a NOOP brings the session's count up to date, `FETCH * (UID)` gives the
 * highest UID (arrivals raise it, expunges lower the count, so together they tell whether the UID
 * index moved) and `SEARCH RETURN (COUNT) UNSEEN` the unseen count; ~1, ~1 and ~5 ms there. The
 * caller holds the mailbox lock. Null without ESEARCH (RFC 4731).
 */
export async function selectedScanState(client: ImapFlow): Promise<ImapState | null> {
  if (!client.capabilities.has('ESEARCH')) return null;
  await client.noop();
  const mailbox = client.mailbox;
  if (!mailbox) return null;
  const last = mailbox.exists > 0 ? await client.fetchOne('*', { uid: true }) : null;
  const unseen = await client.search({ seen: false }, { uid: true, returnOptions: ['count'] });
  if ((mailbox.exists > 0 && !last) || !unseen || Array.isArray(unseen)) return null;
  return {
    uidValidity: String(mailbox.uidValidity),
    modseq: null,
    uidNext: null,
    messages: mailbox.exists,
    unseen: unseen.count ?? 0,
    maxUid: last ? last.uid : 0,
  };
}

/** UNSELECT where offered; false without it (then the caller does not use the cache). */
export async function unselect(client: ImapFlow): Promise<boolean> {
  if (!client.capabilities.has('UNSELECT')) return false;
  // imapflow 2.10's public mailboxClose() always sends CLOSE; its `close` command takes
  // `{ unselect: true }` through the lower-level run().
  const internal = client as unknown as { run(command: string, options: object): Promise<unknown> };
  await internal.run('CLOSE', { unselect: true });
  return true;
}

export interface DeltaRow {
  uid: number;
  flags: Set<string>;
  modseq: bigint;
}

export interface Delta {
  /** The modseq the delta starts from. */
  from: string;
  /** Messages created or changed since `from` (their current flags). */
  rows: DeltaRow[];
  /** UIDs expunged since `from` (may include UIDs never known: RFC 7162 allows a superset). */
  vanished: number[];
  /** Set when `rows` hold only the changes up to this modseq (the rest are left for later). */
  completeTo?: bigint;
}

/**
 * `UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE m VANISHED)` on the selected mailbox (RFC 7162
 * section 3.2.6; imapflow adds VANISHED when QRESYNC is enabled). The VANISHED (EARLIER) lines
 * arrive as `expunge` events, collected while the command runs. Nothing else is sent inside the
 * loop. Without QRESYNC no UIDs are reported vanished: the caller reconciles by count.
 */
export async function fetchDelta(client: ImapFlow, since: string): Promise<Delta> {
  const rows: DeltaRow[] = [];
  const vanished: number[] = [];
  if (!client.mailbox || client.mailbox.exists === 0) return { from: since, rows, vanished };
  const onExpunge = (event: { uid?: number; vanished?: boolean }) => {
    if (event.vanished && typeof event.uid === 'number') vanished.push(event.uid);
  };
  client.on('expunge', onExpunge);
  try {
    for await (const message of client.fetch(
      '1:*',
      { uid: true, flags: true },
      { uid: true, changedSince: BigInt(since) },
    )) {
      rows.push({ uid: message.uid, flags: message.flags ?? new Set(), modseq: message.modseq ?? 0n });
    }
  } finally {
    client.off('expunge', onExpunge);
  }
  return { from: since, rows, vanished };
}

/** Every UID of the selected mailbox: one `UID SEARCH RETURN (ALL) ALL`, a compact set under ESEARCH. */
export async function uidSearchAll(client: ImapFlow): Promise<UidIndex> {
  if (!client.mailbox || client.mailbox.exists === 0) return UidIndex.empty();
  const result = await client.search({ all: true }, { uid: true, returnOptions: ['all'] });
  if (result === false || result === undefined) throw new Error('UID SEARCH ALL failed');
  if (Array.isArray(result)) return UidIndex.fromUids(result);
  const index = UidIndex.parse(result.all ?? '');
  if (!index) throw new Error('the server sent an invalid UID set');
  return index;
}

/** The current flags of `uids` in the selected mailbox: one `UID FETCH set (FLAGS)`. */
export async function fetchFlags(
  client: ImapFlow,
  uids: readonly number[],
): Promise<Map<number, Set<string>>> {
  const flags = new Map<number, Set<string>>();
  if (uids.length === 0 || !client.mailbox || client.mailbox.exists === 0) return flags;
  for await (const message of client.fetch(
    UidIndex.fromUids(uids).toString(),
    { uid: true, flags: true },
    { uid: true },
  )) {
    flags.set(message.uid, message.flags ?? new Set());
  }
  return flags;
}
