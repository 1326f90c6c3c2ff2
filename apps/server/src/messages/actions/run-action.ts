/**
 * Carries out a message action over IMAP: STORE (.SILENT), MOVE/COPY (UIDPLUS COPYUID for the
 * UID map), or STORE \Deleted + UID EXPUNGE. Only the UIDs that still exist are touched and
 * counted: a message another client deleted meanwhile is simply not affected.
 */
import type { MessageActionRequest, MessageActionResult } from '@westwind/contract';
import type { ImapFlow } from 'imapflow';
import { AppErrors } from '../../errors.js';
import { lockFresh } from '../list/fetch-page.js';
import { toSequenceSet } from '../list/uid-set.js';
import { type ActionPlan, type MailboxInfo, needsMailboxList, planAction } from './plan.js';

/** UIDs per command: keeps each command line short whatever the UIDs look like. */
const BATCH = 1000;

function batches(uids: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < uids.length; i += BATCH) out.push(uids.slice(i, i + BATCH));
  return out;
}

function refused(what: string): Error {
  return new AppErrors.UpstreamError(`${what} was refused`);
}

export async function runMessageAction(
  client: ImapFlow,
  source: string,
  request: Pick<MessageActionRequest, 'uids' | 'action'> & { target?: string | undefined },
): Promise<MessageActionResult> {
  const mailboxes: MailboxInfo[] = needsMailboxList(request.action) ? await client.list() : [];
  const plan = planAction(request.action, source, request.target, mailboxes);
  if (plan === 'target-missing' || plan === 'target-required') throw new AppErrors.MailboxNotFound();

  const lock = await lockFresh(client, source, `message ${request.action}`);
  try {
    // Which of the UIDs still exist; the rest are gone and not affected.
    const existing: number[] = [];
    for (const batch of batches([...new Set(request.uids)].sort((a, b) => a - b))) {
      const found = await client.search({ uid: toSequenceSet(batch) }, { uid: true });
      if (found === false || found === undefined) throw refused('The search');
      existing.push(...found);
    }
    if (existing.length === 0) return plan.kind === 'store' ? { affected: 0 } : { affected: 0, uidMap: {} };
    return await apply(client, plan, existing);
  } finally {
    lock.release();
  }
}

async function apply(client: ImapFlow, plan: ActionPlan, uids: number[]): Promise<MessageActionResult> {
  switch (plan.kind) {
    case 'store': {
      for (const batch of batches(uids)) {
        const set = toSequenceSet(batch);
        const ok =
          plan.op === 'add'
            ? await client.messageFlagsAdd(set, [plan.flag], { uid: true, silent: true })
            : await client.messageFlagsRemove(set, [plan.flag], { uid: true, silent: true });
        if (!ok) throw refused('Changing the flags');
      }
      return { affected: uids.length };
    }
    case 'move':
    case 'copy': {
      const uidMap: Record<string, number> = {};
      for (const batch of batches(uids)) {
        const set = toSequenceSet(batch);
        // imapflow uses MOVE (RFC 6851) where offered, else COPY + STORE \Deleted + UID EXPUNGE.
        const result =
          plan.kind === 'move'
            ? await client.messageMove(set, plan.target, { uid: true })
            : await client.messageCopy(set, plan.target, { uid: true });
        if (!result) throw refused(plan.kind === 'move' ? 'Moving' : 'Copying');
        for (const [from, to] of result.uidMap ?? []) uidMap[String(from)] = to;
      }
      return { affected: uids.length, uidMap };
    }
    case 'expunge': {
      for (const batch of batches(uids)) {
        const ok = await client.messageDelete(toSequenceSet(batch), { uid: true });
        if (!ok) throw refused('Deleting');
      }
      return { affected: uids.length };
    }
  }
}
