import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { batchStateCounts, foldBatchStateCounts } from './batch-state-counts.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment('batch_state_counts');
  await createPark(env.pool, { id: 'count-park', name: 'Count Park', timezone: 'Europe/Rome' });
});

afterAll(async () => {
  await env?.cleanup();
});

const hex = () => randomBytes(32).toString('hex');

/** Inserts `n` batches in `state` with one statement; returns their ids. */
async function insertBatches(
  db: { query: TestEnvironment['pool']['query'] },
  state: string,
  n: number,
): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await db.query(
    `INSERT INTO batches (id, park_id, sha256, content_id, bytes, file_name, blob_path, state)
     SELECT id, 'count-park', md5(id::text) || md5(id::text),
            CASE WHEN $2 = 'quarantined' THEN NULL ELSE $3 || md5(id::text) END,
            1000, id || '.zip', 'blobs/' || id, $2
       FROM unnest($1::uuid[]) AS id`,
    [ids, state, hex().slice(0, 32)],
  );
  return ids;
}

/** The counts the slow way, as `dashboard.queues` and /metrics read them before. */
async function counted(): Promise<Record<string, number>> {
  const r = await env.pool.query<{ state: string; n: number }>(
    'SELECT state, count(*)::int AS n FROM batches GROUP BY state',
  );
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

async function kept(): Promise<Record<string, number>> {
  return Object.fromEntries((await batchStateCounts(env.pool)).map((x) => [x.state, x.n]));
}

describe('batch_state_counts (kept by triggers)', () => {
  it('follows inserts, updates and deletes of any number of rows', async () => {
    const stored = await insertBatches(env.pool, 'stored', 7);
    await insertBatches(env.pool, 'quarantined', 2);
    await env.pool.query(`UPDATE batches SET state = 'queued' WHERE id = ANY ($1::uuid[])`, [
      stored.slice(0, 5),
    ]);
    await env.pool.query(`UPDATE batches SET state = 'processed' WHERE id = $1`, [stored[0]]);
    // An update that changes no state (a revision marks the batch it replaces) counts nothing.
    await env.pool.query(`UPDATE batches SET updated_at = now() WHERE id = ANY ($1::uuid[])`, [
      stored,
    ]);
    await env.pool.query(`DELETE FROM batches WHERE id = $1`, [stored[6]]);
    expect(await kept()).toEqual(await counted());
    expect(await kept()).toEqual({ stored: 1, queued: 4, processed: 1, quarantined: 2 });
  });

  it('counts what concurrent transactions commit, and nothing of what they roll back', async () => {
    const a = await env.pool.connect();
    const b = await env.pool.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      const ids = await insertBatches(a, 'stored', 3);
      await insertBatches(b, 'failed', 4);
      await a.query(`UPDATE batches SET state = 'processing' WHERE id = $1`, [ids[0]]);
      await b.query('ROLLBACK');
      await a.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    expect(await kept()).toEqual(await counted());
  });

  it('folds into one row per state without losing a transaction committed meanwhile', async () => {
    const open = await env.pool.connect();
    try {
      await open.query('BEGIN');
      await insertBatches(open, 'processed', 5);
      // Folds while the insert above is in flight: its rows are not in the fold's snapshot.
      expect(await foldBatchStateCounts(env.pool)).toBeGreaterThan(0);
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    expect(await kept()).toEqual(await counted());
    await foldBatchStateCounts(env.pool);
    const rows = await env.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batch_state_counts',
    );
    expect(rows.rows[0]?.n).toBe(Object.keys(await counted()).length);
    expect(await kept()).toEqual(await counted());
  });

  it('starts again from nothing after TRUNCATE', async () => {
    await env.pool.query('TRUNCATE batches CASCADE');
    expect(await kept()).toEqual({});
    await insertBatches(env.pool, 'stored', 2);
    expect(await kept()).toEqual({ stored: 2 });
  });
});
