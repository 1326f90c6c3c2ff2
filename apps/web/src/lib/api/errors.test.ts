import { describe, expect, it } from 'vitest';
import { describeError, formatWait } from './errors';

const nbsp = (text: string) => text.replaceAll(' ', '\u00a0');

describe('formatWait', () => {
  it('keeps short waits in seconds', () => {
    expect(formatWait(1)).toBe(nbsp('1 s'));
    expect(formatWait(42)).toBe(nbsp('42 s'));
    expect(formatWait(89)).toBe(nbsp('89 s'));
  });

  it('rounds up and never says 0', () => {
    expect(formatWait(0)).toBe(nbsp('1 s'));
    expect(formatWait(2.2)).toBe(nbsp('3 s'));
  });

  it('switches to minutes and hours', () => {
    expect(formatWait(90)).toBe(nbsp('2 min'));
    expect(formatWait(600)).toBe(nbsp('10 min'));
    expect(formatWait(3600)).toBe(nbsp('1 h'));
    expect(formatWait(3900)).toBe(`${nbsp('1 h')} ${nbsp('5 min')}`);
  });
});

describe('describeError', () => {
  const error = (code: string, status: number, message = '', retryAfterSeconds?: number) => ({
    code,
    status,
    message,
    retryAfterSeconds,
  });

  it('says how long to wait when rate limited', () => {
    expect(describeError(error('RATE_LIMITED', 429, 'Slow down', 30))).toBe(
      `Too many attempts. Try again in ${nbsp('30 s')}.`,
    );
    expect(describeError(error('RATE_LIMITED', 429))).toBe('Too many attempts. Wait a moment and try again.');
  });

  it('uses the server message for a failed sign-in, with a fallback', () => {
    expect(describeError(error('SIGN_IN_FAILED', 401, 'Wrong address or password.'), 'sign-in')).toBe(
      'Wrong address or password.',
    );
    expect(describeError(error('SIGN_IN_FAILED', 401, '  '), 'sign-in')).toMatch(/didn’t work/);
  });

  it('explains that sign-in is not there yet (404 or NOT_IMPLEMENTED)', () => {
    const expected = 'Sign-in isn’t available yet on this server.';
    expect(describeError(error('NOT_FOUND', 404, 'Route POST:/api/session not found'), 'sign-in')).toBe(
      expected,
    );
    expect(describeError(error('NOT_IMPLEMENTED', 501, 'later'), 'sign-in')).toBe(expected);
    expect(describeError(error('NOT_IMPLEMENTED', 501, 'later'))).toBe(
      'This isn’t available yet on this server.',
    );
  });

  it('does not leak server detail for internal errors', () => {
    expect(describeError(error('INTERNAL', 500, 'TypeError at foo.ts:12'))).not.toMatch(/foo\.ts/);
  });

  it('describes client-side failures', () => {
    expect(describeError(error('NETWORK', 0, 'Failed to fetch'))).toMatch(/Can’t reach Westwind/);
    expect(describeError(error('TIMEOUT', 0))).toMatch(/too long/);
    expect(describeError(error('BAD_RESPONSE', 502, 'HTTP 502'))).toMatch(/HTTP 502/);
  });

  it('falls back to the server message, then to the status', () => {
    expect(describeError(error('SOMETHING_NEW', 400, 'The folder name is too long.'))).toBe(
      'The folder name is too long.',
    );
    expect(describeError(error('SOMETHING_NEW', 418))).toBe('Something went wrong (HTTP 418).');
  });
});
