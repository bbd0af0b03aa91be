import type pg from 'pg';
import type { Metric, Registry } from 'prom-client';
import { oncePerScrape } from './once-per-scrape.ts';

/** Upper bounds (seconds) of the job duration buckets: seconds for drops, minutes for reports. */
export const JOB_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

interface BucketRow {
  type: string;
  outcome: string;
  le: number;
  n: number;
}

interface TotalRow {
  type: string;
  outcome: string;
  n: number;
  s: number;
}

type Sample = { metricName?: string; labels: Record<string, string | number>; value: number };

/**
 * Registers `zra_job_runs_total` (counter) and `zra_job_run_duration_seconds` (histogram), both
 * by type and outcome, computed from job_runs at scrape time. prom-client's own Counter and
 * Histogram only count what this process observed, and job pods are gone before a scrape, so
 * these are hand-built metric objects whose samples come from one SQL aggregate.
 */
export function registerJobRunMetrics(registry: Registry, pool: pg.Pool): void {
  // Both metrics are collected in the same scrape: share one pair of queries.
  const read = oncePerScrape(async () => {
    const [totals, buckets] = await Promise.all([
      pool.query<TotalRow>(
        `SELECT type, outcome, count(*)::int AS n,
                coalesce(sum(extract(epoch FROM ended_at - started_at)), 0)::float8 AS s
           FROM job_runs WHERE outcome IS NOT NULL GROUP BY type, outcome`,
      ),
      pool.query<BucketRow>(
        `SELECT r.type, r.outcome, b.le, count(*) FILTER (
                  WHERE extract(epoch FROM r.ended_at - r.started_at) <= b.le)::int AS n
           FROM job_runs r CROSS JOIN unnest($1::float8[]) AS b(le)
          WHERE r.outcome IS NOT NULL GROUP BY r.type, r.outcome, b.le`,
        [JOB_DURATION_BUCKETS],
      ),
    ]);
    return { totals: totals.rows, buckets: buckets.rows };
  });

  const total = tableMetric('zra_job_runs_total', 'counter', async () => {
    const { totals } = await read();
    return totals.map((r) => ({ labels: { type: r.type, outcome: r.outcome }, value: r.n }));
  });
  const duration = tableMetric('zra_job_run_duration_seconds', 'histogram', async () => {
    const { totals, buckets } = await read();
    const samples: Sample[] = [];
    for (const t of totals) {
      const labels = { type: t.type, outcome: t.outcome };
      for (const b of buckets.filter((x) => x.type === t.type && x.outcome === t.outcome)) {
        samples.push({
          metricName: 'zra_job_run_duration_seconds_bucket',
          labels: { ...labels, le: b.le },
          value: b.n,
        });
      }
      samples.push(
        {
          metricName: 'zra_job_run_duration_seconds_bucket',
          labels: { ...labels, le: '+Inf' },
          value: t.n,
        },
        { metricName: 'zra_job_run_duration_seconds_sum', labels, value: t.s },
        { metricName: 'zra_job_run_duration_seconds_count', labels, value: t.n },
      );
    }
    return samples;
  });
  total.help = 'Finished job attempts by type and outcome (from job_runs, all workers).';
  duration.help = 'Duration of finished job attempts by type and outcome (from job_runs).';
  registry.registerMetric(total as unknown as Metric);
  registry.registerMetric(duration as unknown as Metric);
}

function tableMetric(name: string, type: 'counter' | 'histogram', values: () => Promise<Sample[]>) {
  return {
    name,
    help: '',
    type,
    aggregator: 'max' as const,
    collect: () => undefined,
    async get() {
      // Without the database (zra_database_up 0) the metric is served without samples.
      const samples = await values().catch(() => []);
      return { name, help: this.help, type, aggregator: this.aggregator, values: samples };
    },
  };
}
