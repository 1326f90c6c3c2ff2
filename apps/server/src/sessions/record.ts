import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';

const Endpoint = Type.Object({
  host: Type.String(),
  address: Type.String(),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  secure: Type.Boolean(),
  starttls: Type.Boolean(),
});

/**
 * What the store holds for a session. Read back as untrusted input: a record that fails this
 * schema is treated as no session. It holds no password in the clear and not the session id.
 */
export const SessionRecord = Type.Object({
  v: Type.Literal(1),
  address: Type.String(),
  displayName: Type.String(),
  accountKey: Type.String(),
  loginUser: Type.String(),
  imap: Endpoint,
  smtp: Endpoint,
  capabilities: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  lastSeenAt: Type.Integer(),
  expiresAt: Type.Integer(),
  credential: Type.Object({ iv: Type.String(), ciphertext: Type.String(), tag: Type.String() }),
});
export type SessionRecord = Static<typeof SessionRecord>;
/** Compiled once: every authenticated request checks the record it read from the store. */
const sessionRecordValidator = Compile(SessionRecord);

export function parseSessionRecord(raw: string | null): SessionRecord | null {
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return sessionRecordValidator.Check(value) ? value : null;
  } catch {
    return null;
  }
}

/** How long the record may live from `now`: the idle timeout, never past the absolute lifetime. */
export function recordTtlMs(
  record: Pick<SessionRecord, 'expiresAt'>,
  now: number,
  idleTimeoutMs: number,
): number {
  return Math.max(0, Math.min(idleTimeoutMs, record.expiresAt - now));
}

/**
 * Touching a session on every request would write to the store on every request; once a minute
 * (or a hundredth of the idle timeout, if smaller) keeps the idle clock accurate enough.
 */
export function needsTouch(
  record: Pick<SessionRecord, 'lastSeenAt'>,
  now: number,
  idleTimeoutMs: number,
): boolean {
  return now - record.lastSeenAt >= Math.min(60_000, idleTimeoutMs / 100);
}
