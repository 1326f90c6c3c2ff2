import type { SendStatus } from '../../lib/api/compose';

/** One clear sentence for a failed send; the draft is always kept, so each says what to do next. */
export function describeSendError(status: Pick<SendStatus, 'state' | 'error'>): string {
  if (status.state === 'cancelled') return 'Sending was cancelled. Your draft is kept.';
  const error = status.error;
  if (!error) return 'The message wasn’t sent. Your draft is kept; try again.';
  switch (error.kind) {
    case 'recipientsRejected': {
      const list = error.rejectedRecipients;
      return list.length > 0
        ? `The mail server refused ${list.join(', ')}. Fix or remove ${list.length === 1 ? 'that address' : 'those addresses'} and send again.`
        : 'The mail server refused the recipients. Check the addresses and send again.';
    }
    case 'messageTooLarge':
      return 'The message is too large for the mail server. Remove an attachment and send again.';
    case 'authFailed':
      return 'Your mail server refused to send with this account. Sign out and in again, then retry.';
    case 'temporaryFailure':
      return 'The mail server couldn’t take the message right now. Try again in a few minutes.';
    case 'unavailable':
      return 'Can’t reach your mail server to send. Your draft is saved; try again shortly.';
    case 'interrupted':
      return 'Sending was interrupted (the server restarted). Nothing left; send again.';
    case 'invalid':
      return `The message can’t be sent: ${error.message}`;
    default:
      return `The message wasn’t sent: ${error.message || 'unknown error'}. Your draft is kept.`;
  }
}

/** 1.5 MB, 320 KB, 12 bytes (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes}\u00a0bytes`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)}\u00a0KB`;
  return `${(bytes / 1_000_000).toFixed(bytes < 10_000_000 ? 1 : 0)}\u00a0MB`;
}
