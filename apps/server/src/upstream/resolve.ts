/**
 * From a sign-in address to the IMAP and SMTP endpoints to connect to, under the operator's
 * policy (policy-config.ts). Each endpoint carries the host NAME (for TLS SNI and the certificate
 * check) and one checked IP ADDRESS to connect to; callers must connect to `address`, never
 * resolve `host` again.
 */
import { AppErrors } from '../errors.js';
import type { DiscoveredServer, UsernameTemplate } from './autoconfig.js';
import { DiscoveryCache, type DiscoveryOutcome, discover } from './discovery.js';
import {
  GuardError,
  type GuardOptions,
  type LookupFn,
  type ResolveSrvFn,
  resolveChecked,
  systemLookup,
  systemResolveSrv,
} from './guard.js';
import { createGuardedFetch, type FetchTextFn } from './guarded-fetch.js';
import { bestMatch, displayDomain, type MailAddress, matchesPattern, parseMailAddress } from './names.js';
import type { TlsMode, UpstreamConfig, UpstreamServer } from './policy-config.js';

export interface CheckedEndpoint {
  /** Host name as configured or discovered (or an IP literal): use it for SNI and the certificate. */
  host: string;
  /** The checked IP address to connect to. */
  address: string;
  port: number;
  /** Implicit TLS from the first byte (IMAPS 993, SMTPS 465). */
  secure: boolean;
  /** Connect in plain text, then STARTTLS, and give up if the server does not offer it. */
  starttls: boolean;
}

export interface ResolvedUpstream {
  /** The address's domain, lower-case ASCII. */
  domain: string;
  imap: CheckedEndpoint;
  smtp: CheckedEndpoint;
  /** User name for IMAP LOGIN. */
  loginUser: string;
  /** User name for SMTP AUTH; differs from `loginUser` only when discovery says so. */
  smtpLoginUser: string;
}

export interface ResolveDeps {
  /** All A/AAAA records of a name. Default: the system resolver. */
  lookup?: LookupFn;
  /** SRV records (discover mode). Default: c-ares with the DNS deadline. */
  resolveSrv?: ResolveSrvFn;
  /** Fetches an autoconfig URL (discover mode). Default: `node:https` through the SSRF guard. */
  fetchText?: FetchTextFn;
  /** Discovery cache. Default: one per config object, sized by the config. */
  cache?: DiscoveryCache;
}

const defaultCaches = new WeakMap<UpstreamConfig, DiscoveryCache>();

function cacheFor(config: UpstreamConfig & { mode: 'discover' }): DiscoveryCache {
  let cache = defaultCaches.get(config);
  if (!cache) {
    cache = new DiscoveryCache(config.discovery.cacheMaxEntries);
    defaultCaches.set(config, cache);
  }
  return cache;
}

/**
 * Finds and checks the upstream servers for `address`.
 * Throws UnknownDomain (bad syntax, or a domain this server does not serve), HostNotAllowed (a
 * server resolves to a forbidden address, or discovery found only servers the policy refuses),
 * UpstreamTimeout (DNS did not answer in time) or UpstreamUnavailable (a server name does not
 * resolve). The `cause` of each carries the detail for logs; the message is safe to show.
 */
export async function resolveUpstream(
  address: string,
  config: UpstreamConfig,
  deps: ResolveDeps = {},
): Promise<ResolvedUpstream> {
  const parsed = parseMailAddress(address);
  if ('problem' in parsed) {
    // Never echo the raw input: it may hold control characters or markup.
    throw new AppErrors.UnknownDomain('that address', {
      cause: new Error(`invalid address: ${parsed.problem}`),
    });
  }
  const mail = parsed.address;
  const shownDomain = displayDomain(mail.domain);
  if (
    config.allowedDomains.length > 0 &&
    !config.allowedDomains.some((p) => matchesPattern(mail.domain, p))
  ) {
    throw new AppErrors.UnknownDomain(shownDomain, {
      cause: new Error(`${mail.domain} is not in ALLOWED_DOMAINS`),
    });
  }
  const guard: GuardOptions = {
    allowedNetworks: config.allowedNetworks,
    lookup: deps.lookup ?? systemLookup,
    dnsTimeoutMs: config.dnsTimeoutMs,
  };
  const loginAddress = `${mail.localPart}@${mail.domain}`;

  switch (config.mode) {
    case 'fixed': {
      const [imap, smtp] = await checkBoth(config.imap, config.smtp, mail, guard);
      return { domain: mail.domain, imap, smtp, loginUser: loginAddress, smtpLoginUser: loginAddress };
    }
    case 'domains': {
      const route = bestMatch(mail.domain, config.domains);
      if (!route)
        throw new AppErrors.UnknownDomain(shownDomain, { cause: new Error(`${mail.domain} is not listed`) });
      const [imap, smtp] = await checkBoth(route.imap, route.smtp, mail, guard);
      return { domain: mail.domain, imap, smtp, loginUser: loginAddress, smtpLoginUser: loginAddress };
    }
    case 'discover': {
      const settings = config.discovery;
      const cache = deps.cache ?? cacheFor(config);
      const fetchText =
        deps.fetchText ??
        createGuardedFetch({ ...guard, timeoutMs: settings.timeoutMs, maxBytes: settings.maxBytes });
      const resolveSrv = deps.resolveSrv ?? systemResolveSrv(config.dnsTimeoutMs);
      const outcome = await cache.getOrLoad(mail.domain, () =>
        discover(loginAddress, mail.domain, settings, {
          fetchText,
          resolveSrv,
          dnsTimeoutMs: config.dnsTimeoutMs,
        }),
      );
      if (outcome.imap.length === 0 || outcome.smtp.length === 0) {
        const detail = new Error(describeOutcome(mail.domain, outcome));
        // Servers were found but the policy refused them: say so rather than "unknown domain".
        if (outcome.refused.length > 0) throw new AppErrors.HostNotAllowed(shownDomain, { cause: detail });
        throw new AppErrors.UnknownDomain(shownDomain, { cause: detail });
      }
      const imap = await firstUsable(outcome.imap, mail, guard);
      const smtp = await firstUsable(outcome.smtp, mail, guard);
      return {
        domain: mail.domain,
        imap: imap.endpoint,
        smtp: smtp.endpoint,
        loginUser: loginName(mail, imap.server.username),
        smtpLoginUser: loginName(mail, smtp.server.username),
      };
    }
  }
}

function loginName(mail: MailAddress, template: UsernameTemplate): string {
  return template === 'localpart' ? mail.localPart : `${mail.localPart}@${mail.domain}`;
}

function describeOutcome(domain: string, outcome: DiscoveryOutcome): string {
  const lines = [...outcome.refused, ...outcome.failures];
  return `discovery for ${domain} found no usable IMAP and SMTP pair${lines.length ? `: ${lines.join('; ')}` : ''}`;
}

function tlsFlags(tls: TlsMode): { secure: boolean; starttls: boolean } {
  return { secure: tls === 'tls', starttls: tls === 'starttls' };
}

async function checkBoth(
  imap: UpstreamServer,
  smtp: UpstreamServer,
  mail: MailAddress,
  guard: GuardOptions,
): Promise<[CheckedEndpoint, CheckedEndpoint]> {
  return Promise.all([checkServer(imap, mail, guard), checkServer(smtp, mail, guard)]);
}

async function checkServer(
  server: UpstreamServer,
  mail: MailAddress,
  guard: GuardOptions,
): Promise<CheckedEndpoint> {
  try {
    const checked = await resolveChecked(server.host, guard);
    return { host: server.host, address: checked.address, port: server.port, ...tlsFlags(server.tls) };
  } catch (error) {
    throw toAppError(error, mail);
  }
}

/** Tries the candidates in order of preference; if none passes, the first one's error stands. */
async function firstUsable(
  servers: DiscoveredServer[],
  mail: MailAddress,
  guard: GuardOptions,
): Promise<{ server: DiscoveredServer; endpoint: CheckedEndpoint }> {
  let firstError: unknown;
  for (const server of servers) {
    try {
      return { server, endpoint: await checkServer(server, mail, guard) };
    } catch (error) {
      firstError ??= error;
    }
  }
  throw firstError;
}

function toAppError(error: unknown, mail: MailAddress): Error {
  const shown = displayDomain(mail.domain);
  if (error instanceof GuardError) {
    if (error.kind === 'forbidden') return new AppErrors.HostNotAllowed(shown, { cause: error });
    if (error.kind === 'timeout') return new AppErrors.UpstreamTimeout({ cause: error });
    return new AppErrors.UpstreamUnavailable({ cause: error });
  }
  return new AppErrors.UpstreamUnavailable({ cause: error });
}
