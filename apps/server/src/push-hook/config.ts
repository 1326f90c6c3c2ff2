import type { EnvReader } from '../config/env-reader.js';

/**
 * The push hook: a separate HTTP listener for Dovecot's push_notification plugin (OX driver).
 * Off unless PUSH_HOOK_SECRET is set. See README.md in this folder.
 */
export interface PushHookConfig {
  /** True when PUSH_HOOK_SECRET is set. */
  enabled: boolean;
  /** Address of the separate listener; loopback unless the operator says otherwise. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Basic-auth user and password Dovecot must send (the URL's userinfo). */
  user: string;
  secret: string;
  /** A notification body larger than this is refused (413) without being read further. */
  bodyLimitBytes: number;
  /** Per-user token bucket: this many at once, refilled at perMinute. */
  userBurst: number;
  userPerMinute: number;
  /** Appended as `@domain` to a notified user name without a domain (Dovecot logins like `jane`). */
  defaultDomain: string | undefined;
  /** Set the http-notify METADATA entry on the user's IMAP server at sign-in (where wired). */
  setMetadata: boolean;
}

export function parsePushHookConfig(read: EnvReader): PushHookConfig {
  const secret = read.raw('PUSH_HOOK_SECRET');
  if (secret !== undefined && secret.length < 16) {
    read.problems.push('PUSH_HOOK_SECRET: must be at least 16 characters (e.g. `openssl rand -hex 24`)');
  }
  if (secret !== undefined && /[\s:@/?#%]/.test(secret)) {
    read.problems.push(
      'PUSH_HOOK_SECRET: must not contain spaces or any of : @ / ? # % (it goes into a URL userinfo)',
    );
  }
  const user = read.string('PUSH_HOOK_USER', 'dovecot');
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(user)) {
    read.problems.push('PUSH_HOOK_USER: expected 1-64 letters, digits, dots, dashes or underscores');
  }
  const host = read.string('PUSH_HOOK_HOST', '127.0.0.1');
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    read.problems.push(`PUSH_HOOK_HOST=${JSON.stringify(host)}: expected a host name or IP address`);
  }
  const defaultDomain = read.raw('PUSH_HOOK_DEFAULT_DOMAIN')?.toLowerCase();
  if (defaultDomain !== undefined && !/^[a-z0-9.-]+$/.test(defaultDomain)) {
    read.problems.push('PUSH_HOOK_DEFAULT_DOMAIN: expected a domain name');
  }
  return {
    enabled: secret !== undefined,
    host,
    port: read.integer('PUSH_HOOK_PORT', 8081, 0, 65535),
    user,
    secret: secret ?? '',
    bodyLimitBytes: read.integer('PUSH_HOOK_BODY_LIMIT_BYTES', 16 * 1024, 512, 1024 * 1024),
    userBurst: read.integer('PUSH_HOOK_USER_BURST', 30, 1, 100_000),
    userPerMinute: read.integer('PUSH_HOOK_USER_PER_MINUTE', 300, 1, 1_000_000),
    defaultDomain,
    setMetadata: read.boolean('PUSH_HOOK_SET_METADATA', true),
  };
}
