import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import type { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AppErrors } from '../../apps/server/src/errors.ts';
import {
  ImapConnectionManager,
  type ImapConnectionManagerOptions,
  type ImapTarget,
  type PoolLogger,
} from '../../apps/server/src/imap/connection-manager.ts';
import { addMailUser } from '../../infra/stack/index.ts';

const stack = inject('stack');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

// The local Dovecot speaks cleartext on loopback (no STARTTLS), which the operator allows with
// requireTLS: false.
const dovecot: ImapTarget = {
  host: stack.IMAP_HOST,
  address: stack.IMAP_HOST,
  port: stack.IMAP_PORT,
  secure: false,
};
const demo = { user: stack.DEMO_USER, password: stack.DEMO_PASSWORD };

interface LogEntry {
  level: string;
  obj: object;
  msg?: string;
}

function recordingLogger(entries: LogEntry[]): PoolLogger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj, msg });
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const managers: ImapConnectionManager[] = [];

// Generous defaults: the machine is shared and a Dovecot login can take seconds under load. Tests
// that are about deadlines set short ones on the call itself.
function pool(
  options: Partial<ImapConnectionManagerOptions> = {},
  log: LogEntry[] = [],
): ImapConnectionManager {
  const manager = new ImapConnectionManager({
    logger: recordingLogger(log),
    requireTLS: false,
    commandTimeoutMs: 20_000,
    connectTimeoutMs: 15_000,
    ...options,
  });
  managers.push(manager);
  return manager;
}

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.closeAll({ graceMs: 500 })));
});

interface Account {
  user: string;
  password: string;
}

const SPECIAL_PASSWORD = ` He said "hi" \\ 'ünïcødé' 密码 `;
const fresh: Account[] = [];
let special: Account;

// Accounts of their own, so Dovecot's connection count for each is ours alone. Created up front:
// Dovecot re-reads its passwd-file at most once a second, so a user added in the same second as
// the previous login attempt is unknown until the next second.
beforeAll(async () => {
  const suffix = randomBytes(4).toString('hex');
  for (let i = 0; i < 16; i++) {
    const account = {
      user: `pool-${suffix}-${i}@westwind.test`,
      password: `pw-${randomBytes(6).toString('hex')}`,
    };
    await addMailUser(account.user, account.password);
    fresh.push(account);
  }
  special = { user: `pool-${suffix}-special@westwind.test`, password: SPECIAL_PASSWORD };
  await addMailUser(special.user, special.password);
  await sleep(1_100);
});

function newUser(): Account {
  const account = fresh.pop();
  if (!account) throw new Error('out of test accounts; create more in beforeAll');
  return account;
}

/** expect.poll with room for a loaded machine. */
function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 15_000, interval: 20 });
}

/** Dovecot's view: the IMAP sessions it holds for a user. */
async function dovecotSessions(user: string): Promise<number> {
  const { stdout } = await run('doveadm', ['-c', stack.DOVECOT_CONFIG, 'who', '-1', user]);
  return stdout.split('\n').filter((line) => line.startsWith(`${user} `)).length;
}

async function metric(manager: ImapConnectionManager, name: string, labels: Record<string, string> = {}) {
  const found = (await manager.registry.getMetricsAsJSON()).find((m) => m.name === name);
  if (!found) throw new Error(`no metric ${name}`);
  return found.values
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ImapConnectionManager against the real Dovecot', () => {
  describe('verifyLogin', () => {
    it('signs in, returns the capabilities and closes the connection', async () => {
      const manager = pool();
      const { capabilities } = await manager.verifyLogin(dovecot, demo);
      expect(capabilities).toEqual(expect.arrayContaining(['IMAP4rev1', 'IDLE', 'QRESYNC', 'CONDSTORE']));
      expect(manager.stats()).toMatchObject({ total: 0, clients: 0 });
      expect(await metric(manager, 'westwind_imap_connections_created_total')).toBe(1);
    });

    it('answers SignInFailed for a wrong password', async () => {
      const manager = pool();
      // Dovecot delays a failed authentication by 2 s.
      await expect(
        manager.verifyLogin(
          dovecot,
          { user: demo.user, password: 'not-the-password' },
          { deadlineMs: 10_000 },
        ),
      ).rejects.toBeInstanceOf(AppErrors.SignInFailed);
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'auth' })).toBe(1);
      expect(manager.stats()).toMatchObject({ total: 0, clients: 0 });
    });

    it('handles a password with quotes, backslashes, spaces and non-ASCII, and never logs it', async () => {
      const account = special;
      const password = SPECIAL_PASSWORD;
      const log: LogEntry[] = [];
      const manager = pool({ logProtocol: true }, log);
      const { capabilities } = await manager.verifyLogin(dovecot, account);
      expect(capabilities).toContain('IDLE');
      const paths = await manager.withConnection(account.user, dovecot, account, async (client) =>
        (await client.list()).map((mailbox) => mailbox.path),
      );
      expect(paths).toContain('INBOX');
      expect(log.length).toBeGreaterThan(0);
      const text = JSON.stringify(log, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
      expect(text).not.toContain(password.trim());
      expect(text).not.toContain(Buffer.from(`\0${account.user}\0${password}`).toString('base64'));
    });

    it('refuses cleartext sign-in unless the operator allowed it', async () => {
      const manager = pool({ requireTLS: true });
      await expect(manager.verifyLogin(dovecot, demo)).rejects.toBeInstanceOf(AppErrors.UpstreamUnavailable);
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'tls' })).toBe(1);
      // A target that asks for STARTTLS gets it even when cleartext is allowed.
      await expect(pool().verifyLogin({ ...dovecot, starttls: true }, demo)).rejects.toBeInstanceOf(
        AppErrors.UpstreamUnavailable,
      );
    });
  });

  describe('withConnection', () => {
    it('never holds more than maxPerAccount connections for one account, and serves every call', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 2 });
      const seen = new Set<ImapFlow>();
      const inUse = new Set<ImapFlow>();
      let maxInUse = 0;
      let maxTotal = 0;
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          manager.withConnection(account.user, dovecot, account, async (client) => {
            expect(inUse.has(client)).toBe(false); // exclusive use
            inUse.add(client);
            seen.add(client);
            maxInUse = Math.max(maxInUse, inUse.size);
            maxTotal = Math.max(maxTotal, manager.stats().total);
            const lock = await client.getMailboxLock('INBOX');
            try {
              await client.status('INBOX', { messages: true });
              await sleep(5);
            } finally {
              lock.release();
              inUse.delete(client);
            }
            return i;
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(seen.size).toBe(2);
      expect(maxInUse).toBe(2);
      expect(maxTotal).toBeLessThanOrEqual(2);
      expect(manager.stats()).toMatchObject({ idle: 2, busy: 0, waiting: 0, total: 2 });
      expect(await dovecotSessions(account.user)).toBe(2);
      expect(await metric(manager, 'westwind_imap_connections_open')).toBe(2);
      expect(await metric(manager, 'westwind_imap_connections_created_total')).toBe(2);
      const histogram = (await manager.registry.getMetricsAsJSON()).find(
        (m) => m.name === 'westwind_imap_borrow_wait_seconds',
      );
      const values = (histogram?.values ?? []) as Array<{ value: number; metricName?: string }>;
      const count = values.find((v) => v.metricName === 'westwind_imap_borrow_wait_seconds_count');
      expect(count?.value).toBe(24);
    });

    it('shares the connections of one account between its callers and keeps accounts apart', async () => {
      const [a, b] = [newUser(), newUser()];
      const manager = pool({ maxPerAccount: 1 });
      const first = await manager.withConnection(a.user, dovecot, a, async (client) => client);
      const again = await manager.withConnection(a.user, dovecot, a, async (client) => client);
      const other = await manager.withConnection(b.user, dovecot, b, async (client) => client);
      expect(again).toBe(first);
      expect(other).not.toBe(first);
      expect(other.options.auth?.user).toBe(b.user);
    });

    it('maps server refusals to stable errors and keeps the connection', async () => {
      const manager = pool({ maxPerAccount: 1 });
      const missing = manager.withConnection(demo.user, dovecot, demo, async (client) => {
        const lock = await client.getMailboxLock('No/Such/Folder');
        lock.release();
      });
      await expect(missing).rejects.toBeInstanceOf(AppErrors.MailboxNotFound);
      const refused = manager.withConnection(demo.user, dovecot, demo, (client) =>
        client.mailboxDelete('INBOX'),
      );
      await expect(refused).rejects.toBeInstanceOf(AppErrors.UpstreamError);
      expect(manager.stats()).toMatchObject({ idle: 1, total: 1 });
      expect(await metric(manager, 'westwind_imap_connections_created_total')).toBe(1);
      // The caller's own errors pass through untouched.
      const bug = new TypeError('a bug');
      await expect(
        manager.withConnection(demo.user, dovecot, demo, async () => {
          throw bug;
        }),
      ).rejects.toBe(bug);
    });

    it('answers SignInFailed when the password no longer works, and backs off instead of retrying', async () => {
      const account = newUser();
      const manager = pool({ backoff: { baseMs: 10_000 }, random: () => 0.5 });
      const wrong = { user: account.user, password: 'changed-upstream' };
      await expect(
        manager.withConnection(account.user, dovecot, wrong, async () => 'never', { deadlineMs: 10_000 }),
      ).rejects.toBeInstanceOf(AppErrors.SignInFailed);
      // During the backoff the server is not asked again.
      await expect(
        manager.withConnection(account.user, dovecot, wrong, async () => 'never', { deadlineMs: 1_000 }),
      ).rejects.toBeInstanceOf(AppErrors.SignInFailed);
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'auth' })).toBe(1);
      // New credentials are tried at once.
      expect(await manager.withConnection(account.user, dovecot, account, async () => 'ok')).toBe('ok');
    });

    it('replaces a connection closed from inside fn on the next borrow', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 1 });
      const closed = await manager.withConnection(account.user, dovecot, account, async (client) => {
        client.close();
        return client;
      });
      expect(closed.isClosed).toBe(true);
      expect(manager.stats().total).toBe(0);
      const next = await manager.withConnection(account.user, dovecot, account, async (client) => {
        await client.noop();
        return client;
      });
      expect(next).not.toBe(closed);
      expect(await metric(manager, 'westwind_imap_reconnects_total')).toBe(1);
    });

    it('drops an idle connection whose socket dies and opens a new one', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 1 });
      const first = await manager.withConnection(account.user, dovecot, account, async (client) => client);
      expect(manager.stats().idle).toBe(1);
      (first as unknown as { socket: net.Socket }).socket.destroy();
      await poll(() => manager.stats().idle).toBe(0);
      expect(await metric(manager, 'westwind_imap_connections_open')).toBe(0);
      const mailbox = await manager.withConnection(account.user, dovecot, account, async (client) => {
        expect(client).not.toBe(first);
        const lock = await client.getMailboxLock('INBOX');
        try {
          return client.mailbox;
        } finally {
          lock.release();
        }
      });
      expect(mailbox).toMatchObject({ path: 'INBOX' });
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'closed' })).toBe(1);
    });

    it('destroys a connection whose work overruns the deadline, and recovers', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 1 });
      // Warm up first: the short deadline below is about fn, not about opening the connection.
      await manager.withConnection(account.user, dovecot, account, async () => undefined);
      let wedged: ImapFlow | undefined;
      await expect(
        manager.withConnection(
          account.user,
          dovecot,
          account,
          async (client) => {
            wedged = client;
            await new Promise(() => {}); // never settles
          },
          { deadlineMs: 300 },
        ),
      ).rejects.toBeInstanceOf(AppErrors.UpstreamTimeout);
      expect(wedged?.isClosed).toBe(true);
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'wedged' })).toBe(1);
      const next = await manager.withConnection(account.user, dovecot, account, async (client) => client);
      expect(next).not.toBe(wedged);
    });
  });

  describe('unreachable servers', () => {
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      // Accepts and never says a word.
      held.add(socket);
      socket.on('error', () => {});
    });
    let blackhole: ImapTarget;

    beforeAll(async () => {
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      blackhole = { host: 'blackhole.test', address: '127.0.0.1', port, secure: false };
    });
    afterAll(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('times out on a server that accepts and never answers, and stays usable', async () => {
      const manager = pool({ connectTimeoutMs: 2_000 });
      await manager.withConnection(demo.user, dovecot, demo, async () => undefined);
      await expect(
        manager.withConnection('silent@blackhole.test', blackhole, demo, async () => 'never', {
          deadlineMs: 300,
        }),
      ).rejects.toBeInstanceOf(AppErrors.UpstreamTimeout);
      await expect(manager.verifyLogin(blackhole, demo, { deadlineMs: 300 })).rejects.toBeInstanceOf(
        AppErrors.UpstreamTimeout,
      );
      // Other accounts are served meanwhile, and the stuck attempt is given up.
      expect(
        await manager.withConnection(demo.user, dovecot, demo, (client) => client.noop()),
      ).toBeUndefined();
      await poll(() => manager.stats().connecting).toBe(0);
      expect(await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'timeout' })).toBe(2);
    });

    it('answers UpstreamUnavailable for a refused port', async () => {
      const manager = pool();
      const closed: ImapTarget = { ...dovecot, port: await freePort() };
      await expect(
        manager.withConnection('refused@closed.test', closed, demo, async () => 'never', { deadlineMs: 300 }),
      ).rejects.toBeInstanceOf(AppErrors.UpstreamUnavailable);
      await expect(manager.verifyLogin(closed, demo)).rejects.toBeInstanceOf(AppErrors.UpstreamUnavailable);
      expect(
        await metric(manager, 'westwind_imap_connection_failures_total', { reason: 'unreachable' }),
      ).toBeGreaterThanOrEqual(2);
      expect(await metric(manager, 'westwind_imap_connections_open')).toBe(0);
    });

    it('answers UpstreamUnavailable for a name that does not resolve', async () => {
      const manager = pool();
      const nowhere: ImapTarget = {
        host: 'nowhere.invalid',
        address: 'nowhere.invalid',
        port: 143,
        secure: false,
      };
      await expect(manager.verifyLogin(nowhere, demo)).rejects.toBeInstanceOf(AppErrors.UpstreamUnavailable);
    });
  });

  describe('limits and lifecycle', () => {
    it('refuses at once with TooManyConnections when the instance is at maxTotal', async () => {
      const [a, b] = [newUser(), newUser()];
      const manager = pool({ maxPerAccount: 2, maxTotal: 2 });
      const hold = gate();
      const holders = [1, 2].map(() => manager.withConnection(a.user, dovecot, a, () => hold.wait));
      await poll(() => manager.stats().busy).toBe(2);
      await expect(manager.withConnection(b.user, dovecot, b, async () => 'never')).rejects.toBeInstanceOf(
        AppErrors.TooManyConnections,
      );
      await expect(manager.verifyLogin(dovecot, b)).rejects.toBeInstanceOf(AppErrors.TooManyConnections);
      // The account at its limit still queues for its own connections.
      const queued = manager.withConnection(a.user, dovecot, a, async () => 'queued');
      hold.open();
      await Promise.all(holders);
      expect(await queued).toBe('queued');
      expect(manager.stats().total).toBe(2);
    });

    it('bounds the queue of one account', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 1, maxWaitersPerAccount: 2 });
      const hold = gate();
      const holder = manager.withConnection(account.user, dovecot, account, () => hold.wait);
      await poll(() => manager.stats().busy).toBe(1);
      const waiting = [1, 2].map(() =>
        manager.withConnection(account.user, dovecot, account, async () => 'ok'),
      );
      await expect(
        manager.withConnection(account.user, dovecot, account, async () => 'no'),
      ).rejects.toBeInstanceOf(AppErrors.TooManyConnections);
      hold.open();
      await holder;
      expect(await Promise.all(waiting)).toEqual(['ok', 'ok']);
    });

    it('logs out connections idle for longer than idleTimeoutMs', async () => {
      const account = newUser();
      const manager = pool({ idleTimeoutMs: 200, sweepIntervalMs: 50 });
      const client = await manager.withConnection(account.user, dovecot, account, async (c) => c);
      await poll(() => client.isClosed).toBe(true);
      expect(client.closedByClient).toBe(true);
      expect(manager.stats()).toMatchObject({ total: 0, clients: 0 });
      await poll(() => dovecotSessions(account.user)).toBe(0);
      // And the next borrow simply opens a new one.
      const next = await manager.withConnection(account.user, dovecot, account, async (c) => c);
      expect(next).not.toBe(client);
    });

    it('closeAccount rejects waiters, retires busy connections after their borrower, and logs out idle ones', async () => {
      const account = newUser();
      const manager = pool({ maxPerAccount: 1 });
      const hold = gate();
      let busy: ImapFlow | undefined;
      const holder = manager.withConnection(account.user, dovecot, account, async (c) => {
        busy = c;
        await hold.wait;
        await c.noop(); // the borrower may finish its work
        return 'finished';
      });
      await poll(() => busy).toBeDefined();
      const waiter = manager.withConnection(account.user, dovecot, account, async () => 'never');
      await poll(() => manager.stats().waiting).toBe(1);

      await manager.closeAccount(account.user);
      await expect(waiter).rejects.toBeInstanceOf(AppErrors.UpstreamUnavailable);
      hold.open();
      expect(await holder).toBe('finished');
      await poll(() => busy?.isClosed).toBe(true);
      expect(busy?.closedByClient).toBe(true);

      // An idle connection is logged out before closeAccount resolves; later borrows reconnect.
      const idle = await manager.withConnection(account.user, dovecot, account, async (c) => c);
      expect(idle).not.toBe(busy);
      expect(manager.stats().idle).toBe(1);
      await manager.closeAccount(account.user);
      expect(idle.isClosed).toBe(true);
      expect(manager.stats().total).toBe(0);
      await poll(() => dovecotSessions(account.user)).toBe(0);
      const fresh = await manager.withConnection(account.user, dovecot, account, async (c) => c);
      expect(fresh).not.toBe(idle);
      expect(fresh.usable).toBe(true);
    });

    it('closeAll logs everything out, waits for borrowers, and refuses later calls', async () => {
      const [a, b] = [newUser(), newUser()];
      const manager = pool({ maxPerAccount: 2 });
      const seen = new Set<ImapFlow>();
      await Promise.all(
        [a, a, a, b].map((account) =>
          manager.withConnection(account.user, dovecot, account, async (c) => {
            seen.add(c);
            await sleep(20);
          }),
        ),
      );
      const hold = gate();
      const busy = manager.withConnection(b.user, dovecot, b, async (c) => {
        seen.add(c);
        await hold.wait;
        return c.noop().then(() => 'finished');
      });
      await poll(() => manager.stats().busy).toBe(1);
      const closing = manager.closeAll({ graceMs: 5_000 });
      await expect(manager.withConnection(a.user, dovecot, a, async () => 'no')).rejects.toBeInstanceOf(
        AppErrors.ShuttingDown,
      );
      await expect(manager.verifyLogin(dovecot, a)).rejects.toBeInstanceOf(AppErrors.ShuttingDown);
      hold.open();
      expect(await busy).toBe('finished');
      await closing;
      expect(manager.stats()).toMatchObject({ clients: 0, total: 0 });
      expect([...seen].every((c) => c.isClosed)).toBe(true);
      expect(await metric(manager, 'westwind_imap_connections_open')).toBe(0);
      await poll(() => dovecotSessions(a.user)).toBe(0);
      await poll(() => dovecotSessions(b.user)).toBe(0);
    });

    it('closeAll closes connections still in use after the grace period', async () => {
      const manager = pool();
      let client: ImapFlow | undefined;
      const stuck = manager.withConnection(
        demo.user,
        dovecot,
        demo,
        async (c) => {
          client = c;
          await new Promise(() => {});
        },
        { deadlineMs: 3_000 },
      );
      await poll(() => client).toBeDefined();
      await manager.closeAll({ graceMs: 100 });
      expect(client?.isClosed).toBe(true);
      expect(manager.stats().clients).toBe(0);
      await expect(stuck).rejects.toBeInstanceOf(AppErrors.UpstreamTimeout);
    });
  });
});
