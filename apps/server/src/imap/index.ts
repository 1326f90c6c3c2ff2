export type { BackoffPolicy, RandomSource } from './backoff.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export type {
  ImapConnectionManagerOptions,
  ImapCredentials,
  ImapPoolStats,
  ImapTarget,
  PoolLogger,
  WithConnectionOptions,
} from './connection-manager.js';
export { ImapConnectionManager } from './connection-manager.js';
export type { ImapFailureKind } from './imap-errors.js';
export { classifyImapError, toAppError } from './imap-errors.js';
export type { ImapPluginOptions } from './plugin.js';
export { default as imapPlugin } from './plugin.js';
