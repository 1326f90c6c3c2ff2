import type { MessageDetail, Settings } from '@westwind/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMailUser } from '../../infra/stack/index.ts';
import { ApiClient, signedInClient } from '../support/api-client.ts';
import { randomMailUser, withImap } from '../support/mail.ts';
import { useApps } from '../support/server.ts';

const app = useApps();
const user = randomMailUser('set');
const INBOX = Buffer.from('INBOX').toString('base64url');
let uid: number;

beforeAll(async () => {
  await addMailUser(user.address, user.password);
  const appended = await withImap(user, (client) =>
    client.append(
      'INBOX',
      [
        'From: "News" <News@Example.org>',
        'Subject: With a remote image',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Hi</p><img src="https://images.example.org/banner.png">',
        '',
      ].join('\r\n'),
    ),
  );
  const appendedUid = appended === false ? undefined : appended.uid;
  if (!appendedUid) throw new Error('append failed');
  uid = appendedUid;
});

const signedIn = async (): Promise<ApiClient> => signedInClient(await app(), user);

describe('GET /api/settings', () => {
  it('requires authentication', async () => {
    expect((await new ApiClient(await app()).request({ url: '/api/settings' })).statusCode).toBe(401);
  });

  it('starts from the defaults', async () => {
    const client = await signedIn();
    const response = await client.request({ url: '/api/settings' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      markReadDelaySeconds: expect.any(Number),
      imagesAllowedFrom: expect.any(Array),
    });
  });
});

describe('PUT /api/settings', () => {
  it('requires authentication', async () => {
    const response = await new ApiClient(await app()).request({
      method: 'PUT',
      url: '/api/settings',
      payload: { markReadDelaySeconds: 0, imagesAllowedFrom: [] },
    });
    expect(response.statusCode).toBe(401);
  });

  it('rejects bad values', async () => {
    const client = await signedIn();
    for (const payload of [
      { markReadDelaySeconds: -1, imagesAllowedFrom: [] },
      { markReadDelaySeconds: 0 },
      { markReadDelaySeconds: 0, imagesAllowedFrom: [], extra: true },
    ]) {
      const response = await client.request({ method: 'PUT', url: '/api/settings', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('is shared by every device and shows images from an allowed sender without asking', async () => {
    const phone = await signedIn();
    const before = await phone.request({ url: `/api/mailboxes/${INBOX}/messages/${uid}?markRead=false` });
    expect(before.json<MessageDetail>().remoteContentShown).toBe(false);

    const laptop = await signedIn();
    const saved = await laptop.request({
      method: 'PUT',
      url: '/api/settings',
      payload: { markReadDelaySeconds: 5, imagesAllowedFrom: ['news@example.org'] },
    });
    expect(saved.statusCode).toBe(200);
    expect((await phone.request({ url: '/api/settings' })).json<Settings>()).toEqual({
      markReadDelaySeconds: 5,
      imagesAllowedFrom: ['news@example.org'],
    });

    const after = await phone.request({ url: `/api/mailboxes/${INBOX}/messages/${uid}?markRead=false` });
    const detail = after.json<MessageDetail>();
    expect(detail.remoteContentShown).toBe(true);
    expect(detail.html).toContain('/api/proxy/image?');
    const body = await phone.request({ url: `/api/mailboxes/${INBOX}/messages/${uid}/body` });
    expect(body.body).toMatch(/\/api\/proxy\/image\?url=[^"]+&amp;exp=\d+&amp;sig=/);
    // Asking explicitly still wins.
    const blocked = await phone.request({
      url: `/api/mailboxes/${INBOX}/messages/${uid}?markRead=false&remoteContent=false`,
    });
    expect(blocked.json<MessageDetail>().remoteContentShown).toBe(false);
  });
});
