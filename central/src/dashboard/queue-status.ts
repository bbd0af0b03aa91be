import type pg from 'pg';
import { batchStateCounts } from '../batches/batch-state-counts.ts';
import type { BrokerProbe } from '../queue/broker-probe.ts';
import { QUEUES, deadLetterQueueName, queueName } from '../queue/queue-names.ts';
import { emptyByState, type BatchState, type QueueStatus } from './dashboard-schemas.ts';

/**
 * Queues and jobs: ready messages and consumers per queue and dead-letter queue (asked of the
 * broker with checkQueue, never declaring anything), the outbox backlog and lag, job runs in
 * progress and batches by state. The broker being down is an answer, not an error.
 */
export async function queueStatus(
  pool: pg.Pool,
  broker: BrokerProbe,
  prefix: string,
): Promise<QueueStatus> {
  const [depths, outbox, running, states] = await Promise.all([
    broker.queueDepths().then(
      (d) => ({ ok: true as const, d }),
      (err: unknown) => ({
        ok: false as const,
        error: err instanceof Error ? err.message : String(err),
      }),
    ),
    pool.query<{ n: number; s: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float8 AS s
         FROM outbox WHERE published_at IS NULL`,
    ),
    pool.query<{ type: 'postprocess' | 'report' | 'download'; n: number }>(
      'SELECT type, count(*)::int AS n FROM job_runs WHERE ended_at IS NULL GROUP BY type',
    ),
    batchStateCounts(pool),
  ]);
  const queues: QueueStatus['queues'] = [];
  if (depths.ok) {
    for (const queue of QUEUES) {
      for (const deadLetter of [false, true]) {
        const name = deadLetter ? deadLetterQueueName(prefix, queue) : queueName(prefix, queue);
        const d = depths.d.find((x) => x.queue === name);
        queues.push({
          queue,
          deadLetter,
          name,
          messages: d?.messages ?? 0,
          consumers: d?.consumers ?? 0,
        });
      }
    }
  }
  const byState = emptyByState();
  for (const s of states) byState[s.state as BatchState] = s.n;
  return {
    broker: depths.ok ? 'reachable' : 'unreachable',
    brokerError: depths.ok ? null : depths.error,
    queues,
    outbox: { unpublished: outbox.rows[0]?.n ?? 0, oldestAgeS: outbox.rows[0]?.s ?? 0 },
    running: {
      postprocess: running.rows.find((r) => r.type === 'postprocess')?.n ?? 0,
      report: running.rows.find((r) => r.type === 'report')?.n ?? 0,
      download: running.rows.find((r) => r.type === 'download')?.n ?? 0,
    },
    batchesByState: byState,
  };
}
