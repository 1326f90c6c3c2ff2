// SMTP submission endpoint of the local stack, run as a detached process by `pnpm stack up`.
//
// It behaves like a small real submission server (RFC 6409) in front of Dovecot:
// - AUTH PLAIN/LOGIN is mandatory; credentials are proven by an IMAP LOGIN against Dovecot,
//   so a password changed in the passwd-file is honoured here too.
// - MAIL FROM must be the authenticated address (553 otherwise).
// - RCPT TO must be a known user of a local domain (550 for relaying or unknown users).
// - Accepted messages are delivered to Dovecot over LMTP, so they really land in mailboxes.
//   Any recipient LMTP refuses fails the whole DATA with LMTP's reply: the client must never
//   believe a message was delivered that was not.
//
// Configuration comes from the environment set by the launcher (smtp.ts).
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`smtp-submission: ${name} is not set`);
  return value;
}

const HOST = process.env.WESTWIND_SMTP_HOST ?? '127.0.0.1';
const PORT = Number(required('WESTWIND_SMTP_PORT'));
const IMAP_HOST = process.env.WESTWIND_IMAP_HOST ?? '127.0.0.1';
const IMAP_PORT = Number(required('WESTWIND_IMAP_PORT'));
const LMTP_PORT = Number(required('WESTWIND_LMTP_PORT'));
const PASSWD_FILE = required('WESTWIND_PASSWD_FILE');
const LOCAL_DOMAINS = new Set(
  (process.env.WESTWIND_LOCAL_DOMAINS ?? 'westwind.test').split(',').map((d) => d.trim().toLowerCase()),
);
const MAX_MESSAGE_BYTES = Number(process.env.WESTWIND_SMTP_MAX_BYTES ?? 35 * 1024 * 1024);
// Long enough to spare Dovecot a LOGIN per message in send-heavy tests, short enough that a
// revoked password stops working quickly.
const AUTH_CACHE_MS = 30_000;
const SERVER_NAME = 'smtp.westwind.test';

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

const verifiedLogins = new Map<string, number>();

function cacheKey(user: string, password: string): string {
  return createHash('sha256').update(user).update('\0').update(password).digest('hex');
}

/** Returns true/false for valid/invalid credentials; throws when Dovecot cannot be asked. */
async function verifyCredentials(user: string, password: string): Promise<boolean> {
  const key = cacheKey(user, password);
  const until = verifiedLogins.get(key);
  if (until && until > Date.now()) return true;
  const client = new ImapFlow({
    host: IMAP_HOST,
    port: IMAP_PORT,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
    verifyOnly: true,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  // An ImapFlow without an error listener crashes the process on a socket error.
  client.on('error', () => undefined);
  try {
    await client.connect();
    verifiedLogins.set(key, Date.now() + AUTH_CACHE_MS);
    return true;
  } catch (error) {
    if ((error as { authenticationFailed?: boolean }).authenticationFailed) return false;
    throw error;
  } finally {
    client.close();
  }
}

let knownUsers: { mtimeMs: number; size: number; users: Set<string> } | null = null;

/** Local users from Dovecot's passwd-file, re-read whenever it changes. */
async function localUsers(): Promise<Set<string>> {
  const info = await stat(PASSWD_FILE);
  if (knownUsers && knownUsers.mtimeMs === info.mtimeMs && knownUsers.size === info.size)
    return knownUsers.users;
  const users = new Set<string>();
  for (const line of (await readFile(PASSWD_FILE, 'utf8')).split('\n')) {
    const name = line.split(':', 1)[0]?.trim().toLowerCase();
    if (name && !name.startsWith('#')) users.add(name);
  }
  knownUsers = { mtimeMs: info.mtimeMs, size: info.size, users };
  return users;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

async function isLocalDomain(domain: string): Promise<boolean> {
  if (LOCAL_DOMAINS.has(domain)) return true;
  // A user added under another domain (addMailUser('x@example.test')) makes that domain local.
  for (const user of await localUsers()) if (domainOf(user) === domain) return true;
  return false;
}

async function readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    // Keep draining an oversized message (the client expects a reply after its final dot),
    // but stop holding it in memory.
    size += (chunk as Buffer).length;
    if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function receivedHeader(session: SMTPServerSession): string {
  const helo = session.hostNameAppearsAs || 'unknown';
  const rcpt =
    session.envelope.rcptTo.length === 1 ? `\r\n\tfor <${session.envelope.rcptTo[0]?.address}>` : '';
  return (
    `Received: from ${helo} ([${session.remoteAddress}])\r\n` +
    `\tby ${SERVER_NAME} (Westwind stack submission) with ESMTPA id ${session.id}${rcpt};\r\n` +
    `\t${new Date().toUTCString().replace('GMT', '+0000')}\r\n`
  );
}

const lmtp = createTransport({
  host: IMAP_HOST,
  port: LMTP_PORT,
  lmtp: true,
  secure: false,
  ignoreTLS: true,
  name: SERVER_NAME,
  connectionTimeout: 10_000,
  socketTimeout: 120_000,
});

const server = new SMTPServer({
  name: SERVER_NAME,
  banner: 'Westwind local submission',
  size: MAX_MESSAGE_BYTES,
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: false,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  hideENHANCEDSTATUSCODES: false,
  logger: false,

  onAuth(auth, session, callback) {
    const user = (auth.username ?? '').trim().toLowerCase();
    const password = auth.password ?? '';
    if (!user || !password) {
      callback(null, { message: 'Authentication credentials invalid', responseCode: 535 });
      return;
    }
    verifyCredentials(user, password).then(
      (ok) => {
        log(`${session.id} AUTH ${auth.method} ${user} ${ok ? 'ok' : 'failed'}`);
        if (ok) callback(null, { user });
        else callback(null, { message: 'Authentication credentials invalid', responseCode: 535 });
      },
      (error: Error) => {
        log(`${session.id} AUTH ${user} could not be verified: ${error.message}`);
        callback(smtpError(454, 'Temporary authentication failure'));
      },
    );
  },

  onMailFrom(address, session, callback) {
    const from = address.address.toLowerCase();
    if (!session.user || from !== String(session.user)) {
      callback(
        smtpError(553, `Sender address <${address.address}> not owned by user ${session.user ?? '(none)'}`),
      );
      return;
    }
    callback();
  },

  onRcptTo(address, _session, callback) {
    const rcpt = address.address.toLowerCase();
    isLocalDomain(domainOf(rcpt))
      .then(async (local) => {
        if (!local) return callback(smtpError(550, `Relay not permitted to <${address.address}>`));
        if (!(await localUsers()).has(rcpt)) {
          return callback(smtpError(550, `Mailbox unavailable: no such user <${address.address}>`));
        }
        callback();
      })
      .catch((error: Error) => callback(smtpError(451, `Recipient check failed: ${error.message}`)));
  },

  onData(stream, session, callback) {
    readMessage(stream)
      .then(async (body) => {
        if (stream.sizeExceeded) {
          throw smtpError(552, `Message exceeds fixed maximum message size (${MAX_MESSAGE_BYTES} bytes)`);
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((r) => r.address);
        const info = await lmtp
          .sendMail({
            envelope: { from, to },
            raw: Buffer.concat([Buffer.from(receivedHeader(session)), body]),
          })
          .catch((error: { responseCode?: number; response?: string; message: string }) => {
            // Pass LMTP's own verdict through; connection problems become temporary failures.
            const code = error.responseCode && error.responseCode >= 400 ? error.responseCode : 451;
            throw smtpError(code, `Local delivery failed: ${error.response ?? error.message}`);
          });
        const rejected = info.rejectedErrors ?? [];
        if (info.rejected.length > 0) {
          const first = rejected[0] as
            | { responseCode?: number; response?: string; message: string }
            | undefined;
          const code = first?.responseCode && first.responseCode >= 400 ? first.responseCode : 550;
          throw smtpError(
            code,
            `Local delivery failed for ${info.rejected.join(', ')}: ${first?.response ?? first?.message ?? 'rejected'}`,
          );
        }
        log(
          `${session.id} delivered ${body.length} bytes from <${from}> to ${to.map((t) => `<${t}>`).join(' ')}`,
        );
        callback(null, 'Message delivered');
      })
      .catch((error: Error & { responseCode?: number }) => {
        log(`${session.id} DATA failed: ${error.responseCode ?? ''} ${error.message}`);
        callback(error.responseCode ? error : smtpError(451, error.message));
      });
  },
});

server.on('error', (error) => log(`server error: ${error.message}`));

server.listen(PORT, HOST, () => {
  log(`listening on ${HOST}:${PORT} (IMAP auth ${IMAP_HOST}:${IMAP_PORT}, LMTP ${IMAP_HOST}:${LMTP_PORT})`);
});

function shutdown(signal: string): void {
  log(`${signal}: shutting down`);
  server.close(() => process.exit(0));
  // Do not wait out idle client connections on shutdown.
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
