/**
 * UID THREAD=REFERENCES (RFC 5256 section 3). imapflow 2.10 has no THREAD command, so this goes
 * through its lower-level `exec`, like ../messages/list/imap-sort.ts does for SORT: safe only
 * because nothing the user typed reaches the command. The algorithm and charset are constants
 * and the search key is a sequence range computed here from the folder's EXISTS count.
 */
import type { ImapFlow } from 'imapflow';

interface Token {
  type?: string;
  value?: unknown;
}
type Attribute = Token | Attribute[];

interface ExecCapable {
  exec(
    command: string,
    attributes: Attribute[],
    options: { untagged: Record<string, (untagged: { attributes?: Attribute[] }) => Promise<void>> },
  ): Promise<{ next(): void }>;
}

export function canServerThread(client: ImapFlow): boolean {
  return client.capabilities.has('THREAD=REFERENCES');
}

function collectUids(node: Attribute, into: number[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collectUids(child, into);
    return;
  }
  if (typeof node.value === 'string' && /^\d{1,10}$/.test(node.value)) into.push(Number(node.value));
}

/**
 * Reads `* THREAD (2)(3 6 (4 23)(44 7 96))`: each top-level list is one thread; its nesting (the
 * tree inside the thread) does not matter here, only membership.
 */
export function threadGroups(attributes: readonly Attribute[]): number[][] {
  const groups: number[][] = [];
  for (const attribute of attributes) {
    const uids: number[] = [];
    collectUids(attribute, uids);
    if (uids.length > 0) groups.push(uids);
  }
  return groups;
}

/** The server's threads (as UID groups) of the messages with sequence numbers `from`..`to`. */
export async function uidThreadReferences(client: ImapFlow, from: number, to: number): Promise<number[][]> {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 1 || to < from) return [];
  const connection = client as unknown as ExecCapable;
  let groups: number[][] = [];
  const response = await connection.exec(
    'UID THREAD',
    [
      { type: 'ATOM', value: 'REFERENCES' },
      { type: 'ATOM', value: 'UTF-8' },
      { type: 'SEQUENCE', value: `${from}:${to}` },
    ],
    {
      untagged: {
        THREAD: async (untagged) => {
          groups = groups.concat(threadGroups(untagged.attributes ?? []));
        },
      },
    },
  );
  response.next();
  return groups;
}
