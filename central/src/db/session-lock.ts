import type pg from 'pg';
import { withClient } from './pool.ts';

/**
 * Runs `fn` while this process holds a session advisory lock (`key`, from db/advisory-locks.ts),
 * or answers null at once when another process holds it: work one replica at a time does, the
 * others skipping their round. The lock lives on a connection of its own held through `fn`
 * (withClient), so a connection lost meanwhile fails the round, not the process, and takes the
 * lock with it on the server.
 */
export function withSessionLockOrSkip<T>(
  pool: pg.Pool,
  key: readonly [number, number],
  fn: () => Promise<T>,
): Promise<T | null> {
  return withClient(pool, async (held) => {
    const got = await held.client.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS ok',
      [...key],
    );
    if (!got.rows[0]?.ok) return null;
    try {
      return await fn();
    } finally {
      // A lost connection took its session's lock with it.
      if (!held.lost) await held.client.query('SELECT pg_advisory_unlock($1, $2)', [...key]);
    }
  });
}
