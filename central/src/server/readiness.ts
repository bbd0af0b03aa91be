import type pg from 'pg';
import {
  DependencyTimeoutError,
  dependencyName,
  infrastructureFault,
  withDeadline,
  type Dependency,
} from '../infra/infrastructure-fault.ts';
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
    withDeadline(pool.query('SELECT 1'), PROBE_TIMEOUT_MS, 'postgres', 'answer'),
    withDeadline(broker.ping(), PROBE_TIMEOUT_MS, 'rabbitmq', 'answer'),
  ]);
  const errors: NonNullable<Readiness['errors']> = {};
  if (db.status === 'rejected') errors.database = reason(db.reason, 'postgres');
  if (mq.status === 'rejected') errors.broker = reason(mq.reason, 'rabbitmq');
  return {
    ok: db.status === 'fulfilled' && mq.status === 'fulfilled',
    database: db.status === 'fulfilled' ? 'reachable' : 'unreachable',
    broker: mq.status === 'fulfilled' ? 'reachable' : 'unreachable',
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
  };
}

/** What failed, in words: the raw driver text (addresses, codes) stays out of the answer. */
function reason(err: unknown, dependency: Dependency): string {
  const fault = infrastructureFault(err, dependency);
  if (fault) return fault.summary;
  if (err instanceof DependencyTimeoutError) return err.message;
  return `${dependencyName(dependency)} refused the check; see the central log`;
}
