import { statfsSync } from 'node:fs';
import pg from 'pg';
import { PG_ADMIN_URL } from '../../../scripts/harness/postgres.ts';

/** The benchmark's own database on the machine's PostgreSQL, created and dropped by it. */
export const BENCH_DATABASE = 'zra_fleet_bench';

/** The URL of database `name` on the harness's server. */
export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** True when the database exists (a kept one from an earlier run). */
export async function databaseExists(name: string): Promise<boolean> {
  const r = await admin((c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  return (r.rowCount ?? 0) > 0;
}

export async function createDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
}

export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Free bytes on the file system that holds PostgreSQL's data directory. */
export async function freeBytesUnderPostgres(): Promise<{ path: string; free: number }> {
  const r = await admin((c) => c.query<{ d: string }>('SHOW data_directory'));
  const path = r.rows[0]?.d ?? '/';
  try {
    const s = statfsSync(path);
    return { path, free: s.bavail * s.bsize };
  } catch {
    // The data directory may not be readable by this user: its file system is the root's here.
    const s = statfsSync('/');
    return { path: '/', free: s.bavail * s.bsize };
  }
}

/** Bytes of each table with its indexes and TOAST, largest first. */
export async function tableSizes(
  pool: pg.Pool,
): Promise<{ table: string; rows: number; bytes: number; indexBytes: number }[]> {
  const r = await pool.query<{ table: string; rows: string; bytes: string; index_bytes: string }>(
    `SELECT c.relname AS table, c.reltuples::bigint::text AS rows,
            pg_total_relation_size(c.oid)::text AS bytes, pg_indexes_size(c.oid)::text AS index_bytes
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
      ORDER BY pg_total_relation_size(c.oid) DESC`,
  );
  return r.rows.map((row) => ({
    table: row.table,
    rows: Number(row.rows),
    bytes: Number(row.bytes),
    indexBytes: Number(row.index_bytes),
  }));
}
