import type pg from 'pg';
import type { BrokerProbe } from '../queue/broker-probe.ts';

/** How long each dependency gets to answer before `/readyz` calls it down. */
const PROBE_TIMEOUT_MS = 3000;

/** The body of `/readyz`: ok only when both dependencies answered, and why not otherwise. */
export interface Readiness {
  ok: boolean;
  database: 'reachable' | 'unreachable';
  broker: 'reachable' | 'unreachable';
  /** What failed, per dependency, for the person looking at a failing probe. */
  errors?: { database?: string; broker?: string };
}

/**
 * Asks PostgreSQL and RabbitMQ in parallel. An API that cannot reach the database cannot take
 * an upload, and one that cannot reach the broker would pile up the outbox, so either takes
 * the pod out of the load balancer (it stays alive: `/healthz` is for that).
 */
export async function checkReadiness(pool: pg.Pool, broker: BrokerProbe): Promise<Readiness> {
  const [db, mq] = await Promise.allSettled([
    withTimeout(pool.query('SELECT 1'), 'PostgreSQL'),
    withTimeout(broker.ping(), 'RabbitMQ'),
  ]);
  const errors: NonNullable<Readiness['errors']> = {};
  if (db.status === 'rejected') errors.database = reason(db.reason);
  if (mq.status === 'rejected') errors.broker = reason(mq.reason);
  return {
    ok: db.status === 'fulfilled' && mq.status === 'fulfilled',
    database: db.status === 'fulfilled' ? 'reachable' : 'unreachable',
    broker: mq.status === 'fulfilled' ? 'reachable' : 'unreachable',
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
