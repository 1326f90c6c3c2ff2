import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Scenario } from '../harness.ts';

const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../apps/web/dist');
const TARGET_BYTES = 45 * 1024;

/**
 * Gzip size of the JS and CSS that index.html loads before the app is usable: its module script,
 * its stylesheets and their modulepreloads. Lazily imported chunks (the editor, say) do not count.
 */
export const bundle: Scenario = {
  name: 'bundle',
  description: 'SPA initial JS + CSS, gzip',
  async run() {
    const html = readFileSync(path.join(webDist, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    if (assets.length === 0) throw new Error('index.html references no JS or CSS; is the SPA built?');
    let gzipBytes = 0;
    let rawBytes = 0;
    for (const asset of new Set(assets)) {
      const content = readFileSync(path.join(webDist, asset));
      rawBytes += content.length;
      gzipBytes += gzipSync(content, { level: 9 }).length;
    }
    return {
      figures: { initial_gzip_bytes: gzipBytes, initial_raw_bytes: rawBytes },
      target: '≤ 45 KB gzip',
      met: gzipBytes <= TARGET_BYTES,
      notes: 'anchor: SnappyMail ~125 KB',
    };
  },
};
