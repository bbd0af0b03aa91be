import type pg from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { batchStateCounts } from '../batches/batch-state-counts.ts';
import { withDeadline } from '../infra/infrastructure-fault.ts';
import type { StallCounter } from '../infra/stall-counter.ts';
import type { BrokerProbe } from '../queue/broker-probe.ts';
import { registerAgentMetrics } from './agent-metrics.ts';
import { registerJobRunMetrics } from './job-run-metrics.ts';
import { registerParkOpenMetrics } from './park-open-metrics.ts';
import { registerPullMetrics } from '../pull/pull-metrics.ts';
import { oncePerScrape } from './once-per-scrape.ts';

/** The API's metrics: a dedicated registry plus the instruments request handling feeds. */
export interface CentralMetrics {
  registry: Registry;
  /** Seconds per HTTP request, by route (tRPC procedure path or URL path) and status code. */
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  /** Bytes of drop chunks and whole drops accepted by this process. */
  bytesIngested: Counter;
}

/** How long a scrape waits for PostgreSQL before leaving the database-backed metrics out. */
const METRICS_DB_TIMEOUT_MS = 3000;

/**
 * Prometheus metrics. Request metrics and dependency timeouts are this process's own;
 * everything else is read from PostgreSQL and the broker at scrape time, so every API replica
 * reports the same numbers for those (aggregate them with max(), not sum()). Job pods are
 * short-lived and cannot be scraped, so job history comes from job_runs. While PostgreSQL does
 * not answer (within 3 s), its metrics are left out and `zra_database_up` is 0: the process's
 * own metrics, the stall counter first, are still served.
 */
export function createMetrics(
  realPool: pg.Pool,
  broker: BrokerProbe,
  log: Logger,
  options: { silentAfterMs: number; stalls?: StallCounter },
): CentralMetrics {
  const pool = boundedPool(realPool, METRICS_DB_TIMEOUT_MS);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zra_central_' });

  const httpDuration = new Histogram({
    name: 'zra_http_request_duration_seconds',
    help: 'HTTP request duration by route (tRPC procedure or path), method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const bytesIngested = new Counter({
    name: 'zra_ingested_bytes_total',
    help: 'Bytes of drop chunks and whole drops (puts) accepted by this API process.',
    registers: [registry],
  });

  new Counter({
    name: 'zra_dependency_timeouts_total',
    help: 'Calls this process gave up on because a dependency (postgres, rabbitmq, blob-store) did not answer in time: a silent link or a stalled server.',
    labelNames: ['dependency'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [dependency, n] of options.stalls?.counts() ?? []) this.inc({ dependency }, n);
    },
  });
  new Gauge({
    name: 'zra_database_up',
    help: '1 when PostgreSQL answered this scrape within 3 s, 0 when it did not (its metrics are then left out).',
    registers: [registry],
    async collect() {
      try {
        await pool.query('SELECT 1');
        this.set(1);
      } catch (err) {
        log.warn({ err }, 'metrics: PostgreSQL did not answer; its metrics are left out');
        this.set(0);
      }
    },
  });
  new Gauge({
    name: 'zra_batches',
    help: 'Batches by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      await orLeftOut(this, async () => {
        const rows = await batchStateCounts(pool);
        this.reset();
        for (const row of rows) this.set({ state: row.state }, row.n);
      });
    },
  });
  new Gauge({
    name: 'zra_outbox_unpublished',
    help: 'Outbox backlog: messages not yet confirmed by the broker.',
    registers: [registry],
    async collect() {
      await orLeftOut(this, async () => {
        const r = await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
        );
        this.set(r.rows[0]?.n ?? 0);
      });
    },
  });
  new Gauge({
    name: 'zra_outbox_oldest_unpublished_seconds',
    help: 'Outbox lag: age of the oldest unpublished message (0 when none).',
    registers: [registry],
    async collect() {
      await orLeftOut(this, async () => {
        const r = await pool.query<{ s: number | null }>(
          'SELECT extract(epoch FROM now() - min(created_at))::float8 AS s FROM outbox WHERE published_at IS NULL',
        );
        this.set(r.rows[0]?.s ?? 0);
      });
    },
  });
  // Both broker gauges are collected in the same scrape: ask the broker once.
  const depths = oncePerScrape(async () => {
    try {
      return await broker.queueDepths();
    } catch (err) {
      // The database-backed metrics are still worth serving while the broker is down.
      log.warn({ err }, 'metrics: broker unreachable, queue depths left out');
      return null;
    }
  });
  new Gauge({
    name: 'zra_broker_up',
    help: '1 when the broker answered this scrape, 0 when it did not.',
    registers: [registry],
    async collect() {
      this.set((await depths()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'zra_queue_messages_ready',
    help: 'Messages ready for delivery per broker queue (dead-letter queues included).',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of (await depths()) ?? []) this.set({ queue: d.queue }, d.messages);
    },
  });
  registerJobRunMetrics(registry, pool);
  registerAgentMetrics(registry, pool, options.silentAfterMs);
  registerParkOpenMetrics(registry, pool);
  registerPullMetrics(registry, pool);
  return { registry, httpDuration, bytesIngested };
}

/** Runs a gauge's database read; when the database does not answer, the gauge is left empty. */
async function orLeftOut(gauge: { reset(): void }, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch {
    // zra_database_up says why (and logs it once per scrape).
    gauge.reset();
  }
}

/** The pool as the metrics see it: every query gives up after `ms` (a scrape must not hang). */
function boundedPool(pool: pg.Pool, ms: number): pg.Pool {
  const query = (text: string, values?: unknown[]) =>
    withDeadline(pool.query(text, values), ms, 'postgres', 'answer a metrics query');
  return { query } as unknown as pg.Pool;
}
