import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import fastify from 'fastify';
import { round, type Scenario } from '../harness.ts';
import { BENCH_PASSWORD, BENCH_USER, benchServer, benchStack, HttpSession } from '../support.ts';

const INBOX_ID = Buffer.from('INBOX').toString('base64url');
const PAGE = `/api/mailboxes/${INBOX_ID}/messages?limit=50`;
const CONNECTIONS = 100;
const DURATION_S = 10;
const WARMUP_S = 2;
const log = (line: string) => process.stdout.write(`  ${line}\n`);

/**
 * autocannon in one worker thread, so the load generator has its own event loop (on the other
 * core) and does not take turns with the server it measures.
 */
async function load(url: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: seconds,
    workers: 1,
  });
  if (result['2xx'] === 0) {
    throw new Error(`${url}: no 2xx response (${result.errors} errors, ${result.non2xx} non-2xx)`);
  }
  return {
    /** Only answers that served the page count: a refusal is not throughput. */
    rps: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    refused: result.non2xx + result.errors,
    total: result.requests.total,
  };
}

/**
 * The cached list API (first 50-row page of the 100k INBOX, one warm session of the bench
 * account) at 100 connections for 10 s, beside a bare Fastify hello-world route in the same
 * process (another port), measured the same way just before. Each gets a 2 s warm-up first.
 */
export const throughput: Scenario = {
  name: 'throughput',
  description: 'cached list API at 100 connections, beside Fastify hello world',
  async run() {
    const stack = await benchStack(log);
    const server = await benchServer(stack);
    const raw = fastify({ logger: false });
    raw.get('/hello', async () => ({ hello: 'world' }));
    try {
      await raw.listen({ host: '127.0.0.1', port: 0 });
      const rawUrl = `http://127.0.0.1:${(raw.server.address() as AddressInfo).port}/hello`;

      const session = new HttpSession(server.url);
      await session.signIn(BENCH_USER, BENCH_PASSWORD);
      for (let i = 0; i < 20; i++) {
        const response = await session.fetch(PAGE);
        if (!response.ok) throw new Error(`list failed: ${response.status} ${await response.text()}`);
        const page = (await response.json()) as { items: unknown[] };
        if (page.items.length !== 50) throw new Error(`expected 50 rows, got ${page.items.length}`);
      }
      const headers = { cookie: session.cookieHeader() };

      await load(rawUrl, {}, WARMUP_S);
      const baseline = await load(rawUrl, {}, DURATION_S);
      await load(`${server.url}${PAGE}`, headers, WARMUP_S);
      const measured = await load(`${server.url}${PAGE}`, headers, DURATION_S);
      await session.signOut().catch(() => {});

      const figures = {
        rps: round(measured.rps, 0),
        p99_ms: round(measured.p99Ms),
        raw_rps: round(baseline.rps, 0),
      };
      const share = figures.rps / figures.raw_rps;
      const refusedShare = measured.refused / Math.max(1, measured.total);
      const refusals =
        measured.refused > 0
          ? `; ${measured.refused} of ${measured.total} API answers were not 2xx (${round(measured.total / DURATION_S, 0)} answers/s in all; rps counts only 2xx, p99 includes all)`
          : '';
      return {
        figures,
        target: '≥ 30 % of raw_rps, every answer 2xx',
        met: share >= 0.3 && refusedShare <= 0.001,
        notes: `${round(share * 100, 1)} % of hello world; raw p99 ${round(baseline.p99Ms)} ms; ${CONNECTIONS} connections, ${DURATION_S} s each, autocannon in a worker thread${refusals}`,
      };
    } finally {
      await raw.close();
      await server.close();
    }
  },
};
