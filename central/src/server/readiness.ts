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

/** The body of `/healthz`: the process is up and its event loop answers. */
export interface Liveness {
  ok: true;
}

/**
 * Liveness (`/healthz`) asks nothing of PostgreSQL or RabbitMQ: a restart cannot bring back a
 * database, and a probe that asked it would restart every API pod at once during a database
 * outage (CrashLoopBackOff), cutting off the uploads that the outage had not. The kubelet
 * restarts a process that stopped answering at all.
 */
export function checkLiveness(): Liveness {
  return { ok: true };
}

/**
 * The body of `/readyz`: ok when PostgreSQL answered; the broker is reported, and why it is
 * down, but does not take the pod out of service.
 */
export interface Readiness {
  ok: boolean;
  database: 'reachable' | 'unreachable';
  broker: 'reachable' | 'unreachable';
  /** What failed, per dependency, for the person looking at a failing probe. */
  errors?: { database?: string; broker?: string };
}

/**
 * Asks PostgreSQL and RabbitMQ in parallel. An API that cannot reach the database cannot take
 * an upload, so it leaves the load balancer (it stays alive: `/healthz` is for that). One that
 * cannot reach the broker stays in: uploads commit the batch and its outbox row in PostgreSQL,
 * and the outbox publishes once the broker is back (ZraBrokerUnreachable and ZraOutboxLagging
 * say so meanwhile), whereas taking every replica out would refuse every upload.
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
    ok: db.status === 'fulfilled',
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
