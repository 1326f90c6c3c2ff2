/**
 * Upstream host policy: which IMAP/SMTP servers a sign-in address may use, and the SSRF guard
 * every connection to them goes through. See README.md for the configuration variables.
 */
export type { DiscoveredServer, UsernameTemplate } from './autoconfig.js';
export { DiscoveryCache } from './discovery.js';
export type { LookupAddress, LookupFn, ResolveSrvFn } from './guard.js';
export type { FetchTextFn, GuardedFetchOptions } from './guarded-fetch.js';
export { createGuardedFetch, FetchError, guardedFetchText } from './guarded-fetch.js';
export type { AddressVerdict, Cidr } from './ip-policy.js';
export { isForbiddenAddress, parseCidr } from './ip-policy.js';
export type { UpstreamPluginOptions, UpstreamService } from './plugin.js';
export { default as upstreamPlugin } from './plugin.js';
export type {
  DiscoverySettings,
  DomainRoute,
  TlsMode,
  UpstreamConfig,
  UpstreamMode,
  UpstreamServer,
} from './policy-config.js';
export { parseUpstreamConfig } from './policy-config.js';
export type { CheckedEndpoint, ResolveDeps, ResolvedUpstream } from './resolve.js';
export { resolveUpstream } from './resolve.js';
