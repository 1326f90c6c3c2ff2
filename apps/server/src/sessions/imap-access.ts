import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ImapFlow } from 'imapflow';
import { AppErrors } from '../errors.js';

/**
 * Runs `fn` on one of the signed-in account's pooled IMAP connections (see ImapConnectionManager
 * for the rules `fn` must follow: no commands inside `for await` over fetch(), locks released in
 * `finally`). Use only behind `app.requireSession`.
 */
export function withImap<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  fn: (client: ImapFlow) => Promise<T>,
  options?: { deadlineMs?: number },
): Promise<T> {
  const session = request.session;
  if (!session) throw new AppErrors.SessionRequired();
  const { record, password } = session;
  return app.imap.withConnection(
    record.accountKey,
    record.imap,
    { user: record.loginUser, password },
    fn,
    options,
  );
}
