import type { SrvRecord } from 'node:dns';
import { readFileSync } from 'node:fs';
import { ErrorCodes } from '@westwind/contract';
import { describe, expect, it } from 'vitest';
import { DiscoveryCache, type DiscoveryOutcome } from './discovery.js';
import type { LookupAddress } from './guard.js';
import { parseUpstreamConfig, type UpstreamConfig } from './policy-config.js';
import { type ResolveDeps, resolveUpstream } from './resolve.js';

// Test "public" addresses are from 198.51.99.0/24 (just below TEST-NET-2, which the guard refuses)
// and 2606:4700::/32; nothing here connects anywhere: DNS, SRV and HTTP are fakes.
const ISPDB_SAMPLE = readFileSync(new URL('./fixtures/ispdb-example.com.xml', import.meta.url), 'utf8');

function config(env: Record<string, string>): UpstreamConfig {
  const { config, problems } = parseUpstreamConfig(env);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return config;
}

function notFound(name: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

/** A DNS that knows only the given names; every call is recorded. */
function fakeDns(table: Record<string, string[]>) {
  const asked: string[] = [];
  const lookup = async (host: string): Promise<LookupAddress[]> => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw notFound(host);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { lookup, asked };
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; cause?: unknown };
  }
  throw new Error('expected a rejection');
}

const causeOf = (error: { cause?: unknown }) => (error.cause instanceof Error ? error.cause.message : '');

describe('resolveUpstream: address syntax', () => {
  const fixed = config({ IMAP_HOST: '198.51.99.1', SMTP_HOST: '198.51.99.2' });

  it.each([
    ['no at sign', 'demo.example.org'],
    ['two at signs', 'a@b@example.org'],
    ['empty local part', '@example.org'],
    ['CRLF', 'demo\r\nX-Injected: 1@example.org'],
    ['NUL', 'demo@exam\u0000ple.org'],
    ['space', 'de mo@example.org'],
    ['address literal', 'demo@[127.0.0.1]'],
    ['IPv4 as a domain', 'demo@127.0.0.1'],
    ['single-label domain', 'demo@localhost'],
    ['URL characters in the domain', 'demo@evil.example/x.example.org'],
    ['percent escapes', 'demo@a%2e.example.org'],
    ['quoted local part', '"de mo"@example.org'],
    ['too long', `${'a'.repeat(65)}@example.org`],
    ['label too long', `demo@${'a'.repeat(64)}.org`],
    ['empty', ''],
  ])('refuses %s as an unknown domain without echoing the input', async (_, address) => {
    const error = await rejection(resolveUpstream(address, fixed, fakeDns({})));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
    expect(error.message).toBe('This server does not serve mail for that address');
    expect(causeOf(error)).toMatch(/^invalid address: /);
  });

  it('normalises the domain (case, IDNA) and keeps the local part as typed', async () => {
    const resolved = await resolveUpstream('Demo.User@Bücher.EXAMPLE', fixed, fakeDns({}));
    expect(resolved.domain).toBe('xn--bcher-kva.example');
    expect(resolved.loginUser).toBe('Demo.User@xn--bcher-kva.example');
  });
});

describe('resolveUpstream: fixed mode', () => {
  it('resolves the operator-allowed local stack', async () => {
    const local = config({
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: '10143',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: '10587',
      UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8',
    });
    const resolved = await resolveUpstream('demo@westwind.test', local, fakeDns({}));
    expect(resolved).toEqual({
      domain: 'westwind.test',
      imap: { host: '127.0.0.1', address: '127.0.0.1', port: 10143, secure: false, starttls: false },
      smtp: { host: '127.0.0.1', address: '127.0.0.1', port: 10587, secure: false, starttls: false },
      loginUser: 'demo@westwind.test',
      smtpLoginUser: 'demo@westwind.test',
    });
  });

  it('refuses a loopback literal the operator did not allow', async () => {
    const error = await rejection(resolveUpstream('demo@westwind.test', config({}), fakeDns({})));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(error.message).toBe('The mail server for westwind.test is not allowed here');
    expect(causeOf(error)).toMatch(/127\.0\.0\.1 resolves to 127\.0\.0\.1: loopback/);
  });

  it('refuses a name that resolves to a private address', async () => {
    const dns = fakeDns({ 'imap.example.org': ['10.1.2.3'], 'smtp.example.org': ['203.0.113.1'] });
    const cfg = config({ IMAP_HOST: 'imap.example.org', SMTP_HOST: 'smtp.example.org' });
    const error = await rejection(resolveUpstream('a@example.org', cfg, dns));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/imap\.example\.org resolves to 10\.1\.2\.3: private/);
  });

  it('refuses a name with mixed public and private answers (DNS rebinding)', async () => {
    const dns = fakeDns({ 'mail.example.org': ['8.8.8.8', '2606:4700::1', '::ffff:169.254.169.254'] });
    const cfg = config({ IMAP_HOST: 'mail.example.org', SMTP_HOST: 'mail.example.org' });
    const error = await rejection(resolveUpstream('a@example.org', cfg, dns));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/169\.254\.169\.254: link-local/);
  });

  it('carries the name for TLS and the first checked address to connect to', async () => {
    const dns = fakeDns({ 'imap.example.org': ['8.8.4.4', '8.8.8.8'], 'smtp.example.org': ['2606:4700::1'] });
    const cfg = config({
      IMAP_HOST: 'imap.example.org',
      IMAP_SECURE: 'true',
      SMTP_HOST: 'smtp.example.org',
      SMTP_STARTTLS: 'true',
    });
    const resolved = await resolveUpstream('a@example.org', cfg, dns);
    expect(resolved.imap).toEqual({
      host: 'imap.example.org',
      address: '8.8.4.4',
      port: 993,
      secure: true,
      starttls: false,
    });
    expect(resolved.smtp).toEqual({
      host: 'smtp.example.org',
      address: '2606:4700::1',
      port: 587,
      secure: false,
      starttls: true,
    });
  });

  it('accepts only ALLOWED_DOMAINS when set', async () => {
    const cfg = config({
      IMAP_HOST: '198.51.99.1',
      SMTP_HOST: '198.51.99.2',
      ALLOWED_DOMAINS: 'example.org,*.example.net',
    });
    await expect(resolveUpstream('a@example.org', cfg, fakeDns({}))).resolves.toMatchObject({
      domain: 'example.org',
    });
    await expect(resolveUpstream('a@Mail.Example.NET', cfg, fakeDns({}))).resolves.toMatchObject({
      domain: 'mail.example.net',
    });
    const other = await rejection(resolveUpstream('a@example.com', cfg, fakeDns({})));
    expect(other.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
    expect(other.message).toBe('This server does not serve mail for example.com');
    // The wildcard covers subdomains only.
    expect((await rejection(resolveUpstream('a@example.net', cfg, fakeDns({})))).code).toBe(
      ErrorCodes.UNKNOWN_DOMAIN,
    );
  });

  it('reports a name that does not resolve as unavailable, and a silent DNS as a timeout', async () => {
    const cfg = config({
      IMAP_HOST: 'imap.example.org',
      SMTP_HOST: 'imap.example.org',
      UPSTREAM_DNS_TIMEOUT_MS: '100',
    });
    const missing = await rejection(resolveUpstream('a@example.org', cfg, fakeDns({})));
    expect(missing.code).toBe(ErrorCodes.UPSTREAM_UNAVAILABLE);
    const started = Date.now();
    const silent = await rejection(
      resolveUpstream('a@example.org', cfg, { lookup: () => new Promise<LookupAddress[]>(() => {}) }),
    );
    expect(silent.code).toBe(ErrorCodes.UPSTREAM_TIMEOUT);
    expect(Date.now() - started).toBeLessThan(2_000);
    const again = await rejection(
      resolveUpstream('a@example.org', cfg, {
        lookup: async () => {
          throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
        },
      }),
    );
    expect(again.code).toBe(ErrorCodes.UPSTREAM_TIMEOUT);
  });
});

describe('resolveUpstream: domains mode', () => {
  const cfg = config({
    UPSTREAM_MODE: 'domains',
    UPSTREAM_DOMAINS: JSON.stringify({
      'example.org': { imap: 'imap.example.org:993', smtp: 'smtp.example.org:587' },
      '*.example.org': { imap: 'imap.hosted.example:993', smtp: 'smtp.hosted.example:465' },
      'special.example.org': {
        imap: 'imap.special.example:143:starttls',
        smtp: 'smtp.special.example:25:plain',
      },
      'intranet.example': { imap: '10.0.0.5:143', smtp: '10.0.0.5:587' },
    }),
  });
  const dns = fakeDns({
    'imap.example.org': ['198.51.99.1'],
    'smtp.example.org': ['198.51.99.2'],
    'imap.hosted.example': ['198.51.99.3'],
    'smtp.hosted.example': ['198.51.99.4'],
    'imap.special.example': ['198.51.99.5'],
    'smtp.special.example': ['198.51.99.6'],
  });

  it('uses the exact entry of a domain', async () => {
    const resolved = await resolveUpstream('a@example.org', cfg, dns);
    expect(resolved.imap).toMatchObject({ host: 'imap.example.org', address: '198.51.99.1', secure: true });
    expect(resolved.smtp).toMatchObject({
      host: 'smtp.example.org',
      port: 587,
      secure: false,
      starttls: true,
    });
  });

  it('uses a wildcard entry for subdomains, and an exact entry before it', async () => {
    expect((await resolveUpstream('a@team.example.org', cfg, dns)).imap.host).toBe('imap.hosted.example');
    expect((await resolveUpstream('a@x.y.example.org', cfg, dns)).smtp.host).toBe('smtp.hosted.example');
    const special = await resolveUpstream('a@special.example.org', cfg, dns);
    expect(special.imap).toMatchObject({ host: 'imap.special.example', port: 143, starttls: true });
    expect(special.smtp).toMatchObject({ port: 25, secure: false, starttls: false });
  });

  it('refuses a domain it does not list', async () => {
    const error = await rejection(resolveUpstream('a@example.com', cfg, dns));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
  });

  it('still applies the SSRF guard to an operator-listed private server', async () => {
    const error = await rejection(resolveUpstream('a@intranet.example', cfg, dns));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    const allowed = {
      ...cfg,
      allowedNetworks: config({ UPSTREAM_ALLOWED_NETWORKS: '10.0.0.0/24' }).allowedNetworks,
    };
    await expect(resolveUpstream('a@intranet.example', allowed, dns)).resolves.toMatchObject({
      imap: { address: '10.0.0.5' },
    });
  });
});

describe('resolveUpstream: discover mode', () => {
  const discoverEnv = {
    UPSTREAM_MODE: 'discover',
    DISCOVERY_ALLOWED_HOSTS: '*.example.com,mail.provider.example',
    UPSTREAM_DNS_TIMEOUT_MS: '200',
    DISCOVERY_TIMEOUT_MS: '300',
  };
  const publicDns = {
    'imap.example.com': ['198.51.99.10'],
    'smtp.example.com': ['198.51.99.11'],
    'mail.provider.example': ['2606:4700::10'],
    'evil.attacker.example': ['198.51.99.66'],
  };

  /** Fakes for one run: autoconfig documents by URL prefix, SRV answers by name. */
  function fakes(
    documents: Record<string, string>,
    srv: Record<string, SrvRecord[]> = {},
    dns: Record<string, string[]> = publicDns,
  ): ResolveDeps & { fetched: string[]; srvAsked: string[]; asked: string[] } {
    const fetched: string[] = [];
    const srvAsked: string[] = [];
    return {
      ...fakeDns(dns),
      fetched,
      srvAsked,
      fetchText: async (url) => {
        fetched.push(url);
        for (const [prefix, body] of Object.entries(documents)) if (url.startsWith(prefix)) return body;
        throw new Error('HTTP 404');
      },
      resolveSrv: async (name) => {
        srvAsked.push(name);
        const records = srv[name];
        if (!records) throw Object.assign(new Error(`queryDns ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return records;
      },
    };
  }

  const srvRecord = (name: string, port: number, priority = 0, weight = 0): SrvRecord => ({
    name,
    port,
    priority,
    weight,
  });

  it('uses autoconfig first, with its preferred servers and username templates', async () => {
    const deps = fakes({ 'https://autoconfig.example.com/': ISPDB_SAMPLE });
    const resolved = await resolveUpstream('Jane.Doe@Example.com', config(discoverEnv), deps);
    expect(resolved).toEqual({
      domain: 'example.com',
      imap: { host: 'imap.example.com', address: '198.51.99.10', port: 993, secure: true, starttls: false },
      smtp: { host: 'smtp.example.com', address: '198.51.99.11', port: 465, secure: true, starttls: false },
      loginUser: 'Jane.Doe@example.com',
      smtpLoginUser: 'Jane.Doe',
    });
    expect(deps.fetched).toEqual([
      'https://autoconfig.example.com/mail/config-v1.1.xml?emailaddress=Jane.Doe%40example.com',
      'https://example.com/.well-known/autoconfig/mail/config-v1.1.xml',
    ]);
    expect(deps.srvAsked).toEqual([
      '_imaps._tcp.example.com',
      '_imap._tcp.example.com',
      '_submissions._tcp.example.com',
      '_submission._tcp.example.com',
    ]);
  });

  it('falls back to the well-known URL', async () => {
    const deps = fakes({ 'https://example.com/.well-known/autoconfig/': ISPDB_SAMPLE });
    expect((await resolveUpstream('a@example.com', config(discoverEnv), deps)).imap.host).toBe(
      'imap.example.com',
    );
  });

  it('falls back to SRV records, implicit TLS first, by priority and weight, ignoring "."', async () => {
    const deps = fakes(
      {},
      {
        '_imaps._tcp.provider.example': [srvRecord('.', 0)],
        '_imap._tcp.provider.example': [
          srvRecord('localhost', 143, 0),
          srvRecord('backup.example.com', 143, 20),
          srvRecord('mail.provider.example', 143, 10, 5),
        ],
        '_submissions._tcp.provider.example': [srvRecord('mail.provider.example', 465)],
        '_submission._tcp.provider.example': [srvRecord('mail.provider.example', 587)],
      },
    );
    const resolved = await resolveUpstream('a@provider.example', config(discoverEnv), deps);
    expect(resolved.imap).toEqual({
      host: 'mail.provider.example',
      address: '2606:4700::10',
      port: 143,
      secure: false,
      starttls: true,
    });
    expect(resolved.smtp).toMatchObject({ host: 'mail.provider.example', port: 465, secure: true });
    expect(resolved.loginUser).toBe('a@provider.example');
  });

  it('refuses servers outside DISCOVERY_ALLOWED_HOSTS', async () => {
    const hostile = ISPDB_SAMPLE.replaceAll('imap.example.com', 'evil.attacker.example');
    const deps = fakes({ 'https://autoconfig.example.com/': hostile });
    const error = await rejection(resolveUpstream('a@example.com', config(discoverEnv), deps));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/imap host evil\.attacker\.example: not in DISCOVERY_ALLOWED_HOSTS/);
    expect(deps.asked).not.toContain('evil.attacker.example');
  });

  it('refuses a plain-text server even on an allowed host', async () => {
    const deps = fakes(
      {},
      {
        '_imap._tcp.provider.example': [srvRecord('mail.provider.example', 143)],
        '_submission._tcp.provider.example': [srvRecord('mail.provider.example', 587)],
      },
    );
    // SRV _imap means STARTTLS (RFC 6186), so it is acceptable; a plain autoconfig entry is not.
    await expect(resolveUpstream('a@provider.example', config(discoverEnv), deps)).resolves.toBeDefined();
    const plain = ISPDB_SAMPLE.replaceAll(
      '<socketType>SSL</socketType>',
      '<socketType>plain</socketType>',
    ).replaceAll('<socketType>STARTTLS</socketType>', '<socketType>plain</socketType>');
    const error = await rejection(
      resolveUpstream(
        'a@example.com',
        config(discoverEnv),
        fakes({ 'https://autoconfig.example.com/': plain }),
      ),
    );
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/plain text, no TLS/);
  });

  it('refuses an allowed host name that resolves to a private address', async () => {
    const deps = fakes(
      { 'https://autoconfig.example.com/': ISPDB_SAMPLE },
      {},
      {
        ...publicDns,
        'imap.example.com': ['198.51.99.10', '192.168.0.10'],
      },
    );
    const error = await rejection(resolveUpstream('a@example.com', config(discoverEnv), deps));
    expect(error.code).toBe(ErrorCodes.HOST_NOT_ALLOWED);
    expect(causeOf(error)).toMatch(/192\.168\.0\.10: private/);
  });

  it('refuses an oversize autoconfig response', async () => {
    const padded = ISPDB_SAMPLE.replace('</clientConfig>', `<!-- ${'x'.repeat(70_000)} --></clientConfig>`);
    const deps = fakes({ 'https://autoconfig.example.com/': padded });
    const error = await rejection(resolveUpstream('a@example.com', config(discoverEnv), deps));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
    expect(causeOf(error)).toMatch(/response over 65536 bytes refused/);
    // A larger cap accepts the same document.
    const roomy = config({ ...discoverEnv, DISCOVERY_MAX_BYTES: String(128 * 1024) });
    await expect(
      resolveUpstream('a@example.com', roomy, fakes({ 'https://autoconfig.example.com/': padded })),
    ).resolves.toBeDefined();
  });

  it('gives up on a silent autoconfig server within the deadline and uses SRV', async () => {
    const deps = fakes(
      {},
      {
        '_imaps._tcp.provider.example': [srvRecord('mail.provider.example', 993)],
        '_submissions._tcp.provider.example': [srvRecord('mail.provider.example', 465)],
      },
    );
    deps.fetchText = () => new Promise<string>(() => {});
    const started = Date.now();
    const resolved = await resolveUpstream('a@provider.example', config(discoverEnv), deps);
    expect(resolved.imap.port).toBe(993);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a domain with no discoverable settings as unknown', async () => {
    const error = await rejection(resolveUpstream('a@nothing.example', config(discoverEnv), fakes({})));
    expect(error.code).toBe(ErrorCodes.UNKNOWN_DOMAIN);
    expect(error.message).toBe('This server does not serve mail for nothing.example');
  });

  it('caches a discovery per domain and shares one in flight', async () => {
    const cfg = config(discoverEnv);
    const deps = fakes({ 'https://autoconfig.example.com/': ISPDB_SAMPLE });
    await Promise.all([
      resolveUpstream('a@example.com', cfg, deps),
      resolveUpstream('b@example.com', cfg, deps),
    ]);
    await resolveUpstream('c@EXAMPLE.com', cfg, deps);
    expect(deps.fetched).toHaveLength(2);
    // Addresses are still resolved and checked at every sign-in.
    expect(deps.asked.filter((h) => h === 'imap.example.com')).toHaveLength(3);
    // Another config object has its own cache.
    await resolveUpstream('a@example.com', config(discoverEnv), deps);
    expect(deps.fetched).toHaveLength(4);
  });
});

describe('DiscoveryCache', () => {
  const outcome = (tag: string): DiscoveryOutcome => ({ imap: [], smtp: [], refused: [tag], failures: [] });

  it('expires entries after their TTL', () => {
    let now = 1_000;
    const cache = new DiscoveryCache(10, () => now);
    cache.set('a.example', outcome('a'), 500);
    expect(cache.get('a.example')?.refused).toEqual(['a']);
    now += 499;
    expect(cache.get('a.example')).toBeDefined();
    now += 1;
    expect(cache.get('a.example')).toBeUndefined();
    cache.set('b.example', outcome('b'), 0);
    expect(cache.get('b.example')).toBeUndefined();
  });

  it('holds at most its size, dropping the least recently used', () => {
    const cache = new DiscoveryCache(2);
    cache.set('a', outcome('a'), 60_000);
    cache.set('b', outcome('b'), 60_000);
    cache.get('a');
    cache.set('c', outcome('c'), 60_000);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });

  it('does not keep a failed load', async () => {
    const cache = new DiscoveryCache(2);
    await expect(cache.getOrLoad('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const loaded = await cache.getOrLoad('a', async () => ({ outcome: outcome('ok'), ttlMs: 1_000 }));
    expect(loaded.refused).toEqual(['ok']);
  });
});
