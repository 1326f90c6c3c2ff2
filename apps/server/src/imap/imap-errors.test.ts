import { ErrorCodes } from '@westwind/contract';
import { AuthenticationFailure } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { AppErrors } from '../errors.js';
import { classifyImapError, serverReason, toAppError } from './imap-errors.js';

/** Shaped like what imapflow throws (see the module comment of imap-errors.ts). */
function imapError(fields: Record<string, unknown>, message = 'Command failed'): Error {
  return Object.assign(new Error(message), fields);
}

// Captured from imapflow 2.10.2 against the local Dovecot.
const wrongPassword = imapError({
  response: '2 NO [AUTHENTICATIONFAILED] Authentication failed.',
  responseStatus: 'NO',
  executedCommand: '2 AUTHENTICATE PLAIN',
  responseText: 'Authentication failed.',
  serverResponseCode: 'AUTHENTICATIONFAILED',
  authenticationFailed: true,
});
const missingOnSelect = imapError({
  response: "8 NO Mailbox doesn't exist: Nope (0.001 + 0.000 secs).",
  responseStatus: 'NO',
  executedCommand: '8 SELECT Nope',
  responseText: "Mailbox doesn't exist: Nope (0.001 + 0.000 secs).",
  mailboxMissing: true,
});
const missingOnStatus = imapError({ code: 'NotFound' }, "Mailbox doesn't exist: Nope");
const refused = imapError({ errno: -111, code: 'ECONNREFUSED', syscall: 'connect' }, 'connect ECONNREFUSED');
const tlsAgainstPlain = imapError({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' }, 'wrong version number');

describe('classifyImapError', () => {
  it.each([
    ['wrong password', wrongPassword, 'auth'],
    ['no usable mechanism', new AuthenticationFailure('No matching authentication method'), 'auth'],
    [
      'temporary auth failure',
      imapError({ authenticationFailed: true, serverResponseCode: 'UNAVAILABLE' }),
      'unavailable',
    ],
    ['login disabled', imapError({ authenticationFailed: true }, 'Login is disabled'), 'unavailable'],
    ['throttled login', imapError({ authenticationFailed: true, code: 'ETHROTTLE' }), 'throttled'],
    ['missing on SELECT', missingOnSelect, 'mailbox-missing'],
    ['missing on STATUS', missingOnStatus, 'mailbox-missing'],
    [
      '[NONEXISTENT]',
      imapError({ responseStatus: 'NO', serverResponseCode: 'NONEXISTENT' }),
      'mailbox-missing',
    ],
    [
      'missing, said in words only',
      imapError({ responseStatus: 'NO', responseText: 'No such folder' }),
      'mailbox-missing',
    ],
    ['[OVERQUOTA]', imapError({ responseStatus: 'NO', serverResponseCode: 'OVERQUOTA' }), 'quota'],
    [
      'quota in words',
      imapError({ responseStatus: 'NO', responseText: 'Quota exceeded (mailbox full)' }),
      'quota',
    ],
    ['[UNAVAILABLE]', imapError({ responseStatus: 'NO', serverResponseCode: 'UNAVAILABLE' }), 'unavailable'],
    ['other NO', imapError({ responseStatus: 'NO', responseText: 'Permission denied' }), 'rejected'],
    ['BAD', imapError({ responseStatus: 'BAD', responseText: 'Error in IMAP command' }), 'rejected'],
    ['tagged BYE', imapError({ code: 'NoConnection', responseStatus: 'BYE' }), 'closed'],
    ['connection gone', imapError({ code: 'NoConnection' }, 'Connection not available'), 'closed'],
    ['closed before greeting', imapError({ code: 'ClosedAfterConnectText' }, 'Unexpected close'), 'closed'],
    ['connection refused', refused, 'unreachable'],
    ['connection reset', imapError({ code: 'ECONNRESET' }), 'unreachable'],
    ['DNS', imapError({ code: 'ENOTFOUND' }), 'dns'],
    ['TLS handshake', tlsAgainstPlain, 'tls'],
    ['certificate name', imapError({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'tls'],
    ['self-signed', imapError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls'],
    [
      'STARTTLS required, not offered',
      imapError({ tlsFailed: true }, 'Server does not support STARTTLS'),
      'tls',
    ],
    ['connect timeout', imapError({ code: 'CONNECT_TIMEOUT' }), 'timeout'],
    ['greeting timeout', imapError({ code: 'GREETING_TIMEOUT' }), 'timeout'],
    ['socket timeout', imapError({ code: 'ETIMEOUT' }), 'timeout'],
    ['OS timeout', imapError({ code: 'ETIMEDOUT' }), 'timeout'],
    ['lock timeout', imapError({ code: 'LockTimeout' }), 'timeout'],
    ['throttled', imapError({ code: 'ETHROTTLE', responseStatus: 'BAD' }), 'throttled'],
    ['parser error', imapError({ code: 'ParserError11' }), 'protocol'],
    ['literal too large', imapError({ code: 'LiteralTooLarge' }), 'protocol'],
    ['already an AppError', new AppErrors.MailboxNotFound(), 'app'],
    ['a bug', new TypeError('x is undefined'), 'unknown'],
    ['API misuse', imapError({ code: 'InvalidSequenceSet' }), 'unknown'],
    ['not an object', 'boom', 'unknown'],
    ['null', null, 'unknown'],
  ])('%s → %s', (_name, error, kind) => {
    expect(classifyImapError(error)).toBe(kind);
  });
});

describe('toAppError', () => {
  it('maps to the contract codes', () => {
    const code = (error: unknown) => (toAppError(error) as { code?: string }).code;
    expect(code(wrongPassword)).toBe(ErrorCodes.SIGN_IN_FAILED);
    expect(code(missingOnSelect)).toBe(ErrorCodes.MAILBOX_NOT_FOUND);
    expect(code(imapError({ responseStatus: 'NO', serverResponseCode: 'OVERQUOTA' }))).toBe(
      ErrorCodes.QUOTA_EXCEEDED,
    );
    expect(code(refused)).toBe(ErrorCodes.UPSTREAM_UNAVAILABLE);
    expect(code(tlsAgainstPlain)).toBe(ErrorCodes.UPSTREAM_UNAVAILABLE);
    expect(code(imapError({ code: 'NoConnection' }))).toBe(ErrorCodes.UPSTREAM_UNAVAILABLE);
    expect(code(imapError({ code: 'ETIMEDOUT' }))).toBe(ErrorCodes.UPSTREAM_TIMEOUT);
    expect(code(imapError({ code: 'ParserError3' }))).toBe(ErrorCodes.UPSTREAM_ERROR);
    const rejected = toAppError(imapError({ responseStatus: 'NO', responseText: 'Permission denied' }));
    expect(rejected).toBeInstanceOf(AppErrors.UpstreamError);
    expect(rejected.message).toBe('The mail server refused the request: Permission denied');
  });

  it('passes AppErrors and non-IMAP errors through unchanged', () => {
    const app = new AppErrors.QuotaExceeded();
    expect(toAppError(app)).toBe(app);
    const bug = new TypeError('oops');
    expect(toAppError(bug)).toBe(bug);
    expect(toAppError('text')).toBeInstanceOf(Error);
  });

  it('keeps a summary as the cause, without the raw response or command', () => {
    const error = toAppError(
      imapError({
        responseStatus: 'NO',
        responseText: 'Permission denied',
        executedCommand: '5 LOGIN "user" "secret"',
        response: '5 NO secret stuff',
      }),
    );
    const cause = error.cause as Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.responseText).toBe('Permission denied');
    expect(cause.responseStatus).toBe('NO');
    expect(JSON.stringify({ ...cause, message: (cause as unknown as Error).message })).not.toMatch(/secret/);
  });
});

describe('serverReason', () => {
  it("drops Dovecot's timing and control characters, and bounds the length", () => {
    expect(serverReason(missingOnSelect)).toBe("Mailbox doesn't exist: Nope");
    expect(serverReason(imapError({ responseText: 'a\r\nb\u0000c' }))).toBe('a b c');
    expect(serverReason(imapError({}))).toBe('no reason given');
    expect(serverReason(imapError({ responseText: 'x'.repeat(500) }))).toHaveLength(200);
  });
});
