/** Raw access to the local mail stack for tests: an IMAP client of a user, and LMTP delivery. */
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { inject } from 'vitest';

export interface MailUser {
  address: string;
  password: string;
}

/** A connected imapflow client of `user` (errors swallowed: tests assert on results instead). */
export async function connectImap(user: MailUser): Promise<ImapFlow> {
  const stack = inject('stack');
  const client = new ImapFlow({
    host: stack.IMAP_HOST,
    port: stack.IMAP_PORT,
    secure: false,
    auth: { user: user.address, pass: user.password },
    logger: false,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Real delivery into Dovecot over LMTP, as a mail server would. */
export async function deliverOverLmtp(from: string, to: string, raw: string): Promise<void> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: inject('stack').LMTP_PORT, lmtp: true });
  await lmtp.sendMail({ envelope: { from, to }, raw });
  lmtp.close();
}
