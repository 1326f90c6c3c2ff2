import { Counter, Histogram, type Registry } from 'prom-client';

export interface CacheMetrics {
  hits: Counter;
  misses: Counter;
  deltaSize: Histogram;
  fullResyncs: Counter;
  reconciles: Counter;
  scannedFlags: Counter;
  fallbacks: Counter<'reason'>;
  accountBytes: Histogram;
}

/** The summary cache's metrics, registered once per registry (one per app). */
export function cacheMetrics(registry: Registry): CacheMetrics {
  const existing = registry.getSingleMetric('westwind_cache_hits_total');
  const cached = (registry as unknown as { wwCacheMetrics?: CacheMetrics }).wwCacheMetrics;
  if (existing && cached) return cached;
  const registers = [registry];
  const metrics: CacheMetrics = {
    hits: new Counter({
      name: 'westwind_cache_hits_total',
      help: 'List rows served from the summary cache',
      registers,
    }),
    misses: new Counter({
      name: 'westwind_cache_misses_total',
      help: 'List rows fetched from IMAP because they were not cached (or were corrupt)',
      registers,
    }),
    deltaSize: new Histogram({
      name: 'westwind_cache_delta_size',
      help: 'Changed plus vanished messages applied by one delta sync',
      buckets: [0, 1, 5, 10, 50, 100, 500, 1000, 10_000, 100_000],
      registers,
    }),
    fullResyncs: new Counter({
      name: 'westwind_cache_full_resyncs_total',
      help: 'Mailbox caches rebuilt from scratch (new, UIDVALIDITY changed, corrupt)',
      registers,
    }),
    reconciles: new Counter({
      name: 'westwind_cache_reconciles_total',
      help: 'Index reconciled with UID SEARCH ALL after a delta left the count off',
      registers,
    }),
    scannedFlags: new Counter({
      name: 'westwind_cache_scanned_flags_total',
      help: 'Messages whose flags a bounded flags scan read (servers without CONDSTORE)',
      registers,
    }),
    fallbacks: new Counter({
      name: 'westwind_cache_fallbacks_total',
      help: 'Requests served straight from IMAP because the cache could not be used',
      labelNames: ['reason'] as const,
      registers,
    }),
    accountBytes: new Histogram({
      name: 'westwind_cache_account_bytes',
      help: 'Redis bytes of one account’s cached summaries (MEMORY USAGE), observed after writes',
      buckets: [1e4, 1e5, 1e6, 5e6, 1e7, 5e7, 1e8],
      registers,
    }),
  };
  (registry as unknown as { wwCacheMetrics?: CacheMetrics }).wwCacheMetrics = metrics;
  return metrics;
}
