import { randomInt } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

export function randomClientAddress(): string {
  return `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
}

/**
 * A browser-like client over `app.inject`: keeps cookies, fetches a CSRF token once and sends it
 * on state-changing requests, as the SPA does.
 */
export class ApiClient {
  readonly cookies = new Map<string, string>();
  private csrfToken: string | undefined;

  /**
   * Each client gets its own address from the benchmarking range by default, so per-address
   * rate limits kept in the shared Redis never carry over between tests or runs.
   */
  constructor(
    private readonly app: FastifyInstance,
    private readonly remoteAddress = randomClientAddress(),
  ) {}

  /** Shares this client's cookies with another app instance (another server behind a balancer). */
  on(app: FastifyInstance): ApiClient {
    const other = new ApiClient(app, this.remoteAddress);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    other.csrfToken = this.csrfToken;
    return other;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(options: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const method = (options.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { ...(options.headers as Record<string, string> | undefined) };
    if (options.csrf !== false && !['GET', 'HEAD', 'OPTIONS'].includes(method)) {
      headers['x-csrf-token'] ??= await this.csrf();
    }
    if (this.cookies.size > 0) headers.cookie ??= this.cookieHeader();
    const { csrf: _csrf, ...rest } = options;
    const response = await this.app.inject({
      ...rest,
      method: method as InjectOptions['method'],
      headers,
      remoteAddress: this.remoteAddress,
    });
    for (const cookie of response.cookies as {
      name: string;
      value: string;
      maxAge?: number;
      expires?: Date;
    }[]) {
      const expired =
        cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  async csrf(): Promise<string> {
    if (!this.csrfToken) {
      const response = await this.request({ url: '/api/csrf' });
      this.csrfToken = response.json<{ token: string }>().token;
    }
    return this.csrfToken;
  }

  signIn(address: string, password: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'POST', url: '/api/session', payload: { address, password } });
  }

  signOut(): Promise<LightMyRequestResponse> {
    return this.request({ method: 'DELETE', url: '/api/session' });
  }

  session(): Promise<LightMyRequestResponse> {
    return this.request({ url: '/api/session' });
  }
}

/** A client of `app` signed in as `user`; the test fails unless the sign-in answers 200. */
export async function signedInClient(
  app: FastifyInstance,
  user: { address: string; password: string },
): Promise<ApiClient> {
  const client = new ApiClient(app);
  const response = await client.signIn(user.address, user.password);
  expect(response.statusCode, response.body).toBe(200);
  return client;
}
