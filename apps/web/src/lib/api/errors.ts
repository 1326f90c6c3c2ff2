import type { ApiRequestErrorInit } from './client';

/** Where the error happened, when that changes what the person should be told. */
export type ErrorContext = 'general' | 'sign-in';

/**
 * Turns an API failure into one sentence for people. The server's `message` is used where it is
 * the best explanation (failed sign-in, unknown codes); codes the client understands better get
 * fixed text, so no internal detail leaks into the UI.
 */
export function describeError(error: ApiRequestErrorInit, context: ErrorContext = 'general'): string {
  const serverMessage = error.message.trim();
  switch (error.code) {
    case 'NETWORK':
      return 'Can’t reach Westwind. Check your connection and try again.';
    case 'TIMEOUT':
      return 'The server took too long to answer. Try again.';
    case 'ABORTED':
      return 'The request was cancelled.';
    case 'RATE_LIMITED':
      return error.retryAfterSeconds !== undefined && error.retryAfterSeconds > 0
        ? `Too many attempts. Try again in ${formatWait(error.retryAfterSeconds)}.`
        : 'Too many attempts. Wait a moment and try again.';
    case 'NOT_IMPLEMENTED':
      return context === 'sign-in'
        ? 'Sign-in isn’t available yet on this server.'
        : 'This isn’t available yet on this server.';
    case 'NOT_FOUND':
      return context === 'sign-in'
        ? 'Sign-in isn’t available yet on this server.'
        : 'That item no longer exists.';
    case 'SIGN_IN_FAILED':
      return serverMessage || 'That address and password didn’t work. Check both and try again.';
    case 'SESSION_REQUIRED':
      return 'Your session has ended. Sign in again.';
    case 'UPSTREAM_UNAVAILABLE':
      return 'Your mail server isn’t answering right now. Try again in a moment.';
    case 'SHUTTING_DOWN':
      return 'Westwind is restarting. Try again in a moment.';
    case 'INTERNAL':
      return 'Something went wrong on the server. Try again later.';
    case 'BAD_RESPONSE':
      return error.status >= 500
        ? `The server isn’t answering properly (HTTP ${error.status}). Try again later.`
        : 'The server sent an answer Westwind doesn’t understand.';
    default:
      return serverMessage || `Something went wrong (HTTP ${error.status}).`;
  }
}

/** "45 s", "2 min", "1 h 5 min" (no-break spaces, so a number never wraps away from its unit). */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 90) return `${s}\u00a0s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes}\u00a0min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours}\u00a0h` : `${hours}\u00a0h ${rest}\u00a0min`;
}
