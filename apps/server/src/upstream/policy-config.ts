/**
 * The operator's upstream host policy, read from environment variables. Pure: no I/O.
 *
 * Three modes (`UPSTREAM_MODE`):
 * - `fixed` (default): one IMAP and one SMTP server (IMAP_* / SMTP_*) for every address,
 *   optionally only for the domains in ALLOWED_DOMAINS;
 * - `domains`: a table from mail domain (or `*.suffix`) to servers (UPSTREAM_DOMAINS, JSON);
 * - `discover`: Mozilla autoconfig and RFC 6186 SRV records, but only servers whose names
 *   match DISCOVERY_ALLOWED_HOSTS.
 * In every mode each server name is resolved at sign-in and every address it resolves to must
 * pass the SSRF guard (ip-policy.ts) unless it lies in UPSTREAM_ALLOWED_NETWORKS.
 */
import { type Env, EnvReader } from '../config/env-reader.js';
import type { Cidr } from './ip-policy.js';
import { type NamePattern, normaliseHost, parseNamePattern } from './names.js';

export type UpstreamMode = 'fixed' | 'domains' | 'discover';
export const UPSTREAM_MODES: readonly UpstreamMode[] = ['fixed', 'domains', 'discover'];

/** `tls`: implicit TLS (993/465). `starttls`: plain connect, then STARTTLS, which is required. `plain`: no TLS. */
export type TlsMode = 'tls' | 'starttls' | 'plain';

export interface UpstreamServer {
  /** Normalised host name or IP literal (no brackets). */
  host: string;
  port: number;
  tls: TlsMode;
}

export interface DomainRoute {
  pattern: NamePattern;
  imap: UpstreamServer;
  smtp: UpstreamServer;
}

export interface DiscoverySettings {
  /** Discovered server host names must match one of these. Never empty in a valid config. */
  allowedHosts: NamePattern[];
  /** Deadline of one autoconfig fetch (DNS, connect, response). */
  timeoutMs: number;
  /** An autoconfig document larger than this is refused. */
  maxBytes: number;
  cacheTtlMs: number;
  cacheMaxEntries: number;
}

interface UpstreamCommon {
  /** Networks the operator explicitly allows even though they are private, loopback, etc. */
  allowedNetworks: Cidr[];
  /** Empty: any domain. Otherwise the address's domain must match one pattern. */
  allowedDomains: NamePattern[];
  /** For the IMAP/SMTP clients that connect to a resolved endpoint. */
  connectTimeoutMs: number;
  /** Deadline of every DNS query made while resolving. */
  dnsTimeoutMs: number;
}

export type UpstreamConfig = UpstreamCommon &
  (
    | { mode: 'fixed'; imap: UpstreamServer; smtp: UpstreamServer }
    | { mode: 'domains'; domains: DomainRoute[] }
    | { mode: 'discover'; discovery: DiscoverySettings }
  );

/** Implicit-TLS ports; any other port defaults to STARTTLS when a spec names no mode. */
const IMPLICIT_TLS_PORTS = new Set([993, 465]);

/**
 * Parses `host:port[:tls|starttls|plain]` (IPv6 literals in brackets: `[2001:db8::1]:993`).
 * Without a mode, ports 993 and 465 mean `tls` and every other port `starttls`: plain text must
 * be asked for.
 */
export function parseServerSpec(text: string): UpstreamServer | string {
  const value = text.trim();
  let hostText: string;
  let rest: string[];
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1) return 'unclosed [ in an IPv6 literal';
    hostText = value.slice(1, close);
    const after = value.slice(close + 1);
    if (!after.startsWith(':')) return 'expected host:port';
    rest = after.slice(1).split(':');
  } else {
    [hostText = '', ...rest] = value.split(':');
  }
  const host = normaliseHost(hostText);
  if (!host) return `${JSON.stringify(hostText)} is not a host name or IP address`;
  const [portText, modeText, ...extra] = rest;
  if (
    portText === undefined ||
    !/^\d{1,5}$/.test(portText) ||
    Number(portText) < 1 ||
    Number(portText) > 65535
  ) {
    return 'expected host:port with a port from 1 to 65535';
  }
  if (extra.length > 0) return 'expected host:port[:tls|starttls|plain]';
  const port = Number(portText);
  if (modeText === undefined) return { host, port, tls: IMPLICIT_TLS_PORTS.has(port) ? 'tls' : 'starttls' };
  const mode = modeText.toLowerCase();
  if (mode !== 'tls' && mode !== 'starttls' && mode !== 'plain')
    return `unknown TLS mode ${JSON.stringify(modeText)}`;
  return { host, port, tls: mode };
}

class Reader extends EnvReader {
  patterns(name: string, what: string): NamePattern[] {
    const patterns: NamePattern[] = [];
    for (const item of this.list(name)) {
      const pattern = parseNamePattern(item);
      if (pattern) patterns.push(pattern);
      else this.problems.push(`${name}: ${JSON.stringify(item)} is not ${what} or a *.suffix pattern`);
    }
    return patterns;
  }

  /** One server of fixed mode from the IMAP_* / SMTP_* variables that config.ts also reads. */
  fixedServer(prefix: 'IMAP' | 'SMTP', implicitPort: number, starttlsPort: number): UpstreamServer {
    const secure = this.boolean(`${prefix}_SECURE`, false);
    const starttls = this.boolean(`${prefix}_STARTTLS`, false);
    if (secure && starttls) {
      this.problems.push(`${prefix}_SECURE and ${prefix}_STARTTLS are both set; choose one`);
    }
    const hostText = this.raw(`${prefix}_HOST`) ?? '127.0.0.1';
    const host = normaliseHost(hostText);
    if (!host)
      this.problems.push(`${prefix}_HOST=${JSON.stringify(hostText)}: expected a host name or IP address`);
    return {
      host: host ?? hostText,
      port: this.integer(`${prefix}_PORT`, secure ? implicitPort : starttlsPort, 1, 65535),
      tls: secure ? 'tls' : starttls ? 'starttls' : 'plain',
    };
  }

  domainRoutes(name: string): DomainRoute[] {
    const text = this.raw(name);
    if (text === undefined) {
      this.problems.push(
        `${name} is required when UPSTREAM_MODE=domains (a JSON object: domain → {imap, smtp})`,
      );
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.problems.push(`${name}: not valid JSON`);
      return [];
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.problems.push(`${name}: expected a JSON object mapping a mail domain to {"imap": …, "smtp": …}`);
      return [];
    }
    const routes: DomainRoute[] = [];
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(parsed)) {
      const where = `${name}[${JSON.stringify(key)}]`;
      const pattern = parseNamePattern(key);
      if (!pattern) {
        this.problems.push(`${where}: the key must be a mail domain or a *.suffix pattern`);
        continue;
      }
      if (seen.has(pattern.text)) {
        this.problems.push(`${where}: ${pattern.text} is listed more than once`);
        continue;
      }
      seen.add(pattern.text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        this.problems.push(`${where}: expected {"imap": "host:port[:tls]", "smtp": "host:port[:tls]"}`);
        continue;
      }
      const record = value as Record<string, unknown>;
      const unknownKeys = Object.keys(record).filter((k) => k !== 'imap' && k !== 'smtp');
      if (unknownKeys.length > 0) this.problems.push(`${where}: unknown keys ${unknownKeys.join(', ')}`);
      const servers: Partial<Record<'imap' | 'smtp', UpstreamServer>> = {};
      for (const protocol of ['imap', 'smtp'] as const) {
        const spec = record[protocol];
        if (typeof spec !== 'string') {
          this.problems.push(`${where}.${protocol}: expected a string "host:port[:tls|starttls|plain]"`);
          continue;
        }
        const server = parseServerSpec(spec);
        if (typeof server === 'string') this.problems.push(`${where}.${protocol}: ${server}`);
        else servers[protocol] = server;
      }
      if (servers.imap && servers.smtp) routes.push({ pattern, imap: servers.imap, smtp: servers.smtp });
    }
    if (routes.length === 0 && this.problems.length === 0) this.problems.push(`${name}: lists no domain`);
    return routes;
  }
}

/** Variables that only mean something in one mode; setting them in another is a mistake. */
const MODE_ONLY: Record<string, UpstreamMode> = {
  UPSTREAM_DOMAINS: 'domains',
  DISCOVERY_ALLOWED_HOSTS: 'discover',
  DISCOVERY_TIMEOUT_MS: 'discover',
  DISCOVERY_MAX_BYTES: 'discover',
  DISCOVERY_CACHE_TTL_S: 'discover',
  DISCOVERY_CACHE_SIZE: 'discover',
};

/**
 * Reads the upstream policy. Every problem is reported at once, naming the variable, so an
 * operator fixes the environment in one pass; `config` is only meaningful when `problems` is empty.
 */
export function parseUpstreamConfig(env: Env): { config: UpstreamConfig; problems: string[] } {
  const read = new Reader(env);
  const modeText = read.raw('UPSTREAM_MODE')?.toLowerCase() ?? 'fixed';
  let mode: UpstreamMode = 'fixed';
  if ((UPSTREAM_MODES as readonly string[]).includes(modeText)) mode = modeText as UpstreamMode;
  else
    read.problems.push(
      `UPSTREAM_MODE=${JSON.stringify(modeText)}: expected one of ${UPSTREAM_MODES.join(', ')}`,
    );

  for (const [name, only] of Object.entries(MODE_ONLY)) {
    if (read.raw(name) !== undefined && only !== mode && modeText === mode) {
      read.problems.push(
        `${name} is set but UPSTREAM_MODE is ${mode}; it only applies with UPSTREAM_MODE=${only}`,
      );
    }
  }

  const common = {
    allowedNetworks: read.networks('UPSTREAM_ALLOWED_NETWORKS'),
    allowedDomains: read.patterns('ALLOWED_DOMAINS', 'a mail domain'),
    connectTimeoutMs: read.integer('UPSTREAM_CONNECT_TIMEOUT_MS', 10_000, 100, 120_000),
    dnsTimeoutMs: read.integer('UPSTREAM_DNS_TIMEOUT_MS', 3_000, 100, 60_000),
  };

  let config: UpstreamConfig;
  switch (mode) {
    case 'fixed':
      config = {
        ...common,
        mode,
        imap: read.fixedServer('IMAP', 993, 143),
        smtp: read.fixedServer('SMTP', 465, 587),
      };
      break;
    case 'domains':
      config = { ...common, mode, domains: read.domainRoutes('UPSTREAM_DOMAINS') };
      break;
    case 'discover': {
      const allowedHosts = read.patterns('DISCOVERY_ALLOWED_HOSTS', 'a host name');
      if (read.raw('DISCOVERY_ALLOWED_HOSTS') === undefined) {
        read.problems.push(
          'DISCOVERY_ALLOWED_HOSTS is required when UPSTREAM_MODE=discover: list the IMAP/SMTP host names ' +
            '(or *.suffix patterns) that discovered settings may point to, e.g. *.fastmail.com,imap.gmail.com',
        );
      }
      config = {
        ...common,
        mode,
        discovery: {
          allowedHosts,
          timeoutMs: read.integer('DISCOVERY_TIMEOUT_MS', 5_000, 100, 60_000),
          maxBytes: read.integer('DISCOVERY_MAX_BYTES', 64 * 1024, 1024, 1024 * 1024),
          cacheTtlMs: read.integer('DISCOVERY_CACHE_TTL_S', 3_600, 0, 7 * 24 * 3_600) * 1_000,
          cacheMaxEntries: read.integer('DISCOVERY_CACHE_SIZE', 1_000, 1, 1_000_000),
        },
      };
      break;
    }
  }
  return { config, problems: read.problems };
}
