import type pg from 'pg';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics read from PostgreSQL at scrape time. Job pods are short-lived and cannot
 * be scraped, so job history comes from job_runs; every API replica reports the same numbers
 * (aggregate with max(), not sum()).
 */
export function createMetrics(pool: pg.Pool): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'zra_central_' });

  new Gauge({
    name: 'zra_batches',
    help: 'Batches by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const r = await pool.query<{ state: string; n: number }>(
        'SELECT state, count(*)::int AS n FROM batches GROUP BY state',
      );
      for (const row of r.rows) this.set({ state: row.state }, row.n);
    },
  });
  new Gauge({
    name: 'zra_outbox_unpublished',
    help: 'Outbox messages not yet confirmed by the broker.',
    registers: [registry],
    async collect() {
      const r = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
      );
      this.set(r.rows[0]?.n ?? 0);
    },
  });
  new Gauge({
    name: 'zra_outbox_oldest_unpublished_seconds',
    help: 'Age of the oldest unpublished outbox message (0 when none).',
    registers: [registry],
    async collect() {
      const r = await pool.query<{ s: number | null }>(
        'SELECT extract(epoch FROM now() - min(created_at))::float8 AS s FROM outbox WHERE published_at IS NULL',
      );
      this.set(r.rows[0]?.s ?? 0);
    },
  });
  const runs = new Gauge({
    name: 'zra_job_runs',
    help: 'Finished job attempts by type and outcome (from job_runs).',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const seconds = new Gauge({
    name: 'zra_job_run_seconds_total',
    help: 'Total seconds spent in finished job attempts, by type and outcome.',
    labelNames: ['type', 'outcome'],
    registers: [registry],
    async collect() {
      runs.reset();
      this.reset();
      const r = await pool.query<{ type: string; outcome: string; n: number; s: number }>(
        `SELECT type, outcome, count(*)::int AS n,
                coalesce(sum(extract(epoch FROM ended_at - started_at)), 0)::float8 AS s
           FROM job_runs WHERE outcome IS NOT NULL GROUP BY type, outcome`,
      );
      for (const row of r.rows) {
        runs.set({ type: row.type, outcome: row.outcome }, row.n);
        this.set({ type: row.type, outcome: row.outcome }, row.s);
      }
    },
  });
  void seconds;
  return registry;
}
