import { type Static, Type } from 'typebox';

export const EmailAddress = Type.Object(
  { name: Type.String(), address: Type.String() },
  { title: 'EmailAddress' },
);
export type EmailAddress = Static<typeof EmailAddress>;

export const MessageFlags = Type.Object(
  {
    seen: Type.Boolean(),
    flagged: Type.Boolean(),
    answered: Type.Boolean(),
    draft: Type.Boolean(),
    forwarded: Type.Boolean(),
  },
  { title: 'MessageFlags' },
);
export type MessageFlags = Static<typeof MessageFlags>;

/** One row of a message list: what the list shows, nothing of the body but a snippet. */
export const MessageSummary = Type.Object(
  {
    mailboxId: Type.String(),
    uid: Type.Integer({ minimum: 1 }),
    messageId: Type.Union([Type.Null(), Type.String()]),
    inReplyTo: Type.Union([Type.Null(), Type.String()]),
    subject: Type.String(),
    from: Type.Array(EmailAddress),
    to: Type.Array(EmailAddress),
    cc: Type.Array(EmailAddress),
    date: Type.String({ description: 'ISO 8601: the Date header, or the arrival time when it is missing' }),
    receivedAt: Type.String({ description: 'ISO 8601 INTERNALDATE' }),
    size: Type.Integer({ minimum: 0 }),
    flags: MessageFlags,
    keywords: Type.Array(Type.String()),
    hasAttachments: Type.Boolean(),
    snippet: Type.String(),
  },
  { title: 'MessageSummary' },
);
export type MessageSummary = Static<typeof MessageSummary>;

export const MessageSort = Type.Union([
  Type.Literal('date'),
  Type.Literal('from'),
  Type.Literal('subject'),
  Type.Literal('size'),
]);
export type MessageSort = Static<typeof MessageSort>;

export const MessageListQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    sort: Type.Optional(MessageSort),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  },
  { additionalProperties: false },
);
export type MessageListQuery = Static<typeof MessageListQuery>;

/**
 * A page of a folder. `nextCursor` continues after the last row and stays correct while new
 * mail arrives (it names a position, not an offset). `state` changes whenever the folder does.
 */
export const MessagePage = Type.Object(
  {
    mailboxId: Type.String(),
    total: Type.Integer({ minimum: 0 }),
    unread: Type.Integer({ minimum: 0 }),
    state: Type.String(),
    items: Type.Array(MessageSummary),
    nextCursor: Type.Union([Type.Null(), Type.String()]),
  },
  { title: 'MessagePage' },
);
export type MessagePage = Static<typeof MessagePage>;

export const MessageParams = Type.Object({
  mailboxId: Type.String({ minLength: 1, maxLength: 2048 }),
  uid: Type.Integer({ minimum: 1, maximum: 4294967295 }),
});
export type MessageParams = Static<typeof MessageParams>;

export const Attachment = Type.Object(
  {
    partId: Type.String({ description: 'Opaque id for the download route' }),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer({ minimum: 0 }),
    contentId: Type.Union([Type.Null(), Type.String()]),
    inline: Type.Boolean({ description: 'Referenced from the HTML body by cid:' }),
  },
  { title: 'Attachment' },
);
export type Attachment = Static<typeof Attachment>;

export const ListUnsubscribe = Type.Object(
  {
    url: Type.Union([Type.Null(), Type.String()]),
    mailto: Type.Union([Type.Null(), Type.String()]),
    oneClick: Type.Boolean({ description: 'RFC 8058 List-Unsubscribe-Post' }),
  },
  { title: 'ListUnsubscribe' },
);
export type ListUnsubscribe = Static<typeof ListUnsubscribe>;

/**
 * An opened message. `html` is already sanitized on the server (the SPA sanitizes again with
 * DOMPurify and renders it in a sandboxed iframe); remote images and CSS url() are replaced by
 * placeholders unless the request asked for them.
 */
export const MessageDetail = Type.Object(
  {
    summary: MessageSummary,
    replyTo: Type.Array(EmailAddress),
    bcc: Type.Array(EmailAddress),
    references: Type.Array(Type.String()),
    html: Type.Union([Type.Null(), Type.String()]),
    text: Type.Union([Type.Null(), Type.String()]),
    attachments: Type.Array(Attachment),
    listUnsubscribe: Type.Union([Type.Null(), ListUnsubscribe]),
    hasRemoteContent: Type.Boolean({ description: 'The HTML refers to remote images or styles' }),
    remoteContentShown: Type.Boolean(),
  },
  { title: 'MessageDetail' },
);
export type MessageDetail = Static<typeof MessageDetail>;

export const MessageDetailQuery = Type.Object(
  {
    remoteContent: Type.Optional(
      Type.Boolean({ description: 'Rewrite remote images through the image proxy' }),
    ),
    markRead: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type MessageDetailQuery = Static<typeof MessageDetailQuery>;

export const MessageAction = Type.Union([
  Type.Literal('read'),
  Type.Literal('unread'),
  Type.Literal('flag'),
  Type.Literal('unflag'),
  Type.Literal('move'),
  Type.Literal('copy'),
  Type.Literal('delete'),
]);
export type MessageAction = Static<typeof MessageAction>;

/**
 * One action on many messages of one folder. `delete` moves to Trash, or expunges when the
 * folder is Trash or Junk (or has no Trash to move to).
 */
export const MessageActionRequest = Type.Object(
  {
    mailboxId: Type.String({ minLength: 1, maxLength: 2048 }),
    uids: Type.Array(Type.Integer({ minimum: 1, maximum: 4294967295 }), { minItems: 1, maxItems: 5000 }),
    action: MessageAction,
    targetMailboxId: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  },
  { title: 'MessageActionRequest', additionalProperties: false },
);
export type MessageActionRequest = Static<typeof MessageActionRequest>;

export const MessageActionResult = Type.Object(
  {
    /** For move/copy: old UID → new UID in the target (UIDPLUS), when the server reports it. */
    uidMap: Type.Optional(Type.Record(Type.String(), Type.Integer())),
    affected: Type.Integer({ minimum: 0 }),
  },
  { title: 'MessageActionResult' },
);
export type MessageActionResult = Static<typeof MessageActionResult>;

export const MailboxChangesQuery = Type.Object(
  {
    since: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'A `state` from a list page or an earlier changes call',
    }),
    maxChanges: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  { additionalProperties: false },
);
export type MailboxChangesQuery = Static<typeof MailboxChangesQuery>;

/** New flags of a message the client may or may not have loaded. */
export const FlagUpdate = Type.Object(
  { uid: Type.Integer({ minimum: 1 }), flags: MessageFlags },
  { title: 'FlagUpdate' },
);
export type FlagUpdate = Static<typeof FlagUpdate>;

/**
 * What changed in a folder since a state (JMAP `Email/changes` style). `created` and `updated`
 * carry whole summaries and are both upserts: `created` holds the messages that arrived after
 * `oldState` when the server still remembers that state's UIDNEXT, otherwise they are in
 * `updated`. Messages that were already there at `oldState` and whose summaries the server does
 * not have at hand come as `flagUpdates` only (their other fields never change): apply them to
 * rows you have, ignore the rest. `destroyed` may name UIDs the client never had. With
 * `hasMoreChanges`, call again with `newState`. A `since` from another folder generation
 * (UIDVALIDITY) is refused with INVALID_CURSOR: reload the list.
 */
export const MailboxChanges = Type.Object(
  {
    mailboxId: Type.String(),
    oldState: Type.String(),
    newState: Type.String(),
    created: Type.Array(MessageSummary),
    updated: Type.Array(MessageSummary),
    flagUpdates: Type.Array(FlagUpdate),
    destroyed: Type.Array(Type.Integer({ minimum: 1 })),
    hasMoreChanges: Type.Boolean(),
    total: Type.Integer({ minimum: 0 }),
  },
  { title: 'MailboxChanges' },
);
export type MailboxChanges = Static<typeof MailboxChanges>;
