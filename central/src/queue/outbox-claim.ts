import type pg from 'pg';
import type { QueueName } from './queue-names.ts';

/** An outbox row taken to publish. */
export interface OutboxRow {
  id: string;
  queue: QueueName;
  message: Record<string, unknown>;
  message_id: string;
}

/** How many rows to take, and how many of one park's batches may be queued at once. */
export interface ClaimLimits {
  /** Rows per transaction. */
  batchSize: number;
  /** At most this many of one park's batches queued or processing (PARK_QUEUE_SHARE). */
  parkShare: number;
  /** A batch queued or processing for longer no longer counts against its park's share. */
  inFlightMs: number;
}

/**
 * Locks the next rows to publish, oldest first, inside the caller's transaction (FOR UPDATE
 * SKIP LOCKED, so several API pods share the work), and moves their batches to `queued` in the
 * same statement: claims follow the commits, and each statement is a round trip that
 * costs the API's main thread (docs/performance.md, "The outbox's claims"). The batches read
 * `queued` before their messages exist; the caller holds their rows' locks until its commit,
 * after the broker's confirms, so a worker that takes a message at once waits for that.
 *
 * Fair share: the postprocess queue is one FIFO for every park, so a park sending a week's
 * backlog would put thousands of drops ahead of everyone's live ones. Each park gets at most
 * `parkShare` batches queued or processing; the rest of its rows wait here, in order, and go as
 * its earlier ones finish. Other queues' rows, and rows whose batch was gone when they were
 * written (or whose id is no batch id), have no park (the outbox_park trigger) and are not
 * held. Replicas each claim their
 * own rows, so with N API pods a park can briefly hold up to N shares.
 *
 * The parks waiting are found one index probe each, and only each one's first rows are read: a
 * park catching up holds thousands, and ranking them all made every claim read them (29–54 ms
 * at 20,000 held; docs/performance.md, "The outbox claim with a park catching up").
 */
export async function claimOutboxRows(
  client: Pick<pg.PoolClient, 'query'>,
  limits: ClaimLimits,
): Promise<OutboxRow[]> {
  // The batches' ids through `outbox_batch_id` (migration 1796700000000_outbox-park), which
  // casts only what looks like a UUID: one malformed row would otherwise fail the statement, and
  // with it every claim after, holding up every park's messages behind it.
  const { rows } = await client.query<OutboxRow>({
    // Named, so a connection parses and plans it once: it runs after every commit.
    name: 'outbox-claim',
    text: `WITH RECURSIVE waiting AS (
       (SELECT park_id FROM outbox
         WHERE published_at IS NULL AND park_id IS NOT NULL ORDER BY park_id LIMIT 1)
       UNION ALL
       SELECT (SELECT o.park_id FROM outbox o
                WHERE o.published_at IS NULL AND o.park_id > w.park_id
                ORDER BY o.park_id LIMIT 1)
         FROM waiting w WHERE w.park_id IS NOT NULL
     ), in_flight AS (
       SELECT park_id, count(*)::int AS n FROM batches
        WHERE state IN ('queued', 'processing')
          AND updated_at > now() - make_interval(secs => $3::float8 / 1000)
        GROUP BY park_id
     ), claimable AS (
       SELECT next_rows.id FROM waiting w
         LEFT JOIN in_flight f ON f.park_id = w.park_id
         CROSS JOIN LATERAL (
           SELECT o.id FROM outbox o
            WHERE o.park_id = w.park_id AND o.published_at IS NULL
            ORDER BY o.id LIMIT greatest($2 - coalesce(f.n, 0), 0)) next_rows
       UNION ALL
       (SELECT id FROM outbox WHERE published_at IS NULL AND park_id IS NULL
         ORDER BY id LIMIT $1)
     ), claimed AS (
       SELECT id, queue, message, message_id FROM outbox
        WHERE id IN (SELECT id FROM claimable ORDER BY id LIMIT $1)
        ORDER BY id FOR UPDATE SKIP LOCKED
     ), queued AS (
       UPDATE batches SET state = 'queued', queued_at = now(), updated_at = now()
        WHERE state = 'stored' AND id IN (
          SELECT outbox_batch_id(message_id) FROM claimed WHERE queue = 'postprocess')
     )
     SELECT id, queue, message, message_id FROM claimed ORDER BY id`,
    values: [limits.batchSize, limits.parkShare, limits.inFlightMs],
  });
  return rows;
}
