import { ErrorCodes, type MessageDetail } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { connectImap, createMailUser, withImap } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const INBOX = Buffer.from('INBOX', 'utf8').toString('base64url');
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const multipart = crlf(`From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.org>
To: Reader <reader@westwind.test>
Cc: c@example.org
Reply-To: replies@example.org
Subject: =?UTF-8?B?UmVwb3J0IOKAlCBRMw==?=
Message-ID: <report-1@example.org>
In-Reply-To: <q2@example.org>
References: <q1@example.org> <q2@example.org>
Date: Tue, 02 Apr 2024 08:30:00 +0000
List-Unsubscribe: <https://lists.example.org/u/1>, <mailto:leave@lists.example.org>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Quarterly report attached.
--alt
Content-Type: text/html; charset=utf-8

<p>Quarterly <b>report</b> attached. <img src="cid:chart@example.org" alt="chart"> <img src="https://tracker.example.net/p.gif"></p>
--alt--
--rel
Content-Type: image/png
Content-ID: <chart@example.org>
Content-Transfer-Encoding: base64

${PNG}
--rel--
--mixed
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20Q3.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--mixed
Content-Type: text/html; name="invoice.html"
Content-Disposition: attachment; filename="..\\..\\invoice.html"

<script>alert(document.cookie)</script>
--mixed--
`);

const hostile = crlf(`From: "<img src=x onerror=alert(1)>" <evil@example.org>
To: reader@westwind.test
Subject: <script>alert(1)</script>
Content-Type: text/html; charset=utf-8

<svg><use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"/></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>
<a href="jav&#x09;ascript:alert(1)">click</a>
<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">
<form action="https://evil.example/"><input name="password"></form>
<div style="position:fixed;top:0;left:0;background:u\\72l(https://evil.example/bg.png)">overlay</div>
<style>@import url(https://evil.example/x.css); p { color: red }</style>
<img src="https://evil.example/pixel.gif">
`);

interface Account {
  client: ApiClient;
  address: string;
  password: string;
  uids: Record<'multipart' | 'hostile' | 'plain', number>;
}

function append(
  address: string,
  password: string,
  source: string | Buffer,
  flags: string[] = [],
): Promise<number> {
  return withImap({ address, password }, async (client) => {
    const result = await client.append('INBOX', source, flags);
    const uid = result === false ? undefined : result.uid;
    if (!uid) throw new Error('APPEND gave no UID');
    return uid;
  });
}

let account: Account;

beforeAll(async () => {
  const { address, password } = await createMailUser('view');
  const uids = {
    multipart: await append(address, password, multipart),
    hostile: await append(address, password, hostile),
    plain: await append(
      address,
      password,
      Buffer.from(
        crlf(
          'From: a@example.org\nSubject: plain\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\xe9\n',
        ),
        'latin1',
      ),
    ),
  };
  account = { client: undefined as unknown as ApiClient, address, password, uids };
});

const signedIn = async (): Promise<ApiClient> => signedInClient(await app(), account);

const messageUrl = (uid: number, rest = '') => `/api/mailboxes/${INBOX}/messages/${uid}${rest}`;

describe('GET /api/mailboxes/:mailboxId/messages/:uid', () => {
  it('requires a session', async () => {
    const response = await new ApiClient(await app()).request({ url: messageUrl(1) });
    expect(response.statusCode).toBe(401);
  });

  it('opens a multipart message: headers, attachments, cid rewrite, remote images blocked', async () => {
    const client = await signedIn();
    const response = await client.request({ url: messageUrl(account.uids.multipart, '?markRead=false') });
    expect(response.statusCode).toBe(200);
    const detail = response.json<MessageDetail>();
    expect(detail.summary.subject).toBe('Report — Q3');
    expect(detail.summary.from).toEqual([{ name: 'Jürgen', address: 'jurgen@example.org' }]);
    expect(detail.summary.cc).toEqual([{ name: '', address: 'c@example.org' }]);
    expect(detail.replyTo).toEqual([{ name: '', address: 'replies@example.org' }]);
    expect(detail.references).toEqual(['<q1@example.org>', '<q2@example.org>']);
    expect(detail.summary.flags.seen).toBe(false);
    expect(detail.listUnsubscribe).toEqual({
      url: 'https://lists.example.org/u/1',
      mailto: 'mailto:leave@lists.example.org',
      oneClick: true,
    });
    expect(detail.text?.trim()).toBe('Quarterly report attached.');
    const byName = Object.fromEntries(detail.attachments.map((a) => [a.contentType, a]));
    expect(byName['image/png']).toMatchObject({ contentId: 'chart@example.org', inline: true });
    expect(byName['application/pdf']).toMatchObject({ filename: 'résumé Q3.pdf', inline: false });
    expect(byName['text/html']).toMatchObject({ inline: false });
    const cidPart = byName['image/png']!.partId;
    expect(detail.html).toContain(
      `src="${messageUrl(account.uids.multipart, `/attachments/${cidPart}?inline=1`)}"`,
    );
    expect(detail.html).not.toContain('tracker.example.net');
    expect(detail.hasRemoteContent).toBe(true);
    expect(detail.remoteContentShown).toBe(false);

    const shown = await client.request({
      url: messageUrl(account.uids.multipart, '?markRead=false&remoteContent=true'),
    });
    expect(shown.json<MessageDetail>().html).toContain(
      '/api/proxy/image?url=https%3A%2F%2Ftracker.example.net%2Fp.gif',
    );
    expect(shown.json<MessageDetail>().remoteContentShown).toBe(true);
  });

  it('sets \\Seen on open unless markRead=false', async () => {
    const client = await signedIn();
    const uid = await append(
      account.address,
      account.password,
      crlf('From: a@example.org\nSubject: s\n\nx\n'),
    );
    const peek = await client.request({ url: messageUrl(uid, '?markRead=false') });
    expect(peek.json<MessageDetail>().summary.flags.seen).toBe(false);
    const open = await client.request({ url: messageUrl(uid) });
    expect(open.json<MessageDetail>().summary.flags.seen).toBe(true);
    const other = await connectImap(account);
    try {
      await other.mailboxOpen('INBOX', { readOnly: true });
      const message = await other.fetchOne(String(uid), { flags: true }, { uid: true });
      expect(message ? message.flags?.has('\\Seen') : false).toBe(true);
    } finally {
      await other.logout();
    }
  });

  it('serves a hostile message with clean HTML and its fields as data', async () => {
    const client = await signedIn();
    const detail = (await client.request({ url: messageUrl(account.uids.hostile) })).json<MessageDetail>();
    expect(detail.summary.subject).toBe('<script>alert(1)</script>');
    const html = detail.html ?? '';
    expect(html).not.toMatch(
      /<script|<svg|<math|<base|<meta|<form|<input|onerror|javascript:|evil\.example|position:\s*fixed|@import/i,
    );
    expect(html).toContain('overlay');
    expect(detail.hasRemoteContent).toBe(true);
  });

  it('decodes a legacy charset', async () => {
    const client = await signedIn();
    const detail = (await client.request({ url: messageUrl(account.uids.plain) })).json<MessageDetail>();
    expect(detail.text?.trim()).toBe('café');
    expect(detail.html).toBeNull();
  });

  it('answers 404 for an unknown UID, a deleted message and an unknown folder', async () => {
    const client = await signedIn();
    const unknown = await client.request({ url: messageUrl(999_999) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe(ErrorCodes.MESSAGE_NOT_FOUND);

    const uid = await append(
      account.address,
      account.password,
      crlf('From: a@example.org\nSubject: doomed\n\nx\n'),
    );
    expect((await client.request({ url: messageUrl(uid, '?markRead=false') })).statusCode).toBe(200);
    const other = await connectImap(account);
    try {
      await other.mailboxOpen('INBOX');
      await other.messageDelete(String(uid), { uid: true });
    } finally {
      await other.logout();
    }
    const gone = await client.request({ url: messageUrl(uid) });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe(ErrorCodes.MESSAGE_NOT_FOUND);
    expect((await client.request({ url: messageUrl(uid, '/raw') })).statusCode).toBe(404);

    const folder = Buffer.from('No such folder').toString('base64url');
    const noFolder = await client.request({ url: `/api/mailboxes/${folder}/messages/1` });
    expect(noFolder.statusCode).toBe(404);
    expect((await client.request({ url: '/api/mailboxes/!!/messages/1' })).statusCode).toBe(404);
  });
});

describe('GET /api/mailboxes/:mailboxId/messages/:uid/body', () => {
  it('requires a session', async () => {
    const response = await new ApiClient(await app()).request({ url: messageUrl(1, '/body') });
    expect(response.statusCode).toBe(401);
  });

  it('serves the sanitized HTML as its own document under a strict, sandboxing CSP', async () => {
    const client = await signedIn();
    const response = await client.request({ url: messageUrl(account.uids.multipart, '/body') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toMatch(/sandbox allow-popups allow-popups-to-escape-sandbox$/);
    expect(csp).not.toMatch(/script-src|allow-scripts|allow-same-origin/);
    // Inline cid: images travel inside the document: the sandboxed frame sends no cookies.
    expect(response.body).toMatch(/src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
    expect(response.body).not.toContain('tracker.example.net');
    const hostile = await client.request({ url: messageUrl(account.uids.hostile, '/body') });
    expect(hostile.statusCode).toBe(200);
    expect(hostile.body).not.toMatch(/<script|onerror=|javascript:/i);
  });

  it('does not mark the message read (the detail request does)', async () => {
    const client = await signedIn();
    const uid = await append(
      account.address,
      account.password,
      crlf('From: a@example.org\nSubject: b\nContent-Type: text/html\n\n<p>x</p>\n'),
    );
    expect((await client.request({ url: messageUrl(uid, '/body') })).statusCode).toBe(200);
    const detail = await client.request({ url: messageUrl(uid, '?markRead=false') });
    expect(detail.json<MessageDetail>().summary.flags.seen).toBe(false);
  });
});

describe('GET /api/mailboxes/:mailboxId/messages/:uid/attachments/:partId', () => {
  async function parts(client: ApiClient) {
    const detail = (
      await client.request({ url: messageUrl(account.uids.multipart, '?markRead=false') })
    ).json<MessageDetail>();
    return Object.fromEntries(detail.attachments.map((a) => [a.contentType, a.partId]));
  }

  it('requires a session', async () => {
    const response = await new ApiClient(await app()).request({ url: messageUrl(1, '/attachments/2') });
    expect(response.statusCode).toBe(401);
  });

  it('downloads a part with safe headers', async () => {
    const client = await signedIn();
    const partId = (await parts(client))['application/pdf'];
    const response = await client.request({
      url: messageUrl(account.uids.multipart, `/attachments/${partId}`),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="r_sum_ Q3.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20Q3.pdf`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(response.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('serves an HTML attachment as an octet-stream download, never inline', async () => {
    const client = await signedIn();
    const partId = (await parts(client))['text/html'];
    const response = await client.request({
      url: messageUrl(account.uids.multipart, `/attachments/${partId}?inline=1`),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="[^"\\/]*invoice\.html"/);
    expect(response.payload).toContain('<script>');
  });

  it('shows an inline image for the reader', async () => {
    const client = await signedIn();
    const partId = (await parts(client))['image/png'];
    const response = await client.request({
      url: messageUrl(account.uids.multipart, `/attachments/${partId}?inline=1`),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-disposition']).toMatch(/^inline; /);
    expect(response.rawPayload.equals(Buffer.from(PNG, 'base64'))).toBe(true);
  });

  it('answers 404 for a part that is not an attachment', async () => {
    const client = await signedIn();
    for (const part of ['1.1.1', '1.1.2', '9', '1']) {
      const response = await client.request({
        url: messageUrl(account.uids.multipart, `/attachments/${part}`),
      });
      expect(response.statusCode, part).toBe(404);
      expect(response.json().error.code).toBe(ErrorCodes.ATTACHMENT_NOT_FOUND);
    }
    expect(
      (await client.request({ url: messageUrl(account.uids.multipart, '/attachments/..%2F1') })).statusCode,
    ).toBe(400);
  });
});

describe('GET /api/mailboxes/:mailboxId/messages/:uid/raw', () => {
  it('shows the source as inert plain text', async () => {
    const client = await signedIn();
    const response = await client.request({ url: messageUrl(account.uids.hostile, '/raw') });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(response.payload).toContain('Subject: <script>alert(1)</script>');
  });
});
