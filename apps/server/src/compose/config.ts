import os from 'node:os';
import path from 'node:path';
import type { EnvReader } from '../config/env-reader.js';

/** Compose and send settings, from the environment (see README: Configuration). */
export interface ComposeConfig {
  /** ATTACHMENT_MAX_BYTES: one upload, and all attachments of a message together. Default 25 MB. */
  attachmentMaxBytes: number;
  /** UNDO_SEND_SECONDS: how long a send waits so it can be undone; 0 sends at once. Default 10. */
  undoSendSeconds: number;
  /** SENT_APPEND: APPEND a copy to Sent after sending (off for servers that do it, e.g. Gmail). */
  sentAppend: boolean;
  /** UPLOAD_TTL_S: uploads not used for this long are deleted. Default 6 h. */
  uploadTtlMs: number;
  /** UPLOAD_DIR: where uploads wait (mode 700 directory, mode 600 files). */
  uploadDir: string;
  /** SMTP_TIMEOUT_MS: connect, greeting and socket deadline for one submission. */
  smtpTimeoutMs: number;
}

export function parseComposeConfig(read: EnvReader): ComposeConfig {
  return {
    attachmentMaxBytes: read.integer('ATTACHMENT_MAX_BYTES', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    undoSendSeconds: read.integer('UNDO_SEND_SECONDS', 10, 0, 3600),
    sentAppend: read.boolean('SENT_APPEND', true),
    uploadTtlMs: read.integer('UPLOAD_TTL_S', 6 * 3600, 60, 7 * 86_400) * 1000,
    uploadDir: path.resolve(read.string('UPLOAD_DIR', path.join(os.tmpdir(), 'westwind-uploads'))),
    smtpTimeoutMs: read.integer('SMTP_TIMEOUT_MS', 30_000, 1_000, 600_000),
  };
}
