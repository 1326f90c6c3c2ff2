import { randomUUID } from 'node:crypto';
import type { MailboxStateEvent, MessagePage } from '@westwind/contract';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { PushHookListener } from '../../apps/server/src/push-hook/listener.ts';
import { setPushMetadata } from '../../apps/server/src/push-hook/metadata.ts';
import { type PushHookTarget, readPushHookEnv } from '../../infra/stack/dovecot.ts';
import { HttpSession } from '../support/http-session.ts';
import { createMailUser, deliverOverLmtp, type MailUser, withImap } from '../support/mail.ts';
import { PushClient } from '../support/push-client.ts';
import { type RunningServer, stackConfig, startServer } from '../support/server.ts';

const stack = inject('stack');
const INBOX = Buffer.from('INBOX').toString('base64url');
const servers: RunningServer[] = [];
const sockets: PushClient[] = [];
let hook: PushHookTarget;

beforeAll(async () => {
  const target = await readPushHookEnv();
  if (!target) throw new Error('.run/push-hook.env is missing: the stack was started with the push hook off');
  hook = target;
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await Promise.all(servers.splice(0).map((server) => server.close().catch(() => {})));
});

/** A server on the stack; with the hook on, it listens where the stack's Dovecot calls. */
async function server(withHook: boolean, env: Record<string, string> = {}): Promise<RunningServer> {
  const running = await startServer(
    stackConfig(stack, {
      PUSH_LEASE_TTL_MS: '1500',
      PUSH_LINGER_S: '1',
      SIGNIN_MAX_PER_CLIENT_ADDRESS: '100000',
      ...(withHook
        ? {
            PUSH_HOOK_SECRET: hook.PUSH_HOOK_SECRET,
            PUSH_HOOK_USER: hook.PUSH_HOOK_USER,
            PUSH_HOOK_HOST: hook.PUSH_HOOK_HOST,
            PUSH_HOOK_PORT: String(hook.PUSH_HOOK_PORT),
          }
        : {}),
      ...env,
    }),
  );
  servers.push(running);
  return running;
}

/** The app's `pushHook` decorator (typed here without pulling the server's sources into the app's types). */
const hookOf = (running: RunningServer) =>
  (running.app as unknown as { pushHook: PushHookListener | null }).pushHook;

/** A new mailbox user with Dovecot's notifications turned on, as sign-in does with the hook on. */
async function newUser(notify = true): Promise<MailUser> {
  const user = await createMailUser('hook');
  if (notify)
    await withImap(user, async (imap) => expect(await setPushMetadata(imap, user.address)).toBe('set'));
  return user;
}

async function watched(base: string, user: MailUser) {
  const session = new HttpSession(base);
  await session.signIn(user.address, user.password);
  const client = await PushClient.open(base, session.cookieHeader());
  sockets.push(client);
  await client.next((e): e is { type: 'ready'; heartbeatSeconds: number } => e.type === 'ready');
  client.hello({ states: {} });
  // The watch is running once the first counts arrive.
  const first = await client.mailbox(INBOX, () => true, 20_000);
  return { session, client, first };
}

/** Real delivery over LMTP into Dovecot, as the MTA does. */
const deliver = (to: string): Promise<void> =>
  deliverOverLmtp(
    'sender@westwind.test',
    to,
    `From: sender@westwind.test\r\nTo: ${to}\r\nSubject: hook ${randomUUID()}\r\n\r\nhello\r\n`,
  );

function notify(body: unknown, auth: string | null = `${hook.PUSH_HOOK_USER}:${hook.PUSH_HOOK_SECRET}`) {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (auth !== null) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  return fetch(`http://${hook.PUSH_HOOK_HOST}:${hook.PUSH_HOOK_PORT}/api/push-hook`, {
    method: 'PUT',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const sample = (user: string) => ({
  user,
  event: 'messageNew',
  folder: 'INBOX',
  'imap-uidvalidity': 1,
  'imap-uid': 1,
  from: 'Mallory <m@evil.example>',
  subject: 'forged',
  snippet: 'forged',
  unseen: 999,
});

describe('push hook (Dovecot push_notification, OX driver)', () => {
  it('pushes a delivery over LMTP to an open websocket through the hook', async () => {
    const running = await server(true);
    const user = await newUser();
    const { client, first } = await watched(running.url, user);
    const before = hookOf(running)?.counters.accepted ?? 0;
    const arrived = client.mailbox(INBOX, (e) => e.total === first.total + 1);
    await deliver(user.address);
    const event = await arrived;
    expect(event.unread).toBe(first.unread + 1);
    // Dovecot called the hook for this delivery (the frame may come from either path).
    expect(hookOf(running)?.counters.accepted).toBeGreaterThan(before);
  });

  it('refuses notifications without or with a wrong secret, and refreshes nothing', async () => {
    const running = await server(true);
    const user = await newUser(false);
    const changed = vi.spyOn(running.app.push, 'changed');
    for (const auth of [
      null,
      `${hook.PUSH_HOOK_USER}:wrong-secret`,
      `someone:${hook.PUSH_HOOK_SECRET}`,
      '',
    ]) {
      const response = await notify(sample(user.address), auth);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    expect(changed).not.toHaveBeenCalled();
    expect(hookOf(running)?.counters.unauthorized).toBe(4);

    // The real secret: a refresh request for the account sign-in would have made.
    const ok = await notify(sample(user.address));
    expect(ok.status).toBe(204);
    expect(changed).toHaveBeenCalledTimes(1);
    expect(changed.mock.calls[0]?.[0]).toBe(
      running.app.sessions.accountKeyFor(user.address, stack.IMAP_HOST, stack.IMAP_PORT),
    );
    expect(changed.mock.calls[0]?.[1]).toEqual([INBOX]);
  });

  it('answers bad requests cleanly: size limit, bad JSON, wrong path or method', async () => {
    const running = await server(true, { PUSH_HOOK_BODY_LIMIT_BYTES: '1024' });
    const changed = vi.spyOn(running.app.push, 'changed');
    expect((await notify({ ...sample('a@westwind.test'), snippet: 'x'.repeat(4096) })).status).toBe(413);
    expect((await notify('{not json')).status).toBe(400);
    expect((await notify({ folder: 'INBOX' })).status).toBe(400);
    const base = `http://${hook.PUSH_HOOK_HOST}:${hook.PUSH_HOOK_PORT}`;
    expect((await fetch(`${base}/api/session`, { method: 'PUT' })).status).toBe(404);
    expect((await fetch(`${base}/api/push-hook`)).status).toBe(405);
    // The hook is not part of the public API: the main listener does not serve it.
    expect((await fetch(`${running.url}/api/push-hook`, { method: 'PUT', body: '{}' })).status).not.toBe(204);
    expect(changed).not.toHaveBeenCalled();
  });

  it('rate-limits a storm of notifications per user and stays responsive', async () => {
    const running = await server(true, { PUSH_HOOK_USER_BURST: '20', PUSH_HOOK_USER_PER_MINUTE: '60' });
    const user = await newUser();
    const { client, first } = await watched(running.url, user);
    const storm = await Promise.all(Array.from({ length: 300 }, () => notify(sample(user.address))));
    const statuses = storm.map((response) => response.status);
    const accepted = statuses.filter((status) => status === 204).length;
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(accepted).toBeLessThanOrEqual(22);
    expect(statuses.filter((status) => status === 429).length).toBe(300 - accepted);
    // Another user is not limited by the first one's storm.
    expect((await notify(sample(`other-${randomUUID()}@westwind.test`))).status).toBe(204);
    // The server still answers, and real mail still arrives (through IDLE while the user is limited).
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    const arrived = client.mailbox(INBOX, (e) => e.total === first.total + 1);
    await deliver(user.address);
    await arrived;
  });

  it('with the hook off (no secret), nothing listens and IDLE still delivers', async () => {
    const running = await server(false);
    expect(hookOf(running)).toBeNull();
    await expect(notify(sample('a@westwind.test'))).rejects.toThrow();
    const user = await newUser();
    const { client, first } = await watched(running.url, user);
    const arrived = client.mailbox(INBOX, (e) => e.total === first.total + 1);
    await deliver(user.address);
    await arrived;
  });

  it('reports each state once when both the hook and IDLE see the same delivery', async () => {
    const running = await server(true);
    const user = await newUser();
    const { client, first, session } = await watched(running.url, user);
    const from = client.events.length;
    const arrived = client.mailbox(INBOX, (e) => e.total === first.total + 1);
    await deliver(user.address);
    await arrived;
    // Long enough for IDLE's own notice (~0.5 s after delivery) and its refresh.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const states = client.events
      .slice(from)
      .filter((e): e is MailboxStateEvent => e.type === 'mailbox' && e.mailboxId === INBOX)
      .map((e) => e.state);
    expect(states.length).toBeGreaterThanOrEqual(1);
    expect(new Set(states).size).toBe(states.length);
    // The last state pushed is the list's state.
    const page = (await (
      await session.fetch(`/api/mailboxes/${INBOX}/messages?limit=1`)
    ).json()) as MessagePage;
    expect(page.state).toBe(states.at(-1));
  });
});
