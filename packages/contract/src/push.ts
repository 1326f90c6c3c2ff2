import { type Static, Type } from 'typebox';

/**
 * Websocket messages (`GET /api/events`). Events are small state changes, JMAP style: "mailbox X
 * is now at state S, with these counts". A client that cares fetches what changed itself; a
 * client that reconnects sends the states it knows and hears about every mailbox that moved on.
 */
export const MailboxStateEvent = Type.Object(
  {
    type: Type.Literal('mailbox'),
    mailboxId: Type.String(),
    state: Type.String({ description: 'Opaque; equal states mean nothing changed' }),
    total: Type.Integer({ minimum: 0 }),
    unread: Type.Integer({ minimum: 0 }),
  },
  { title: 'MailboxStateEvent' },
);
export type MailboxStateEvent = Static<typeof MailboxStateEvent>;

export const ReadyEvent = Type.Object(
  { type: Type.Literal('ready'), heartbeatSeconds: Type.Integer({ minimum: 1 }) },
  { title: 'ReadyEvent' },
);
export type ReadyEvent = Static<typeof ReadyEvent>;

export const ServerEvent = Type.Union([ReadyEvent, MailboxStateEvent], { title: 'ServerEvent' });
export type ServerEvent = Static<typeof ServerEvent>;

/** Sent after connecting (and again whenever the open folder changes). */
export const ClientHello = Type.Object(
  {
    type: Type.Literal('hello'),
    /** The states the client last saw; mailboxes whose state differs are announced at once. */
    states: Type.Record(Type.String({ maxLength: 2048 }), Type.String({ maxLength: 200 })),
    /** The folder the person has open; it is watched as closely as the Inbox. */
    openMailboxId: Type.Optional(Type.String({ maxLength: 2048 })),
  },
  { title: 'ClientHello', additionalProperties: false },
);
export type ClientHello = Static<typeof ClientHello>;
