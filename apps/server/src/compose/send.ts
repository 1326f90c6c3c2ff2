/**
 * Sending with an undo window.
 *
 * Choice made (see the compose README section of the report): the pending send lives in memory
 * on the instance that received it — it needs the SMTP password, which exists only in the
 * session (opened with the user's cookie) and must never be written to the store — and its
 * status is in the store, so any instance can show it and undo it. Exactly-once between "send"
 * and "undo" is a store lease per send (`send-claim`): the runner and the undo both try to take
 * it; whoever gets it first decides. A retry or double click cannot send twice: the first
 * request takes `send-draft:<draftId>` (SET NX semantics) and later ones get its status.
 *
 * Before the window starts the message is saved to Drafts, so if this instance stops during the
 * window nothing is lost: the send is reported `failed` (`interrupted`) and the draft is there.
 */
import { randomUUID } from 'node:crypto';
import createError from '@fastify/error';
import {
  type DraftInput,
  DraftInput as DraftInputSchema,
  ErrorCodes,
  type SavedDraft,
  type SendError,
  type SendResult,
  SendStatus,
  type UndoResult,
} from '@westwind/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { AppErrors } from '../errors.js';
import { requireMailboxPath } from '../mailboxes/mailbox-id.js';
import { withImap } from '../sessions/imap-access.js';
import type { SessionRecord } from '../sessions/record.js';
import { recordContacts } from './contacts.js';
import {
  type ComposeContext,
  draftKey,
  ownerOf,
  type Prepared,
  prepare,
  rememberSmtpSize,
  storeDraft,
} from './drafts.js';
import { addFlag, appendMessage, deleteDraftVersions, roleFolder } from './imap.js';
import { classifySmtpError, SmtpSendError, submit } from './smtp.js';

export const SendNotFound = createError(ErrorCodes.NOT_FOUND, 'No such send', 404);
export const TooLateToUndo = createError(
  ErrorCodes.SEND_NOT_UNDOABLE,
  'The message has already been sent',
  409,
);

export const SendInProgress = createError(
  ErrorCodes.SEND_IN_PROGRESS,
  'This draft is being sent or has been sent; check its send status',
  409,
);

const RECORD_TTL_MS = 24 * 3600_000;
/** A send still `scheduled` this long after its time was dropped by an instance that stopped. */
const INTERRUPTED_AFTER_MS = 60_000;

const sendKey = (accountKey: string, sendId: string) => `ww:account:{${accountKey}}:send:${sendId}`;
const byDraftKey = (accountKey: string, draftId: string) =>
  `ww:account:{${accountKey}}:send-draft:${draftId}`;
const claimKey = (accountKey: string, sendId: string) => `ww:account:{${accountKey}}:send-claim:${sendId}`;

const StoredSend = Type.Object({ status: SendStatus, draft: DraftInputSchema });
interface StoredSend {
  status: SendStatus;
  draft: DraftInput;
}

interface Job {
  accountKey: string;
  record: SessionRecord;
  password: string;
  prepared: Prepared;
  draft: DraftInput;
  status: SendStatus;
  timer: NodeJS.Timeout | null;
}

function resultOf(status: SendStatus): SendResult {
  return { sendId: status.sendId, scheduledAt: status.scheduledAt, undoUntil: status.undoUntil, status };
}

const ORIGINAL_FLAG = { reply: '\\Answered', replyAll: '\\Answered', forward: '$Forwarded' } as const;

export class SendScheduler {
  private readonly jobs = new Map<string, Job>();
  private closing = false;

  constructor(private readonly ctx: ComposeContext) {}

  private get app(): FastifyInstance {
    return this.ctx.app;
  }

  private async read(accountKey: string, sendId: string): Promise<StoredSend | null> {
    if (!/^[0-9a-f-]{36}$/.test(sendId)) return null;
    const raw = await this.app.store.get(sendKey(accountKey, sendId));
    if (raw === null) return null;
    try {
      const value: unknown = JSON.parse(raw);
      return Value.Check(StoredSend, value) ? (value as StoredSend) : null;
    } catch {
      return null;
    }
  }

  private async write(accountKey: string, stored: StoredSend): Promise<void> {
    await this.app.store.set(
      sendKey(accountKey, stored.status.sendId),
      JSON.stringify(stored),
      RECORD_TTL_MS,
    );
  }

  private imap<T>(job: Job, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
    const { record } = job;
    return this.app.imap.withConnection(
      record.accountKey,
      record.imap,
      { user: record.loginUser, password: job.password },
      fn,
    );
  }

  /** POST /compose/send. */
  async send(request: FastifyRequest, draftId: string, draft: DraftInput): Promise<SendResult> {
    const session = request.session;
    if (!session) throw new AppErrors.SessionRequired();
    const { accountKey } = ownerOf(request);
    const sendId = randomUUID();
    const idempotency = byDraftKey(accountKey, draftId);
    const existing = await this.claimOrExisting(request, idempotency, sendId);
    if (existing) return resultOf(existing);
    let prepared: Prepared;
    let saved: SavedDraft;
    try {
      ({ prepared, saved } = await withImap(this.app, request, async (client) => {
        const prepared = await prepare(this.ctx, request, client, draftId, draft, { forSend: true });
        const saved = await storeDraft(this.ctx, client, accountKey, draftId, prepared.storedMime);
        return { prepared, saved };
      }));
    } catch (error) {
      await this.app.store.releaseLease(idempotency, sendId).catch(() => undefined);
      throw error;
    }
    const at = new Date(Date.now() + this.ctx.config.undoSendSeconds * 1000).toISOString();
    const status: SendStatus = {
      sendId,
      draftId,
      state: 'scheduled',
      scheduledAt: at,
      undoUntil: at,
      sentAt: null,
      messageId: prepared.messageId,
      error: null,
      savedDraft: saved,
    };
    await this.write(accountKey, { status, draft });
    const job: Job = {
      accountKey,
      record: session.record,
      password: session.password,
      prepared,
      draft,
      status,
      timer: null,
    };
    this.jobs.set(sendId, job);
    if (this.ctx.config.undoSendSeconds === 0) {
      await this.run(job);
      return resultOf(job.status);
    }
    job.timer = setTimeout(() => {
      this.run(job).catch((error: unknown) => this.app.log.error({ err: error }, 'scheduled send failed'));
    }, this.ctx.config.undoSendSeconds * 1000);
    return resultOf(status);
  }

  /**
   * Takes the draft's idempotency key, or returns the send that holds it. A concurrent request
   * (double click) may hold it while still preparing: wait for its record (and, without an undo
   * window, for its outcome); if it gave up meanwhile, try to take the key again.
   */
  private async claimOrExisting(
    request: FastifyRequest,
    idempotency: string,
    sendId: string,
  ): Promise<SendStatus | null> {
    const deadline = Date.now() + this.ctx.config.smtpTimeoutMs * 3 + 10_000;
    while (Date.now() < deadline) {
      if (await this.app.store.acquireLease(idempotency, sendId, RECORD_TTL_MS)) return null;
      const holder = await this.app.store.get(idempotency);
      const status = holder ? await this.status(request, holder).catch(() => null) : null;
      const final = status !== null && ['sent', 'failed', 'cancelled'].includes(status.state);
      if (status && (final || this.ctx.config.undoSendSeconds > 0)) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new SendInProgress();
  }

  private async run(job: Job): Promise<void> {
    const { accountKey } = job;
    const { sendId, draftId } = job.status;
    this.jobs.delete(sendId);
    if (!(await this.app.store.acquireLease(claimKey(accountKey, sendId), 'run', RECORD_TTL_MS))) return;
    job.status = { ...job.status, state: 'sending' };
    await this.write(accountKey, { status: job.status, draft: job.draft });
    const { prepared, record } = job;
    try {
      const result = await submit({
        endpoint: record.smtp,
        auth: { user: record.loginUser, pass: job.password },
        from: prepared.identity.address,
        to: prepared.recipients,
        message: prepared.sendMime as Buffer,
        timeoutMs: this.ctx.config.smtpTimeoutMs,
      });
      await rememberSmtpSize(this.app.store, accountKey, result.maxSize);
    } catch (error) {
      const detail: SendError =
        error instanceof SmtpSendError ? error.detail : classifySmtpError(error as Error).detail;
      this.app.log.info({ kind: detail.kind, smtpCode: detail.smtpCode }, 'send failed');
      job.status = { ...job.status, state: 'failed', error: detail };
      await this.write(accountKey, { status: job.status, draft: job.draft });
      // The draft is kept in Drafts; the user may send it again.
      await this.app.store.releaseLease(byDraftKey(accountKey, draftId), sendId).catch(() => undefined);
      return;
    }
    job.status = { ...job.status, state: 'sent', sentAt: new Date().toISOString(), savedDraft: null };
    await this.write(accountKey, { status: job.status, draft: job.draft });
    await this.afterSend(job).catch((error: unknown) =>
      this.app.log.warn({ err: error }, 'after-send housekeeping failed (the message was sent)'),
    );
  }

  /** Sent copy, flag on the original, draft removed, contacts, push. Never fails the send. */
  private async afterSend(job: Job): Promise<void> {
    const { accountKey, draft, prepared } = job;
    const { draftId } = job.status;
    const changed = new Set<string>();
    await this.imap(job, async (client) => {
      if (this.ctx.config.sentAppend) {
        const sent = await roleFolder(client, 'sent');
        await appendMessage(client, sent.path, prepared.storedMime, ['\\Seen'], null);
        changed.add(sent.id);
      }
      if (draft.inReplyTo && draft.mode) {
        await addFlag(
          client,
          requireMailboxPath(draft.inReplyTo.mailboxId),
          draft.inReplyTo.uid,
          ORIGINAL_FLAG[draft.mode],
        ).then(
          () => changed.add(draft.inReplyTo?.mailboxId as string),
          (error: unknown) => this.app.log.info({ err: error }, 'could not flag the original'),
        );
      }
      const drafts = await roleFolder(client, 'drafts');
      await deleteDraftVersions(client, drafts.path, draftId, null);
      changed.add(drafts.id);
    });
    await this.app.store.delete(draftKey(accountKey, draftId));
    await recordContacts(this.app.store, accountKey, [...draft.to, ...draft.cc, ...draft.bcc]);
    await this.app.push.changed(accountKey, [...changed]);
  }

  /**
   * A draft that is being sent (or was) must not be saved again: a late autosave would bring a
   * sent message back into Drafts. Throws SendInProgress then.
   */
  async assertDraftEditable(request: FastifyRequest, draftId: string): Promise<void> {
    const { accountKey } = ownerOf(request);
    const holder = await this.app.store.get(byDraftKey(accountKey, draftId));
    if (holder === null) return;
    const stored = await this.read(accountKey, holder);
    if (stored && ['scheduled', 'sending', 'sent'].includes(stored.status.state)) throw new SendInProgress();
  }

  /** GET /compose/send/:sendId. */
  async status(request: FastifyRequest, sendId: string): Promise<SendStatus> {
    const { accountKey } = ownerOf(request);
    const stored = await this.read(accountKey, sendId);
    if (!stored) throw new SendNotFound();
    const { status } = stored;
    if (
      status.state === 'scheduled' &&
      !this.jobs.has(sendId) &&
      Date.now() > Date.parse(status.scheduledAt) + INTERRUPTED_AFTER_MS
    ) {
      return this.interrupt(accountKey, stored);
    }
    return status;
  }

  private async interrupt(accountKey: string, stored: StoredSend): Promise<SendStatus> {
    const { sendId, draftId } = stored.status;
    if (!(await this.app.store.acquireLease(claimKey(accountKey, sendId), 'interrupted', RECORD_TTL_MS))) {
      return (await this.read(accountKey, sendId))?.status ?? stored.status;
    }
    const status: SendStatus = {
      ...stored.status,
      state: 'failed',
      error: {
        kind: 'interrupted',
        code: ErrorCodes.SHUTTING_DOWN,
        message: 'The server restarted before the message left; it is still in Drafts',
        rejectedRecipients: [],
        smtpCode: null,
      },
    };
    await this.write(accountKey, { status, draft: stored.draft });
    await this.app.store.releaseLease(byDraftKey(accountKey, draftId), sendId).catch(() => undefined);
    return status;
  }

  /** POST /compose/send/:sendId/undo. */
  async undo(request: FastifyRequest, sendId: string): Promise<UndoResult> {
    const { accountKey } = ownerOf(request);
    const stored = await this.read(accountKey, sendId);
    if (!stored) throw new SendNotFound();
    const back = (s: StoredSend): UndoResult => ({
      draftId: s.status.draftId,
      draft: s.draft,
      savedDraft: s.status.savedDraft,
    });
    if (stored.status.state === 'cancelled' || stored.status.state === 'failed') return back(stored);
    if (!(await this.app.store.acquireLease(claimKey(accountKey, sendId), 'undo', RECORD_TTL_MS))) {
      const now = await this.read(accountKey, sendId);
      if (now && (now.status.state === 'cancelled' || now.status.state === 'failed')) return back(now);
      throw new TooLateToUndo();
    }
    const job = this.jobs.get(sendId);
    if (job?.timer) clearTimeout(job.timer);
    this.jobs.delete(sendId);
    const status: SendStatus = { ...stored.status, state: 'cancelled' };
    await this.write(accountKey, { status, draft: stored.draft });
    await this.app.store.releaseLease(byDraftKey(accountKey, status.draftId), sendId).catch(() => undefined);
    return back({ status, draft: stored.draft });
  }

  /** On shutdown: pending sends are dropped back to drafts (they are in Drafts already). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const pending = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of pending) {
      if (job.timer) clearTimeout(job.timer);
      await this.interrupt(job.accountKey, { status: job.status, draft: job.draft }).catch(() => undefined);
    }
  }
}
