import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import fastify from 'fastify';
import { round, type Scenario } from '../harness.ts';
import { BENCH_PASSWORD, BENCH_USER, benchServer, benchStack, HttpSession } from '../support.ts';

const INBOX_ID = Buffer.from('INBOX').toString('base64url');
const PAGE = `/api/mailboxes/${INBOX_ID}/messages?limit=50`;
const CONNECTIONS = 100;
/** What every browser sends; the API answers cached pages gzipped then. */
const BROWSER_HEADERS = { 'accept-encoding': 'gzip, deflate, br, zstd' };
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
 * process (another port), measured the same way just before. Each gets a 2 s warm-up first. All
 * requests carry a browser's Accept-Encoding. A third load, a bare route sending the page's own
 * bytes (gzipped as the API sends them), shows what the payload alone allows here
 * (`payload_rps`): the API's work is the gap between it and `rps`.
 */
export const throughput: Scenario = {
  name: 'throughput',
  description: 'cached list API at 100 connections, beside Fastify hello world',
  async run() {
    const stack = await benchStack(log);
    const server = await benchServer(stack);
    const raw = fastify({ logger: false });
    raw.get('/hello', async () => ({ hello: 'world' }));
    let pageBytes = Buffer.alloc(0);
    raw.get('/page', (_request, reply) => {
      reply.type('application/json; charset=utf-8').header('content-encoding', 'gzip').send(pageBytes);
    });
    try {
      await raw.listen({ host: '127.0.0.1', port: 0 });
      const rawUrl = `http://127.0.0.1:${(raw.server.address() as AddressInfo).port}/hello`;

      const session = new HttpSession(server.url);
      await session.signIn(BENCH_USER, BENCH_PASSWORD);
      for (let i = 0; i < 20; i++) {
        const response = await session.fetch(PAGE);
        if (!response.ok) throw new Error(`list failed: ${response.status} ${await response.text()}`);
        const text = await response.text();
        const page = JSON.parse(text) as { items: unknown[] };
        if (page.items.length !== 50) throw new Error(`expected 50 rows, got ${page.items.length}`);
        pageBytes = gzipSync(text);
      }
      const headers = { ...BROWSER_HEADERS, cookie: session.cookieHeader() };

      await load(rawUrl, BROWSER_HEADERS, WARMUP_S);
      const baseline = await load(rawUrl, BROWSER_HEADERS, DURATION_S);
      const payload = await load(rawUrl.replace(/\/hello$/, '/page'), BROWSER_HEADERS, DURATION_S);
      await load(`${server.url}${PAGE}`, headers, WARMUP_S);
      const measured = await load(`${server.url}${PAGE}`, headers, DURATION_S);
      await session.signOut().catch(() => {});

      const figures = {
        rps: round(measured.rps, 0),
        p99_ms: round(measured.p99Ms),
        raw_rps: round(baseline.rps, 0),
        payload_rps: round(payload.rps, 0),
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
        notes: `${round(share * 100, 1)} % of hello world, ${round((figures.rps / figures.payload_rps) * 100, 1)} % of a bare route sending the same ${pageBytes.length} gzipped bytes (${figures.payload_rps} rps); raw p99 ${round(baseline.p99Ms)} ms; ${CONNECTIONS} connections, ${DURATION_S} s each, autocannon in a worker thread${refusals}`,
      };
    } finally {
      await raw.close();
      await server.close();
    }
  },
};
