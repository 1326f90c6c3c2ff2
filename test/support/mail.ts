/**
 * Raw access to the local mail stack for tests: fresh users (seeded or not), an IMAP client of a
 * user, and delivery over LMTP or SMTP submission.
 */
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { inject } from 'vitest';
import { parseSeedArgs, runSeed } from '../../infra/seed/cli.ts';
import { addMailUser } from '../../infra/stack/index.ts';

export interface MailUser {
  address: string;
  password: string;
}

/** A fresh address and password under `prefix` (not created in Dovecot yet). */
export function randomMailUser(prefix: string): MailUser {
  return { address: `${prefix}-${randomUUID().slice(0, 8)}@westwind.test`, password: `pw-${randomUUID()}` };
}

/** A fresh mail user under `prefix`, created in the stack's Dovecot. */
export async function createMailUser(prefix: string): Promise<MailUser> {
  const user = randomMailUser(prefix);
  await addMailUser(user.address, user.password);
  return user;
}

/**
 * Fills the mailbox of an existing user with the seed generator: `count` messages in INBOX and
 * the other folders; `extraArgs` are more seed options (e.g. `--inbox-only`).
 */
export async function seedMailbox(address: string, count: number, extraArgs: string[] = []) {
  const stack = inject('stack');
  const options = parseSeedArgs(
    ['--user', address, '--count', String(count), '--quiet', '--workers', '0', ...extraArgs],
    { MAIL_ROOT: stack.MAIL_ROOT, DOVECOT_CONFIG: stack.DOVECOT_CONFIG, DEMO_USER: stack.DEMO_USER },
  );
  if (options === 'help') throw new Error('unexpected help');
  return runSeed(options);
}

/**
 * A small message from `from` to someone@westwind.test, dated now: `Body of <subject>` as plain
 * text, or `html` as the body.
 */
export function simpleMessage(subject: string, from: string, html?: string): string {
  return [
    `From: ${from}`,
    'To: someone@westwind.test',
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@example.org>`,
    `Date: ${new Date().toUTCString()}`,
    `Content-Type: ${html ? 'text/html' : 'text/plain'}; charset=utf-8`,
    '',
    html ?? `Body of ${subject}`,
    '',
  ].join('\r\n');
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

/** Runs `use` on a fresh IMAP connection of `user` (another device or mail program), then logs out. */
export async function withImap<T>(user: MailUser, use: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = await connectImap(user);
  try {
    return await use(client);
  } finally {
    await client.logout();
  }
}

/** Runs `use` on a fresh IMAP connection of `user` with `folder` locked (selected). */
export function withFolder<T>(
  user: MailUser,
  folder: string,
  use: (client: ImapFlow) => Promise<T>,
): Promise<T> {
  return withImap(user, async (client) => {
    const lock = await client.getMailboxLock(folder);
    try {
      return await use(client);
    } finally {
      lock.release();
    }
  });
}

/** Real delivery into Dovecot over LMTP, as a mail server would. */
export async function deliverOverLmtp(from: string, to: string, raw: string): Promise<void> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: inject('stack').LMTP_PORT, lmtp: true });
  await lmtp.sendMail({ envelope: { from, to }, raw });
  lmtp.close();
}

/** Real delivery as a person sends it: SMTP submission with AUTH as `sender`, then LMTP into Dovecot. */
export async function submitOverSmtp(
  sender: MailUser,
  to: string,
  subject: string,
  text: string,
): Promise<void> {
  const stack = inject('stack');
  const transport = nodemailer.createTransport({
    host: stack.SMTP_HOST,
    port: stack.SMTP_PORT,
    secure: false,
    ignoreTLS: true,
    auth: { user: sender.address, pass: sender.password },
  });
  await transport.sendMail({ from: sender.address, to, subject, text });
  transport.close();
}
