/**
 * Turns a failed CREATE / RENAME / DELETE into the API's errors. Pure: tested with error-shaped
 * objects like those imapflow 2.10 throws (`responseStatus`, `serverResponseCode`, `responseText`).
 *
 * Response codes (RFC 5530) as Dovecot sends them:
 * - `[ALREADYEXISTS]` target exists → MailboxExists;
 * - `[NONEXISTENT]` source missing (another client deleted or renamed it) → MailboxNotFound;
 * - `[CANNOT]` a name the server cannot hold: Dovecot with Maildir++ refuses `.` ("Character not
 *   allowed in mailbox name: '.'"), a leading `~`, control characters, and names whose modified
 *   UTF-7 form is too long → InvalidMailboxName with the server's words.
 * For a name-taking command (CREATE, RENAME) any other plain NO is about the name too: Dovecot
 * answers "Not found" when the Maildir++ directory for a long nested path exceeds the file system's
 * 255-byte limit. Connection, quota and availability failures keep their usual mapping.
 */
import { AppErrors } from '../errors.js';
import { serverReason } from '../imap/imap-errors.js';
import { classifyImapError, toAppError } from '../imap/index.js';

export type MailboxCommand = 'create' | 'rename' | 'delete';

function codeOf(error: unknown): string {
  const code = (error as { serverResponseCode?: unknown } | null)?.serverResponseCode;
  return typeof code === 'string' ? code.toUpperCase() : '';
}

export function mailboxCommandError(error: unknown, command: MailboxCommand): Error {
  const code = codeOf(error);
  if (code === 'ALREADYEXISTS') return new AppErrors.MailboxExists();
  const kind = classifyImapError(error);
  if (kind === 'mailbox-missing') return new AppErrors.MailboxNotFound();
  if (command !== 'delete' && (code === 'CANNOT' || (kind === 'rejected' && code === ''))) {
    return new AppErrors.InvalidMailboxName(
      `The mail server cannot hold this folder name: ${serverReason(error)}`,
    );
  }
  if (command === 'delete' && code === 'CANNOT') {
    return new AppErrors.MailboxProtected(
      `The mail server will not delete this folder: ${serverReason(error)}`,
    );
  }
  return toAppError(error, kind);
}
