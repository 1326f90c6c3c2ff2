// Conversation (thread) schemas: a folder's messages grouped by References / In-Reply-To (and a
// subject fallback), joined by the user's own replies from the Sent folder.
import { type Static, Type } from 'typebox';
import { EmailAddress, MessageSummary } from './message.js';

export const ThreadMessageRef = Type.Object(
  { mailboxId: Type.String(), uid: Type.Integer({ minimum: 1 }) },
  { title: 'ThreadMessageRef' },
);
export type ThreadMessageRef = Static<typeof ThreadMessageRef>;

/** One row of the conversation list. */
export const ThreadSummary = Type.Object(
  {
    threadId: Type.String({ description: 'Stable: derived from the root Message-ID' }),
    subject: Type.String({ description: 'The root message’s subject, reply prefixes removed' }),
    participants: Type.Array(EmailAddress, { description: 'Senders, oldest first, each once' }),
    lastDate: Type.String({ description: 'ISO 8601 date of the newest message' }),
    messageCount: Type.Integer({ minimum: 1 }),
    unreadCount: Type.Integer({ minimum: 0 }),
    hasAttachments: Type.Boolean(),
    flagged: Type.Boolean(),
    /** Date order, oldest first; may include messages of the Sent folder. */
    messages: Type.Array(ThreadMessageRef),
    /** The newest message (for the sender and snippet of the row). */
    latest: MessageSummary,
  },
  { title: 'ThreadSummary' },
);
export type ThreadSummary = Static<typeof ThreadSummary>;

export const ThreadListQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
  },
  { additionalProperties: false },
);
export type ThreadListQuery = Static<typeof ThreadListQuery>;

/**
 * A page of conversations, newest activity first. Only the newest `windowSize` messages of the
 * folder (and of Sent) are threaded; `truncated` says the folder has older ones.
 */
export const ThreadPage = Type.Object(
  {
    mailboxId: Type.String(),
    items: Type.Array(ThreadSummary),
    nextCursor: Type.Union([Type.Null(), Type.String()]),
    windowSize: Type.Integer({ minimum: 0 }),
    truncated: Type.Boolean(),
  },
  { title: 'ThreadPage' },
);
export type ThreadPage = Static<typeof ThreadPage>;

export const ThreadParams = Type.Object({
  threadId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type ThreadParams = Static<typeof ThreadParams>;

export const ThreadQuery = Type.Object(
  { mailboxId: Type.String({ minLength: 1, maxLength: 2048 }) },
  { additionalProperties: false },
);
export type ThreadQuery = Static<typeof ThreadQuery>;

/** One conversation: its messages from the folder and from Sent, oldest first. */
export const ThreadDetail = Type.Object(
  {
    threadId: Type.String(),
    mailboxId: Type.String(),
    subject: Type.String(),
    messages: Type.Array(MessageSummary),
  },
  { title: 'ThreadDetail' },
);
export type ThreadDetail = Static<typeof ThreadDetail>;
