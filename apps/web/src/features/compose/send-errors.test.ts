import { describe, expect, it } from 'vitest';
import { describeSendError, formatBytes } from './send-errors';

const failed = (kind: string, rejectedRecipients: string[] = []) =>
  ({
    state: 'failed',
    error: { kind, code: 'X', message: 'boom', rejectedRecipients, smtpCode: 550 },
  }) as Parameters<typeof describeSendError>[0];

describe('send errors', () => {
  it('names rejected recipients and keeps the draft', () => {
    expect(describeSendError(failed('recipientsRejected', ['a@x.test']))).toContain('a@x.test');
    expect(describeSendError(failed('unavailable'))).toMatch(/reach your mail server/);
    expect(describeSendError(failed('messageTooLarge'))).toMatch(/too large/);
    expect(describeSendError(failed('authFailed'))).toMatch(/Sign out/);
    expect(describeSendError({ state: 'failed', error: null })).toMatch(/draft is kept/);
  });
  it('formats sizes', () => {
    expect(formatBytes(12)).toBe('12\u00a0bytes');
    expect(formatBytes(320_000)).toBe('320\u00a0KB');
    expect(formatBytes(1_500_000)).toBe('1.5\u00a0MB');
    expect(formatBytes(25_000_000)).toBe('25\u00a0MB');
  });
});
