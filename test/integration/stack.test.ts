// The local mail stack itself: real Dovecot, real SMTP submission, real LMTP delivery.
import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser, type StackEnv, stackUp } from '../../infra/stack/index.js';

let env: StackEnv;

beforeAll(async () => {
  env = await stackUp();
});

function imap(user: string, pass: string): ImapFlow {
  const client = new ImapFlow({
    host: env.IMAP_HOST,
    port: env.IMAP_PORT,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
  // Without a listener a socket error would crash the worker.
  client.on('error', () => undefined);
  return client;
}

async function withImap<T>(user: string, pass: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = imap(user, pass);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function smtp(user: string, pass: string) {
  return createTransport({
    host: env.SMTP_HOST,
    port: env.SMTP_PORT,
    secure: false,
    ignoreTLS: true,
    auth: { user, pass },
    connectionTimeout: 10_000,
  });
}

async function canLogin(user: string, pass: string): Promise<boolean> {
  const client = imap(user, pass);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch (error) {
    if ((error as { authenticationFailed?: boolean }).authenticationFailed) return false;
    throw error;
  } finally {
    client.close();
  }
}

describe('local mail stack', () => {
  it('advertises the IMAP capabilities Westwind relies on, and the special-use folders', async () => {
    await withImap(env.DEMO_USER, env.DEMO_PASSWORD, async (client) => {
      const caps = [...client.capabilities.keys()];
      for (const cap of [
        'IDLE',
        'CONDSTORE',
        'QRESYNC',
        'MOVE',
        'SPECIAL-USE',
        'SORT',
        'THREAD=REFERENCES',
        'ESEARCH',
      ]) {
        expect(caps, `capability ${cap}`).toContain(cap);
      }
      expect(caps).toContain('NOTIFY');

      const folders = await client.list();
      const bySpecialUse = new Map(folders.filter((f) => f.specialUse).map((f) => [f.specialUse, f.path]));
      expect(bySpecialUse.get('\\Sent')).toBe('Sent');
      expect(bySpecialUse.get('\\Drafts')).toBe('Drafts');
      expect(bySpecialUse.get('\\Trash')).toBe('Trash');
      expect(bySpecialUse.get('\\Junk')).toBe('Junk');
      expect(bySpecialUse.get('\\Archive')).toBe('Archive');
      expect(folders.find((f) => f.path === 'INBOX')?.delimiter).toBe('/');
    });
  });

  it('delivers a message submitted over SMTP AUTH into the recipient INBOX', async () => {
    const token = randomUUID();
    const subject = `stack test ${token}`;
    const messageId = `<${token}@stack-test.westwind.test>`;
    const info = await smtp('alice@westwind.test', 'alice-password').sendMail({
      from: 'Alice <alice@westwind.test>',
      to: 'Bob <bob@westwind.test>',
      subject,
      messageId,
      text: 'Delivered through the real submission server and LMTP.',
    });
    expect(info.accepted).toEqual(['bob@westwind.test']);

    const found = await withImap('bob@westwind.test', 'bob-password', async (client) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const lock = await client.getMailboxLock('INBOX');
        try {
          const uids = await client.search({ header: { 'message-id': messageId } }, { uid: true });
          if (uids && uids.length > 0) {
            const message = await client.fetchOne(String(uids[0]), { envelope: true }, { uid: true });
            return message ? message.envelope : undefined;
          }
        } finally {
          lock.release();
        }
        if (Date.now() > deadline) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    });
    expect(found?.subject).toBe(subject);
    expect(found?.from?.[0]?.address).toBe('alice@westwind.test');
  });

  it('rejects a wrong password at SMTP AUTH', async () => {
    await expect(
      smtp('alice@westwind.test', `wrong-${randomUUID()}`).sendMail({
        from: 'alice@westwind.test',
        to: 'bob@westwind.test',
        subject: `must not arrive ${randomUUID()}`,
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 535 });
  });

  it('refuses to relay, to send as someone else, or to deliver to unknown local users', async () => {
    const alice = smtp('alice@westwind.test', 'alice-password');
    const send = (from: string, to: string) =>
      alice.sendMail({ from, to, subject: `refused ${randomUUID()}`, text: 'x' });
    await expect(send('alice@westwind.test', 'someone@example.com')).rejects.toMatchObject({
      responseCode: 550,
      response: expect.stringMatching(/relay not permitted/i),
    });
    await expect(send('bob@westwind.test', 'carol@westwind.test')).rejects.toMatchObject({
      responseCode: 553,
    });
    await expect(send('alice@westwind.test', `nobody-${randomUUID()}@westwind.test`)).rejects.toMatchObject({
      responseCode: 550,
    });
  });

  it('addMailUser creates a user who can log in at once, and password changes apply at once', async () => {
    const address = `user-${randomUUID().slice(0, 8)}@westwind.test`;
    await addMailUser(address, 'first-password');
    expect(await canLogin(address, 'first-password')).toBe(true);

    await addMailUser(address, 'other-password');
    expect(await canLogin(address, 'other-password')).toBe(true);
    expect(await canLogin(address, 'first-password')).toBe(false);

    // The new user is a valid SMTP recipient straight away.
    const info = await smtp('carol@westwind.test', 'carol-password').sendMail({
      from: 'carol@westwind.test',
      to: address,
      subject: `welcome ${address}`,
      text: 'hi',
    });
    expect(info.accepted).toEqual([address]);
  });

  it('is idempotent: a second stackUp returns the same endpoints', async () => {
    const again = await stackUp();
    expect(again).toEqual(env);
    const third = await stackUp();
    expect({ imap: third.IMAP_PORT, smtp: third.SMTP_PORT, lmtp: third.LMTP_PORT }).toEqual({
      imap: env.IMAP_PORT,
      smtp: env.SMTP_PORT,
      lmtp: env.LMTP_PORT,
    });
  });
});
