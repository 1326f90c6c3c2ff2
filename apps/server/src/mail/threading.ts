/**
 * Conversation threading over message headers: JWZ's algorithm as RFC 5256 section 3 (THREAD=
 * REFERENCES) specifies it, with the differences a webmail wants. Pure: the IMAP adapter
 * (../threads/service.ts) feeds it envelopes of the folder and of Sent; tests feed it literals.
 *
 * 1. Every Message-ID, In-Reply-To and References id gets a container; consecutive References
 *    ids are linked parent → child unless that would make a cycle (RFC 5256 step 1A), and the
 *    message is linked under its last reference (step 1B, again refusing cycles).
 * 2. Each tree (found from the roots) is one conversation. An empty root — the first message of
 *    the conversation is not among the input — does not split it: its children stay together,
 *    and the missing root's Message-ID still names the thread.
 * 3. Subject fallback, only for a message that has neither References nor In-Reply-To and whose
 *    subject carries a reply/forward prefix (`Re:`, `Fwd:`, `Aw:`, `Sv:`, `[list]` …): it joins the
 *    earliest conversation with the same base subject. Unlike RFC 5256 step 5, two originals with
 *    the same subject ("Weekly report") are not merged.
 * 4. Optional groups (a server's THREAD answer) are merged in: conversations sharing a member
 *    become one.
 *
 * Bad input: a missing Message-ID gets a private id; a duplicate one (the same message in INBOX
 * and Sent, or a broken client) gets a private id too, so both copies are kept and still land in
 * their thread through their references. References are bounded: at most `MAX_REFERENCES` ids
 * (the first — the root — and the last ones) from at most `MAX_REFERENCES_CHARS` of header.
 */
import { createHash } from 'node:crypto';
import type { EmailAddress, ThreadMessageRef } from '@westwind/contract';

/** Ids kept from one References header: the root and the newest ones. */
export const MAX_REFERENCES = 64;
/** Characters of a References header looked at (the head and the tail). */
export const MAX_REFERENCES_CHARS = 16_384;
const MAX_ID_LENGTH = 998;
const MAX_PARTICIPANTS = 10;

export interface ThreadableMessage {
  mailboxId: string;
  uid: number;
  messageId: string | null;
  inReplyTo: string | null;
  /** The raw References header, or its ids. */
  references: string | readonly string[] | null;
  subject: string;
  /** Milliseconds since the epoch (the Date header, else arrival). */
  date: number;
  from: readonly EmailAddress[];
  seen: boolean;
  flagged: boolean;
  hasAttachments: boolean;
}

export interface Thread<T extends ThreadableMessage = ThreadableMessage> {
  threadId: string;
  subject: string;
  /** Oldest first. */
  messages: ThreadMessageRef[];
  members: T[];
  participants: EmailAddress[];
  lastDate: string;
  unreadCount: number;
  messageCount: number;
  hasAttachments: boolean;
  flagged: boolean;
}

export interface ThreadOptions {
  /** Extra groupings, e.g. a server's THREAD answer, as lists of `messageKey()`s. */
  groups?: readonly (readonly string[])[];
}

export function messageKey(message: Pick<ThreadableMessage, 'mailboxId' | 'uid'>): string {
  return `${message.mailboxId}\n${message.uid}`;
}

/** `<a@b>` → `a@b`; null for nothing usable. */
export function normalizeMessageId(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const match = /<([^<>\s]+)>/.exec(raw);
  const id = (match ? match[1] : raw.trim()) ?? '';
  if (id === '' || id.length > MAX_ID_LENGTH || /[\s<>]/.test(id)) return null;
  return id;
}

/** The ids of a References header, bounded (see MAX_REFERENCES). */
export function parseReferences(raw: string | readonly string[] | null | undefined): string[] {
  if (!raw) return [];
  let ids: string[];
  if (typeof raw === 'string') {
    const text =
      raw.length > MAX_REFERENCES_CHARS
        ? `${raw.slice(0, 1024)} ${raw.slice(raw.length - (MAX_REFERENCES_CHARS - 1024))}`
        : raw;
    ids = [];
    for (const match of text.matchAll(/<([^<>\s]+)>/g)) {
      if (match[1] && match[1].length <= MAX_ID_LENGTH) ids.push(match[1]);
    }
  } else {
    ids = raw
      .slice(0, 1)
      .concat(raw.slice(Math.max(1, raw.length - MAX_REFERENCES + 1)))
      .map(normalizeMessageId)
      .filter((id): id is string => id !== null);
  }
  if (ids.length > MAX_REFERENCES) ids = [ids[0] as string, ...ids.slice(ids.length - MAX_REFERENCES + 1)];
  return ids;
}

const REPLY_PREFIX = /^(?:re|fwd?|fw|aw|sv|vs|antw|wg|tr|rif|odp|r)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*/i;
const LIST_PREFIX = /^\[[^\]]{1,64}\]\s*/;

/** The subject without reply/forward/list prefixes (RFC 5256 "base subject"), and whether it had one. */
export function baseSubject(subject: string): { base: string; isReply: boolean } {
  let text = subject.replace(/\s+/g, ' ').trim();
  let isReply = false;
  for (let i = 0; i < 32; i++) {
    const reply = REPLY_PREFIX.exec(text);
    if (reply) {
      text = text.slice(reply[0].length);
      isReply = true;
      continue;
    }
    const list = LIST_PREFIX.exec(text);
    if (list && list[0].length < text.length) {
      text = text.slice(list[0].length);
      continue;
    }
    break;
  }
  text = text.replace(/\s*\((?:fwd)\)$/i, '');
  return { base: text, isReply };
}

interface Container<T> {
  id: string;
  message: T | null;
  parent: Container<T> | null;
  children: Container<T>[];
}

/** Whether `ancestor` is `node` or above it. */
function isAncestorOrSelf<T>(ancestor: Container<T>, node: Container<T>): boolean {
  for (let at: Container<T> | null = node; at; at = at.parent) if (at === ancestor) return true;
  return false;
}

function link<T>(parent: Container<T>, child: Container<T>): void {
  if (child.parent) {
    const siblings = child.parent.children;
    siblings.splice(siblings.indexOf(child), 1);
  }
  child.parent = parent;
  parent.children.push(child);
}

function timeOf(message: ThreadableMessage): number {
  return Number.isFinite(message.date) ? message.date : 0;
}

function compareMessages(a: ThreadableMessage, b: ThreadableMessage): number {
  return timeOf(a) - timeOf(b) || a.mailboxId.localeCompare(b.mailboxId) || a.uid - b.uid;
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('base64url').slice(0, 22);
}

/** Groups messages into conversations, newest activity first. */
export function buildThreads<T extends ThreadableMessage>(
  input: readonly T[],
  options: ThreadOptions = {},
): Thread<T>[] {
  const messages = [...input].sort(compareMessages);
  const table = new Map<string, Container<T>>();
  const containerOf = (id: string): Container<T> => {
    let container = table.get(id);
    if (!container) {
      container = { id, message: null, parent: null, children: [] };
      table.set(id, container);
    }
    return container;
  };

  for (const message of messages) {
    let id = normalizeMessageId(message.messageId);
    if (id === null || table.get(id)?.message) id = `\u0000${message.mailboxId}\u0000${message.uid}`;
    const own = containerOf(id);
    own.message = message;

    const refs = parseReferences(message.references);
    const inReplyTo = normalizeMessageId(message.inReplyTo);
    if (inReplyTo && refs.at(-1) !== inReplyTo) refs.push(inReplyTo);
    let previous: Container<T> | null = null;
    for (const ref of refs) {
      if (ref === id) continue;
      const current = containerOf(ref);
      // RFC 5256 3.(1)(A): link unless the child already has a parent or a cycle would result.
      if (previous && !current.parent && !isAncestorOrSelf(current, previous)) link(previous, current);
      previous = current;
    }
    // 3.(1)(B): the message goes under its last reference, unless that would make a cycle.
    if (previous && own.parent !== previous && !isAncestorOrSelf(own, previous)) link(previous, own);
  }

  // Trees: each root with at least one message below it.
  interface Tree {
    root: Container<T>;
    members: T[];
  }
  const trees: Tree[] = [];
  const treeOfKey = new Map<string, number>();
  for (const container of table.values()) {
    if (container.parent) continue;
    const members: T[] = [];
    const stack = [container];
    while (stack.length > 0) {
      const node = stack.pop() as Container<T>;
      if (node.message) members.push(node.message);
      stack.push(...node.children);
    }
    if (members.length === 0) continue;
    members.sort(compareMessages);
    for (const member of members) treeOfKey.set(messageKey(member), trees.length);
    trees.push({ root: container, members });
  }

  // Union-find over trees, for the subject fallback and the extra groups.
  const parentOf = trees.map((_, i) => i);
  const find = (i: number): number => {
    while (parentOf[i] !== i) {
      parentOf[i] = parentOf[parentOf[i] as number] as number;
      i = parentOf[i] as number;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parentOf[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  const order = trees
    .map((_, i) => i)
    .sort((a, b) => compareMessages(trees[a]!.members[0]!, trees[b]!.members[0]!));
  const isOrphanReply = (tree: Tree): { base: string; orphan: boolean } => {
    const first = tree.root.message;
    const subject = baseSubject((first ?? tree.members[0]!).subject);
    const orphan =
      first !== null &&
      subject.isReply &&
      parseReferences(first.references).length === 0 &&
      normalizeMessageId(first.inReplyTo) === null;
    return { base: subject.base.toLowerCase(), orphan };
  };
  const bySubject = new Map<string, number>();
  const orphans: { index: number; base: string }[] = [];
  for (const index of order) {
    const { base, orphan } = isOrphanReply(trees[index]!);
    if (base === '') continue;
    if (orphan) orphans.push({ index, base });
    else if (!bySubject.has(base)) bySubject.set(base, index);
  }
  for (const { index, base } of orphans) {
    const target = bySubject.get(base);
    if (target === undefined) bySubject.set(base, index);
    else union(target, index);
  }
  for (const group of options.groups ?? []) {
    let first: number | undefined;
    for (const key of group) {
      const tree = treeOfKey.get(key);
      if (tree === undefined) continue;
      if (first === undefined) first = tree;
      else union(first, tree);
    }
  }

  const components = new Map<number, number[]>();
  for (const index of order) {
    const root = find(index);
    const list = components.get(root) ?? [];
    list.push(index);
    components.set(root, list);
  }

  const threads: Thread<T>[] = [];
  for (const indexes of components.values()) {
    // `order` is by earliest message, so the first tree holds the conversation's first message.
    const primary = trees[indexes[0] as number] as Tree;
    const members = indexes.flatMap((i) => trees[i]!.members).sort(compareMessages);
    const first = members[0] as T;
    const last = members.at(-1) as T;
    const rootId = primary.root.id.startsWith('\u0000')
      ? `key:${primary.members[0]!.mailboxId}:${primary.members[0]!.uid}`
      : primary.root.id;
    const participants: EmailAddress[] = [];
    const seen = new Set<string>();
    for (const member of members) {
      for (const address of member.from) {
        const key = (address.address || address.name).toLowerCase();
        if (seen.has(key) || participants.length >= MAX_PARTICIPANTS) continue;
        seen.add(key);
        participants.push({ name: address.name, address: address.address });
      }
    }
    const subject =
      baseSubject((primary.root.message ?? first).subject).base || baseSubject(last.subject).base;
    threads.push({
      threadId: hashId(rootId),
      subject,
      messages: members.map((m) => ({ mailboxId: m.mailboxId, uid: m.uid })),
      members,
      participants,
      lastDate: new Date(timeOf(last)).toISOString(),
      unreadCount: members.filter((m) => !m.seen).length,
      messageCount: members.length,
      hasAttachments: members.some((m) => m.hasAttachments),
      flagged: members.some((m) => m.flagged),
    });
  }
  return threads.sort(compareThreads);
}

/** Newest activity first; ties by id so the order is total (the cursor depends on it). */
export function compareThreads(
  a: Pick<Thread, 'lastDate' | 'threadId'>,
  b: Pick<Thread, 'lastDate' | 'threadId'>,
): number {
  return b.lastDate.localeCompare(a.lastDate) || a.threadId.localeCompare(b.threadId);
}
