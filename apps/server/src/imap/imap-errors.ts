/**
 * Turns what imapflow (and the socket, TLS and DNS layers under it) throws into the API's stable
 * errors. Pure: no I/O, tested with error-shaped objects.
 *
 * What imapflow 2.10 really throws (dist/cjs/errors.js, imap-flow.js, commands/*.js):
 * - a tagged NO/BAD: `Error('Command failed')` with `responseStatus`, `responseText`, and after
 *   the command's own handling `serverResponseCode` (the RFC 5530 `[CODE]`, upper-cased);
 * - LOGIN/AUTHENTICATE refused: the same with `authenticationFailed: true` (only when the server
 *   answered NO/BAD; a lost connection during LOGIN is not an auth failure), or an
 *   `AuthenticationFailure` (also `authenticationFailed: true`) for "no usable mechanism";
 * - SELECT of a missing mailbox: `mailboxMissing: true` (imapflow checks with LIST; Dovecot does
 *   not send `[NONEXISTENT]` on SELECT); `status()` throws `code: 'NotFound'`;
 * - its own failures: `code` from `ImapFlowErrorCode` (`NoConnection`, `CONNECT_TIMEOUT`,
 *   `GREETING_TIMEOUT`, `ETIMEOUT`, `ParserError<n>`, ...); required STARTTLS missing or failed:
 *   `tlsFailed: true`;
 * - Node's errors pass through with their code: `ECONNREFUSED`, `ENOTFOUND`, `ERR_SSL_*`, ...
 *
 * Many imapflow commands do not throw on NO at all but resolve `false` (search, store, copy,
 * move, status on some paths); callers must check those results themselves.
 */
import { AppErrors } from '../errors.js';

export type ImapFailureKind =
  /** Already one of our AppErrors (thrown by the caller's own code): passed through. */
  | 'app'
  /** The server refused the credentials. */
  | 'auth'
  | 'mailbox-missing'
  | 'quota'
  /** Connect, greeting, socket or our own deadline. */
  | 'timeout'
  /** Connection refused, reset, no route. */
  | 'unreachable'
  | 'dns'
  | 'tls'
  /** The connection went away (BYE, EOF, closed under a command). */
  | 'closed'
  | 'throttled'
  /** The server said it cannot serve right now ([UNAVAILABLE], login disabled). */
  | 'unavailable'
  /** Any other tagged NO or BAD. */
  | 'rejected'
  /** The server sent something that could not be parsed or exceeded a size limit. */
  | 'protocol'
  /** Not an IMAP failure at all (a bug, a caller's own error): passed through unchanged. */
  | 'unknown';

/** The fields of imapflow's `ImapFlowError` this module reads; all optional. */
interface ImapErrorLike {
  code?: unknown;
  message?: unknown;
  responseStatus?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
  authenticationFailed?: unknown;
  mailboxMissing?: unknown;
  tlsFailed?: unknown;
}

const TIMEOUT_CODES = new Set([
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'LockTimeout',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EPIPE',
  'ProxyError',
  'EPROXY',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);
const CLOSED_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'StateLogout',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
]);
const PROTOCOL_CODES = new Set([
  'UnexpectedTag',
  'MissingTag',
  'InvalidResponse',
  'ResponseProcessingFailed',
  'COMPRESS_TRAILING_DATA',
  'MAX_IMAP_NESTING_REACHED',
  'LineTooLarge',
  'LiteralTooLarge',
  'ResponseTooLarge',
  'TooManyTokens',
  'TooManyResponses',
  'DownloadOverflow',
  'DownloadIncomplete',
  'PollFailed',
]);
const TLS_CODES = new Set([
  'STARTTLS_INJECTION',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
]);

// Servers that send no [NONEXISTENT] code still say so in words.
const MISSING_MAILBOX_TEXT =
  /mailbox (?:doesn'?t|does not) exist|no such (?:mailbox|folder)|unknown mailbox|folder (?:not found|doesn'?t exist)/i;
const QUOTA_TEXT = /over ?quota|quota exceeded|exceeds? (?:the )?quota/i;

const appErrorTypes = Object.values(AppErrors);

export function isAppError(error: unknown): boolean {
  return appErrorTypes.some((type) => error instanceof type);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Decides what kind of failure an error thrown by imapflow (or a socket under it) is. */
export function classifyImapError(error: unknown): ImapFailureKind {
  if (typeof error !== 'object' || error === null) return 'unknown';
  if (isAppError(error)) return 'app';
  const e = error as ImapErrorLike;
  const code = str(e.code) ?? '';
  const serverCode = (str(e.serverResponseCode) ?? '').toUpperCase();
  const status = (str(e.responseStatus) ?? '').toUpperCase();
  const text = str(e.responseText) ?? '';

  if (code === 'ETHROTTLE') return 'throttled';
  if (e.authenticationFailed === true) {
    // RFC 5530: [UNAVAILABLE] is a temporary failure of the server, not a wrong password.
    if (serverCode === 'UNAVAILABLE') return 'unavailable';
    // LOGINDISABLED without another mechanism: the server, not the user, is the problem.
    if (str(e.message) === 'Login is disabled') return 'unavailable';
    return 'auth';
  }
  if (
    e.tlsFailed === true ||
    TLS_CODES.has(code) ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_')
  ) {
    return 'tls';
  }
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (DNS_CODES.has(code)) return 'dns';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (CLOSED_CODES.has(code) || status === 'BYE') return 'closed';
  if (PROTOCOL_CODES.has(code) || code.startsWith('ParserError')) return 'protocol';
  if (e.mailboxMissing === true || serverCode === 'NONEXISTENT' || code === 'NotFound')
    return 'mailbox-missing';
  if (serverCode === 'OVERQUOTA') return 'quota';
  if (serverCode === 'UNAVAILABLE') return 'unavailable';
  if (status === 'NO' || status === 'BAD') {
    if (MISSING_MAILBOX_TEXT.test(text)) return 'mailbox-missing';
    if (QUOTA_TEXT.test(text)) return 'quota';
    return 'rejected';
  }
  return 'unknown';
}

/** The server's human-readable reason, cleaned up for an API message. */
export function serverReason(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ImapErrorLike;
  const raw = str(e.responseText) ?? '';
  const cleaned = raw
    // Dovecot appends its timing: "(0.001 + 0.000 + 0.001 secs)."
    .replace(/\s*\(\d+(?:\.\d+)?(?: \+ \d+(?:\.\d+)?)* secs\)\.?\s*$/, '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!cleaned) return 'no reason given';
  return cleaned.length > 200 ? `${cleaned.slice(0, 199)}…` : cleaned;
}

/**
 * A copy of the failure's descriptive fields only, for `cause`: logs stay useful while nothing
 * that might carry credentials or message content (the raw response, the executed command, the
 * socket) travels along.
 */
function summarize(error: unknown): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ImapErrorLike;
  const summary = new Error(str(e.message) ?? String(error));
  const fields = {
    code: str(e.code),
    responseStatus: str(e.responseStatus),
    serverResponseCode: str(e.serverResponseCode),
    responseText: str(e.responseText),
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) Object.assign(summary, { [key]: value });
  }
  return summary;
}

/**
 * The AppError for a failure. AppErrors pass through; errors that are not IMAP failures (bugs,
 * the caller's own errors) are returned unchanged so they surface as 500s with their stack.
 *
 * For an established session `auth` also means SignInFailed: the password changed upstream, and
 * the caller should end the session.
 */
export function toAppError(error: unknown, kind: ImapFailureKind = classifyImapError(error)): Error {
  const cause = { cause: summarize(error) };
  switch (kind) {
    case 'app':
      return error as Error;
    case 'auth':
      return new AppErrors.SignInFailed(cause);
    case 'mailbox-missing':
      return new AppErrors.MailboxNotFound(cause);
    case 'quota':
      return new AppErrors.QuotaExceeded(cause);
    case 'timeout':
      return new AppErrors.UpstreamTimeout(cause);
    case 'unreachable':
    case 'dns':
    case 'tls':
    case 'closed':
    case 'throttled':
    case 'unavailable':
      return new AppErrors.UpstreamUnavailable(cause);
    case 'rejected':
      return new AppErrors.UpstreamError(serverReason(error), cause);
    case 'protocol':
      return new AppErrors.UpstreamError('its response could not be read', cause);
    case 'unknown':
      return error instanceof Error ? error : new Error(String(error));
  }
}
