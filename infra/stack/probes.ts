// Minimal raw-socket health probes. Raw rather than imapflow/ioredis so that index.ts stays
// importable from every workspace package without extra dependencies, and so a probe can
// never hang on a library's reconnect logic.
import { connect, type Socket } from 'node:net';

class LineConnection {
  private buffer = '';
  private waiters: Array<() => void> = [];
  private closed: Error | null = null;
  readonly socket: Socket;

  constructor(host: string, port: number) {
    this.socket = connect({ host, port });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    this.socket.on('error', (error) => {
      this.closed = error;
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed ??= new Error('connection closed');
      this.wake();
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async readLine(): Promise<string> {
    for (;;) {
      const index = this.buffer.indexOf('\n');
      if (index !== -1) {
        const line = this.buffer.slice(0, index).replace(/\r$/, '');
        this.buffer = this.buffer.slice(index + 1);
        return line;
      }
      if (this.closed) throw this.closed;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

async function withConnection<T>(
  host: string,
  port: number,
  timeoutMs: number,
  body: (conn: LineConnection) => Promise<T>,
): Promise<T> {
  const conn = new LineConnection(host, port);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      body(conn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    conn.close();
  }
}

function imapQuote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export interface ImapProbeResult {
  ok: boolean;
  /** Capabilities announced after login (or in the greeting when no credentials were given). */
  capabilities: string[];
  detail: string;
}

/** Greeting only, or LOGIN + CAPABILITY when credentials are given. */
export function probeImap(
  host: string,
  port: number,
  credentials: { user: string; password: string } | null,
  timeoutMs = 5_000,
): Promise<ImapProbeResult> {
  return withConnection(host, port, timeoutMs, async (conn) => {
    const greeting = await conn.readLine();
    if (!greeting.startsWith('* OK')) return { ok: false, capabilities: [], detail: `greeting: ${greeting}` };
    const fromGreeting = /\[CAPABILITY ([^\]]*)\]/.exec(greeting)?.[1]?.split(' ') ?? [];
    if (!credentials) return { ok: true, capabilities: fromGreeting, detail: greeting };
    conn.write(`a1 LOGIN ${imapQuote(credentials.user)} ${imapQuote(credentials.password)}\r\n`);
    let capabilities: string[] = [];
    for (;;) {
      const line = await conn.readLine();
      if (line.startsWith('a1 ')) {
        if (!line.startsWith('a1 OK')) return { ok: false, capabilities: [], detail: `LOGIN: ${line}` };
        capabilities = /\[CAPABILITY ([^\]]*)\]/.exec(line)?.[1]?.split(' ') ?? capabilities;
        break;
      }
    }
    conn.write('a2 CAPABILITY\r\na3 LOGOUT\r\n');
    for (;;) {
      const line = await conn.readLine();
      if (line.startsWith('* CAPABILITY ')) capabilities = line.slice('* CAPABILITY '.length).split(' ');
      if (line.startsWith('a2 ')) break;
    }
    return { ok: true, capabilities, detail: 'LOGIN ok' };
  });
}

/** Reads the greeting and the EHLO reply; `ok` means a 250 EHLO. */
export function probeSmtp(
  host: string,
  port: number,
  timeoutMs = 5_000,
): Promise<{ ok: boolean; detail: string }> {
  return withConnection(host, port, timeoutMs, async (conn) => {
    const greeting = await conn.readLine();
    if (!greeting.startsWith('220')) return { ok: false, detail: `greeting: ${greeting}` };
    conn.write('EHLO stack-probe.westwind.test\r\n');
    const extensions: string[] = [];
    for (;;) {
      const line = await conn.readLine();
      if (!line.startsWith('250')) return { ok: false, detail: `EHLO: ${line}` };
      extensions.push(line.slice(4));
      if (line[3] === ' ') break;
    }
    conn.write('QUIT\r\n');
    return { ok: true, detail: extensions.slice(1).join(', ') };
  });
}

/** PING over RESP; handles the optional password/user in a redis:// URL. */
export function probeRedis(url: string, timeoutMs = 2_000): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(parsed.port || 6379);
  const encode = (args: string[]) =>
    `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  return withConnection(host, port, timeoutMs, async (conn) => {
    const password = decodeURIComponent(parsed.password);
    const user = decodeURIComponent(parsed.username);
    if (password) {
      conn.write(encode(user ? ['AUTH', user, password] : ['AUTH', password]));
      if (!(await conn.readLine()).startsWith('+OK')) return false;
    }
    conn.write(encode(['PING']));
    return (await conn.readLine()) === '+PONG';
  }).catch(() => false);
}
