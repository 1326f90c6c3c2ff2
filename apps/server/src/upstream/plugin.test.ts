import { ErrorCodes } from '@westwind/contract';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import upstreamPlugin from './plugin.js';
import { parseUpstreamConfig } from './policy-config.js';

describe('upstream plugin', () => {
  it('decorates app.upstream with the policy, and logs the detail of a refusal', async () => {
    const lines: Record<string, unknown>[] = [];
    const app = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => lines.push(JSON.parse(line)) } },
    });
    const { config } = parseUpstreamConfig({ IMAP_HOST: 'imap.example.org', SMTP_HOST: 'smtp.example.org' });
    const table: Record<string, string> = {
      'imap.example.org': '198.51.99.1',
      'smtp.example.org': '10.0.0.25',
    };
    await app.register(upstreamPlugin, {
      config,
      deps: { lookup: async (host) => [{ address: table[host] ?? '0.0.0.0', family: 4 }] },
    });
    await app.ready();
    expect(app.upstream.config.mode).toBe('fixed');
    await expect(app.upstream.resolve('a@example.org')).rejects.toMatchObject({
      code: ErrorCodes.HOST_NOT_ALLOWED,
    });
    const refusal = lines.find((line) => line.msg === 'upstream refused');
    expect(refusal).toMatchObject({ code: ErrorCodes.HOST_NOT_ALLOWED });
    expect(refusal?.detail).toMatch(/smtp\.example\.org resolves to 10\.0\.0\.25: private/);
    await app.close();
  });
});
