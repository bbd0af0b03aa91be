import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';
import { ADVISORY_LOCK } from '../db/advisory-locks.ts';
import { holdBlobBytes } from '../db/blob-bytes-lock.ts';
import { withTransaction } from '../db/pool.ts';
import { withSessionLockOrSkip } from '../db/session-lock.ts';
import type { RetentionSettings } from '../config.ts';
import type { Queryable } from '../worker/job-kind.ts';
import type { RetentionKind } from './retention-state.ts';

/** Advisory lock (session) held by the one replica sweeping; the others skip the round. */
const SWEEP_LOCK = ADVISORY_LOCK.retentionSweep;
/** Batches per transaction: small enough that a chunk's locks and WAL stay short. */
const CHUNK = 500;
/**
 * A drop's window starts at most 15 minutes after central received it (`window_in_future`), so
 * one received before `horizon − 1 h` has its whole window before the horizon.
 */
const WINDOW_SLACK_MS = 3_600_000;

interface Swept {
  cycles: number;
  blobs: number;
}

interface BatchRow {
  id: string;
  received_at: Date;
  sha256: string;
  state: string;
}

/**
 * Removes what retention says is too old, oldest received first, in chunks of 500 batches:
 * the per-cycle rows (cycles, breaches, data-quality findings) of drops received more than
 * `cyclesMs` ago, and the zip files of drops received more than `blobsMs` ago (quarantined
 * drops' files stay, and so does a file one of them shares: they may be another park's drop,
 * and they are few). Hourly aggregates, alarms and batches stay. Progress is kept in
 * retention_state in the same transaction as each chunk, so a sweep stopped anywhere goes on
 * where it was. Only one replica sweeps at a time.
 */
export async function sweepRetention(
  pool: pg.Pool,
  blobs: BlobStore,
  settings: RetentionSettings,
  log: Logger,
  nowMs = Date.now(),
): Promise<Swept> {
  const swept: Swept = { cycles: 0, blobs: 0 };
  if (settings.cyclesMs === null && settings.blobsMs === null) return swept;
  // One replica at a time; a lost connection fails this round, as the maintenance loop expects.
  await withSessionLockOrSkip(pool, SWEEP_LOCK, async () => {
    if (settings.cyclesMs !== null) {
      const horizon = new Date(nowMs - settings.cyclesMs - WINDOW_SLACK_MS);
      for (;;) {
        const n = await sweepCyclesChunk(pool, horizon);
        swept.cycles += n;
        if (n < CHUNK) break;
      }
    }
    if (settings.blobsMs !== null) {
      const horizon = new Date(nowMs - settings.blobsMs);
      for (;;) {
        const n = await sweepBlobsChunk(pool, blobs, horizon);
        swept.blobs += n;
        if (n < CHUNK) break;
      }
    }
  });
  if (swept.cycles + swept.blobs > 0) {
    log.info(
      { batches: swept },
      'retention: removed per-cycle rows and drop files past their time',
    );
  }
  return swept;
}

/** The next batches after the cursor of `kind` received before `horizon`. */
async function nextBatches(
  c: pg.PoolClient | pg.Pool,
  kind: RetentionKind,
  horizon: Date,
): Promise<BatchRow[]> {
  const r = await c.query<BatchRow>(
    `SELECT b.id, b.received_at, b.sha256, b.state
       FROM batches b
       LEFT JOIN retention_state s ON s.what = $1
      WHERE b.received_at < $2
        AND (s.what IS NULL OR b.received_at > s.cursor_at
             OR (b.received_at = s.cursor_at AND b.id > s.cursor_id))
        AND b.received_at >= coalesce(s.cursor_at, '-infinity')
      ORDER BY b.received_at, b.id
      LIMIT ${CHUNK}`,
    [kind, horizon],
  );
  return r.rows;
}

/** Moves the cursor of `kind` past `last`, and removed_before to `windowEnd` if later. */
async function advance(
  c: pg.PoolClient,
  kind: RetentionKind,
  last: BatchRow,
  windowEnd: Date | null,
): Promise<void> {
  // received_at from the row itself: a JavaScript Date drops its microseconds.
  await c.query(
    `INSERT INTO retention_state (what, cursor_at, cursor_id, removed_before, updated_at)
     SELECT $1, received_at, id, $3, now() FROM batches WHERE id = $2
     ON CONFLICT (what) DO UPDATE SET cursor_at = excluded.cursor_at,
       cursor_id = excluded.cursor_id, updated_at = now(),
       removed_before = greatest(retention_state.removed_before, excluded.removed_before)`,
    [kind, last.id, windowEnd],
  );
}

async function sweepCyclesChunk(pool: pg.Pool, horizon: Date): Promise<number> {
  return withTransaction(pool, async (c) => {
    const rows = await nextBatches(c, 'cycles', horizon);
    const last = rows.at(-1);
    if (!last) return 0;
    const ids = rows.map((r) => r.id);
    for (const table of ['cycles', 'breaches', 'quality_findings']) {
      await c.query(`DELETE FROM ${table} WHERE batch_id = ANY ($1::uuid[])`, [ids]);
    }
    const end = await c.query<{ w: Date | null }>(
      'SELECT max(window_end) AS w FROM batches WHERE id = ANY ($1::uuid[])',
      [ids],
    );
    await advance(c, 'cycles', last, end.rows[0]?.w ?? null);
    return rows.length;
  });
}

async function sweepBlobsChunk(pool: pg.Pool, blobs: BlobStore, horizon: Date): Promise<number> {
  return withTransaction(pool, async (c) => {
    const rows = await nextBatches(c, 'blobs', horizon);
    const last = rows.at(-1);
    if (!last) return 0;
    const passed = rows.filter((r) => r.state !== 'quarantined').map((r) => r.sha256);
    // Under the files' locks, a quarantined drop committed with the same bytes is either seen
    // here (its file stays) or waits, and writes the file again once this chunk is done.
    await holdBlobBytes(c, passed);
    const keep = await quarantinedBytes(c, passed);
    // Files first, then the cursor: a crash in between removes the same files again (a missing
    // one is fine). Through the store, so an object store's objects go too, in one request.
    const gone = [...new Set(passed)].filter((sha256) => !keep.has(sha256));
    await blobs.removeAll(gone.map((sha256) => blobs.blobPath(sha256)));
    await advance(c, 'blobs', last, null);
    return rows.length;
  });
}

/**
 * Which of these files a quarantined drop holds too. A file is named by its bytes' SHA-256, so
 * a quarantined drop with the bytes of a drop being swept shares its file: another park's copy
 * (`park_mismatch`), or a copy refused after commit whose twin ended `failed`. Quarantined
 * files are kept, so that file stays. Only quarantined drops need looking for: the same bytes
 * give the same content id, so at most one batch holding them is not quarantined.
 */
export async function quarantinedBytes(db: Queryable, sha256s: string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  // content_id IS NULL is how the schema marks a quarantined row: the partial unique index
  // on (park_id, sha256) answers this from the quarantined rows alone, however many batches.
  const r = await db.query<{ sha256: string }>(
    'SELECT DISTINCT sha256 FROM batches WHERE content_id IS NULL AND sha256 = ANY ($1::text[])',
    [sha256s],
  );
  return new Set(r.rows.map((row) => row.sha256));
}
