/**
 * A row of the message list is keyed by its folder and UID: a search over all folders mixes rows
 * whose UIDs repeat across folders. Mailbox ids are base64url, so `/` cannot occur in them.
 */
export type MessageKey = string;

export interface MessageRef {
  mailboxId: string;
  uid: number;
}

export const messageKey = (mailboxId: string, uid: number): MessageKey => `${mailboxId}/${uid}`;

export const keyOf = (message: MessageRef): MessageKey => messageKey(message.mailboxId, message.uid);

export function parseKey(key: MessageKey): MessageRef {
  const slash = key.lastIndexOf('/');
  return { mailboxId: key.slice(0, slash), uid: Number(key.slice(slash + 1)) };
}

/** UIDs per folder, in the order given: one action request per folder. */
export function groupByFolder(keys: Iterable<MessageKey>): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const key of keys) {
    const { mailboxId, uid } = parseKey(key);
    const uids = groups.get(mailboxId);
    if (uids) uids.push(uid);
    else groups.set(mailboxId, [uid]);
  }
  return groups;
}
