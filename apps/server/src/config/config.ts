import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComposeConfig, parseComposeConfig } from '../compose/config.js';
import { type PushHookConfig, parsePushHookConfig } from '../push-hook/config.js';
import type { Cidr } from '../upstream/ip-policy.js';
import { parseUpstreamConfig, type UpstreamConfig } from '../upstream/policy-config.js';
import { type Env, EnvReader } from './env-reader.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface UpstreamEndpoint {
  host: string;
  port: number;
  /** Implicit TLS (993/465). Plain or STARTTLS otherwise. */
  secure: boolean;
}

export interface Config {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Absent: sessions and caches live in process memory and only one instance may run. */
  redisUrl: string | undefined;
  upstream: UpstreamConfig;
  /** The IMAP server `/readyz` probes: the fixed one, or none when each domain has its own. */
  readinessImap: UpstreamEndpoint | undefined;
  session: {
    /** Server half of every session's key; sessions survive restarts only if it is stable. */
    secret: Buffer;
    secretGenerated: boolean;
    idleTimeoutMs: number;
    maxAgeMs: number;
  };
  signIn: {
    maxFailuresPerAccount: number;
    maxPerClientAddress: number;
    windowMs: number;
  };
  apiRateLimitPerMinute: number;
  imapPool: {
    maxPerAccount: number;
    maxTotal: number;
    idleTimeoutMs: number;
    commandTimeoutMs: number;
    requireTLS: boolean;
  };
  webDist: string;
  trustProxy: boolean | string;
  bodyLimitBytes: number;
  push: {
    heartbeatMs: number;
    maxBufferedBytes: number;
    leaseTtlMs: number;
    statusIntervalMs: number;
    coalesceMs: number;
    lingerMs: number;
  };
  cache: {
    maxSummariesPerAccount: number;
    freshMs: number;
    selectionTrustMs: number;
    flagScanWindow: number;
  };
  /** Networks the image proxy may fetch from although private (tests, unusual setups). */
  imageProxyAllowedNetworks: Cidr[];
  /** Messages larger than this are cut for display; their attachments stay downloadable. */
  messageMaxBytes: number;
  compose: ComposeConfig;
  shutdownTimeoutMs: number;
  /** Deadline for each readiness probe of a dependency. */
  readyTimeoutMs: number;
  pushHook: PushHookConfig;
}

/** Every bad variable is reported at once so an operator fixes the environment in one pass. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

class ConfigReader extends EnvReader {
  redisUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('scheme');
    } catch {
      this.problems.push(`${name}: expected a redis:// or rediss:// URL`);
      return undefined;
    }
    return value;
  }

  hostname(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(value)) {
      this.problems.push(`${name}=${JSON.stringify(value)}: expected a host name or IP address`);
    }
    return value;
  }
}

const defaultWebDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** Reads and validates the whole configuration from environment variables. Pure: no I/O. */
export function loadConfig(env: Env = process.env): Config {
  const read = new ConfigReader(env);
  const trustProxyRaw = read.raw('TRUST_PROXY');
  const upstream = parseUpstreamConfig(env);
  read.problems.push(...upstream.problems);
  const config: Config = {
    host: read.hostname('HOST', '127.0.0.1'),
    port: read.integer('PORT', 8080, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    redisUrl: read.redisUrl('REDIS_URL'),
    upstream: upstream.config,
    readinessImap:
      upstream.config.mode === 'fixed'
        ? {
            host: upstream.config.imap.host,
            port: upstream.config.imap.port,
            secure: upstream.config.imap.tls === 'tls',
          }
        : undefined,
    session: sessionSecret(read, env),
    signIn: {
      maxFailuresPerAccount: read.integer('SIGNIN_MAX_FAILURES_PER_ACCOUNT', 10, 1, 10_000),
      maxPerClientAddress: read.integer('SIGNIN_MAX_PER_CLIENT_ADDRESS', 30, 1, 100_000),
      windowMs: read.integer('SIGNIN_WINDOW_S', 900, 1, 86_400) * 1000,
    },
    apiRateLimitPerMinute: read.integer('API_RATE_LIMIT_PER_MINUTE', 1200, 1, 1_000_000),
    imapPool: {
      maxPerAccount: read.integer('IMAP_MAX_CONNECTIONS_PER_ACCOUNT', 2, 1, 20),
      maxTotal: read.integer('IMAP_MAX_CONNECTIONS', 4000, 1, 1_000_000),
      idleTimeoutMs: read.integer('IMAP_IDLE_TIMEOUT_S', 300, 1, 86_400) * 1000,
      commandTimeoutMs: read.integer('IMAP_COMMAND_TIMEOUT_MS', 30_000, 100, 600_000),
      requireTLS: read.boolean('IMAP_REQUIRE_TLS', false),
    },
    webDist: path.resolve(read.string('WEB_DIST', defaultWebDist)),
    trustProxy: parseTrustProxy(trustProxyRaw),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    push: {
      heartbeatMs: read.integer('PUSH_HEARTBEAT_S', 25, 1, 600) * 1000,
      maxBufferedBytes: read.integer('PUSH_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      leaseTtlMs: read.integer('PUSH_LEASE_TTL_MS', 15_000, 1_000, 600_000),
      statusIntervalMs: read.integer('PUSH_STATUS_INTERVAL_S', 60, 1, 3600) * 1000,
      coalesceMs: read.integer('PUSH_COALESCE_MS', 25, 0, 5_000),
      lingerMs: read.integer('PUSH_LINGER_S', 30, 0, 3600) * 1000,
    },
    cache: {
      maxSummariesPerAccount: read.integer('CACHE_MAX_SUMMARIES_PER_ACCOUNT', 20_000, 100, 1_000_000),
      freshMs: read.integer('CACHE_FRESH_MS', 2_000, 0, 60_000),
      selectionTrustMs: read.integer('CACHE_SELECTION_TRUST_S', 60, 0, 3600) * 1000,
      flagScanWindow: read.integer('CACHE_FLAG_SCAN_WINDOW', 500, 0, 100_000),
    },
    imageProxyAllowedNetworks: read.networks('IMAGE_PROXY_ALLOWED_NETWORKS'),
    messageMaxBytes: read.integer('MESSAGE_MAX_BYTES', 25 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs: read.integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000),
    readyTimeoutMs: read.integer('READY_TIMEOUT_MS', 2_000, 100, 60_000),
    compose: parseComposeConfig(read),
    pushHook: parsePushHookConfig(read),
  };
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/**
 * SESSION_SECRET: at least 32 characters, stable across restarts and shared by every instance.
 * Without it a random one is made, which is fine for a single dev instance only: every restart
 * signs everyone out. In production (NODE_ENV=production) it is required.
 */
function sessionSecret(read: ConfigReader, env: Env): Config['session'] {
  const configured = read.raw('SESSION_SECRET');
  const idleTimeoutMs = read.integer('SESSION_IDLE_TIMEOUT_S', 24 * 3600, 60, 365 * 86_400) * 1000;
  const maxAgeMs = read.integer('SESSION_MAX_AGE_S', 14 * 86_400, 60, 365 * 86_400) * 1000;
  if (configured !== undefined && configured.length < 32) {
    read.problems.push('SESSION_SECRET: must be at least 32 characters (e.g. `openssl rand -base64 48`)');
  }
  if (configured === undefined && env.NODE_ENV === 'production') {
    read.problems.push(
      'SESSION_SECRET is required in production (at least 32 characters, the same on every instance)',
    );
  }
  return {
    secret: configured ? Buffer.from(configured, 'utf8') : randomBytes(32),
    secretGenerated: configured === undefined,
    idleTimeoutMs,
    maxAgeMs: Math.max(maxAgeMs, idleTimeoutMs),
  };
}

/** `true`/`false`, or a comma-separated list of trusted proxy addresses/CIDRs, as Fastify takes it. */
function parseTrustProxy(value: string | undefined): boolean | string {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  return value;
}
