import { randomBytes, randomUUID } from 'node:crypto';
import {
  type DraftInput,
  ErrorCodes,
  type IdentityList,
  type Mailbox,
  type MessageDetail,
  type MessagePage,
  type MessageSummary,
  type ReplyTemplate,
  type ResumedDraft,
  type SavedDraft,
  type SendResult,
  type SendStatus,
  type UndoResult,
  type UploadResult,
} from '@westwind/contract';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { closedPort } from '../support/fake-servers.ts';
import { createMailUser, type MailUser, withFolder } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const INBOX = Buffer.from('INBOX', 'utf8').toString('base64url');
const FAST = { UNDO_SEND_SECONDS: '0' };

type User = MailUser;

// One app per configuration per test: fewer IMAP connections against the shared stack.
const apps = new Map<string, Promise<FastifyInstance>>();
afterEach(() => apps.clear());

async function signedIn(user: User, overrides: Record<string, string> = FAST): Promise<ApiClient> {
  const key = JSON.stringify(overrides);
  if (!apps.has(key)) apps.set(key, app(overrides));
  return signedInClient(await (apps.get(key) as Promise<FastifyInstance>), user);
}

function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
}

function draftOf(to: string[], extra: Partial<DraftInput> = {}): DraftInput {
  return {
    to: to.map((address) => ({ name: '', address })),
    cc: [],
    bcc: [],
    subject: 'Hello',
    text: 'Plain body',
    attachments: [],
    ...extra,
  };
}

/** A multipart/form-data body with one file field, built by hand. */
function multipart(filename: string, content: Buffer, contentType = 'application/octet-stream') {
  const boundary = `----westwind${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
    'utf8',
  );
  const payload = Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(client: ApiClient, filename: string, content: Buffer, type?: string) {
  return client.request({
    method: 'POST',
    url: '/api/compose/uploads',
    ...multipart(filename, content, type),
  });
}

async function send(
  client: ApiClient,
  draft: DraftInput,
  draftId: string = randomUUID(),
): Promise<SendResult> {
  const response = await client.request({
    method: 'POST',
    url: '/api/compose/send',
    payload: { draftId, draft },
  });
  expect([200, 202], response.body).toContain(response.statusCode);
  return response.json<SendResult>();
}

async function waitForStatus(client: ApiClient, sendId: string, done = ['sent', 'failed', 'cancelled']) {
  for (let i = 0; i < 100; i++) {
    const status = (await client.request({ url: `/api/compose/send/${sendId}` })).json<SendStatus>();
    if (done.includes(status.state)) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('send did not finish');
}

async function folders(client: ApiClient): Promise<Mailbox[]> {
  return (await client.request({ url: '/api/mailboxes' })).json<{ mailboxes: Mailbox[] }>().mailboxes;
}

async function folderId(client: ApiClient, role: 'drafts' | 'sent'): Promise<string> {
  const found = (await folders(client)).find((m) => m.role === role);
  if (!found) throw new Error(`no ${role} folder`);
  return found.id;
}

async function list(client: ApiClient, mailboxId: string): Promise<MessagePage> {
  const response = await client.request({ url: `/api/mailboxes/${mailboxId}/messages?limit=50` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MessagePage>();
}

/**
 * The first message of the folder's list whose subject is `subject`, waiting for it: without a
 * push connection, a page can be served from a sighting of the folder up to CACHE_FRESH_MS old.
 */
async function arrived(client: ApiClient, mailboxId: string, subject: string): Promise<MessageSummary> {
  for (let attempt = 0; ; attempt++) {
    const found = (await list(client, mailboxId)).items.find((m) => m.subject === subject);
    if (found) return found;
    if (attempt >= 50) throw new Error(`${subject} did not arrive`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function detail(client: ApiClient, mailboxId: string, uid: number): Promise<MessageDetail> {
  const response = await client.request({
    url: `/api/mailboxes/${mailboxId}/messages/${uid}?markRead=false`,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<MessageDetail>();
}

function imapFlags(user: User, path: string, uid: number): Promise<Set<string>> {
  return withFolder(user, path, async (client) => {
    const message = await client.fetchOne(String(uid), { flags: true }, { uid: true });
    return message ? (message.flags ?? new Set()) : new Set();
  });
}

function rawHeaders(user: User, path: string, uid: number): Promise<string> {
  return withFolder(user, path, async (client) => {
    const message = await client.fetchOne(String(uid), { headers: true }, { uid: true });
    return message ? (message.headers?.toString('utf8') ?? '') : '';
  });
}

describe('compose API', () => {
  it('requires a session', async () => {
    const client = new ApiClient(await app());
    expectError(await client.request({ url: '/api/identities' }), 401, ErrorCodes.SESSION_REQUIRED);
    expectError(
      await client.request({
        method: 'POST',
        url: '/api/compose/send',
        payload: { draftId: randomUUID(), draft: draftOf(['x@westwind.test']) },
      }),
      401,
      ErrorCodes.SESSION_REQUIRED,
    );
  });
});

describe('POST /api/compose/send', () => {
  it('delivers to another user: headers, body and attachment bytes intact, a copy in Sent, contacts', async () => {
    const [alice, bob] = [await createMailUser('alice'), await createMailUser('bob')];
    const sender = await signedIn(alice);
    const bytes = randomBytes(200_000);
    const uploaded = await upload(sender, 'report.bin', bytes);
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const file = uploaded.json<UploadResult>();
    expect(file).toMatchObject({ filename: 'report.bin', size: bytes.length });

    const subject = 'Grüße aus Köln 🎉 — Q3';
    const result = await send(
      sender,
      draftOf([bob.address], {
        subject,
        text: 'Hallo Bob,\nsee attached.',
        html: '<p>Hallo <b>Bob</b></p>',
        to: [{ name: 'Bob "the builder" Ünal', address: bob.address }],
        attachments: [{ uploadId: file.uploadId }],
      }),
    );
    expect(result.status.state, JSON.stringify(result.status.error)).toBe('sent');

    const receiver = await signedIn(bob);
    const inbox = await list(receiver, INBOX);
    expect(inbox.items).toHaveLength(1);
    const item = inbox.items[0] as MessagePage['items'][number];
    const message = await detail(receiver, INBOX, item.uid);
    expect(message.summary.subject).toBe(subject);
    expect(message.summary.from[0]?.address).toBe(alice.address);
    expect(message.summary.to[0]).toEqual({ name: 'Bob "the builder" Ünal', address: bob.address });
    expect(message.summary.messageId).toBe(result.status.messageId);
    expect(message.text).toContain('see attached.');
    expect(message.html).toContain('<b>Bob</b>');
    const attachment = message.attachments.find((a) => a.filename === 'report.bin');
    expect(attachment).toBeDefined();
    const download = await receiver.request({
      url: `/api/mailboxes/${INBOX}/messages/${item.uid}/attachments/${attachment?.partId}`,
    });
    expect(download.statusCode).toBe(200);
    expect(Buffer.compare(download.rawPayload, bytes)).toBe(0);
    const headers = await rawHeaders(bob, 'INBOX', item.uid);
    expect(headers).not.toMatch(/^bcc:/im);

    const sent = await list(sender, await folderId(sender, 'sent'));
    expect(sent.items.map((m) => m.subject)).toEqual([subject]);
    expect((await list(sender, await folderId(sender, 'drafts'))).items).toHaveLength(0);

    const contacts = await sender.request({ url: `/api/contacts?q=${encodeURIComponent('ünal')}` });
    expect(contacts.json<{ contacts: unknown[] }>().contacts).toEqual([
      { name: 'Bob "the builder" Ünal', address: bob.address },
    ]);
  });

  // The submission server accepts SMTPUTF8, but the local stack's LMTP hop into Dovecot does not
  // (it answers 501 for a UTF-8 recipient), so this checks the submission, not the delivery.
  it('submits to an internationalized address with SMTPUTF8', async () => {
    const alice = await createMailUser('alice');
    const jurgen = `jürgen-${randomUUID().slice(0, 8)}@westwind.test`;
    await addMailUser(jurgen, `pw-${randomUUID()}`);
    const sender = await signedIn(alice);
    const result = await send(
      sender,
      draftOf([], { to: [{ name: 'Jürgen', address: jurgen }], subject: 'Überraschung 🎁' }),
    );
    if (result.status.state === 'failed') {
      // Refused only by the stack's local delivery, after SMTP accepted the UTF-8 envelope.
      expect(result.status.error?.message).toMatch(/Local delivery failed/);
    } else {
      expect(result.status.state).toBe('sent');
    }
  });

  it('a retry or double click with the same draftId sends once', async () => {
    const [alice, bob] = [await createMailUser('alice'), await createMailUser('bob')];
    const sender = await signedIn(alice);
    const draftId = randomUUID();
    const draft = draftOf([bob.address], { subject: 'only once' });
    const [first, second] = await Promise.all([send(sender, draft, draftId), send(sender, draft, draftId)]);
    const third = await send(sender, draft, draftId);
    expect(second.sendId).toBe(first.sendId);
    expect(third.sendId).toBe(first.sendId);
    expect((await waitForStatus(sender, first.sendId)).state).toBe('sent');
    const receiver = await signedIn(bob);
    expect((await list(receiver, INBOX)).items).toHaveLength(1);
  });

  it('undo within the window: nothing leaves, the draft is back', async () => {
    const [alice, bob] = [await createMailUser('alice'), await createMailUser('bob')];
    const sender = await signedIn(alice, { UNDO_SEND_SECONDS: '1' });
    const draft = draftOf([bob.address], { subject: 'take it back' });
    const result = await send(sender, draft);
    expect(result.status.state).toBe('scheduled');
    expect(Date.parse(result.undoUntil)).toBeGreaterThan(Date.now());
    const undo = await sender.request({ method: 'POST', url: `/api/compose/send/${result.sendId}/undo` });
    expect(undo.statusCode, undo.body).toBe(200);
    const back = undo.json<UndoResult>();
    expect(back.draft.subject).toBe('take it back');
    expect(back.savedDraft?.uid).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(
      (await sender.request({ url: `/api/compose/send/${result.sendId}` })).json<SendStatus>().state,
    ).toBe('cancelled');
    const receiver = await signedIn(bob);
    expect((await list(receiver, INBOX)).items).toHaveLength(0);
    const drafts = await list(sender, await folderId(sender, 'drafts'));
    expect(drafts.items.map((m) => m.subject)).toEqual(['take it back']);
  });

  it('undo on another instance than the one holding the send: nothing leaves', async () => {
    const [alice, bob] = [await createMailUser('alice'), await createMailUser('bob')];
    const overrides = { UNDO_SEND_SECONDS: '2' };
    const first = await signedIn(alice, overrides);
    // Built before the send: building an app takes longer than the window.
    const second = first.on(await app(overrides));
    const result = await send(first, draftOf([bob.address], { subject: 'undone elsewhere' }));
    const status = await second.request({ url: `/api/compose/send/${result.sendId}` });
    expect(status.json<SendStatus>().state).toBe('scheduled');
    const undo = await second.request({ method: 'POST', url: `/api/compose/send/${result.sendId}/undo` });
    expect(undo.statusCode, undo.body).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    expect(
      (await first.request({ url: `/api/compose/send/${result.sendId}` })).json<SendStatus>().state,
    ).toBe('cancelled');
    expect((await list(await signedIn(bob), INBOX)).items).toHaveLength(0);
  });

  it('after the window it leaves, and undo is refused with 409', async () => {
    const [alice, bob] = [await createMailUser('alice'), await createMailUser('bob')];
    const sender = await signedIn(alice, { UNDO_SEND_SECONDS: '1' });
    const result = await send(sender, draftOf([bob.address], { subject: 'too late' }));
    expect((await waitForStatus(sender, result.sendId)).state).toBe('sent');
    const undo = await sender.request({ method: 'POST', url: `/api/compose/send/${result.sendId}/undo` });
    expect(undo.statusCode).toBe(409);
    // A late autosave of the sent draft must not bring it back into Drafts.
    const late = await sender.request({
      method: 'PUT',
      url: `/api/compose/drafts/${result.status.draftId}`,
      payload: draftOf([bob.address], { subject: 'too late' }),
    });
    expect(late.statusCode).toBe(409);
    const receiver = await signedIn(bob);
    expect((await list(receiver, INBOX)).items.map((m) => m.subject)).toEqual(['too late']);
  });

  it('one of three recipients refused: nobody gets it, the error names it, the draft is kept', async () => {
    const [alice, bob, carol] = [
      await createMailUser('alice'),
      await createMailUser('bob'),
      await createMailUser('carol'),
    ];
    const unknown = `nobody-${randomUUID().slice(0, 8)}@westwind.test`;
    const sender = await signedIn(alice);
    const result = await send(sender, draftOf([bob.address, unknown, carol.address], { subject: 'three' }));
    expect(result.status.state).toBe('failed');
    expect(result.status.error).toMatchObject({ kind: 'recipientsRejected', rejectedRecipients: [unknown] });
    expect(result.status.error?.message).toContain(unknown);
    for (const user of [bob, carol]) {
      expect((await list(await signedIn(user), INBOX)).items).toHaveLength(0);
    }
    const drafts = await list(sender, await folderId(sender, 'drafts'));
    expect(drafts.items.map((m) => m.subject)).toEqual(['three']);
    // Fixed and sent again with the same draft id: it goes this time.
    const again = await send(
      sender,
      draftOf([bob.address, carol.address], { subject: 'three' }),
      result.status.draftId,
    );
    expect(again.sendId).not.toBe(result.sendId);
    expect(again.status.state).toBe('sent');
  });

  it('SMTP down: a clear error and the draft kept', async () => {
    const alice = await createMailUser('alice');
    const sender = await signedIn(alice, { UNDO_SEND_SECONDS: '0', SMTP_PORT: String(await closedPort()) });
    const result = await send(sender, draftOf(['someone@westwind.test'], { subject: 'offline' }));
    expect(result.status.state).toBe('failed');
    expect(result.status.error).toMatchObject({ kind: 'unavailable', code: ErrorCodes.UPSTREAM_UNAVAILABLE });
    const drafts = await list(sender, await folderId(sender, 'drafts'));
    expect(drafts.items.map((m) => m.subject)).toEqual(['offline']);
  });

  it('refuses CR/LF in subject, names and addresses, and invalid addresses, with 400', async () => {
    const alice = await createMailUser('alice');
    const sender = await signedIn(alice);
    const bad: DraftInput[] = [
      draftOf(['x@westwind.test'], { subject: 'hi\r\nBcc: victim@example.org' }),
      draftOf([], { to: [{ name: 'Eve\nBcc: victim@example.org', address: 'x@westwind.test' }] }),
      draftOf(['x@westwind.test\r\nBcc: victim@example.org']),
      draftOf(['not an address']),
    ];
    for (const draft of bad) {
      const response = await sender.request({
        method: 'POST',
        url: '/api/compose/send',
        payload: { draftId: randomUUID(), draft },
      });
      expectError(response, 400, ErrorCodes.VALIDATION_FAILED);
    }
  });
});

describe('reply and forward', () => {
  it('reply: threading headers, Re: without stacking, \\Answered on the original; forward keeps attachments', async () => {
    const [alice, bob, carol] = [
      await createMailUser('alice'),
      await createMailUser('bob'),
      await createMailUser('carol'),
    ];
    const aliceClient = await signedIn(alice);
    const bytes = randomBytes(5000);
    const file = (await upload(aliceClient, 'data.bin', bytes)).json<UploadResult>();
    const first = await send(
      aliceClient,
      draftOf([bob.address], {
        cc: [{ name: 'Carol', address: carol.address }],
        subject: 'Re: Plans',
        text: 'Shall we meet?',
        attachments: [{ uploadId: file.uploadId }],
      }),
    );
    expect(first.status.state).toBe('sent');

    const bobClient = await signedIn(bob);
    const original = (await list(bobClient, INBOX)).items[0] as MessagePage['items'][number];
    const template = await bobClient.request({
      url: `/api/mailboxes/${INBOX}/messages/${original.uid}/reply?mode=replyAll`,
    });
    expect(template.statusCode, template.body).toBe(200);
    const replyAll = template.json<ReplyTemplate>();
    expect(replyAll.draft.subject).toBe('Re: Plans');
    expect(replyAll.draft.to.map((a) => a.address)).toEqual([alice.address]);
    expect(replyAll.draft.cc.map((a) => a.address)).toEqual([carol.address]);
    expect(replyAll.quotedText).toContain('> Shall we meet?');
    expect(replyAll.inReplyToMessageId).toBe(first.status.messageId);

    const reply = await send(bobClient, { ...replyAll.draft, text: `Yes!\n${replyAll.quotedText}` });
    expect(reply.status.state, JSON.stringify(reply.status.error)).toBe('sent');
    expect((await imapFlags(bob, 'INBOX', original.uid)).has('\\Answered')).toBe(true);

    const answer = (await list(aliceClient, INBOX)).items[0] as MessagePage['items'][number];
    const answerDetail = await detail(aliceClient, INBOX, answer.uid);
    expect(answerDetail.summary.inReplyTo).toBe(first.status.messageId);
    expect(answerDetail.references).toContain(first.status.messageId as string);
    expect(answerDetail.summary.subject).toBe('Re: Plans');

    const forward = (
      await bobClient.request({ url: `/api/mailboxes/${INBOX}/messages/${original.uid}/reply?mode=forward` })
    ).json<ReplyTemplate>();
    expect(forward.draft.subject).toBe('Fwd: Re: Plans');
    expect(forward.attachments.map((a) => a.filename)).toEqual(['data.bin']);
    const fwd = await send(bobClient, { ...forward.draft, to: [{ name: '', address: carol.address }] });
    expect(fwd.status.state, JSON.stringify(fwd.status.error)).toBe('sent');
    expect((await imapFlags(bob, 'INBOX', original.uid)).has('$Forwarded')).toBe(true);

    const carolClient = await signedIn(carol);
    const forwarded = await arrived(carolClient, INBOX, 'Fwd: Re: Plans');
    const forwardedDetail = await detail(carolClient, INBOX, forwarded.uid);
    const part = forwardedDetail.attachments.find((a) => a.filename === 'data.bin');
    const download = await carolClient.request({
      url: `/api/mailboxes/${INBOX}/messages/${forwarded.uid}/attachments/${part?.partId}`,
    });
    expect(Buffer.compare(download.rawPayload, bytes)).toBe(0);

    // Forward as attachment: the whole original as message/rfc822.
    const asAttachment = await send(
      bobClient,
      draftOf([carol.address], {
        subject: 'Fwd: the original',
        attachments: [{ messageAsAttachment: { mailboxId: INBOX, uid: original.uid } }],
      }),
    );
    expect(asAttachment.status.state, JSON.stringify(asAttachment.status.error)).toBe('sent');
    const wrapped = await arrived(carolClient, INBOX, 'Fwd: the original');
    const wrappedDetail = await detail(carolClient, INBOX, wrapped.uid);
    expect(wrappedDetail.attachments.map((a) => a.contentType)).toContain('message/rfc822');
  });
});

describe('drafts', () => {
  it('saves, replaces the previous version, resumes (also from the Drafts folder) and deletes', async () => {
    const alice = await createMailUser('alice');
    const client = await signedIn(alice);
    const draftId = randomUUID();
    const bytes = randomBytes(3000);
    const file = (await upload(client, 'notes.txt', bytes, 'text/plain')).json<UploadResult>();
    const draft = draftOf(['"odd..local"@westwind.test'], {
      bcc: [{ name: 'Secret', address: 'hidden@westwind.test' }],
      subject: 'Draft ✏️',
      html: '<p>first <img src="x" onerror="alert(1)"></p>',
      attachments: [{ uploadId: file.uploadId }],
    });
    const put = async (d: DraftInput) =>
      client.request({ method: 'PUT', url: `/api/compose/drafts/${draftId}`, payload: d });
    const first = await put(draft);
    expect(first.statusCode, first.body).toBe(200);
    const second = await put({ ...draft, text: 'second version' });
    const saved = second.json<SavedDraft>();
    expect(saved.uid).not.toBe(first.json<SavedDraft>().uid);
    const drafts = await list(client, saved.mailboxId);
    expect(drafts.items.map((m) => m.uid)).toEqual([saved.uid]);

    const resumed = (await client.request({ url: `/api/compose/drafts/${draftId}` })).json<ResumedDraft>();
    expect(resumed.uid).toBe(saved.uid);
    expect(resumed.draft.text).toContain('second version');
    expect(resumed.draft.subject).toBe('Draft ✏️');
    expect(resumed.draft.to).toEqual([{ name: '', address: '"odd..local"@westwind.test' }]);
    expect(resumed.draft.bcc).toEqual([{ name: 'Secret', address: 'hidden@westwind.test' }]);
    expect(resumed.draft.html).not.toContain('onerror');
    expect(resumed.attachments.map((a) => [a.filename, a.size])).toEqual([['notes.txt', 3000]]);

    const fromFolder = await client.request({
      url: `/api/compose/drafts/from/${saved.mailboxId}/${saved.uid}`,
    });
    expect(fromFolder.json<ResumedDraft>().draftId).toBe(draftId);

    const removed = await client.request({ method: 'DELETE', url: `/api/compose/drafts/${draftId}` });
    expect(removed.statusCode).toBe(204);
    expect((await list(client, saved.mailboxId)).items).toHaveLength(0);
    expect((await client.request({ url: `/api/compose/drafts/${draftId}` })).statusCode).toBe(404);
  });
});

describe('POST /api/compose/uploads', () => {
  it('refuses a file over the limit with 413 BODY_TOO_LARGE', async () => {
    const alice = await createMailUser('alice');
    const client = await signedIn(alice, { ATTACHMENT_MAX_BYTES: '4096' });
    const response = await upload(client, 'big.bin', randomBytes(10_000));
    expectError(response, 413, ErrorCodes.BODY_TOO_LARGE);
    const limits = await client.request({ url: '/api/compose/limits' });
    expect(limits.json<{ maxAttachmentBytes: number }>().maxAttachmentBytes).toBe(4096);
  });

  it('sanitizes file names: path separators, control and bidi characters', async () => {
    const alice = await createMailUser('alice');
    const client = await signedIn(alice);
    const response = await upload(
      client,
      '..\\..\\evil/inv\u202Efdp.exe\u0007',
      Buffer.from('x'),
      'text/html; x=y',
    );
    expect(response.statusCode, response.body).toBe(201);
    const file = response.json<UploadResult>();
    expect(file.filename).toBe('invfdp.exe');
    expect(file.contentType).toBe('text/html');
    const removed = await client.request({ method: 'DELETE', url: `/api/compose/uploads/${file.uploadId}` });
    expect(removed.statusCode).toBe(204);
    const again = await client.request({ method: 'DELETE', url: `/api/compose/uploads/${file.uploadId}` });
    expect(again.statusCode).toBe(404);
  });
});

describe('/api/identities', () => {
  it('always has the session address; signatures are sanitized', async () => {
    const alice = await createMailUser('alice');
    const client = await signedIn(alice);
    const initial = (await client.request({ url: '/api/identities' })).json<IdentityList>();
    expect(initial.identities).toHaveLength(1);
    expect(initial.identities[0]).toMatchObject({ id: 'primary', address: alice.address, isDefault: true });
    const put = await client.request({
      method: 'PUT',
      url: '/api/identities',
      payload: {
        identities: [
          {
            id: 'work',
            name: 'Alice at work',
            address: alice.address,
            signatureHtml: '<p>Alice</p><img src=x onerror="alert(1)"><script>alert(2)</script>',
            signatureText: '-- \nAlice',
            isDefault: true,
          },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const saved = put.json<IdentityList>().identities;
    expect(saved.map((i) => i.id)).toEqual(['primary', 'work']);
    const work = saved.find((i) => i.id === 'work');
    expect(work?.isDefault).toBe(true);
    expect(work?.signatureHtml).toContain('<p>Alice</p>');
    expect(work?.signatureHtml).not.toMatch(/onerror|script/);
    const crlf = await client.request({
      method: 'PUT',
      url: '/api/identities',
      payload: { identities: [{ ...work, name: 'Eve\r\nBcc: x@example.org' }] },
    });
    expectError(crlf, 400, ErrorCodes.VALIDATION_FAILED);
  });
});
