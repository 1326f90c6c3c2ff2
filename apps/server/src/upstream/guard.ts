/**
 * Resolve-then-check: turns a host name into ONE address that the caller then connects to
 * directly, so what was checked is what gets connected to (no second lookup, no TOCTOU).
 * Every DNS call has a deadline.
 */
import dns from 'node:dns';
import net from 'node:net';
import { type Cidr, isForbiddenAddress } from './ip-policy.js';

export interface LookupAddress {
  address: string;
  family: number;
}

/** All A/AAAA records of a name, as `dns.lookup(host, { all: true })` gives them. */
export type LookupFn = (host: string) => Promise<LookupAddress[]>;
export type ResolveSrvFn = (name: string) => Promise<dns.SrvRecord[]>;

export type GuardFailure = 'forbidden' | 'timeout' | 'unresolvable';

/** Why a host could not be used. `message` is for logs: it names the host and address. */
export class GuardError extends Error {
  readonly kind: GuardFailure;
  constructor(kind: GuardFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GuardError';
    this.kind = kind;
  }
}

/** Rejects with a `timeout` GuardError if `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GuardError('timeout', `${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), in the order it returns. */
export const systemLookup: LookupFn = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/** SRV queries through c-ares, with its own per-try timeout under our overall deadline. */
export function systemResolveSrv(timeoutMs: number): ResolveSrvFn {
  return (name) => new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 }).resolveSrv(name);
}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

export interface GuardOptions {
  allowedNetworks: readonly Cidr[];
  lookup: LookupFn;
  dnsTimeoutMs: number;
}

/**
 * Resolves `host` (or takes an IP literal as is) and checks EVERY address it resolves to: if any
 * one is forbidden the host is refused, because a name that answers with a public and a private
 * address is how DNS rebinding gets past a check of only the first answer. Returns the first
 * address, which is the one to connect to.
 */
export async function resolveChecked(host: string, options: GuardOptions): Promise<CheckedAddress> {
  const literal = net.isIP(host);
  let records: LookupAddress[];
  if (literal !== 0) {
    records = [{ address: host, family: literal }];
  } else {
    try {
      records = await withDeadline(options.lookup(host), options.dnsTimeoutMs, `DNS lookup of ${host}`);
    } catch (error) {
      if (error instanceof GuardError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      // EAI_AGAIN is "try again later": the resolver timed out or is unreachable.
      const kind: GuardFailure = code === 'EAI_AGAIN' || code === 'ETIMEOUT' ? 'timeout' : 'unresolvable';
      throw new GuardError(kind, `DNS lookup of ${host} failed (${code ?? 'error'})`, { cause: error });
    }
  }
  if (!Array.isArray(records) || records.length === 0) {
    throw new GuardError('unresolvable', `${host} has no A/AAAA records`);
  }
  for (const record of records) {
    const verdict = isForbiddenAddress(String(record.address), options.allowedNetworks);
    if (verdict.forbidden) {
      throw new GuardError(
        'forbidden',
        `${host} resolves to ${record.address}: ${verdict.reason ?? 'forbidden'}`,
      );
    }
  }
  const first = records[0] as LookupAddress;
  const family = net.isIP(first.address);
  return { address: first.address, family: family === 6 ? 6 : 4 };
}
