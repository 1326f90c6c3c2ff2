/**
 * A loopback HTTP server standing in for "a remote host on the internet" in the image-proxy and
 * HTML-mail suites. It counts and records every request (method, URL, headers), so tests can
 * assert both that an image arrived and that nothing reached it while it should not have.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__xss=1</script></svg>';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface ImageServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Paths: `/*.png` (and anything unknown) a PNG; `/x.svg` SVG; `/page.html` HTML; `/huge.png` an
 * image over 10 MB without a Content-Length; `/huge-declared.png` one that declares it;
 * `/redirect?to=URL` a 302 to URL; `/hang` never answers.
 */
export async function startImageServer(): Promise<ImageServer> {
  const requests: RecordedRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const url = new URL(request.url ?? '/', 'http://fixture');
    switch (url.pathname) {
      case '/x.svg':
        response.writeHead(200, { 'content-type': 'image/svg+xml' }).end(SVG);
        return;
      case '/page.html':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>hello</p>');
        return;
      case '/no-type.png':
        response.writeHead(200).end(PNG_1X1);
        return;
      case '/huge-declared.png':
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(11 * 1024 * 1024) });
        response.end();
        return;
      case '/huge.png': {
        response.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(1024 * 1024);
        let sent = 0;
        const push = () => {
          while (sent < 12 && !response.destroyed) {
            sent++;
            if (!response.write(chunk)) return void response.once('drain', push);
          }
          response.end();
        };
        push();
        return;
      }
      case '/redirect':
        response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      case '/hang':
        hanging.add(response);
        return;
      case '/404.png':
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      default:
        response.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG_1X1.length });
        response.end(PNG_1X1);
    }
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
