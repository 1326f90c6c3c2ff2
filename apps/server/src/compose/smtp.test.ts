import { describe, expect, it } from 'vitest';
import { classifySmtpError } from './smtp.js';

const err = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('classifySmtpError', () => {
  it('names refused recipients', () => {
    const e = classifySmtpError(err({ code: 'EENVELOPE', command: 'RCPT TO' }), ['x@y.org']);
    expect(e.detail).toMatchObject({ kind: 'recipientsRejected', rejectedRecipients: ['x@y.org'] });
    expect(e.detail.message).toContain('x@y.org');
  });

  it('maps auth, size, temporary and connection failures', () => {
    expect(classifySmtpError(err({ code: 'EAUTH', responseCode: 535 })).detail.kind).toBe('authFailed');
    expect(classifySmtpError(err({ responseCode: 552, response: '552 too big' })).detail).toMatchObject({
      kind: 'messageTooLarge',
      code: 'BODY_TOO_LARGE',
    });
    expect(classifySmtpError(err({ responseCode: 451, response: '451 4.3.0 later' })).detail).toMatchObject({
      kind: 'temporaryFailure',
      smtpCode: 451,
    });
    expect(classifySmtpError(err({ code: 'ECONNECTION' })).detail).toMatchObject({
      kind: 'unavailable',
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(
      classifySmtpError(err({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 })).detail.kind,
    ).toBe('invalid');
  });
});
