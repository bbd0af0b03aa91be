import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../db/migrate.ts';
import { createLogger } from '../logger.ts';
import { createTestDatabase, type TestDatabase } from '../../../scripts/harness/postgres.ts';

const MIGRATION = '1796334589194_ride-window-revisions';
const DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('ride_window_migration');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

interface Row {
  file_name: string;
  superseded_by: string | null;
  updated_at: Date;
}

describe(`migration ${MIGRATION}`, () => {
  it('re-marks existing batches: each ride-window keeps only its newest commit live, whatever the sequences', async () => {
    // The schema as it stood before the migration.
    const before = (await readdir(DIR)).filter((f) => f.endsWith('.sql') && f < MIGRATION).length;
    await runner({
      databaseUrl: db.url,
      dir: DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      count: before,
      log: () => undefined,
    });
    await pool.query(
      `INSERT INTO parks (id, name, timezone) VALUES ('p', 'P', 'Europe/Rome');
       INSERT INTO rides (park_id, id, model, name) VALUES ('p', 'r', 'discovery-revolution', 'r');`,
    );
    // Ride-window 10:00: three re-exports (sequences 1, 9, 1 again with other content, which
    // the old rule chained), received in that order; 11:00: one drop; plus a quarantined one.
    const rows: [string, number | null, string | null, string][] = [
      ['a.zip', 1, '2026-06-01T10:00:00Z', '2026-06-01T10:05:00Z'],
      ['b.zip', 9, '2026-06-01T10:00:00Z', '2026-06-01T10:06:00Z'],
      ['c.zip', 1, '2026-06-01T10:00:00Z', '2026-06-01T10:07:00Z'],
      ['d.zip', 2, '2026-06-01T11:00:00Z', '2026-06-01T11:05:00Z'],
      ['q.zip', null, null, '2026-06-01T11:06:00Z'],
    ];
    for (const [i, [file, sequence, start, receivedAt]] of rows.entries()) {
      const valid = start !== null;
      await pool.query(
        `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                              content_id, bytes, file_name, blob_path, state, received_at,
                              updated_at)
         VALUES (gen_random_uuid(), 'p', $1, $2, $3, $3::timestamptz + interval '1 hour', $4, $5,
                 1, $6, '/x', $7, $8, $8)`,
        [
          valid ? 'r' : null,
          sequence,
          start,
          String(i).repeat(64),
          valid ? String(i).repeat(64) : null,
          file,
          valid ? 'processed' : 'quarantined',
          receivedAt,
        ],
      );
    }
    // What the old rule left: a replaced by c (same sequence), b and c both live.
    await pool.query(
      `UPDATE batches SET superseded_by = (SELECT id FROM batches WHERE file_name = 'c.zip')
        WHERE file_name = 'a.zip'`,
    );

    await runMigrations(db.url, createLogger('silent'));

    const r = await pool.query<Row & { next: string | null }>(
      `SELECT b.file_name, b.superseded_by, b.updated_at, n.file_name AS next
         FROM batches b LEFT JOIN batches n ON n.id = b.superseded_by ORDER BY b.file_name`,
    );
    expect(r.rows.map((x) => [x.file_name, x.next])).toEqual([
      ['a.zip', 'b.zip'],
      ['b.zip', 'c.zip'],
      ['c.zip', null],
      ['d.zip', null],
      ['q.zip', null],
    ]);
    // The changed rows moved, so agents that poll park.drops by updatedAt see the change.
    const moved = r.rows.filter((x) => x.updated_at.getTime() > Date.parse('2026-07-01T00:00:00Z'));
    expect(moved.map((x) => x.file_name)).toEqual(['a.zip', 'b.zip']);

    // From now on the database itself refuses a second live batch of one ride-window.
    const second = pool.query(
      `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            content_id, bytes, file_name, blob_path, state)
       VALUES (gen_random_uuid(), 'p', 'r', 5, '2026-06-01T11:00:00Z', '2026-06-01T12:00:00Z',
               $1, $1, 1, 'e.zip', '/x', 'stored')`,
      ['e'.repeat(64)],
    );
    await expect(second).rejects.toMatchObject({
      constraint: 'batches_one_live_per_ride_window',
    });
  });
});
