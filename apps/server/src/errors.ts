import createError from '@fastify/error';
import { type ApiError, type ErrorCode, ErrorCodes } from '@westwind/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Application errors. Each has a stable code from the contract's table; handlers throw these and
 * the error handler turns them into the uniform `{error: {code, message}}` body.
 */
export const AppErrors = {
  NotImplemented: createError(ErrorCodes.NOT_IMPLEMENTED, '%s is not available yet', 501),
  SessionRequired: createError(ErrorCodes.SESSION_REQUIRED, 'Sign in first', 401),
  // One message for a wrong password and an unknown address: sign-in must not reveal which it was.
  SignInFailed: createError(ErrorCodes.SIGN_IN_FAILED, 'The address or password is not correct', 401),
  OriginRefused: createError(
    ErrorCodes.ORIGIN_REFUSED,
    'This connection must come from the Westwind page itself',
    403,
  ),
  CsrfInvalid: createError(ErrorCodes.CSRF_INVALID, 'Missing or invalid CSRF token; reload the page', 403),
  RateLimited: createError(ErrorCodes.RATE_LIMITED, 'Too many attempts; try again in %d s', 429),
  UnknownDomain: createError(ErrorCodes.UNKNOWN_DOMAIN, 'This server does not serve mail for %s', 400),
  HostNotAllowed: createError(ErrorCodes.HOST_NOT_ALLOWED, 'The mail server for %s is not allowed here', 400),
  MailboxNotFound: createError(ErrorCodes.MAILBOX_NOT_FOUND, 'The folder does not exist', 404),
  MailboxExists: createError(ErrorCodes.MAILBOX_EXISTS, 'A folder with that name already exists', 409),
  MailboxProtected: createError(ErrorCodes.MAILBOX_PROTECTED, '%s', 409),
  InvalidMailboxName: createError(ErrorCodes.INVALID_MAILBOX_NAME, '%s', 400),
  MessageNotFound: createError(ErrorCodes.MESSAGE_NOT_FOUND, 'The message no longer exists', 404),
  AttachmentNotFound: createError(ErrorCodes.ATTACHMENT_NOT_FOUND, 'The attachment does not exist', 404),
  InvalidCursor: createError(
    ErrorCodes.INVALID_CURSOR,
    'The page cursor is not valid; start again from the top',
    400,
  ),
  QuotaExceeded: createError(ErrorCodes.QUOTA_EXCEEDED, 'The mailbox is over its quota', 507),
  TooManyConnections: createError(
    ErrorCodes.TOO_MANY_CONNECTIONS,
    'The server is at its connection limit; retry shortly',
    503,
  ),
  StoreUnavailable: createError(
    ErrorCodes.STORE_UNAVAILABLE,
    'Sessions are unavailable for a moment; retry shortly',
    503,
  ),
  UpstreamUnavailable: createError(ErrorCodes.UPSTREAM_UNAVAILABLE, 'The mail server is not reachable', 503),
  UpstreamTimeout: createError(ErrorCodes.UPSTREAM_TIMEOUT, 'The mail server did not answer in time', 504),
  UpstreamError: createError(ErrorCodes.UPSTREAM_ERROR, 'The mail server refused the request: %s', 502),
  ShuttingDown: createError(ErrorCodes.SHUTTING_DOWN, 'The server is shutting down; retry shortly', 503),
};

/** Maps Fastify's own error codes to ours, so clients only ever see the contract's table. */
const frameworkCodes: Record<string, { code: ErrorCode; status: number; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: ErrorCodes.BODY_TOO_LARGE,
    status: 413,
    message: 'The request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
    status: 415,
    message: 'Unsupported content type; send application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: ErrorCodes.BAD_REQUEST,
    status: 400,
    message: 'The JSON body is empty',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: ErrorCodes.BAD_REQUEST,
    status: 400,
    message: 'The body is not valid JSON',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: ErrorCodes.BAD_REQUEST, status: 400 },
  FST_CSRF_MISSING_SECRET: {
    code: ErrorCodes.CSRF_INVALID,
    status: 403,
    message: 'Missing or invalid CSRF token; reload the page',
  },
  FST_CSRF_INVALID_TOKEN: {
    code: ErrorCodes.CSRF_INVALID,
    status: 403,
    message: 'Missing or invalid CSRF token; reload the page',
  },
};

const knownCodes = new Set<string>(Object.values(ErrorCodes));

export function errorBody(code: ErrorCode, message: string, retryAfterSeconds?: number): ApiError {
  return {
    error: retryAfterSeconds === undefined ? { code, message } : { code, message, retryAfterSeconds },
  };
}

/** The one place that decides what a client sees for any thrown error. 5xx details stay in the log. */
export function toApiError(error: FastifyError): { status: number; body: ApiError } {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return {
      status: 400,
      body: errorBody(
        ErrorCodes.VALIDATION_FAILED,
        `Invalid ${where}: ${error.message.replace(/^\w+\/?/, '')}`.trim(),
      ),
    };
  }
  const mapped = frameworkCodes[error.code];
  if (mapped) return { status: mapped.status, body: errorBody(mapped.code, mapped.message ?? error.message) };
  const status = error.statusCode ?? 500;
  if (status < 500 && knownCodes.has(error.code)) {
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    return {
      status,
      body: errorBody(
        error.code as ErrorCode,
        error.message,
        typeof retryAfter === 'number' ? retryAfter : undefined,
      ),
    };
  }
  if (status < 500) return { status, body: errorBody(ErrorCodes.BAD_REQUEST, error.message) };
  if (knownCodes.has(error.code) && error.code !== ErrorCodes.INTERNAL) {
    return { status, body: errorBody(error.code as ErrorCode, error.message) };
  }
  return { status: 500, body: errorBody(ErrorCodes.INTERNAL, 'Something went wrong on our side') };
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toApiError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.error.code, status }, 'request rejected');
    if (body.error.retryAfterSeconds !== undefined) reply.header('retry-after', body.error.retryAfterSeconds);
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  });
}
