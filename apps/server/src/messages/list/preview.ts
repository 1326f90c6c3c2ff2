/**
 * Snippets by the server's own preview (RFC 8970 `FETCH PREVIEW`), where it is offered. Dovecot
 * computes a message's preview when it saves the message and keeps it in its index cache, so
 * new mail needs no access to the message file: on a 100,000-message Maildir the first body
 * FETCH of mail another session delivered costs ~120 ms (the session rescans the directory to
 * find the file), PREVIEW ~1 ms. imapflow 2.10 has no PREVIEW fetch item, so the command goes
 * through its lower-level `exec`, as imapflow's own fetch does.
 */
import type { ImapFlow } from 'imapflow';
import { cleanSnippet } from './snippet.js';
import { toSequenceSet } from './uid-set.js';

interface Token {
  type?: string;
  value?: unknown;
}

interface Untagged {
  attributes?: unknown[];
}

type Exec = (
  command: string,
  attributes: unknown[],
  options: { untagged: Record<string, (untagged: Untagged) => Promise<void>> },
) => Promise<{ next(): void }>;

/** `[UID, n, PREVIEW, text]` of one untagged FETCH, as imapflow's parser hands it over. */
export function parsePreviewFetch(attributes: unknown[] | undefined): { uid: number; text: string } | null {
  const items = attributes?.[1];
  if (!Array.isArray(items)) return null;
  let uid: number | undefined;
  let text: string | undefined;
  for (let i = 0; i + 1 < items.length; i += 2) {
    const name = (items[i] as Token | null)?.value;
    const value = items[i + 1] as Token | null;
    if (typeof name !== 'string') continue;
    if (name.toUpperCase() === 'UID' && typeof value?.value === 'string' && /^\d{1,10}$/.test(value.value)) {
      uid = Number(value.value);
    } else if (name.toUpperCase() === 'PREVIEW') {
      // NIL (no preview could be made) is an empty snippet, as is a part without text.
      const raw = value?.value;
      text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
    }
  }
  return uid !== undefined && text !== undefined ? { uid, text: cleanSnippet(text) } : null;
}

/** Null when the server has no PREVIEW or the command failed: the caller reads text parts instead. */
export async function fetchPreviews(client: ImapFlow, uids: number[]): Promise<Map<number, string> | null> {
  if (!client.capabilities.has('PREVIEW')) return null;
  const previews = new Map<number, string>();
  if (uids.length === 0) return previews;
  const internals = client as unknown as { exec: Exec; untaggedFetch(untagged: Untagged): Promise<void> };
  const exec = internals.exec.bind(client);
  const untaggedFetch = (untagged: Untagged) => internals.untaggedFetch(untagged).catch(() => undefined);
  try {
    const response = await exec(
      'UID FETCH',
      [
        { type: 'SEQUENCE', value: toSequenceSet(uids) },
        [
          { type: 'ATOM', value: 'UID' },
          { type: 'ATOM', value: 'PREVIEW' },
        ],
      ],
      {
        untagged: {
          FETCH: async (untagged) => {
            const preview = parsePreviewFetch(untagged.attributes);
            if (preview) previews.set(preview.uid, preview.text);
            // Handing it on keeps what imapflow learns from any FETCH: a flag change another
            // client made arrives here too, and its MODSEQ raises the mailbox's highestModseq.
            await untaggedFetch(untagged);
          },
        },
      },
    );
    response.next();
  } catch {
    return null;
  }
  return previews;
}
