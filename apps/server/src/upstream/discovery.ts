/**
 * Finds a domain's IMAP and SMTP servers (discover mode) from, in order of preference:
 * 1. Mozilla autoconfig at `https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=…`;
 * 2. `https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml`;
 * 3. SRV records (RFC 6186), implicit TLS first as RFC 8314 §5.1 asks:
 *    `_imaps._tcp`, `_imap._tcp`, `_submissions._tcp`, `_submission._tcp`.
 * The three are asked at once; answers are combined in that order. Only servers whose names match
 * DISCOVERY_ALLOWED_HOSTS and that use TLS (implicit or STARTTLS) are kept: the password must not
 * cross the internet in clear text to a host a stranger's DNS chose. Outcomes are cached per
 * domain (bounded, with a TTL); the addresses are still resolved and checked at every sign-in.
 */
import type { DiscoveredServer } from './autoconfig.js';
import { parseAutoconfig } from './autoconfig.js';
import { GuardError, type ResolveSrvFn, withDeadline } from './guard.js';
import type { FetchTextFn } from './guarded-fetch.js';
import { matchesPattern, normaliseDomain } from './names.js';
import type { DiscoverySettings } from './policy-config.js';

export interface DiscoveryOutcome {
  /** Acceptable candidates in order of preference. */
  imap: DiscoveredServer[];
  smtp: DiscoveredServer[];
  /** Servers that were found but refused by policy (not allowed, plain text), for logs. */
  refused: string[];
  /** Sources that gave nothing usable, for logs. */
  failures: string[];
}

/** A bounded in-memory cache with per-entry expiry; the least recently used entry goes first. */
export class DiscoveryCache {
  private readonly entries = new Map<string, { outcome: DiscoveryOutcome; expires: number }>();
  private readonly inFlight = new Map<string, Promise<DiscoveryOutcome>>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): DiscoveryOutcome | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.outcome;
  }

  set(key: string, outcome: DiscoveryOutcome, ttlMs: number): void {
    if (ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { outcome, expires: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Runs `load` once per key at a time: concurrent sign-ins for one domain share one discovery. */
  async getOrLoad(key: string, load: () => Promise<{ outcome: DiscoveryOutcome; ttlMs: number }>) {
    const cached = this.get(key);
    if (cached) return cached;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const promise = load().then(({ outcome, ttlMs }) => {
      this.set(key, outcome, ttlMs);
      return outcome;
    });
    this.inFlight.set(key, promise);
    try {
      return await promise;
    } finally {
      this.inFlight.delete(key);
    }
  }
}

/** An outcome with no usable server is remembered for at most this long. */
const NEGATIVE_TTL_MS = 60_000;

export interface DiscoverDeps {
  fetchText: FetchTextFn;
  resolveSrv: ResolveSrvFn;
  dnsTimeoutMs: number;
}

export async function discover(
  address: string,
  domain: string,
  settings: DiscoverySettings,
  deps: DiscoverDeps,
): Promise<{ outcome: DiscoveryOutcome; ttlMs: number }> {
  const failures: string[] = [];
  const sources = await Promise.all([
    fromAutoconfig(
      `https://autoconfig.${domain}/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`,
      domain,
      settings,
      deps,
      failures,
    ),
    fromAutoconfig(
      `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`,
      domain,
      settings,
      deps,
      failures,
    ),
    fromSrv(domain, deps, failures),
  ]);
  const outcome: DiscoveryOutcome = { imap: [], smtp: [], refused: [], failures };
  let transient = false;
  for (const source of sources) {
    transient ||= source.transient;
    for (const server of source.servers) {
      const host = normaliseDomain(server.host);
      if (!host) {
        outcome.refused.push(
          `${server.protocol} host ${JSON.stringify(server.host.slice(0, 100))}: not a host name`,
        );
        continue;
      }
      if (!settings.allowedHosts.some((pattern) => matchesPattern(host, pattern))) {
        outcome.refused.push(`${server.protocol} host ${host}: not in DISCOVERY_ALLOWED_HOSTS`);
        continue;
      }
      if (server.tls === 'plain') {
        outcome.refused.push(`${server.protocol} host ${host}:${server.port}: plain text, no TLS`);
        continue;
      }
      const list = server.protocol === 'imap' ? outcome.imap : outcome.smtp;
      if (!list.some((s) => s.host === host && s.port === server.port && s.tls === server.tls)) {
        list.push({ ...server, host });
      }
    }
  }
  const usable = outcome.imap.length > 0 && outcome.smtp.length > 0;
  // Do not remember a failure that a timeout may have caused; do remember a definite "nothing".
  const ttlMs = usable ? settings.cacheTtlMs : transient ? 0 : Math.min(NEGATIVE_TTL_MS, settings.cacheTtlMs);
  return { outcome, ttlMs };
}

interface SourceResult {
  servers: DiscoveredServer[];
  /** True when the source failed in a way that may pass (timeout, network error). */
  transient: boolean;
}

async function fromAutoconfig(
  url: string,
  domain: string,
  settings: DiscoverySettings,
  deps: DiscoverDeps,
  failures: string[],
): Promise<SourceResult> {
  const where = new URL(url).origin + new URL(url).pathname;
  let text: string;
  try {
    text = await withDeadline(deps.fetchText(url), settings.timeoutMs, where);
  } catch (error) {
    failures.push(`${where}: ${(error as Error).message}`);
    const kind = (error as { kind?: string }).kind;
    return { servers: [], transient: kind === 'timeout' || kind === 'network' };
  }
  // The default fetcher enforces the cap while reading; this also holds for an injected one.
  if (Buffer.byteLength(text) > settings.maxBytes) {
    failures.push(`${where}: response over ${settings.maxBytes} bytes refused`);
    return { servers: [], transient: false };
  }
  try {
    const { servers, skipped } = parseAutoconfig(text, domain);
    for (const line of skipped) failures.push(`${where}: ${line}`);
    return { servers, transient: false };
  } catch (error) {
    failures.push(`${where}: ${(error as Error).message}`);
    return { servers: [], transient: false };
  }
}

const SRV_SERVICES = [
  { service: '_imaps._tcp', protocol: 'imap', tls: 'tls' },
  { service: '_imap._tcp', protocol: 'imap', tls: 'starttls' },
  { service: '_submissions._tcp', protocol: 'smtp', tls: 'tls' },
  { service: '_submission._tcp', protocol: 'smtp', tls: 'starttls' },
] as const;

async function fromSrv(domain: string, deps: DiscoverDeps, failures: string[]): Promise<SourceResult> {
  let transient = false;
  const answers = await Promise.all(
    SRV_SERVICES.map(async ({ service, protocol, tls }) => {
      const name = `${service}.${domain}`;
      try {
        const records = await withDeadline(deps.resolveSrv(name), deps.dnsTimeoutMs, `SRV ${name}`);
        return (
          records
            // RFC 2782: a target of "." means the service is decidedly not available here.
            .filter((r) => r.name !== '' && r.name !== '.' && r.port > 0 && r.port <= 65535)
            .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
            .map(
              (r): DiscoveredServer => ({
                protocol,
                host: r.name,
                port: r.port,
                tls,
                // RFC 6186 §3: the user name is the full address unless configured otherwise.
                username: 'address',
              }),
            )
        );
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENODATA' && code !== 'ENOTFOUND') {
          failures.push(`SRV ${name}: ${(error as Error).message}`);
          if (error instanceof GuardError || code === 'ETIMEOUT' || code === 'ECONNREFUSED') transient = true;
        }
        return [];
      }
    }),
  );
  return { servers: answers.flat(), transient };
}
