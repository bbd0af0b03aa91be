import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { createLogger } from '../logger.ts';
import { createPark } from '../parks/park-store.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { foldParkKeptBytes } from './park-kept-bytes.ts';

let env: TestEnvironment;
let blobs: BlobStore;
const PARKS = ['kept-a', 'kept-b', 'kept-c'];
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createTestEnvironment('park_kept_bytes');
  for (const id of PARKS) await createPark(env.pool, { id, name: id, timezone: 'Europe/Rome' });
  blobs = new BlobStore(env.config.blobDir);
  await blobs.init();
});

afterAll(async () => {
  await env?.cleanup();
});

/** A small deterministic generator, so a failure can be run again as it was. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * What each park keeps, the way the quota summed it before the counter: the bytes of its
 * batches received after the blob sweep's cursor, and of its quarantined ones whenever received.
 */
async function summedFromBatches(): Promise<Record<string, number>> {
  const r = await env.pool.query<{ park_id: string; bytes: string }>(
    `SELECT b.park_id, sum(b.bytes)::text AS bytes
       FROM batches b
       LEFT JOIN retention_state s ON s.what = 'blobs'
      WHERE b.content_id IS NULL OR s.what IS NULL
         OR (b.received_at, b.id) > (s.cursor_at, s.cursor_id)
      GROUP BY b.park_id`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.park_id, Number(x.bytes)]));
}

async function counted(): Promise<Record<string, number>> {
  const r = await env.pool.query<{ park_id: string; bytes: string }>(
    `SELECT park_id, sum(bytes)::text AS bytes FROM park_kept_bytes
      GROUP BY park_id HAVING sum(bytes) <> 0`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.park_id, Number(x.bytes)]));
}

describe('park_kept_bytes (kept by triggers)', () => {
  it('matches the sum over the batches through inserts, refusals, removals, sweeps and folds', async () => {
    const next = random(20261207);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const now = Date.now();
    // Every kind of change in each round of ten, in an order the generator shuffles.
    const kinds = ['insert', 'insert', 'insert', 'insert', 'refuse', 'states', 'remove', 'sweep'];
    const rounds = Array.from({ length: 15 }, () =>
      [...kinds, 'sweep', next() < 0.5 ? 'forget' : 'fold'].sort(() => next() - 0.5),
    );
    for (const [step, kind] of rounds.flat().entries()) {
      if (kind === 'insert') {
        // One statement inserting several batches of several parks, received over 60 days.
        const n = 1 + Math.floor(next() * 4);
        const rows = Array.from({ length: n }, () => ({
          id: randomUUID(),
          park: pick(PARKS),
          quarantined: next() < 0.25,
          bytes: 1 + Math.floor(next() * 5_000_000),
          at: new Date(now - Math.floor(next() * 60 * DAY)).toISOString(),
        }));
        await env.pool.query(
          `INSERT INTO batches (id, park_id, sha256, content_id, bytes, file_name, blob_path,
                                state, received_at)
           SELECT r.id, r.park, md5(r.id::text) || md5(r.id::text),
                  CASE WHEN r.q THEN NULL ELSE md5(r.id::text) END, r.bytes, r.id || '.zip',
                  'blobs/' || r.id, CASE WHEN r.q THEN 'quarantined' ELSE 'stored' END, r.at
             FROM unnest($1::uuid[], $2::text[], $3::boolean[], $4::bigint[], $5::timestamptz[])
                  AS r(id, park, q, bytes, at)`,
          [
            rows.map((r) => r.id),
            rows.map((r) => r.park),
            rows.map((r) => r.quarantined),
            rows.map((r) => r.bytes),
            rows.map((r) => r.at),
          ],
        );
      } else if (kind === 'refuse') {
        // A stored drop refused after commit: quarantined, its content id gone (commit-drop.ts).
        await env.pool.query(
          `UPDATE batches SET state = 'quarantined', content_id = NULL
            WHERE id = (SELECT id FROM batches WHERE content_id IS NOT NULL
                         ORDER BY md5(id::text || $1) LIMIT 1)`,
          [step],
        );
      } else if (kind === 'states') {
        // State changes that keep the same file: counted nothing.
        await env.pool.query(
          `UPDATE batches SET state = 'processed', updated_at = now() WHERE state = 'stored'`,
        );
      } else if (kind === 'remove') {
        // A quarantined batch removed (a re-check replaced it: pulled-quarantine.ts).
        await env.pool.query(
          `DELETE FROM batches WHERE id = (SELECT id FROM batches WHERE state = 'quarantined'
                                            ORDER BY md5(id::text || $1) LIMIT 1)`,
          [step],
        );
      } else if (kind === 'sweep') {
        // The blob sweep, with a horizon anywhere in the last 60 days, through its own code.
        await sweepRetention(
          env.pool,
          blobs,
          { cyclesMs: null, blobsMs: Math.floor(next() * 60 * DAY) },
          createLogger('silent'),
          now,
        );
      } else if (kind === 'forget') {
        // The sweep's progress forgotten: every stored drop counts as kept again.
        await env.pool.query(`DELETE FROM retention_state WHERE what = 'blobs'`);
      } else {
        await foldParkKeptBytes(env.pool);
      }
      expect(await counted(), `after step ${step} (${kind})`).toEqual(await summedFromBatches());
    }
    // Folded, a park keeps one row.
    await foldParkKeptBytes(env.pool);
    const rows = await env.pool.query<{ park_id: string; n: number }>(
      'SELECT park_id, count(*)::int AS n FROM park_kept_bytes GROUP BY park_id',
    );
    expect(rows.rows.every((r) => r.n === 1)).toBe(true);
    expect(await counted()).toEqual(await summedFromBatches());
  });

  it('takes off no drop that is refused while the sweep passes it', async () => {
    // The sweep's cursor forgotten, then a stored drop received 30 days ago.
    await env.pool.query(`DELETE FROM retention_state WHERE what = 'blobs'`);
    const id = randomUUID();
    await env.pool.query(
      `INSERT INTO batches (id, park_id, sha256, content_id, bytes, file_name, blob_path, state,
                            received_at)
       VALUES ($1::uuid, 'kept-a', md5($2) || md5($2), md5($2), 4242, 'r.zip', 'blobs/r',
               'stored', now() - interval '30 days')`,
      [id, id],
    );
    // Its refusal (commit-drop.ts) has begun and holds the row when the sweep passes it.
    const refusing = await env.pool.connect();
    try {
      await refusing.query('BEGIN');
      await refusing.query(
        `UPDATE batches SET state = 'quarantined', content_id = NULL WHERE id = $1`,
        [id],
      );
      let swept = false;
      const sweeping = sweepRetention(
        env.pool,
        blobs,
        { cyclesMs: null, blobsMs: 20 * DAY },
        createLogger('silent'),
      ).finally(() => {
        swept = true;
      });
      // Until the sweep waits for the refusal's row (or, if it would not wait, has ended).
      for (let i = 0; i < 500 && !swept; i++) {
        const r = await env.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if ((r.rows[0]?.n ?? 0) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await refusing.query('COMMIT');
      await sweeping;
    } finally {
      refusing.release();
    }
    // Quarantined, its file is kept: it counts, as the sum over the batches says.
    expect(await counted()).toEqual(await summedFromBatches());
  });
});
