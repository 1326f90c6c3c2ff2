import net from 'node:net';
import tls from 'node:tls';
import type { UpstreamEndpoint } from '../config/config.js';

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

/** Runs a probe with a deadline and reports its latency; a probe never throws. */
export async function timedProbe(deadlineMs: number, probe: () => Promise<void>): Promise<ProbeResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      detail: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects to the IMAP server and waits for its greeting (RFC 9051 §7.1: `* OK` or `* PREAUTH`;
 * `* BYE` means it refuses us). No login: readiness must not need credentials.
 */
export function imapGreeting(endpoint: UpstreamEndpoint, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.secure
      ? tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : net.connect({ host: endpoint.host, port: endpoint.port });
    socket.setTimeout(deadlineMs);
    let received = '';
    const finish = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const newline = received.indexOf('\n');
      if (newline === -1) {
        if (received.length > 8192) finish(new Error('greeting too long'));
        return;
      }
      const line = received.slice(0, newline).trim();
      if (/^\* (OK|PREAUTH)\b/i.test(line)) finish();
      else finish(new Error(`unexpected greeting: ${line.slice(0, 80)}`));
    });
    socket.on('timeout', () => finish(new Error('greeting timed out')));
    socket.on('error', (error) => finish(error));
    socket.on('end', () => finish(new Error('connection closed before greeting')));
  });
}
