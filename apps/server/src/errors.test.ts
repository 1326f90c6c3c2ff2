import { ErrorCodes } from '@westwind/contract';
import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppErrors, toApiError } from './errors.js';

function fastifyError(fields: Partial<FastifyError> & { message: string }): FastifyError {
  return Object.assign(new Error(fields.message), fields) as FastifyError;
}

describe('toApiError', () => {
  it('hides the details of unexpected errors', () => {
    const { status, body } = toApiError(fastifyError({ message: 'ECONNRESET at secret.internal:6379' }));
    expect(status).toBe(500);
    expect(body.error.code).toBe(ErrorCodes.INTERNAL);
    expect(body.error.message).not.toMatch(/secret/);
  });

  it('keeps the code and message of application errors', () => {
    const { status, body } = toApiError(new AppErrors.NotImplemented('Sign-in'));
    expect(status).toBe(501);
    expect(body).toEqual({ error: { code: 'NOT_IMPLEMENTED', message: 'Sign-in is not available yet' } });
  });

  it('maps framework body errors to contract codes', () => {
    const tooLarge = toApiError(
      fastifyError({ message: 'x', code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }),
    );
    expect(tooLarge).toEqual({
      status: 413,
      body: { error: { code: 'BODY_TOO_LARGE', message: 'The request body is too large' } },
    });
    const badJson = toApiError(
      fastifyError({ message: 'x', code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }),
    );
    expect(badJson.body.error.code).toBe('BAD_REQUEST');
  });

  it('reports validation failures as VALIDATION_FAILED', () => {
    const error = fastifyError({
      message: "body must have required property 'password'",
      code: 'FST_ERR_VALIDATION',
      statusCode: 400,
      validation: [],
      validationContext: 'body',
    });
    const { status, body } = toApiError(error);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toMatch(/password/);
  });

  it('turns unknown 4xx codes into BAD_REQUEST rather than leaking framework codes', () => {
    const { body } = toApiError(fastifyError({ message: 'nope', code: 'FST_SOMETHING', statusCode: 400 }));
    expect(body.error.code).toBe('BAD_REQUEST');
  });
});
