import { randomUUID } from 'node:crypto';
import type { MailboxStateEvent, MessagePage } from '@westwind/contract';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { HttpSession } from '../support/http-session.ts';
import { createMailUser, type MailUser, submitOverSmtp, withImap } from '../support/mail.ts';
import { PushClient } from '../support/push-client.ts';
import { type RunningServer, stackConfig, startServer } from '../support/server.ts';

const stack = inject('stack');
const INBOX = Buffer.from('INBOX').toString('base64url');
const servers: RunningServer[] = [];
const sockets: PushClient[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => {})));
});

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const running = await startServer(
    stackConfig(stack, {
      PUSH_LEASE_TTL_MS: '1500',
      PUSH_LINGER_S: '1',
      // Every client here comes from 127.0.0.1; the shared per-address limit would carry over between runs.
      SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000',
      ...env,
    }),
  );
  servers.push(running);
  return running;
}

const newUser = () => createMailUser('push');

let sender: MailUser;
beforeAll(async () => {
  sender = await newUser();
});

async function signedIn(base: string, user: MailUser): Promise<HttpSession> {
  const session = new HttpSession(base);
  await session.signIn(user.address, user.password);
  return session;
}

async function connect(base: string, session: HttpSession): Promise<PushClient> {
  const client = await PushClient.open(base, session.cookieHeader());
  sockets.push(client);
  await client.next((e): e is { type: 'ready'; heartbeatSeconds: number } => e.type === 'ready');
  client.hello({ states: {} });
  return client;
}

/** Real delivery: SMTP submission, then LMTP into Dovecot. */
const deliver = (to: string, subject: string) => submitOverSmtp(sender, to, subject, 'hello');

async function inboxTotal(session: HttpSession): Promise<number> {
  const response = await session.fetch(`/api/mailboxes/${INBOX}/messages?limit=1`);
  return ((await response.json()) as MessagePage).total;
}

describe('GET /api/events', () => {
  it('requires authentication', async () => {
    const running = await server();
    await expect(PushClient.open(running.url, '')).rejects.toMatchObject({ status: 401 });
  });

  it('refuses another site’s page (Origin check)', async () => {
    const running = await server();
    const session = await signedIn(running.url, await newUser());
    await expect(
      PushClient.open(running.url, session.cookieHeader(), 'https://evil.example'),
    ).rejects.toMatchObject({
      status: 403,
    });
  });

  it('pushes new mail delivered over SMTP/LMTP to an open client', async () => {
    const running = await server();
    const user = await newUser();
    const session = await signedIn(running.url, user);
    const client = await connect(running.url, session);
    const before = await inboxTotal(session);
    const arrived = client.mailbox(INBOX, (e) => e.total === before + 1);
    await deliver(user.address, `push ${randomUUID()}`);
    const event = await arrived;
    expect(event.unread).toBeGreaterThanOrEqual(1);
    // The pushed state is the list's state: a client can tell its page is current.
    const page = (await (
      await session.fetch(`/api/mailboxes/${INBOX}/messages?limit=1`)
    ).json()) as MessagePage;
    expect(page.state).toBe(event.state);
  });

  it('pushes a flag change made by another IMAP client', async () => {
    const running = await server();
    const user = await newUser();
    await deliver(user.address, 'to be flagged');
    const session = await signedIn(running.url, user);
    const client = await connect(running.url, session);
    const first = await client.mailbox(INBOX, (e) => e.total >= 1);
    const changed = client.mailbox(INBOX, (e) => e.state !== first.state && e.unread === first.unread - 1);
    await withImap(user, async (imap) => {
      await imap.mailboxOpen('INBOX');
      await imap.messageFlagsAdd('1:*', ['\\Seen']);
    });
    await changed;
  });

  it('reaches clients on every instance, and another instance takes over when the watcher dies', async () => {
    const user = await newUser();
    const one = await server();
    const two = await server();
    const sessionOne = await signedIn(one.url, user);
    const sessionTwo = await signedIn(two.url, user);
    const onOne = await connect(one.url, sessionOne);
    const onTwo = await connect(two.url, sessionTwo);

    let total = await inboxTotal(sessionOne);
    const seenByBoth = [onOne, onTwo].map((c) => c.mailbox(INBOX, (e) => e.total === total + 1));
    await deliver(user.address, 'to both');
    await Promise.all(seenByBoth);
    total += 1;

    // Whichever instance holds the watch goes away; the survivor must keep delivering.
    const holder = one.app.push.instanceId;
    const { accountKey } = (await one.app.sessions.load(sessionOne.cookie('ww_session')))!.record;
    const leaseOwner = await one.app.store.get(`ww:watch:{${accountKey}}`);
    const [dying, survivorClient] = leaseOwner === holder ? [one, onTwo] : [two, onOne];
    await dying.close();
    servers.splice(servers.indexOf(dying), 1);
    const afterTakeover = survivorClient.mailbox(INBOX, (e) => e.total === total + 1, 20_000);
    await deliver(user.address, 'after takeover');
    await afterTakeover;
  });

  it('catches a reconnecting client up on what it missed', async () => {
    const running = await server();
    const user = await newUser();
    const session = await signedIn(running.url, user);
    const first = await connect(running.url, session);
    const initial = await first.mailbox(INBOX, () => true).catch(() => undefined);
    const known: MailboxStateEvent | undefined =
      initial ??
      (first.events.find((e) => e.type === 'mailbox' && e.mailboxId === INBOX) as MailboxStateEvent);
    first.close();
    // Delivered while the client is away (the account is still watched for a moment).
    const before = await inboxTotal(session);
    await deliver(user.address, 'while away');
    await expect.poll(() => inboxTotal(session), { timeout: 15_000 }).toBe(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const again = await PushClient.open(running.url, session.cookieHeader());
    sockets.push(again);
    const caughtUp = again.mailbox(INBOX, (e) => e.total === before + 1);
    again.hello({ states: known ? { [INBOX]: known.state } : {} });
    await caughtUp;
  });

  it('closes the socket when the session signs out', async () => {
    const running = await server();
    const session = await signedIn(running.url, await newUser());
    const client = await connect(running.url, session);
    await session.signOut();
    await expect.poll(() => client.closeCode, { timeout: 5_000 }).toBe(4401);
  });
});
