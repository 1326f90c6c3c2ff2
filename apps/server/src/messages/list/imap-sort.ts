/**
 * UID SORT (RFC 5256), with ESORT's `RETURN (ALL)` (RFC 5267) when the server has it. imapflow
 * 2.10 has no SORT command, so this goes through its lower-level `exec`: safe only because nothing
 * the user typed reaches the command. The criterion comes from a fixed table keyed by the
 * `MessageSort` enum, the charset and search key are constants.
 */
import type { ImapFlow } from 'imapflow';
import { expandSet } from './uid-set.js';

export type ServerSortCriterion = 'SUBJECT' | 'FROM' | 'DISPLAYFROM' | 'SIZE';

interface Token {
  type?: string;
  value?: unknown;
}
type Attribute = Token | Attribute[];

interface Untagged {
  attributes?: Attribute[];
}

interface ExecCapable {
  exec(
    command: string,
    attributes: Attribute[],
    options: { untagged: Record<string, (untagged: Untagged) => Promise<void>> },
  ): Promise<{ next(): void }>;
}

export function canServerSort(client: ImapFlow): boolean {
  return client.capabilities.has('SORT');
}

/** Whether the server sorts by display name (RFC 5957 SORT=DISPLAY). */
export function hasDisplaySort(client: ImapFlow): boolean {
  return client.capabilities.has('SORT=DISPLAY');
}

function atom(value: string): Token {
  return { type: 'ATOM', value };
}

function tokenValue(token: Attribute | undefined): string | undefined {
  if (!token || Array.isArray(token)) return undefined;
  return typeof token.value === 'string' ? token.value : undefined;
}

/** Reads the `ALL` set out of an ESEARCH response `(TAG "x") UID ALL 5,3:1`. */
export function esortAll(attributes: Attribute[]): number[] {
  let i = 0;
  if (Array.isArray(attributes[i])) i++;
  if (tokenValue(attributes[i])?.toUpperCase() === 'UID') i++;
  for (; i + 1 < attributes.length; i += 2) {
    if (tokenValue(attributes[i])?.toUpperCase() === 'ALL')
      return expandSet(tokenValue(attributes[i + 1]) ?? '');
  }
  return [];
}

/** Reads the numbers of a plain `* SORT 5 3 1` response. */
export function sortNumbers(attributes: Attribute[]): number[] {
  const out: number[] = [];
  for (const token of attributes) {
    const value = tokenValue(token);
    if (value === undefined || !/^\d{1,10}$/.test(value)) throw new Error('unexpected SORT response');
    out.push(Number(value));
  }
  return out;
}

/**
 * Every UID of the selected mailbox in ascending order of `criterion` (ties by UID, as RFC 5256
 * breaks them by sequence number). Callers reverse it for descending order, which keeps the order
 * total and the same whichever way the server breaks ties under REVERSE.
 */
export async function uidSortAll(client: ImapFlow, criterion: ServerSortCriterion): Promise<number[]> {
  const connection = client as unknown as ExecCapable;
  const esort = client.capabilities.has('ESORT');
  const attributes: Attribute[] = [
    ...(esort ? [atom('RETURN'), [atom('ALL')]] : []),
    [atom(criterion)],
    atom('UTF-8'),
    atom('ALL'),
  ];
  let uids: number[] = [];
  const response = await connection.exec('UID SORT', attributes, {
    untagged: esort
      ? {
          ESEARCH: async (untagged) => {
            uids = esortAll(untagged.attributes ?? []);
          },
        }
      : {
          SORT: async (untagged) => {
            uids = uids.concat(sortNumbers(untagged.attributes ?? []));
          },
        },
  });
  response.next();
  return uids;
}
