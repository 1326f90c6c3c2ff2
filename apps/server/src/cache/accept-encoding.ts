/**
 * Whether an Accept-Encoding header admits gzip (RFC 9110 section 12.5.3): named, or `*`, with a
 * quality above zero. Browsers always send it; a 50-row page shrinks about five-fold.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star = false;
  for (const item of header.toLowerCase().split(',')) {
    const [coding = '', ...params] = item.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const quality = q === undefined ? 1 : Number(q.slice(2));
    const allowed = Number.isFinite(quality) && quality > 0;
    if (coding.trim() === 'gzip') return allowed;
    if (coding.trim() === '*') star = allowed;
  }
  return star;
}
