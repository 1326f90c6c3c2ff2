import { Counter, Gauge, Histogram, type Metric, type Registry } from 'prom-client';

export interface PoolMetrics {
  open: Gauge;
  created: Counter;
  failures: Counter<'reason'>;
  reconnects: Counter;
  borrowWait: Histogram;
}

/**
 * The pool's metrics in `registry`. A second manager on the same registry (tests, a separate
 * IDLE pool later) shares the same series instead of failing on a duplicate registration.
 */
export function poolMetrics(registry: Registry): PoolMetrics {
  const reuse = <M extends Metric>(name: string, create: () => M): M =>
    (registry.getSingleMetric(name) as M | undefined) ?? create();
  const registers = [registry];
  return {
    open: reuse(
      'westwind_imap_connections_open',
      () =>
        new Gauge({
          name: 'westwind_imap_connections_open',
          help: 'Pooled IMAP connections open',
          registers,
        }),
    ),
    created: reuse(
      'westwind_imap_connections_created_total',
      () =>
        new Counter({
          name: 'westwind_imap_connections_created_total',
          help: 'IMAP connections opened and signed in (pooled and sign-in checks)',
          registers,
        }),
    ),
    failures: reuse(
      'westwind_imap_connection_failures_total',
      () =>
        new Counter({
          name: 'westwind_imap_connection_failures_total',
          help: 'IMAP connections that failed to open, were dropped by the server, or were wedged',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
    reconnects: reuse(
      'westwind_imap_reconnects_total',
      () =>
        new Counter({
          name: 'westwind_imap_reconnects_total',
          help: 'Connection attempts that replace a lost connection or follow a failed attempt',
          registers,
        }),
    ),
    borrowWait: reuse(
      'westwind_imap_borrow_wait_seconds',
      () =>
        new Histogram({
          name: 'westwind_imap_borrow_wait_seconds',
          help: 'Time a request waited for a pooled IMAP connection (including opening one)',
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers,
        }),
    ),
  };
}
