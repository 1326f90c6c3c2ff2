/**
 * Uploaded attachments waiting for a draft or a send. The bytes stream to a file under the
 * upload directory (mode 600, random name; never buffered whole in memory); the description is
 * in the store under the account, so an upload is only ever usable by the account that made it.
 *
 * Limitation: the file lives on the instance that received the upload. Behind a load balancer,
 * either route an account's requests to one instance (sticky sessions) or point UPLOAD_DIR at a
 * shared volume.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadResult } from '@westwind/contract';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { KeyValueStore } from '../store/store.js';
import { sanitizeContentType, sanitizeFilename } from './text.js';

const StoredUpload = Type.Object({
  uploadId: Type.String(),
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  file: Type.String(),
});
type StoredUpload = Static<typeof StoredUpload>;

const ID = /^[A-Za-z0-9_-]{16,64}$/;
const key = (accountKey: string, uploadId: string) => `ww:account:{${accountKey}}:upload:${uploadId}`;

export class UploadTooLarge extends Error {}

export class UploadStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly dir: string,
    private readonly ttlMs: number,
  ) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700).catch(() => undefined);
  }

  /**
   * Streams `content` to a new file. `truncated()` tells whether the source stopped at its size
   * limit (@fastify/multipart sets `file.truncated`); such a file is deleted and UploadTooLarge
   * thrown.
   */
  async create(
    accountKey: string,
    content: Readable,
    meta: { filename: string | undefined; contentType: string | undefined; maxBytes: number },
    truncated: () => boolean = () => false,
  ): Promise<UploadResult> {
    const uploadId = randomBytes(18).toString('base64url');
    const file = path.join(this.dir, `${randomBytes(18).toString('hex')}.part`);
    let size = 0;
    const out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
    try {
      await pipeline(
        content,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > meta.maxBytes) throw new UploadTooLarge();
            yield chunk;
          }
        },
        out,
      );
      if (truncated()) throw new UploadTooLarge();
    } catch (error) {
      await rm(file, { force: true });
      throw error;
    }
    const stored: StoredUpload = {
      uploadId,
      filename: sanitizeFilename(meta.filename),
      contentType: sanitizeContentType(meta.contentType),
      size,
      file: path.basename(file),
    };
    await this.store.set(key(accountKey, uploadId), JSON.stringify(stored), this.ttlMs);
    return publicView(stored);
  }

  /** The upload and a way to read it, or null when it is unknown, expired or another account's. */
  async get(
    accountKey: string,
    uploadId: string,
  ): Promise<(UploadResult & { open: () => Readable; path: string }) | null> {
    if (!ID.test(uploadId)) return null;
    const raw = await this.store.get(key(accountKey, uploadId));
    if (raw === null) return null;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
    if (!Value.Check(StoredUpload, value) || !/^[0-9a-f]{36}\.part$/.test(value.file)) return null;
    const file = path.join(this.dir, value.file);
    const info = await stat(file).catch(() => null);
    if (!info || info.size !== value.size) return null;
    // Used again: it lives on while a draft refers to it.
    await this.store.set(key(accountKey, uploadId), raw, this.ttlMs);
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined);
    return { ...publicView(value), path: file, open: () => createReadStream(file) };
  }

  async delete(accountKey: string, uploadId: string): Promise<boolean> {
    const found = await this.get(accountKey, uploadId);
    if (!found) return false;
    await this.store.delete(key(accountKey, uploadId));
    await rm(found.path, { force: true });
    return true;
  }

  /** Removes files older than the TTL (their store keys have expired already). */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.part')) continue;
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info && now - info.mtimeMs > this.ttlMs) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

function publicView(stored: StoredUpload): UploadResult {
  return {
    uploadId: stored.uploadId,
    filename: stored.filename,
    contentType: stored.contentType,
    size: stored.size,
  };
}
