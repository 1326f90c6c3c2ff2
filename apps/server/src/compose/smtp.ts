/**
 * SMTP submission with the session's credentials, over nodemailer's SMTPConnection (not the
 * transport) so one refused recipient stops the whole message: with SMTPConnection the message
 * stream is only read after every RCPT TO has been answered (RFC 5321 §3.3), so when any was
 * refused the connection is dropped before the final dot and nothing is delivered to anyone.
 * A partial delivery would leave the user with a "failed" send that some people received.
 */
import { Readable } from 'node:stream';
import type { SendError, SendErrorKind } from '@westwind/contract';
import { ErrorCodes } from '@westwind/contract';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SmtpEndpoint {
  /** The name for TLS (SNI and certificate check). */
  host: string;
  /** The checked IP to connect to (never re-resolved: see the SSRF guard). */
  address: string;
  port: number;
  secure: boolean;
  starttls: boolean;
}

export interface SubmitInput {
  endpoint: SmtpEndpoint;
  auth: { user: string; pass: string };
  from: string;
  to: string[];
  message: Buffer;
  timeoutMs: number;
}

export interface SubmitResult {
  response: string;
  /** The server's advertised SIZE (0 when it advertises none). */
  maxSize: number;
}

/** A failed submission with the detail the UI needs. */
export class SmtpSendError extends Error {
  constructor(readonly detail: SendError) {
    super(detail.message);
  }
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
}

interface EnvelopeState {
  rejected: string[];
  rejectedErrors?: NodemailerError[];
}

function sendError(
  kind: SendErrorKind,
  message: string,
  extra: { rejectedRecipients?: string[]; smtpCode?: number | undefined } = {},
): SmtpSendError {
  const code =
    kind === 'messageTooLarge'
      ? ErrorCodes.BODY_TOO_LARGE
      : kind === 'unavailable' || kind === 'temporaryFailure'
        ? ErrorCodes.UPSTREAM_UNAVAILABLE
        : kind === 'invalid'
          ? ErrorCodes.VALIDATION_FAILED
          : ErrorCodes.UPSTREAM_ERROR;
  return new SmtpSendError({
    kind,
    code,
    message,
    rejectedRecipients: extra.rejectedRecipients ?? [],
    smtpCode: extra.smtpCode ?? null,
  });
}

/** The server's own words, without the code, cut short: shown to the user, never secrets. */
function serverText(error: NodemailerError): string {
  const text = (error.response ?? error.message).replace(/^\d{3}[ -](\d\.\d+\.\d+ )?/, '').trim();
  return text.slice(0, 300);
}

/** Pure: a nodemailer error to what the user is told. Exported for the unit tests. */
export function classifySmtpError(error: NodemailerError, rejected: string[] = []): SmtpSendError {
  if (error instanceof SmtpSendError) return error;
  const status = error.responseCode;
  if (rejected.length > 0 || (error.code === 'EENVELOPE' && error.command === 'RCPT TO')) {
    const list = rejected.length > 0 ? rejected : (error.rejected ?? []);
    return sendError('recipientsRejected', `The mail server refused ${list.join(', ') || 'the recipients'}`, {
      rejectedRecipients: list,
      smtpCode: status,
    });
  }
  if (error.code === 'EAUTH' || status === 535 || status === 534) {
    return sendError('authFailed', 'The mail server did not accept the sign-in for sending', {
      smtpCode: status,
    });
  }
  if (status === 552 || status === 523 || (error.code === 'EMESSAGE' && /size/i.test(error.message))) {
    return sendError(
      'messageTooLarge',
      `The message is too large for the mail server: ${serverText(error)}`,
      {
        smtpCode: status,
      },
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return sendError('temporaryFailure', `The mail server asked to try again later: ${serverText(error)}`, {
      smtpCode: status,
    });
  }
  if (
    status === undefined &&
    ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ETLS', 'EPROTOCOL'].includes(
      error.code ?? '',
    )
  ) {
    return sendError('unavailable', 'The mail server for sending is not reachable');
  }
  if (error.code === 'EENVELOPE' && error.command === 'MAIL FROM') {
    return sendError('invalid', `The mail server refused the sender address: ${serverText(error)}`, {
      smtpCode: status,
    });
  }
  return sendError('failed', `The mail server refused the message: ${serverText(error)}`, {
    smtpCode: status,
  });
}

function connect(connection: SMTPConnection): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.once('error', reject);
    connection.connect(() => {
      connection.removeListener('error', reject);
      resolve();
    });
  });
}

function login(connection: SMTPConnection, auth: { user: string; pass: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    connection.login({ credentials: auth }, (error) => (error ? reject(error) : resolve()));
  });
}

export async function submit(input: SubmitInput): Promise<SubmitResult> {
  const { endpoint } = input;
  const connection = new SMTPConnection({
    host: endpoint.address,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure && endpoint.starttls,
    ignoreTLS: !endpoint.secure && !endpoint.starttls,
    tls: { servername: endpoint.host },
    servername: endpoint.host,
    connectionTimeout: input.timeoutMs,
    greetingTimeout: input.timeoutMs,
    socketTimeout: input.timeoutMs,
    logger: false,
  } as ConstructorParameters<typeof SMTPConnection>[0]);
  // A late socket error must never become an unhandled 'error' event.
  connection.on('error', () => undefined);
  const state = connection as unknown as { _envelope?: EnvelopeState; _maxAllowedSize?: number };
  let rejected: string[] = [];
  try {
    await connect(connection);
    await login(connection, input.auth);
    const maxSize = state._maxAllowedSize ?? 0;
    if (maxSize > 0 && input.message.length > maxSize) {
      throw sendError(
        'messageTooLarge',
        `The message is larger than the mail server accepts (${maxSize} bytes)`,
      );
    }
    const response = await new Promise<string>((resolve, reject) => {
      let started = false;
      const body = new Readable({
        read() {
          if (started) return;
          started = true;
          // Every RCPT TO has been answered (DATA was accepted): refuse partial delivery. The
          // connection is dropped before the final dot, so the server discards the message.
          rejected = state._envelope?.rejected ?? [];
          if (rejected.length > 0) {
            reject(new Error('recipients refused'));
            connection.close();
            return;
          }
          this.push(input.message);
          this.push(null);
        },
      });
      connection.send(
        { from: input.from, to: input.to, size: input.message.length } as Parameters<
          SMTPConnection['send']
        >[0],
        body,
        (error, info) => {
          if (error) reject(error);
          else if (info.rejected.length > 0) {
            rejected = info.rejected;
            reject(new Error('recipients refused'));
          } else resolve(info.response ?? '');
        },
      );
    });
    return { response, maxSize };
  } catch (error) {
    throw classifySmtpError(error as NodemailerError, rejected);
  } finally {
    try {
      connection.quit();
    } catch {
      connection.close();
    }
  }
}

/**
 * The SIZE the server advertises in EHLO (RFC 1870), 0 when it advertises none. Connects (and
 * STARTTLS where required) without signing in; used to tell the composer the real limit before
 * an upload. Rejects when the server cannot be reached.
 */
export async function advertisedSize(endpoint: SmtpEndpoint, timeoutMs: number): Promise<number> {
  const connection = new SMTPConnection({
    host: endpoint.address,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure && endpoint.starttls,
    ignoreTLS: !endpoint.secure && !endpoint.starttls,
    tls: { servername: endpoint.host },
    servername: endpoint.host,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
  } as ConstructorParameters<typeof SMTPConnection>[0]);
  connection.on('error', () => undefined);
  try {
    await connect(connection);
    return (connection as unknown as { _maxAllowedSize?: number })._maxAllowedSize ?? 0;
  } finally {
    try {
      connection.quit();
    } catch {
      connection.close();
    }
  }
}
