import { type Static, Type } from 'typebox';
import { MessagePage } from './message.js';

/**
 * `GET /api/search`. The query uses Gmail-like syntax (`from:`, `to:`, `cc:`, `subject:`,
 * `has:attachment`, `is:unread`, `before:`, `after:`, `in:`, quoted phrases, `-`, `OR`);
 * `mailboxId` is the folder searched when the query has no `in:`.
 */
export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 500 }),
    mailboxId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2048, description: 'Default INBOX; ignored with in:' }),
    ),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

/**
 * The matches, newest first, as a list page: `total` counts all matches, `unread` the unread
 * ones, each item's `mailboxId` says which folder it is in, and `mailboxId` is the folder
 * searched (or the current folder when several were). `folders` is how many were searched.
 */
export const SearchResult = Type.Object(
  { ...MessagePage.properties, folders: Type.Integer({ minimum: 0 }) },
  { title: 'SearchResult' },
);
export type SearchResult = Static<typeof SearchResult>;
