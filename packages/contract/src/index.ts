export * from './common.js';
export * from './compose.js';
export * from './errors.js';
export * from './mailbox.js';
export * from './message.js';
export * from './push.js';
export * from './search.js';
export * from './session.js';
export * from './settings.js';
export * from './thread.js';

/** Prefix of every REST route; the SPA and the dev proxy depend on it. */
export const API_PREFIX = '/api';
