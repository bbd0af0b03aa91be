import pg from 'pg';
import type { Logger } from 'pino';
import { createLogger } from '../logger.ts';

/**
 * One connection pool per process; every query of central goes through it. An idle
 * connection that the server ends (a database restart, a dropped database, an ending pool
 * whose sockets are still closing) makes the pool emit `error`; without a listener that
 * would crash the process, so it is logged and the pool opens a new connection when needed.
 */
export function createPool(
  databaseUrl: string,
  log: Logger = createLogger('warn'),
  max = 10,
): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost; will reconnect'));
  return pool;
}

/** Runs `fn` in one transaction: commits on success, rolls back on any throw. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a connection that drops mid-transaction emits
  // an 'error' event that would end the process. The pending query rejects with the same
  // error, so it is only noted here, and the broken client is destroyed on release.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** True when `err` is PostgreSQL's unique-violation, optionally on one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
