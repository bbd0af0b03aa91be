import type pg from 'pg';

// Each batch its own hour, so no two share a ride-window and none replaces another.
let nextHour = 0;

/**
 * `n` batches of `park`'s ride `ride-1` (which must exist) in `state`, each with its
 * postprocess row in the outbox, unpublished if `waiting`: the rows a park's commits leave,
 * without their drops (the blob path leads nowhere, so they must never reach a job).
 */
export async function addSyntheticBatches(
  pool: pg.Pool,
  park: string,
  n: number,
  state: 'stored' | 'queued',
  waiting: boolean,
): Promise<void> {
  await pool.query(
    `WITH b AS (
       INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            content_id, bytes, file_name, blob_path, state)
       SELECT gen_random_uuid(), $1, 'ride-1', 1, w, w + interval '1 hour', d, d, 1, 'x.zip',
              '/nowhere', $4
         FROM generate_series(0, $3::int - 1) AS i,
              LATERAL (SELECT timestamptz '2020-01-01' + make_interval(hours => $2::int + i) AS w) t,
              LATERAL (SELECT md5($1 || w::text) || md5(w::text) AS d) h
       RETURNING id)
     INSERT INTO outbox (queue, message, message_id, published_at)
     SELECT 'postprocess', jsonb_build_object('batchId', id), id::text,
            CASE WHEN $5::boolean THEN NULL ELSE now() END FROM b`,
    [park, nextHour, n, state, waiting],
  );
  nextHour += n;
}

/**
 * A park whose agent committed `n` drops that wait behind its share of the queue: one batch
 * of it queued (and never finished, so the share stays taken for the stuck-job limit), `n`
 * stored with their outbox rows waiting. What a park back from a long outage leaves in the
 * outbox while its earlier drops are processed.
 */
export async function holdRows(pool: pg.Pool, park: string, n: number): Promise<void> {
  await pool.query(
    `INSERT INTO rides (park_id, id, model, name)
     VALUES ($1, 'ride-1', 'discovery-revolution', 'Ride') ON CONFLICT DO NOTHING`,
    [park],
  );
  await addSyntheticBatches(pool, park, 1, 'queued', false);
  await addSyntheticBatches(pool, park, n, 'stored', true);
}
