import { type Static, Type } from 'typebox';

export const MailboxRole = Type.Union(
  [
    Type.Literal('inbox'),
    Type.Literal('sent'),
    Type.Literal('drafts'),
    Type.Literal('trash'),
    Type.Literal('junk'),
    Type.Literal('archive'),
    Type.Null(),
  ],
  { description: 'Special-use role (RFC 6154), or null for an ordinary folder' },
);
export type MailboxRole = Static<typeof MailboxRole>;

/**
 * A folder. `id` is the base64url of the full IMAP path (UTF-8): opaque to clients, safe in URLs
 * whatever the path contains (`/`, `%`, `*`, quotes, non-ASCII).
 */
export const Mailbox = Type.Object(
  {
    id: Type.String(),
    path: Type.String({ description: 'Full IMAP path, decoded to UTF-8' }),
    name: Type.String({ description: 'Last segment of the path, for display' }),
    parentId: Type.Union([Type.Null(), Type.String()]),
    delimiter: Type.Union([Type.Null(), Type.String()]),
    role: MailboxRole,
    subscribed: Type.Boolean(),
    selectable: Type.Boolean(),
    total: Type.Integer({ minimum: 0 }),
    unread: Type.Integer({ minimum: 0 }),
  },
  { title: 'Mailbox' },
);
export type Mailbox = Static<typeof Mailbox>;

export const MailboxList = Type.Object({ mailboxes: Type.Array(Mailbox) }, { title: 'MailboxList' });
export type MailboxList = Static<typeof MailboxList>;

export const MailboxIdParams = Type.Object({ mailboxId: Type.String({ minLength: 1, maxLength: 2048 }) });
export type MailboxIdParams = Static<typeof MailboxIdParams>;

const MailboxName = Type.String({
  minLength: 1,
  maxLength: 255,
  description: 'One path segment, without the delimiter',
});

export const CreateMailboxRequest = Type.Object(
  { name: MailboxName, parentId: Type.Optional(Type.Union([Type.Null(), Type.String()])) },
  { title: 'CreateMailboxRequest', additionalProperties: false },
);
export type CreateMailboxRequest = Static<typeof CreateMailboxRequest>;

/** Rename and/or move under another parent, and/or (un)subscribe. */
export const UpdateMailboxRequest = Type.Object(
  {
    name: Type.Optional(MailboxName),
    parentId: Type.Optional(Type.Union([Type.Null(), Type.String()])),
    subscribed: Type.Optional(Type.Boolean()),
  },
  { title: 'UpdateMailboxRequest', additionalProperties: false },
);
export type UpdateMailboxRequest = Static<typeof UpdateMailboxRequest>;
