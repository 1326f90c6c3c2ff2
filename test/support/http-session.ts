/** A minimal cookie-keeping HTTP client with the CSRF token, over real loopback HTTP. */
export class HttpSession {
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The cookie header a websocket upgrade needs to carry this session. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private cookies = new Map<string, string>();
  private csrf: string | undefined;
  constructor(private readonly base: string) {}

  async fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.method && init.method !== 'GET') {
      // Before the cookie header is built: fetching the token sets the CSRF cookie.
      this.csrf ??= await this.token();
      headers.set('x-csrf-token', this.csrf);
    }
    headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(`${this.base}${pathname}`, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  private async token(): Promise<string> {
    const response = await this.fetch('/api/csrf');
    return ((await response.json()) as { token: string }).token;
  }

  async signIn(address: string, password: string): Promise<void> {
    const response = await this.fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address, password }),
    });
    if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  }

  async signOut(): Promise<void> {
    await this.fetch('/api/session', { method: 'DELETE' });
  }
}
