/**
 * Keeping `client.mailbox.highestModseq` true. With QRESYNC enabled, Dovecot reports a new
 * HIGHESTMODSEQ after arrivals and expunges once, as `OK [HIGHESTMODSEQ n]` on whichever
 * command's reply comes next (a NOOP, a MOVE, a FETCH, or while idling); imapflow reads the code
 * only while selecting, and FETCH responses with MODSEQ (flag changes) it folds in itself. The
 * summary cache trusts a selected connection's NOOP only because nothing of this is lost.
 */
import type { ImapFlow } from 'imapflow';

type SectionHandler = (section: unknown[]) => Promise<void>;

function sectionHandlers(client: ImapFlow): Record<string, SectionHandler> | undefined {
  return (client as unknown as { sectionHandlers?: Record<string, SectionHandler> }).sectionHandlers;
}

/** Raises the selected mailbox's `highestModseq` to the reported value (never lowers it). */
function raise(client: ImapFlow, value: unknown): void {
  const text = (value as { value?: unknown } | undefined)?.value;
  const mailbox = client.mailbox;
  if (!mailbox || typeof text !== 'string' || !/^\d{1,20}$/.test(text)) return;
  const modseq = BigInt(text);
  if (mailbox.highestModseq === undefined || modseq > mailbox.highestModseq) mailbox.highestModseq = modseq;
}

/**
 * From now on every `[HIGHESTMODSEQ n]` response code, tagged or untagged, raises the selected
 * mailbox's `highestModseq`. (While another mailbox is being selected the code can land on the
 * one being left, whose object is then dropped: harmless.)
 */
export function trackHighestModseq(client: ImapFlow): void {
  const handlers = sectionHandlers(client);
  if (handlers) handlers.HIGHESTMODSEQ = async ([value]) => raise(client, value);
}

export function tracksHighestModseq(client: ImapFlow): boolean {
  return sectionHandlers(client)?.HIGHESTMODSEQ !== undefined;
}
