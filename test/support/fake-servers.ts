import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

/** A loopback TCP listener that accepts connections and never says a word: a hung upstream. */
export async function silentServer(): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** For a describe block: a silentServer() started before its tests and closed after them. */
export function useSilentServer(): { readonly port: number } {
  let silent: FakeServer | undefined;
  beforeAll(async () => {
    silent = await silentServer();
  });
  afterAll(() => silent?.close());
  return {
    get port() {
      if (!silent) throw new Error('the silent server is not started yet (use it inside a test)');
      return silent.port;
    },
  };
}

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
