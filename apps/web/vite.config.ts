import { svelte } from '@sveltejs/vite-plugin-svelte';
import { API_PREFIX } from '@westwind/contract';
import { defineConfig, type ProxyOptions } from 'vite';

const apiTarget = `http://127.0.0.1:${process.env.WESTWIND_API_PORT ?? 8080}`;

// `/api` and `/api/...` (REST and the push websocket) go to the Fastify server. The Host header is
// kept (no changeOrigin) so the server's Origin and CSRF checks see the same origin the browser does.
const apiProxy: Record<string, ProxyOptions> = {
  [`^${API_PREFIX}(?:/|$)`]: { target: apiTarget, ws: true },
};

export default defineConfig({
  plugins: [svelte()],
  server: { proxy: apiProxy },
  preview: { proxy: apiProxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every browser Westwind supports has modulepreload; the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    // No data: URIs, so the production CSP can stay `img-src 'self'`.
    assetsInlineLimit: 0,
  },
});
