import { describe, expect, it } from 'vitest';
import { AppErrors } from '../errors.js';
import { mailboxCommandError } from './failures.js';

const no = (serverResponseCode: string | undefined, responseText: string) =>
  Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode, responseText });

describe('mailboxCommandError', () => {
  it('maps [ALREADYEXISTS] to MailboxExists', () => {
    const error = mailboxCommandError(no('ALREADYEXISTS', 'Target mailbox already exists'), 'rename');
    expect(error).toBeInstanceOf(AppErrors.MailboxExists);
  });

  it('maps [NONEXISTENT] to MailboxNotFound for every command', () => {
    for (const command of ['create', 'rename', 'delete'] as const) {
      const error = mailboxCommandError(
        no('NONEXISTENT', "Mailbox doesn't exist: x (0.001 + 0.000 secs)."),
        command,
      );
      expect(error).toBeInstanceOf(AppErrors.MailboxNotFound);
    }
  });

  it("maps Dovecot's refusal of '.' to InvalidMailboxName with its words, without the timing", () => {
    const error = mailboxCommandError(
      no('CANNOT', "Character not allowed in mailbox name: '.' (0.001 + 0.000 secs)."),
      'create',
    );
    expect(error).toBeInstanceOf(AppErrors.InvalidMailboxName);
    expect(error.message).toBe(
      "The mail server cannot hold this folder name: Character not allowed in mailbox name: '.'",
    );
  });

  it('treats a plain NO to CREATE or RENAME as a name the server cannot hold', () => {
    expect(mailboxCommandError(no(undefined, 'Not found (0.001 + 0.000 secs).'), 'create')).toBeInstanceOf(
      AppErrors.InvalidMailboxName,
    );
  });

  it('keeps the usual mapping for quota, availability and connection failures', () => {
    expect(mailboxCommandError(no('OVERQUOTA', 'Quota exceeded'), 'create')).toBeInstanceOf(
      AppErrors.QuotaExceeded,
    );
    expect(mailboxCommandError(no('UNAVAILABLE', 'Try later'), 'rename')).toBeInstanceOf(
      AppErrors.UpstreamUnavailable,
    );
    expect(
      mailboxCommandError(Object.assign(new Error('closed'), { code: 'NoConnection' }), 'delete'),
    ).toBeInstanceOf(AppErrors.UpstreamUnavailable);
    expect(mailboxCommandError(no(undefined, 'Something else'), 'delete')).toBeInstanceOf(
      AppErrors.UpstreamError,
    );
  });
});
