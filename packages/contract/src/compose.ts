import { type Static, Type } from 'typebox';
import { Attachment } from './message.js';

/*
 * Compose, drafts, send, identities and contacts.
 *
 * Routes (all under /api, all state-changing ones need the CSRF token):
 *   GET    /compose/limits                              → ComposeLimits
 *   POST   /compose/uploads            multipart, one file field         → UploadResult (201)
 *   DELETE /compose/uploads/:uploadId                   → 204
 *   PUT    /compose/drafts/:draftId    DraftInput        → SavedDraft
 *   GET    /compose/drafts/:draftId                     → ResumedDraft
 *   GET    /compose/drafts/from/:mailboxId/:uid         → ResumedDraft (a draft opened from Drafts)
 *   DELETE /compose/drafts/:draftId                     → 204
 *   POST   /compose/send               SendRequest       → SendResult (202)
 *   GET    /compose/send/:sendId                        → SendStatus
 *   POST   /compose/send/:sendId/undo                   → UndoResult (409 when it already left)
 *   GET    /mailboxes/:mailboxId/messages/:uid/reply?mode=reply|replyAll|forward → ReplyTemplate
 *   GET    /identities                                  → IdentityList
 *   PUT    /identities                 IdentityList      → IdentityList
 *   GET    /contacts?q=&limit=                          → ContactList
 */

/** Header values (names, subjects) never contain CR or LF: the server refuses them with 400. */
const NO_LINE_BREAKS = '^[^\\r\\n]*$';

/** An addressee. `name` may be empty; both are checked for CR/LF (400 VALIDATION_FAILED). */
export const ComposeAddress = Type.Object(
  {
    name: Type.String({ maxLength: 256, pattern: NO_LINE_BREAKS }),
    address: Type.String({ minLength: 3, maxLength: 320, pattern: NO_LINE_BREAKS }),
  },
  { title: 'ComposeAddress', additionalProperties: false },
);
export type ComposeAddress = Static<typeof ComposeAddress>;

export const ComposeMode = Type.Union([
  Type.Literal('reply'),
  Type.Literal('replyAll'),
  Type.Literal('forward'),
]);
export type ComposeMode = Static<typeof ComposeMode>;

export const MessageRef = Type.Object(
  {
    mailboxId: Type.String({ minLength: 1, maxLength: 2048 }),
    uid: Type.Integer({ minimum: 1, maximum: 4294967295 }),
  },
  { title: 'MessageRef', additionalProperties: false },
);
export type MessageRef = Static<typeof MessageRef>;

/**
 * One attachment of a draft: a file uploaded with POST /compose/uploads, a part of an existing
 * message (forwarding keeps the original's attachments: `partId` as listed in MessageDetail or
 * ReplyTemplate), or a whole message attached as message/rfc822 (forward as attachment).
 */
export const DraftAttachment = Type.Union(
  [
    Type.Object({ uploadId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    Type.Object(
      {
        fromMessage: Type.Object(
          {
            mailboxId: Type.String({ minLength: 1, maxLength: 2048 }),
            uid: Type.Integer({ minimum: 1, maximum: 4294967295 }),
            partId: Type.String({ minLength: 1, maxLength: 256 }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    Type.Object({ messageAsAttachment: MessageRef }, { additionalProperties: false }),
  ],
  { title: 'DraftAttachment' },
);
export type DraftAttachment = Static<typeof DraftAttachment>;

/**
 * What the composer holds. `text` is the plain-text body (always sent, as the alternative when
 * `html` is present). `inReplyTo` names the message replied to or forwarded, with `mode`; the
 * server derives In-Reply-To/References from it and flags the original after sending.
 */
export const DraftInput = Type.Object(
  {
    identityId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    to: Type.Array(ComposeAddress, { maxItems: 500 }),
    cc: Type.Array(ComposeAddress, { maxItems: 500 }),
    bcc: Type.Array(ComposeAddress, { maxItems: 500 }),
    subject: Type.String({ maxLength: 998, pattern: NO_LINE_BREAKS }),
    html: Type.Optional(Type.String({ maxLength: 5_000_000 })),
    text: Type.String({ maxLength: 5_000_000 }),
    attachments: Type.Array(DraftAttachment, { maxItems: 100 }),
    inReplyTo: Type.Optional(MessageRef),
    mode: Type.Optional(ComposeMode),
  },
  { title: 'DraftInput', additionalProperties: false },
);
export type DraftInput = Static<typeof DraftInput>;

/** A draft id is chosen by the client (a UUID) and stays the same across saves. */
export const DraftParams = Type.Object({
  draftId: Type.String({
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  }),
});
export type DraftParams = Static<typeof DraftParams>;

export const SavedDraft = Type.Object(
  {
    draftId: Type.String(),
    mailboxId: Type.String({ description: 'The Drafts folder' }),
    uid: Type.Integer({ minimum: 1, description: 'UID of the newest version; earlier ones are deleted' }),
  },
  { title: 'SavedDraft' },
);
export type SavedDraft = Static<typeof SavedDraft>;

export const UploadResult = Type.Object(
  {
    uploadId: Type.String(),
    filename: Type.String({ description: 'Sanitized: no path separators, control or bidi characters' }),
    contentType: Type.String(),
    size: Type.Integer({ minimum: 0 }),
  },
  { title: 'UploadResult' },
);
export type UploadResult = Static<typeof UploadResult>;

/**
 * A draft reopened from the Drafts folder. Its attachments are copied into fresh uploads, so
 * `draft.attachments` are all `{uploadId}` and `attachments` describes them (same order).
 */
export const ResumedDraft = Type.Object(
  {
    draftId: Type.String(),
    mailboxId: Type.String(),
    uid: Type.Integer({ minimum: 1 }),
    draft: DraftInput,
    attachments: Type.Array(UploadResult),
  },
  { title: 'ResumedDraft' },
);
export type ResumedDraft = Static<typeof ResumedDraft>;

/** POST /compose/send. Idempotent by `draftId`: a retry or a double click never sends twice. */
export const SendRequest = Type.Object(
  {
    draftId: Type.String({
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
    }),
    draft: DraftInput,
  },
  { title: 'SendRequest', additionalProperties: false },
);
export type SendRequest = Static<typeof SendRequest>;

export const SendState = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('sending'),
  Type.Literal('sent'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type SendState = Static<typeof SendState>;

/**
 * Why a send failed, for the UI to explain: `recipientsRejected` (see `rejectedRecipients`),
 * `messageTooLarge`, `authFailed`, `temporaryFailure` (SMTP 4xx: retry later), `unavailable`
 * (the SMTP server could not be reached), `interrupted` (the server restarted during the undo
 * window), `invalid` (e.g. an identity or attachment no longer exists), `failed` (anything else).
 * The draft is always kept in Drafts after a failure.
 */
export const SendErrorKind = Type.Union([
  Type.Literal('recipientsRejected'),
  Type.Literal('messageTooLarge'),
  Type.Literal('authFailed'),
  Type.Literal('temporaryFailure'),
  Type.Literal('unavailable'),
  Type.Literal('interrupted'),
  Type.Literal('invalid'),
  Type.Literal('failed'),
]);
export type SendErrorKind = Static<typeof SendErrorKind>;

export const SendError = Type.Object(
  {
    kind: SendErrorKind,
    code: Type.String({ description: 'A code from ErrorCodes' }),
    message: Type.String(),
    rejectedRecipients: Type.Array(Type.String()),
    smtpCode: Type.Union([Type.Null(), Type.Integer()]),
  },
  { title: 'SendError' },
);
export type SendError = Static<typeof SendError>;

export const SendStatus = Type.Object(
  {
    sendId: Type.String(),
    draftId: Type.String(),
    state: SendState,
    scheduledAt: Type.String({ description: 'ISO 8601: when the message leaves' }),
    undoUntil: Type.String({ description: 'ISO 8601: undo is possible until then' }),
    sentAt: Type.Union([Type.Null(), Type.String()]),
    messageId: Type.Union([Type.Null(), Type.String()]),
    error: Type.Union([Type.Null(), SendError]),
    /** Where the draft is after a failure or undo (null while scheduled or once sent). */
    savedDraft: Type.Union([Type.Null(), SavedDraft]),
  },
  { title: 'SendStatus' },
);
export type SendStatus = Static<typeof SendStatus>;

/**
 * The answer to POST /compose/send (202). With an undo window the state is `scheduled`; with
 * UNDO_SEND_SECONDS=0 the server waits for the SMTP result and `status` is final. A retry with
 * the same draftId returns the existing send's result.
 */
export const SendResult = Type.Object(
  {
    sendId: Type.String(),
    scheduledAt: Type.String(),
    undoUntil: Type.String(),
    status: SendStatus,
  },
  { title: 'SendResult' },
);
export type SendResult = Static<typeof SendResult>;

export const SendParams = Type.Object({ sendId: Type.String({ minLength: 1, maxLength: 64 }) });
export type SendParams = Static<typeof SendParams>;

/** POST /compose/send/:sendId/undo → the draft back, saved in Drafts again. */
export const UndoResult = Type.Object(
  { draftId: Type.String(), draft: DraftInput, savedDraft: Type.Union([Type.Null(), SavedDraft]) },
  { title: 'UndoResult' },
);
export type UndoResult = Static<typeof UndoResult>;

export const ReplyQuery = Type.Object({ mode: ComposeMode }, { additionalProperties: false });
export type ReplyQuery = Static<typeof ReplyQuery>;

/**
 * GET …/messages/:uid/reply?mode=. `draft` is ready for the composer: recipients (reply-all
 * without the user's own addresses), `Re:`/`Fwd:` subject (never stacked), the quoted original
 * in `text` and `html` (HTML sanitized), `inReplyTo`/`mode` set, and for forward the original's
 * attachments as `fromMessage` entries (described in `attachments`, same order).
 */
export const ReplyTemplate = Type.Object(
  {
    mode: ComposeMode,
    draft: DraftInput,
    attachments: Type.Array(Attachment),
    inReplyToMessageId: Type.Union([Type.Null(), Type.String()]),
    references: Type.Array(Type.String()),
    quotedText: Type.String({ description: 'The quoted original alone, to place below a signature' }),
    quotedHtml: Type.Union([Type.Null(), Type.String()]),
  },
  { title: 'ReplyTemplate' },
);
export type ReplyTemplate = Static<typeof ReplyTemplate>;

/** A sending identity. The session's own address is always present (id `primary`). */
export const Identity = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    name: Type.String({ maxLength: 256, pattern: NO_LINE_BREAKS }),
    address: Type.String({ minLength: 3, maxLength: 320, pattern: NO_LINE_BREAKS }),
    signatureHtml: Type.String({ maxLength: 100_000, description: 'Sanitized by the server on save' }),
    signatureText: Type.String({ maxLength: 20_000 }),
    isDefault: Type.Boolean(),
  },
  { title: 'Identity', additionalProperties: false },
);
export type Identity = Static<typeof Identity>;

/**
 * GET/PUT /identities. PUT replaces the list; exactly one is default (the first marked one, else
 * the first). The SMTP server decides whether it accepts another identity's address as sender
 * (a refusal comes back as a send error of kind `invalid`).
 */
export const IdentityList = Type.Object(
  { identities: Type.Array(Identity, { maxItems: 50 }) },
  { title: 'IdentityList', additionalProperties: false },
);
export type IdentityList = Static<typeof IdentityList>;

export const PRIMARY_IDENTITY_ID = 'primary';

export const Contact = Type.Object({ name: Type.String(), address: Type.String() }, { title: 'Contact' });
export type Contact = Static<typeof Contact>;

export const ContactQuery = Type.Object(
  {
    q: Type.String({ maxLength: 200 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
  },
  { additionalProperties: false },
);
export type ContactQuery = Static<typeof ContactQuery>;

export const ContactList = Type.Object({ contacts: Type.Array(Contact) }, { title: 'ContactList' });
export type ContactList = Static<typeof ContactList>;

/** GET /compose/limits: the limits the composer shows before the server would refuse. */
export const ComposeLimits = Type.Object(
  {
    maxAttachmentBytes: Type.Integer({ minimum: 0, description: 'Per message, all attachments together' }),
    undoSendSeconds: Type.Integer({ minimum: 0 }),
  },
  { title: 'ComposeLimits' },
);
export type ComposeLimits = Static<typeof ComposeLimits>;
