import { randomUUID } from 'node:crypto';
import { ErrorCodes } from '@westwind/contract';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { ApiClient, randomClientAddress } from '../support/api-client.ts';
import { closedPort, silentServer, useSilentServer } from '../support/fake-servers.ts';
import { useApps } from '../support/server.ts';

const stack = inject('stack');
const app = useApps();

/** A fresh mail user, so tests never share rate-limit counters or sessions. */
async function newUser(password = `pw-${randomUUID()}`): Promise<{ address: string; password: string }> {
  const address = `u-${randomUUID().slice(0, 8)}@westwind.test`;
  await addMailUser(address, password);
  return { address, password };
}

describe('POST /api/session', () => {
  it('requires a CSRF token', async () => {
    const client = new ApiClient(await app());
    const response = await client.request({
      method: 'POST',
      url: '/api/session',
      payload: { address: stack.DEMO_USER, password: stack.DEMO_PASSWORD },
      csrf: false,
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe(ErrorCodes.CSRF_INVALID);
  });

  it('rejects a forged CSRF token', async () => {
    const client = new ApiClient(await app());
    await client.csrf();
    const response = await client.request({
      method: 'POST',
      url: '/api/session',
      payload: { address: stack.DEMO_USER, password: stack.DEMO_PASSWORD },
      headers: { 'x-csrf-token': 'forged-token' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe(ErrorCodes.CSRF_INVALID);
  });

  it('signs in with a real IMAP LOGIN and sets a strict, HttpOnly cookie', async () => {
    const client = new ApiClient(await app());
    const response = await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.address).toBe(stack.DEMO_USER);
    expect(body.displayName).toBe('demo');
    expect(body.capabilities).toEqual(expect.arrayContaining(['IDLE', 'CONDSTORE', 'QRESYNC', 'MOVE']));
    const setCookie = [response.headers['set-cookie']].flat().find((c) => c?.startsWith('ww_session='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    // Served over plain HTTP here, so not Secure; see the trusted-proxy test for HTTPS.
    expect(setCookie).not.toMatch(/Secure/);
    const session = await client.session();
    expect(session.statusCode).toBe(200);
    expect(session.json().address).toBe(stack.DEMO_USER);
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy', async () => {
    // The request comes from the trusted proxy's address.
    const proxy = randomClientAddress();
    const client = new ApiClient(await app({ TRUST_PROXY: proxy }), proxy);
    const response = await client.request({
      method: 'POST',
      url: '/api/session',
      payload: { address: stack.DEMO_USER, password: stack.DEMO_PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(response.statusCode).toBe(200);
    const setCookie = [response.headers['set-cookie']].flat().find((c) => c?.startsWith('ww_session='));
    expect(setCookie).toMatch(/Secure/);
  });

  it('accepts a password with quotes, spaces and non-ASCII', async () => {
    const user = await newUser(`pä ss "wörd' \\ 密码 ${randomUUID().slice(0, 4)}`);
    const client = new ApiClient(await app());
    const response = await client.signIn(user.address, user.password);
    expect(response.statusCode).toBe(200);
  });

  it('gives the same answer for a wrong password and an unknown address', async () => {
    const server = await app();
    const user = await newUser();
    const wrongPassword = await new ApiClient(server).signIn(user.address, 'not-the-password');
    const unknownUser = await new ApiClient(server).signIn(
      `nobody-${randomUUID()}@westwind.test`,
      'whatever',
    );
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.statusCode).toBe(401);
    expect(wrongPassword.json()).toEqual(unknownUser.json());
    expect(wrongPassword.json().error.code).toBe(ErrorCodes.SIGN_IN_FAILED);
  });

  it('refuses a domain the operator does not serve', async () => {
    const client = new ApiClient(await app({ ALLOWED_DOMAINS: 'westwind.test' }));
    const response = await client.signIn('someone@example.org', 'pw');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
  });

  it('refuses a host the SSRF guard does not allow', async () => {
    const client = new ApiClient(await app({ UPSTREAM_ALLOWED_NETWORKS: undefined }));
    const response = await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
  });

  it('reports an upstream that refuses connections as unavailable', async () => {
    const port = await closedPort();
    const client = new ApiClient(await app({ IMAP_PORT: String(port) }));
    const response = await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe(ErrorCodes.UPSTREAM_UNAVAILABLE);
  });

  describe('with an upstream that accepts and never answers', () => {
    const silent = useSilentServer();

    it('times out with UPSTREAM_TIMEOUT and keeps serving meanwhile', async () => {
      const server = await app({ IMAP_PORT: String(silent.port), UPSTREAM_CONNECT_TIMEOUT_MS: '1500' });
      const signingIn = new ApiClient(server).signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
      const health = await server.inject('/healthz');
      expect(health.statusCode).toBe(200);
      const response = await signingIn;
      expect(response.statusCode).toBe(504);
      expect(response.json().error.code).toBe(ErrorCodes.UPSTREAM_TIMEOUT);
    });
  });

  it('rejects bad input with VALIDATION_FAILED', async () => {
    const client = new ApiClient(await app());
    for (const payload of [
      {},
      { address: stack.DEMO_USER },
      { address: 'x', password: 'y', host: '10.0.0.1' },
    ]) {
      const response = await client.request({ method: 'POST', url: '/api/session', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe(ErrorCodes.VALIDATION_FAILED);
    }
  });

  it('rejects an oversized body with BODY_TOO_LARGE', async () => {
    const client = new ApiClient(await app());
    const response = await client.request({
      method: 'POST',
      url: '/api/session',
      payload: { address: stack.DEMO_USER, password: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe(ErrorCodes.BODY_TOO_LARGE);
  });

  it('locks an account after repeated failures, with a retry time', async () => {
    const user = await newUser();
    const server = await app({ SIGNIN_MAX_FAILURES_PER_ACCOUNT: '3' });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await new ApiClient(server).signIn(user.address, 'wrong')).statusCode).toBe(401);
    }
    const locked = await new ApiClient(server).signIn(user.address, user.password);
    expect(locked.statusCode).toBe(429);
    const body = locked.json();
    expect(body.error.code).toBe(ErrorCodes.RATE_LIMITED);
    expect(body.error.retryAfterSeconds).toBeGreaterThan(0);
    expect(body.error.message).toMatch(/try again in \d+ s/);
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it('throttles 500 wrong passwords from one address and stays responsive', async () => {
    const server = await app({ SIGNIN_MAX_PER_CLIENT_ADDRESS: '20', API_RATE_LIMIT_PER_MINUTE: '100000' });
    const client = new ApiClient(server);
    await client.csrf();
    const statuses: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) => client.signIn(`guess-${batch}-${i}@westwind.test`, 'wrong')),
      );
      statuses.push(...responses.map((r) => r.statusCode));
      expect((await server.inject('/healthz')).statusCode).toBe(200);
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(480);
    // Another client address is not affected.
    const other = new ApiClient(server);
    expect((await other.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
  });
});

describe('with the session store down', () => {
  it('answers 503 STORE_UNAVAILABLE to sign-in and session checks, never 500', async () => {
    const dead = await silentServer();
    try {
      const server = await app({ REDIS_URL: `redis://127.0.0.1:${dead.port}` });
      const client = new ApiClient(server);
      const signIn = await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD);
      expect(signIn.statusCode).toBe(503);
      expect(signIn.json().error.code).toBe('STORE_UNAVAILABLE');
      client.cookies.set('ww_session', `v1.${'a'.repeat(43)}.${'b'.repeat(43)}`);
      const session = await client.session();
      expect(session.statusCode).toBe(503);
      expect(session.json().error.code).toBe('STORE_UNAVAILABLE');
    } finally {
      await dead.close();
    }
  });
});

describe('GET /api/session', () => {
  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).session();
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe(ErrorCodes.SESSION_REQUIRED);
  });

  it('refuses a tampered cookie', async () => {
    const client = new ApiClient(await app());
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const original = client.cookies.get('ww_session')!;
    const [version, id, key] = original.split('.');
    const flipped = `${key!.slice(0, -2)}${key!.endsWith('AA') ? 'AB' : 'AA'}`;
    for (const forged of [`${version}.${id}.${flipped}`, `${version}.${id}`, `${original}x`, 'v1.x.y']) {
      client.cookies.set('ww_session', forged);
      const response = await client.session();
      expect(response.statusCode).toBe(401);
    }
  });

  it('survives a server restart and works on any instance', async () => {
    const first = await app();
    const client = new ApiClient(first);
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const second = await app();
    expect((await client.on(second).session()).statusCode).toBe(200);
    await first.close();
    const restarted = await app();
    expect((await client.on(restarted).session()).statusCode).toBe(200);
  });

  it('expires after the idle timeout', async () => {
    const client = new ApiClient(await app({ SESSION_IDLE_TIMEOUT_S: '60' }));
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const redis = new Redis(stack.REDIS_URL);
    try {
      // Simulate 61 s of inactivity by making the record older instead of waiting.
      const keys = await redis.keys('ww:session:*');
      for (const key of keys) {
        const record = JSON.parse((await redis.get(key))!);
        if (record.address === stack.DEMO_USER && Date.now() - record.lastSeenAt < 5_000) {
          record.lastSeenAt -= 61_000;
          await redis.set(key, JSON.stringify(record), 'KEEPTTL');
        }
      }
    } finally {
      redis.disconnect();
    }
    expect((await client.session()).statusCode).toBe(401);
  });
});

describe('DELETE /api/session', () => {
  it('ends the session on every instance; the old cookie is useless', async () => {
    const first = await app();
    const second = await app();
    const client = new ApiClient(first);
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const replay = client.cookies.get('ww_session')!;
    const signOut = await client.signOut();
    expect(signOut.statusCode).toBe(204);
    expect(client.cookies.has('ww_session')).toBe(false);
    const replayed = client.on(second);
    replayed.cookies.set('ww_session', replay);
    expect((await replayed.session()).statusCode).toBe(401);
    expect((await client.session()).statusCode).toBe(401);
  });

  it("closes the account's IMAP connections on every instance after its last session", async () => {
    const user = await newUser();
    const first = await app();
    const second = await app();
    const client = new ApiClient(first);
    expect((await client.signIn(user.address, user.password)).statusCode).toBe(200);
    // Connections are opened by later capabilities; borrow one directly on the other instance.
    const session = await second.sessions.load(client.cookies.get('ww_session'));
    expect(session).not.toBeNull();
    const { record } = session!;
    const target = record.imap;
    await second.imap.withConnection(
      record.accountKey,
      target,
      { user: record.loginUser, password: user.password },
      async () => {},
    );
    expect(second.imap.stats().clients).toBe(1);
    expect((await client.signOut()).statusCode).toBe(204);
    await expect.poll(() => second.imap.stats().clients, { timeout: 5_000 }).toBe(0);
  });

  it('keeps the account connected while another device is signed in', async () => {
    const user = await newUser();
    const server = await app();
    const phone = new ApiClient(server);
    const laptop = new ApiClient(server);
    expect((await phone.signIn(user.address, user.password)).statusCode).toBe(200);
    expect((await laptop.signIn(user.address, user.password)).statusCode).toBe(200);
    expect((await phone.signOut()).statusCode).toBe(204);
    expect((await laptop.session()).statusCode).toBe(200);
    expect((await phone.session()).statusCode).toBe(401);
  });

  it('rotates the session id at sign-in', async () => {
    const server = await app();
    const client = new ApiClient(server);
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const before = client.cookies.get('ww_session')!;
    expect((await client.signIn(stack.DEMO_USER, stack.DEMO_PASSWORD)).statusCode).toBe(200);
    const after = client.cookies.get('ww_session')!;
    expect(after).not.toBe(before);
    const stale = new ApiClient(server);
    stale.cookies.set('ww_session', before);
    expect((await stale.session()).statusCode).toBe(401);
  });
});

describe('what the store holds', () => {
  it('contains no password, no usable session id and no credential openable without the cookie', async () => {
    const server = await app();
    const users = await Promise.all([newUser(), newUser(`späcial "pw" ${randomUUID()}`), newUser()]);
    const cookies: string[] = [];
    for (const user of users) {
      const client = new ApiClient(server);
      expect((await client.signIn(user.address, user.password)).statusCode).toBe(200);
      cookies.push(client.cookies.get('ww_session')!);
    }
    const secrets = [
      ...users.flatMap(({ password }) => {
        const bytes = Buffer.from(password, 'utf8');
        return [password, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
      }),
      ...cookies.flatMap((cookie) => cookie.split('.').slice(1)),
    ];
    const redis = new Redis(stack.REDIS_URL);
    const dump: string[] = [];
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          dump.push(key);
          const type = await redis.type(key);
          if (type === 'string') dump.push((await redis.get(key)) ?? '');
          else if (type === 'set') dump.push(...(await redis.smembers(key)));
          else if (type === 'hash') dump.push(...Object.entries(await redis.hgetall(key)).flat());
          else if (type === 'list') dump.push(...(await redis.lrange(key, 0, -1)));
          else if (type === 'zset') dump.push(...(await redis.zrange(key, '0', '-1')));
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    const everything = dump.join('\n');
    expect(dump.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    // The records are there, sealed: a session of each user exists but its credential is opaque.
    const records = dump.filter((v) => v.startsWith('{"v":1'));
    for (const user of users)
      expect(records.some((r) => r.includes(`"address":"${user.address}"`))).toBe(true);
  });
});
