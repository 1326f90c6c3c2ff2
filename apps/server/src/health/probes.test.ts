import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { imapGreeting, timedProbe } from './probes.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback listener that answers each connection with `greeting`, or never answers when null. */
async function fakeServer(greeting: string | null): Promise<number> {
  const server = net.createServer((socket) => {
    if (greeting !== null) socket.write(greeting);
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('imapGreeting', () => {
  it('accepts an OK greeting', async () => {
    const port = await fakeServer('* OK [CAPABILITY IMAP4rev1] ready\r\n');
    await expect(imapGreeting({ host: '127.0.0.1', port, secure: false }, 1_000)).resolves.toBeUndefined();
  });

  it('rejects a BYE greeting', async () => {
    const port = await fakeServer('* BYE too many connections\r\n');
    await expect(imapGreeting({ host: '127.0.0.1', port, secure: false }, 1_000)).rejects.toThrow(
      /unexpected/,
    );
  });

  it('gives up on a server that accepts and never answers', async () => {
    const port = await fakeServer(null);
    await expect(imapGreeting({ host: '127.0.0.1', port, secure: false }, 200)).rejects.toThrow(/timed out/);
  });
});

describe('timedProbe', () => {
  it('reports failure with detail instead of throwing', async () => {
    const result = await timedProbe(50, () => new Promise(() => {}));
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/50 ms/);
  });
});
