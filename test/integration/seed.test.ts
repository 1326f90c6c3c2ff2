import { describe, expect, it } from 'vitest';
import { createMailUser, seedMailbox, withImap } from '../support/mail.ts';

describe('the seed generator against the real Dovecot', () => {
  it('fills a mailbox that IMAP serves with the folders, counts, flags and threads written', async () => {
    const user = await createMailUser('seed');
    const { stats } = await seedMailbox(user.address, 60);
    expect(stats.folders.INBOX?.messages).toBe(60);

    await withImap(user, async (client) => {
      const folders = await client.list();
      const byPath = new Map(folders.map((f) => [f.path, f]));
      for (const [path, written] of Object.entries(stats.folders)) {
        const status = await client.status(path, { messages: true });
        expect(status ? status.messages : undefined, path).toBe(written.messages);
      }
      const specialUses = new Set(folders.map((f) => f.specialUse).filter(Boolean));
      for (const use of ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive'])
        expect(specialUses).toContain(use);
      expect([...byPath.keys()].some((path) => path.split('/').length >= 3)).toBe(true);
      expect(byPath.has('Reçus')).toBe(true);

      const lock = await client.getMailboxLock('INBOX');
      try {
        const flags = { seen: 0, answered: 0 };
        let replies = 0;
        let nonAscii = 0;
        for await (const message of client.fetch('1:*', { envelope: true, flags: true })) {
          if (message.flags?.has('\\Seen')) flags.seen += 1;
          if (message.flags?.has('\\Answered')) flags.answered += 1;
          if (message.envelope?.inReplyTo) replies += 1;
          if (/[^\p{ASCII}]/u.test(message.envelope?.subject ?? '')) nonAscii += 1;
        }
        expect(flags.seen).toBeGreaterThan(0);
        expect(flags.seen).toBeLessThan(60);
        expect(flags.answered).toBeGreaterThan(0);
        expect(replies).toBeGreaterThan(0);
        // RFC 2047 subjects come back decoded.
        expect(nonAscii).toBeGreaterThan(0);
      } finally {
        lock.release();
      }
    });
  });
});
