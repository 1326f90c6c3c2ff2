import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ErrorCodes } from '@westwind/contract';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type GuardedFetchOptions,
  guardedFetchText,
  type LookupAddress,
  parseCidr,
  parseUpstreamConfig,
  resolveUpstream,
  type UpstreamConfig,
} from '../../apps/server/src/upstream/index.js';

const stack = inject('stack');

function upstreamConfig(env: Record<string, string>): UpstreamConfig {
  const { config, problems } = parseUpstreamConfig(env);
  expect(problems).toEqual([]);
  return config;
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; kind?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; kind?: string; cause?: unknown };
  }
  throw new Error('expected a rejection');
}

const causeOf = (error: { cause?: unknown }) => (error.cause instanceof Error ? error.cause.message : '');

describe('fixed mode against the local stack', () => {
  const stackEnv = () => ({
    IMAP_HOST: stack.IMAP_HOST,
    IMAP_PORT: String(stack.IMAP_PORT),
    SMTP_HOST: stack.SMTP_HOST,
    SMTP_PORT: String(stack.SMTP_PORT),
  });

  it('resolves to the allowed loopback network, and IMAP LOGIN works on the checked address', async () => {
    const config = upstreamConfig({ ...stackEnv(), UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8' });
    const resolved = await resolveUpstream(stack.DEMO_USER, config);
    expect(resolved.imap).toMatchObject({ address: '127.0.0.1', port: stack.IMAP_PORT, secure: false });
    expect(resolved.smtp).toMatchObject({ address: '127.0.0.1', port: stack.SMTP_PORT });
    expect(resolved.loginUser).toBe(stack.DEMO_USER);

    const client = new ImapFlow({
      host: resolved.imap.address,
      port: resolved.imap.port,
      secure: resolved.imap.secure,
      auth: { user: resolved.loginUser, pass: stack.DEMO_PASSWORD },
      connectionTimeout: config.connectTimeoutMs,
      logger: false,
    });
    client.on('error', () => {});
    await client.connect();
    try {
      expect(client.authenticated).toBeTruthy();
      const inbox = await client.status('INBOX', { messages: true });
      expect(inbox).toMatchObject({ path: 'INBOX' });
    } finally {
      await client.logout();
    }
  });

  it('refuses the same loopback stack when the operator has not allowed its network', async () => {
    const error = await rejection(resolveUpstream(stack.DEMO_USER, upstreamConfig(stackEnv())));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/loopback/);
  });

  it('refuses "localhost" through the real system resolver unless every answer is allowed', async () => {
    const env = { ...stackEnv(), IMAP_HOST: 'localhost', SMTP_HOST: 'localhost' };
    expect((await rejection(resolveUpstream(stack.DEMO_USER, upstreamConfig(env)))).code).toBe(
      ErrorCodes.HOST_NOT_ALLOWED,
    );
    const allowed = upstreamConfig({ ...env, UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128' });
    const resolved = await resolveUpstream(stack.DEMO_USER, allowed);
    expect(resolved.imap.host).toBe('localhost');
    expect(['127.0.0.1', '::1']).toContain(resolved.imap.address);
  });
});

/** Loopback HTTP(S) fixture: records every request, answers by path. */
interface Fixture {
  port: number;
  requests: { host: string | undefined; url: string }[];
  close(): Promise<void>;
}

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

async function listen(server: http.Server | https.Server, handler: Handler): Promise<Fixture> {
  const requests: Fixture['requests'] = [];
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    requests.push({ host: request.headers.host, url: request.url ?? '' });
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const autoconfigXml = (
  imapPort: number,
  smtpPort: number,
  socketType: 'SSL' | 'STARTTLS',
) => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="westwind.test">
    <domain>westwind.test</domain>
    <incomingServer type="imap">
      <hostname>imap.westwind.test</hostname>
      <port>${imapPort}</port>
      <socketType>${socketType}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.westwind.test</hostname>
      <port>${smtpPort}</port>
      <socketType>${socketType}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILLOCALPART%</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;

/** A DNS for names under westwind.test that nothing else can resolve; counts lookups. */
function loopbackDns(table: Record<string, string[]>) {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    const answers = table[host];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, calls };
}

const noSrv = async (name: string) => {
  throw Object.assign(new Error(`queryDns ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

describe('discover mode: the real guarded fetch over loopback HTTP', () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await listen(http.createServer(), (request, response) => {
      const url = new URL(request.url ?? '/', 'http://fixture');
      if (url.pathname === '/mail/config-v1.1.xml') {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end(autoconfigXml(stack.IMAP_PORT, stack.SMTP_PORT, 'STARTTLS'));
      } else if (url.pathname === '/big') {
        response.writeHead(200, { 'content-type': 'application/xml' }); // chunked: no Content-Length
        for (let i = 0; i < 100; i++) response.write('x'.repeat(1024));
        response.end();
      } else if (url.pathname === '/big-declared') {
        response.writeHead(200, { 'content-length': String(200_000) });
        response.end('x'.repeat(200_000));
      } else if (url.pathname === '/hop') {
        response.writeHead(302, { location: '/mail/config-v1.1.xml' });
        response.end();
      } else if (url.pathname === '/away') {
        response.writeHead(302, { location: 'http://metadata.westwind.test/latest/meta-data/' });
        response.end();
      } else if (url.pathname === '/silent') {
        // never answers
      } else {
        response.writeHead(404);
        response.end();
      }
    });
  });
  afterAll(() => fixture.close());

  const discoverConfig = (extra: Record<string, string> = {}) =>
    upstreamConfig({
      UPSTREAM_MODE: 'discover',
      DISCOVERY_ALLOWED_HOSTS: '*.westwind.test',
      UPSTREAM_DNS_TIMEOUT_MS: '500',
      DISCOVERY_TIMEOUT_MS: '1000',
      ...extra,
    });

  /** What a test may inject as fetchText: the real guarded fetch, with https:// mapped to the fixture. */
  const viaFixture = (options: GuardedFetchOptions) => (url: string) => {
    const target = new URL(url);
    target.protocol = 'http:';
    target.port = String(fixture.port);
    return guardedFetchText(target.href, { ...options, allowHttpForTests: true });
  };

  const guardOptions = (lookup: GuardedFetchOptions['lookup'], allowed: string[]): GuardedFetchOptions => ({
    allowedNetworks: allowed.map(parseCidr),
    lookup,
    dnsTimeoutMs: 500,
    timeoutMs: 1_000,
    maxBytes: 64 * 1024,
  });

  it('fetches autoconfig from the checked address with the name as Host, and checks the servers it names', async () => {
    const dns = loopbackDns({
      'autoconfig.westwind.test': ['127.0.0.1'],
      'imap.westwind.test': ['127.0.0.1'],
      'smtp.westwind.test': ['127.0.0.1'],
    });
    const config = discoverConfig({ UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8' });
    const before = fixture.requests.length;
    const resolved = await resolveUpstream('demo@westwind.test', config, {
      lookup: dns.lookup,
      resolveSrv: noSrv,
      fetchText: viaFixture(guardOptions(dns.lookup, ['127.0.0.0/8'])),
    });
    expect(resolved).toEqual({
      domain: 'westwind.test',
      imap: {
        host: 'imap.westwind.test',
        address: '127.0.0.1',
        port: stack.IMAP_PORT,
        secure: false,
        starttls: true,
      },
      smtp: {
        host: 'smtp.westwind.test',
        address: '127.0.0.1',
        port: stack.SMTP_PORT,
        secure: false,
        starttls: true,
      },
      loginUser: 'demo@westwind.test',
      smtpLoginUser: 'demo',
    });
    const seen = fixture.requests.slice(before);
    expect(seen).toContainEqual({
      host: `autoconfig.westwind.test:${fixture.port}`,
      url: '/mail/config-v1.1.xml?emailaddress=demo%40westwind.test',
    });
    // One lookup per name: the socket connected to the checked address without asking DNS again
    // (the system resolver does not know these names, so a second lookup would have failed).
    expect(dns.calls.filter((name) => name === 'autoconfig.westwind.test')).toHaveLength(1);
  });

  it('never connects to a loopback autoconfig host the operator has not allowed', async () => {
    const dns = loopbackDns({ 'autoconfig.westwind.test': ['127.0.0.1'], 'westwind.test': ['127.0.0.1'] });
    const before = fixture.requests.length;
    const error = await rejection(
      resolveUpstream('demo@westwind.test', discoverConfig(), {
        lookup: dns.lookup,
        resolveSrv: noSrv,
        fetchText: viaFixture(guardOptions(dns.lookup, [])),
      }),
    );
    expect(error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
    expect(causeOf(error)).toMatch(/autoconfig\.westwind\.test resolves to 127\.0\.0\.1: loopback/);
    expect(fixture.requests.length).toBe(before);
  });

  it('refuses a host whose answers mix an allowed and a forbidden address, before connecting', async () => {
    const dns = loopbackDns({ 'autoconfig.westwind.test': ['127.0.0.1', '10.0.0.1'] });
    const before = fixture.requests.length;
    const error = await rejection(
      guardedFetchText(`http://autoconfig.westwind.test:${fixture.port}/mail/config-v1.1.xml`, {
        ...guardOptions(dns.lookup, ['127.0.0.0/8']),
        allowHttpForTests: true,
      }),
    );
    expect(error.kind).toBe('forbidden');
    expect(error.message).toMatch(/10\.0\.0\.1: private/);
    expect(fixture.requests.length).toBe(before);
  });

  describe('limits of the fetch itself', () => {
    const dns = loopbackDns({
      'autoconfig.westwind.test': ['127.0.0.1'],
      'metadata.westwind.test': ['127.0.0.1'],
    });
    const fetchPath = (pathname: string, options: Partial<GuardedFetchOptions> = {}) =>
      guardedFetchText(`http://autoconfig.westwind.test:${fixture.port}${pathname}`, {
        ...guardOptions(dns.lookup, ['127.0.0.0/8']),
        allowHttpForTests: true,
        ...options,
      });

    it('refuses http: unless a test asks for it', async () => {
      const error = await rejection(
        guardedFetchText(`http://autoconfig.westwind.test:${fixture.port}/mail/config-v1.1.xml`, {
          ...guardOptions(dns.lookup, ['127.0.0.0/8']),
        }),
      );
      expect(error.kind).toBe('forbidden');
      expect(error.message).toMatch(/only https:/);
    });

    it('refuses a body over the size cap, streamed or declared', async () => {
      expect((await rejection(fetchPath('/big'))).kind).toBe('too-large');
      expect((await rejection(fetchPath('/big-declared'))).kind).toBe('too-large');
      await expect(fetchPath('/big', { maxBytes: 200 * 1024 })).resolves.toHaveLength(100 * 1024);
    });

    it('follows a redirect within the origin and refuses one to another host', async () => {
      await expect(fetchPath('/hop')).resolves.toContain('<clientConfig');
      const away = await rejection(fetchPath('/away'));
      expect(away.kind).toBe('redirect');
      expect(away.message).toMatch(/another origin/);
    });

    it('gives up on a silent server at its deadline', async () => {
      const started = Date.now();
      const error = await rejection(fetchPath('/silent', { timeoutMs: 300 }));
      expect(error.kind).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('reports an HTTP error status', async () => {
      const error = await rejection(fetchPath('/missing'));
      expect(error.kind).toBe('status');
      expect(error.message).toMatch(/HTTP 404/);
    });
  });
});

describe('discover mode: the real guarded fetch over HTTPS', () => {
  let dir: string;
  let fixture: Fixture;
  let ca: string;

  beforeAll(async () => {
    // A self-signed certificate for the autoconfig NAME: the client connects to 127.0.0.1 but must
    // send that name as SNI and verify the certificate against it.
    dir = mkdtempSync(path.join(tmpdir(), 'westwind-autoconfig-'));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=autoconfig.westwind.test',
        '-addext',
        'subjectAltName=DNS:autoconfig.westwind.test',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert, 'utf8');
    const server = https.createServer({ key: readFileSync(key), cert: ca });
    fixture = await listen(server, (request, response) => {
      const sni = (request.socket as TLSSocket).servername;
      if (sni !== 'autoconfig.westwind.test') {
        response.writeHead(421);
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(autoconfigXml(993, 465, 'SSL'));
    });
  });
  afterAll(async () => {
    await fixture?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects to the checked IP with the name for SNI and certificate verification', async () => {
    const dns = loopbackDns({
      'autoconfig.westwind.test': ['127.0.0.1'],
      'imap.westwind.test': ['127.0.0.1'],
      'smtp.westwind.test': ['127.0.0.1'],
    });
    const options: GuardedFetchOptions = {
      allowedNetworks: [parseCidr('127.0.0.0/8')],
      lookup: dns.lookup,
      dnsTimeoutMs: 500,
      timeoutMs: 2_000,
      maxBytes: 64 * 1024,
      ca,
    };
    const config = upstreamConfig({
      UPSTREAM_MODE: 'discover',
      DISCOVERY_ALLOWED_HOSTS: '*.westwind.test',
      UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
    });
    const resolved = await resolveUpstream('demo@westwind.test', config, {
      lookup: dns.lookup,
      resolveSrv: noSrv,
      // Only the port differs from production: the fixture cannot listen on 443.
      fetchText: (url) => {
        const target = new URL(url);
        target.port = String(fixture.port);
        return guardedFetchText(target.href, options);
      },
    });
    expect(resolved.imap).toEqual({
      host: 'imap.westwind.test',
      address: '127.0.0.1',
      port: 993,
      secure: true,
      starttls: false,
    });
    expect(fixture.requests[0]?.host).toBe(`autoconfig.westwind.test:${fixture.port}`);
  });

  it('fails the certificate check when the name does not match the certificate', async () => {
    const dns = loopbackDns({ 'other.westwind.test': ['127.0.0.1'] });
    const error = await rejection(
      guardedFetchText(`https://other.westwind.test:${fixture.port}/mail/config-v1.1.xml`, {
        allowedNetworks: [parseCidr('127.0.0.0/8')],
        lookup: dns.lookup,
        dnsTimeoutMs: 500,
        timeoutMs: 2_000,
        maxBytes: 64 * 1024,
        ca,
      }),
    );
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/altnames|certificate|Hostname/i);
  });
});
