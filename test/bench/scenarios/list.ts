import { percentile, round, type Scenario } from '../harness.ts';
import { BENCH_PASSWORD, BENCH_USER, benchServer, benchStack, HttpSession, imapClient } from '../support.ts';

const INBOX_ID = Buffer.from('INBOX').toString('base64url');
const PAGE = `/api/mailboxes/${INBOX_ID}/messages?limit=50`;
const log = (line: string) => process.stdout.write(`  ${line}\n`);

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function fetchPage(session: HttpSession): Promise<void> {
  const response = await session.fetch(PAGE);
  if (!response.ok) throw new Error(`list failed: ${response.status} ${await response.text()}`);
  const page = (await response.json()) as { items: unknown[] };
  if (page.items.length !== 50) throw new Error(`expected 50 rows, got ${page.items.length}`);
}

function figures(measured: number[], raw: number[]) {
  return {
    p50_ms: round(percentile(measured, 50)),
    p95_ms: round(percentile(measured, 95)),
    raw_p50_ms: round(percentile(raw, 50)),
    raw_p95_ms: round(percentile(raw, 95)),
  };
}

/**
 * First 50-row page of the 100,000-message INBOX for a new session with nothing open or cached,
 * against raw imapflow connect + LOGIN + SELECT + FETCH of 50 envelopes. Interleaved, so both
 * see the same machine load. Timed at the client, over loopback HTTP.
 */
export const listCold: Scenario = {
  name: 'list_cold',
  description: 'first page of a 100k INBOX, new session, nothing open',
  async run() {
    const stack = await benchStack(log);
    const server = await benchServer(stack);
    const measured: number[] = [];
    const raw: number[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        raw.push(
          await timed(async () => {
            const client = imapClient(stack);
            await client.connect();
            await client.mailboxOpen('INBOX', { readOnly: true });
            const exists = client.mailbox ? client.mailbox.exists : 0;
            for await (const _ of client.fetch(`${Math.max(1, exists - 49)}:*`, {
              envelope: true,
              flags: true,
              size: true,
            })) {
              // consume
            }
            await client.logout();
          }),
        );
        const session = new HttpSession(server.url);
        await session.signIn(BENCH_USER, BENCH_PASSWORD);
        measured.push(await timed(() => fetchPage(session)));
        // The account's last session ending closes its IMAP connections: the next round is cold.
        await session.signOut();
      }
    } finally {
      await server.close();
    }
    // The first round of each warms the OS and Dovecot caches; it is not what a user sees twice.
    const result = figures(measured.slice(1), raw.slice(1));
    return {
      figures: result,
      target: 'p95 ≤ 1.3 × raw p95',
      met: result.p95_ms <= 1.3 * result.raw_p95_ms,
    };
  },
};
