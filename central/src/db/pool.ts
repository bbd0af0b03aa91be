import pg from 'pg';
import type { Logger } from 'pino';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from '../config.ts';
import { infrastructureFault, type InfrastructureFault } from '../infra/infrastructure-fault.ts';
import type { StallCounter } from '../infra/stall-counter.ts';
import { createLogger } from '../logger.ts';

/** Optional settings of {@link createPool}. */
export interface PoolOptions {
  /** Connection, statement and read timeouts (default: the environment variables' defaults). */
  timeouts?: NetworkTimeouts;
  /** Told about every query or connection attempt that timed out. */
  stalls?: StallCounter;
}

// The stall counter of each pool, for the transactions run on its clients.
const stallCounters = new WeakMap<pg.Pool, StallCounter>();

/**
 * One connection pool per process; every query of central goes through it. Every connection
 * has a connect timeout, a server-side statement timeout (and idle-in-transaction timeout, so
 * a vanished client's locks are released), a client-side read timeout a little longer (the
 * only thing that notices a link that stops answering), and TCP keepalive.
 *
 * An idle connection that the server ends (a database restart, a dropped database, an ending
 * pool whose sockets are still closing) makes the pool emit `error`; without a listener that
 * would crash the process, so it is logged and the pool opens a new connection when needed.
 */
export function createPool(
  databaseUrl: string,
  log: Logger = createLogger('warn'),
  max = 10,
  options: PoolOptions = {},
): pg.Pool {
  const t = options.timeouts ?? DEFAULT_TIMEOUTS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: t.dbConnectMs,
    statement_timeout: t.dbStatementMs,
    idle_in_transaction_session_timeout: t.dbStatementMs,
    query_timeout: t.dbQueryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost; will reconnect'));
  const stalls = options.stalls;
  if (stalls) {
    stallCounters.set(pool, stalls);
    const note = (err: unknown) => {
      if (infrastructureFault(err)?.timeout) stalls.note('postgres');
    };
    // Count at the source: every caller's error handling sees the same error afterwards.
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    pool.query = ((...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) result.catch(note);
      return result;
    }) as typeof pool.query;
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    pool.connect = ((...args: unknown[]) => {
      const result = connect(...args);
      if (result instanceof Promise) result.catch(note);
      return result;
    }) as typeof pool.connect;
  }
  return pool;
}

/** A client of the pool held by one caller, and whether its connection is gone. */
export interface HeldClient {
  client: pg.PoolClient;
  /** The error that ended its connection (or made the caller give up on it), if any. */
  readonly lost: Error | undefined;
  /** Gives the client back destroyed, not for reuse (its session is in an unknown state). */
  discard(err: Error): void;
}

/**
 * Runs `fn` with a client of the pool to itself (a transaction's, or a session lock's
 * connection), and gives it back. A checked-out client has no pool listener: a connection that
 * drops while it is out (a database restart, a cut link) emits an 'error' event that would end
 * the process. Here it is noted instead — the pending query, if any, rejects with the same
 * error — and a client whose connection was lost, or whose link failed or went silent under
 * `fn`, is destroyed on release rather than reused: its session, and any lock the session
 * held, end with it on the server.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (held: HeldClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost ??= err;
  };
  client.on('error', onError);
  try {
    return await fn({
      client,
      get lost() {
        return lost;
      },
      discard(err) {
        lost ??= err;
      },
    });
  } catch (err) {
    const fault = databaseFault(err);
    if (fault?.timeout) stallCounters.get(pool)?.note('postgres');
    if (fault) lost ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** Runs `fn` in one transaction: commits on success, rolls back on any throw. */
export function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (held) => {
    const { client } = held;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A dead or silent link: a ROLLBACK would only wait out another timeout, and the
      // connection is destroyed (withClient), which ends the transaction on the server.
      if (!held.lost && !databaseFault(err)) {
        // Not given back for reuse with a transaction that may still be open.
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          held.discard(rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr)));
        });
      }
      throw err;
    }
  });
}

/**
 * The fault of PostgreSQL's link or server in `err`, if that is what it is. `fn` may also fail
 * on another dependency while it holds a client (the outbox publisher waits for the broker's
 * confirms inside its transaction): that is neither a database stall nor a reason to give up
 * on the connection.
 */
function databaseFault(err: unknown): InfrastructureFault | null {
  const fault = infrastructureFault(err);
  return fault?.dependency === 'postgres' ? fault : null;
}

/** True when `err` is PostgreSQL's unique-violation, optionally on one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
