import pino from 'pino';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../scripts/harness/postgres.ts';
import {
  startTcpProxy,
  targetOfUrl,
  throughProxy,
  type TcpProxy,
} from '../../../scripts/harness/tcp-proxy.ts';
import { runMigrations } from './migrate.ts';

let db: TestDatabase | undefined;
let link: TcpProxy | undefined;

afterEach(async () => {
  await link?.close();
  await db?.drop();
  link = undefined;
  db = undefined;
});

describe('runMigrations', () => {
  // Seen in the chaos campaign: an API pod starting while the link to PostgreSQL dropped exited
  // instead of waiting, because node-pg-migrate rewraps that failure as plain text.
  it('waits out a connection lost while node-pg-migrate checks its own table, then applies every migration', async () => {
    db = await createTestDatabase('migrate_cut');
    let cutDone = false;
    // Cut at node-pg-migrate's first look at its table (the query is dropped with the link).
    const proxy = await startTcpProxy({
      ...targetOfUrl(db.url),
      onData: (direction, chunk) => {
        if (cutDone || direction !== 'to-target') return;
        if (!chunk.includes('information_schema.tables')) return;
        cutDone = true;
        proxy.cut();
        setTimeout(() => proxy.restore(), 300);
      },
    });
    link = proxy;

    const names = await runMigrations(throughProxy(db.url, proxy.port), pino({ level: 'silent' }));

    expect(cutDone).toBe(true);
    expect(proxy.cuts).toBe(1);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const applied = await client.query<{ name: string }>(
        'SELECT name FROM pgmigrations ORDER BY id',
      );
      expect(applied.rows.map((r) => r.name)).toEqual(names);
      expect(names.length).toBeGreaterThan(10);
    } finally {
      await client.end();
    }
  });

  // A dump carries no statistics: a restored database, or one where autovacuum is off, had the
  // commit's look for the live batch read every batch of the ride (docs/performance.md).
  it('gives a large table without planner statistics its statistics, so a commit finds the live batch by its own index', async () => {
    db = await createTestDatabase('migrate_stats');
    const silent = pino({ level: 'silent' });
    await runMigrations(db.url, silent);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      // As a restore leaves them: rows, no statistics (and autovacuum kept from adding them).
      await client.query('ALTER TABLE batches SET (autovacuum_enabled = false)');
      // Eight parks' one ride each: the shape where PostgreSQL 15, without statistics, reads
      // the ride's batches through batches_ride_window_end_idx (park and ride only).
      await client.query(`INSERT INTO parks (id, name, timezone)
                          SELECT 'park-' || p, 'Park', 'Europe/Rome' FROM generate_series(1, 8) p`);
      await client.query(`INSERT INTO rides (park_id, id, model, name)
                          SELECT 'park-' || p, 'ride-1', 'm', 'Ride' FROM generate_series(1, 8) p`);
      await client.query(
        `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, ride_id,
                              sequence, window_start, window_end, content_id)
         SELECT gen_random_uuid(), 'park-' || (1 + i % 8), md5(i::text) || md5(i::text), 1000,
                'f.zip', 'b', 'processed', 'ride-1', 1, t, t + interval '10 min', 'c' || i
           FROM generate_series(1, 20000) i,
                LATERAL (SELECT timestamptz '2026-01-01' + i * interval '10 min' AS t) w`,
      );
      const probe = async (): Promise<string> => {
        const r = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT 1 FROM batches
            WHERE park_id = 'park-1' AND ride_id = 'ride-1' AND window_start = now()
              AND superseded_by IS NULL AND content_id IS NOT NULL FOR NO KEY UPDATE`,
        );
        return r.rows.map((row) => row['QUERY PLAN']).join('\n');
      };
      const statistics = async (): Promise<number> => {
        const r = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'batches'`,
        );
        return r.rows[0]?.n ?? 0;
      };
      expect(await statistics()).toBe(0);

      // Any start of central runs the migrations: nothing is pending, the table is analyzed.
      expect(await runMigrations(db.url, silent)).toEqual([]);

      expect(await statistics()).toBeGreaterThan(0);
      expect(await probe()).toContain('batches_one_live_per_ride_window');
    } finally {
      await client.end();
    }
  });
});
