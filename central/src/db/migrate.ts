import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import type { Logger } from 'pino';
import { DEFAULT_TIMEOUTS, type NetworkTimeouts } from '../config.ts';
import { StoppedWaitingError, untilAvailable } from '../infra/until-available.ts';
import { sleep } from '../queue/sleep.ts';
import { analyzeTablesWithoutStatistics } from './missing-statistics.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** A migration may build an index over a large table: its statements get this long. */
const MIGRATION_STATEMENT_TIMEOUT_MS = 15 * 60_000;
/** How often a process waiting for another one's migration asks for the lock again. */
const LOCK_POLL_MS = 500;
/** How often the wait for the lock is logged again. */
const LOCK_LOG_EVERY_MS = 10_000;

/** Options of {@link runMigrations}. */
export interface MigrationOptions {
  timeouts?: NetworkTimeouts;
  /** Ends the waits (for the database, for the lock) when aborted. */
  signal?: AbortSignal;
}

/**
 * Applies every pending migration. Several API pods (and their `migrate` init containers)
 * start together: each waits for PostgreSQL to answer (logging what it waits for), then for
 * the migration lock — a session-level advisory lock, node-pg-migrate's own id, taken with
 * retries instead of failing the second process with "Another migration is already running".
 * The process that holds it applies the migrations; the others then find nothing to do.
 * Errors that cannot change by waiting (wrong password, missing database, a failing
 * migration) are thrown. Then, still under the lock, large tables without planner statistics
 * get theirs (a restored database: `missing-statistics.ts`).
 */
export async function runMigrations(
  databaseUrl: string,
  log: Logger,
  options: MigrationOptions = {},
): Promise<string[]> {
  const names = await untilAvailable('apply the database migrations', () => migrateOnce(), {
    log,
    signal: options.signal,
  });
  if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
  return names;

  async function migrateOnce(): Promise<string[]> {
    const t = options.timeouts ?? DEFAULT_TIMEOUTS;
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: t.dbConnectMs,
      statement_timeout: MIGRATION_STATEMENT_TIMEOUT_MS,
      query_timeout: MIGRATION_STATEMENT_TIMEOUT_MS + 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // A connection lost while idle must not crash the process; the pending query fails too.
    let lost: Error | undefined;
    client.on('error', (err) => {
      lost ??= err;
      log.debug({ err }, 'migration connection lost');
    });
    try {
      await client.connect();
      await takeLock(client);
      const applied = await runner({
        dbClient: client,
        noLock: true,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        checkOrder: true,
        singleTransaction: true,
        logger: {
          debug: (msg: string) => log.debug(msg),
          info: (msg: string) => log.debug(msg),
          warn: (msg: string) => log.warn(msg),
          error: (msg: string) => log.error(msg),
        },
      });
      // Still under the lock: after a restore, before the API serves its first commit. Worth
      // having, not worth refusing to start over: a lost connection is waited out as above,
      // anything else is said and the start goes on.
      await analyzeTablesWithoutStatistics(client, log).catch((err: unknown) => {
        if (lost) throw lost;
        log.warn(
          { err },
          'could not gather planner statistics for the tables that have none; starting without them (run ANALYZE on the database)',
        );
      });
      // The lock is the session's: ending the connection below releases it as well.
      await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID]).catch(() => 0);
      return applied.map((m) => m.name);
    } catch (err) {
      // node-pg-migrate rewraps some failures as text ("Unable to ensure migrations table: …"),
      // which would hide a lost connection from untilAvailable and end the process instead of
      // waiting: the connection's own error says what happened.
      throw lost ?? err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Waits for the advisory lock another process may hold while it migrates. */
  async function takeLock(client: pg.Client): Promise<void> {
    const started = Date.now();
    let loggedAt = 0;
    for (;;) {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
        PG_MIGRATE_LOCK_ID,
      ]);
      if (r.rows[0]?.ok) {
        if (loggedAt) log.info({ waitedMs: Date.now() - started }, 'migration lock taken');
        return;
      }
      if (Date.now() - loggedAt >= LOCK_LOG_EVERY_MS) {
        loggedAt = Date.now();
        log.info(
          { waitedMs: loggedAt - started },
          'another process is applying the database migrations; waiting for it to finish',
        );
      }
      await sleep(LOCK_POLL_MS, options.signal);
      if (options.signal?.aborted) {
        throw new StoppedWaitingError('stopped while waiting for the migration lock');
      }
    }
  }
}
