import { describe, expect, it } from 'vitest';
import { parseServerSpec, parseUpstreamConfig } from './policy-config.js';

describe('parseUpstreamConfig', () => {
  it('defaults to fixed mode on the IMAP_*/SMTP_* pair, with no network allowed beyond the public internet', () => {
    const { config, problems } = parseUpstreamConfig({});
    expect(problems).toEqual([]);
    expect(config.mode).toBe('fixed');
    if (config.mode !== 'fixed') throw new Error('unreachable');
    expect(config.imap).toEqual({ host: '127.0.0.1', port: 143, tls: 'plain' });
    expect(config.smtp).toEqual({ host: '127.0.0.1', port: 587, tls: 'plain' });
    expect(config.allowedNetworks).toEqual([]);
    expect(config.allowedDomains).toEqual([]);
    expect(config.connectTimeoutMs).toBe(10_000);
    expect(config.dnsTimeoutMs).toBe(3_000);
  });

  it('reads fixed mode with TLS choices, allowed domains and networks', () => {
    const { config, problems } = parseUpstreamConfig({
      IMAP_HOST: 'IMAP.Example.ORG',
      IMAP_SECURE: 'true',
      SMTP_HOST: '[2001:db8::25]',
      SMTP_STARTTLS: 'yes',
      ALLOWED_DOMAINS: 'example.org, *.Example.net ,',
      UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
      UPSTREAM_CONNECT_TIMEOUT_MS: '2500',
    });
    expect(problems).toEqual([]);
    if (config.mode !== 'fixed') throw new Error('expected fixed mode');
    expect(config.imap).toEqual({ host: 'imap.example.org', port: 993, tls: 'tls' });
    expect(config.smtp).toEqual({ host: '2001:db8::25', port: 587, tls: 'starttls' });
    expect(config.allowedDomains.map((p) => p.text)).toEqual(['example.org', '*.example.net']);
    expect(config.allowedNetworks.map((n) => n.text)).toEqual(['127.0.0.0/8', '0:0:0:0:0:0:0:1/128']);
    expect(config.connectTimeoutMs).toBe(2500);
  });

  it('reads domains mode, wildcard keys and default TLS by port', () => {
    const { config, problems } = parseUpstreamConfig({
      UPSTREAM_MODE: 'domains',
      UPSTREAM_DOMAINS: JSON.stringify({
        'example.org': { imap: 'imap.example.org:993', smtp: 'smtp.example.org:587' },
        '*.example.net': { imap: 'mx.example.net:143:plain', smtp: '[2001:db8::1]:465:tls' },
      }),
    });
    expect(problems).toEqual([]);
    if (config.mode !== 'domains') throw new Error('expected domains mode');
    expect(config.domains).toHaveLength(2);
    expect(config.domains[0]).toMatchObject({
      pattern: { name: 'example.org', wildcard: false },
      imap: { host: 'imap.example.org', port: 993, tls: 'tls' },
      smtp: { host: 'smtp.example.org', port: 587, tls: 'starttls' },
    });
    expect(config.domains[1]).toMatchObject({
      pattern: { name: 'example.net', wildcard: true },
      imap: { tls: 'plain' },
      smtp: { host: '2001:db8::1', port: 465, tls: 'tls' },
    });
  });

  it('reads discover mode', () => {
    const { config, problems } = parseUpstreamConfig({
      UPSTREAM_MODE: 'discover',
      DISCOVERY_ALLOWED_HOSTS: '*.fastmail.com, imap.gmail.com,smtp.gmail.com',
      DISCOVERY_CACHE_TTL_S: '60',
    });
    expect(problems).toEqual([]);
    if (config.mode !== 'discover') throw new Error('expected discover mode');
    expect(config.discovery.allowedHosts.map((p) => p.text)).toEqual([
      '*.fastmail.com',
      'imap.gmail.com',
      'smtp.gmail.com',
    ]);
    expect(config.discovery).toMatchObject({ timeoutMs: 5_000, maxBytes: 65_536, cacheTtlMs: 60_000 });
  });

  it('requires DISCOVERY_ALLOWED_HOSTS in discover mode and says what to put there', () => {
    const { problems } = parseUpstreamConfig({ UPSTREAM_MODE: 'discover' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/DISCOVERY_ALLOWED_HOSTS is required when UPSTREAM_MODE=discover/);
  });

  it('requires UPSTREAM_DOMAINS in domains mode', () => {
    expect(parseUpstreamConfig({ UPSTREAM_MODE: 'domains' }).problems).toEqual([
      expect.stringMatching(/UPSTREAM_DOMAINS is required/),
    ]);
  });

  it('reports every problem at once, naming the variable', () => {
    const { problems } = parseUpstreamConfig({
      UPSTREAM_MODE: 'domains',
      UPSTREAM_DOMAINS: JSON.stringify({
        'example.org': { imap: 'imap.example.org', smtp: 'smtp.example.org:587:ssl' },
        'not a domain': { imap: 'a.example:1', smtp: 'b.example:2' },
        'example.com': { imap: 'bad host:993', smtp: 'ok.example.com:465', pop3: 'x:1' },
        'EXAMPLE.org': { imap: 'a.example:1', smtp: 'b.example:2' },
      }),
      UPSTREAM_ALLOWED_NETWORKS: '127.0.0.0/8,10.0.0.0/40,banana',
      ALLOWED_DOMAINS: 'example.org,exa mple.com',
      UPSTREAM_CONNECT_TIMEOUT_MS: 'soon',
      DISCOVERY_ALLOWED_HOSTS: '*.example.org',
    });
    const text = problems.join('\n');
    expect(text).toMatch(/UPSTREAM_DOMAINS\["example.org"\].imap: expected host:port/);
    expect(text).toMatch(/UPSTREAM_DOMAINS\["example.org"\].smtp: unknown TLS mode "ssl"/);
    expect(text).toMatch(/UPSTREAM_DOMAINS\["not a domain"\]: the key must be a mail domain/);
    expect(text).toMatch(/UPSTREAM_DOMAINS\["example.com"\].imap: "bad host" is not a host name/);
    expect(text).toMatch(/UPSTREAM_DOMAINS\["example.com"\]: unknown keys pop3/);
    expect(text).toMatch(/UPSTREAM_DOMAINS\["EXAMPLE.org"\]: example.org is listed more than once/);
    expect(text).toMatch(/UPSTREAM_ALLOWED_NETWORKS: "10.0.0.0\/40": the prefix length/);
    expect(text).toMatch(/UPSTREAM_ALLOWED_NETWORKS: "banana" is not an IP network/);
    expect(text).toMatch(/ALLOWED_DOMAINS: "exa mple.com" is not a mail domain/);
    expect(text).toMatch(/UPSTREAM_CONNECT_TIMEOUT_MS="soon": expected a whole number/);
    expect(text).toMatch(/DISCOVERY_ALLOWED_HOSTS is set but UPSTREAM_MODE is domains/);
    expect(problems).toHaveLength(11);
  });

  it('rejects an unknown mode, bad JSON and contradictory TLS flags', () => {
    expect(parseUpstreamConfig({ UPSTREAM_MODE: 'open' }).problems).toEqual([
      expect.stringMatching(/UPSTREAM_MODE="open": expected one of fixed, domains, discover/),
    ]);
    expect(parseUpstreamConfig({ UPSTREAM_MODE: 'domains', UPSTREAM_DOMAINS: '{nope' }).problems).toEqual([
      'UPSTREAM_DOMAINS: not valid JSON',
    ]);
    expect(parseUpstreamConfig({ UPSTREAM_MODE: 'domains', UPSTREAM_DOMAINS: '[]' }).problems[0]).toMatch(
      /expected a JSON object/,
    );
    expect(parseUpstreamConfig({ IMAP_SECURE: 'true', IMAP_STARTTLS: 'true' }).problems).toEqual([
      'IMAP_SECURE and IMAP_STARTTLS are both set; choose one',
    ]);
    expect(parseUpstreamConfig({ UPSTREAM_DOMAINS: '{}' }).problems[0]).toMatch(
      /UPSTREAM_DOMAINS is set but UPSTREAM_MODE is fixed/,
    );
  });
});

describe('parseServerSpec', () => {
  it.each([
    ['imap.example.org:993', { host: 'imap.example.org', port: 993, tls: 'tls' }],
    ['imap.example.org:143', { host: 'imap.example.org', port: 143, tls: 'starttls' }],
    ['smtp.example.org:465', { host: 'smtp.example.org', port: 465, tls: 'tls' }],
    ['smtp.example.org:2525:PLAIN', { host: 'smtp.example.org', port: 2525, tls: 'plain' }],
    ['192.0.2.1:10143:starttls', { host: '192.0.2.1', port: 10143, tls: 'starttls' }],
    ['[::1]:993', { host: '::1', port: 993, tls: 'tls' }],
    ['dovecot:143', { host: 'dovecot', port: 143, tls: 'starttls' }],
    ['bücher.example:993', { host: 'xn--bcher-kva.example', port: 993, tls: 'tls' }],
  ])('parses %s', (text, expected) => {
    expect(parseServerSpec(text)).toEqual(expected);
  });

  it.each([
    'imap.example.org',
    'imap.example.org:0',
    'imap.example.org:70000',
    'h.example:1:tls:x',
    '[::1:993',
    '::1:993',
    'a/b.example:1',
  ])('rejects %s', (text) => {
    expect(typeof parseServerSpec(text)).toBe('string');
  });
});
