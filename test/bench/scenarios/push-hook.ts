import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type { PushHookListener } from '../../../apps/server/src/push-hook/listener.ts';
import { setPushMetadata } from '../../../apps/server/src/push-hook/metadata.ts';
import { readPushHookEnv } from '../../../infra/stack/dovecot.ts';
import { addMailUser } from '../../../infra/stack/index.ts';
import { PushClient } from '../../support/push-client.ts';
import { percentile, round, type Scenario } from '../harness.ts';
import { benchServer, benchStack, HttpSession } from '../support.ts';

const DELIVERIES = 50;
const hookOf = (app: unknown) => (app as { pushHook: PushHookListener | null }).pushHook;
const INBOX = Buffer.from('INBOX').toString('base64url');
const log = (line: string) => process.stdout.write(`  ${line}\n`);

/**
 * New mail delivered over LMTP → the websocket frame that announces it, with Dovecot's
 * push_notification plugin calling Westwind's push hook during the delivery, p50/p95 over 50
 * deliveries; beside a raw imapflow client idling on the same INBOX and timed on the same
 * deliveries (its 'exists' event), the floor of the IDLE path.
 */
export const pushHook: Scenario = {
  name: 'push_hook',
  description: 'delivery → websocket frame through Dovecot push_notification, beside a raw IDLE client',
  async run() {
    const stack = await benchStack(log);
    const hook = await readPushHookEnv();
    if (!hook) throw new Error('.run/push-hook.env is missing: run `pnpm stack up` with the push hook on');
    const user = {
      address: `hookbench-${randomUUID().slice(0, 8)}@westwind.test`,
      password: `pw-${randomUUID()}`,
    };
    await addMailUser(user.address, user.password);
    const server = await benchServer(stack, {
      PUSH_HOOK_SECRET: hook.PUSH_HOOK_SECRET,
      PUSH_HOOK_USER: hook.PUSH_HOOK_USER,
      PUSH_HOOK_HOST: hook.PUSH_HOOK_HOST,
      PUSH_HOOK_PORT: String(hook.PUSH_HOOK_PORT),
      ...(process.env.PUSH_COALESCE_MS ? { PUSH_COALESCE_MS: process.env.PUSH_COALESCE_MS } : {}),
    });

    const raw = new ImapFlow({
      host: stack.IMAP_HOST,
      port: stack.IMAP_PORT,
      secure: false,
      auth: { user: user.address, pass: user.password },
      logger: false,
      autoIdleDelay: 50,
    });
    raw.on('error', () => {});
    await raw.connect();
    // What sign-in does where the hook is on: Dovecot notifies only users with this entry.
    if ((await setPushMetadata(raw, user.address)) !== 'set') throw new Error('SETMETADATA failed');
    await raw.mailboxOpen('INBOX');
    let rawArrival: ((at: number) => void) | undefined;
    raw.on('exists', () => rawArrival?.(performance.now()));

    const session = new HttpSession(server.url);
    await session.signIn(user.address, user.password);
    const client = await PushClient.open(server.url, session.cookieHeader());
    await client.next((e): e is { type: 'ready'; heartbeatSeconds: number } => e.type === 'ready');
    client.hello({ states: {} });
    await client.mailbox(INBOX, () => true, 20_000).catch(() => undefined);

    const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: stack.LMTP_PORT, lmtp: true });
    const measured: number[] = [];
    const baseline: number[] = [];
    const acceptedBefore = hookOf(server.app)?.counters.accepted ?? 0;
    try {
      for (let i = 1; i <= DELIVERIES; i++) {
        const rawSeen = new Promise<number>((resolve) => {
          rawArrival = resolve;
        });
        const pushed = client.mailbox(INBOX, (e) => e.total === i, 20_000);
        const sent = performance.now();
        await lmtp.sendMail({
          envelope: { from: 'bench@westwind.test', to: user.address },
          raw: `From: bench@westwind.test\r\nTo: ${user.address}\r\nSubject: hook ${i}\r\n\r\nx\r\n`,
        });
        const [rawAt, frame] = await Promise.all([rawSeen, pushed.then(() => performance.now())]);
        baseline.push(rawAt - sent);
        measured.push(frame - sent);
      }
    } finally {
      lmtp.close();
      client.close();
      await raw.logout().catch(() => {});
      await session.signOut().catch(() => {});
    }
    const notified = (hookOf(server.app)?.counters.accepted ?? 0) - acceptedBefore;
    await server.close();
    if (notified < DELIVERIES) log(`warning: the hook saw ${notified} of ${DELIVERIES} deliveries`);
    const figures = {
      p50_ms: round(percentile(measured, 50)),
      p95_ms: round(percentile(measured, 95)),
      raw_p50_ms: round(percentile(baseline, 50)),
      raw_p95_ms: round(percentile(baseline, 95)),
    };
    return { figures, target: 'p95 ≤ 20 ms', met: figures.p95_ms <= 20 };
  },
};
