import type pg from 'pg';
import type { Logger } from 'pino';
import type { BlobStore } from '../blob/blob-store.ts';
import type { NetworkTimeouts } from '../config.ts';
import { sleep } from '../queue/sleep.ts';

/** What one sweep removed. */
export interface SweepResult {
  /** Upload rows (and their temp files) idle for longer than the limit. */
  uploads: number;
  /** Uploads' bytes with no upload row, older than the orphan age. */
  orphanFiles: number;
}

/** When a sweep takes an upload away. */
export interface SweepLimits {
  /** An upload row untouched this long goes, with its file (ABANDONED_UPLOAD_H). */
  idleMs: number;
  /** A file with no upload row this old goes: see {@link orphanUploadAgeMs}. */
  orphanMs: number;
}

/**
 * How old an upload's file with no row must be before it is an orphan. Orphans are the files
 * of uploads whose commit stored the drop and deleted the row, but whose own removal of the
 * file never ran: the API killed right after the commit, or the commit's answer lost with its
 * database connection (the agent then begins again and is told duplicate). They hold disk
 * until swept, so they are swept within minutes, not after ABANDONED_UPLOAD_H. The one file
 * with no row that is no orphan is a begin's: it makes the file a statement before the row
 * that names it, and that statement ends within a connection and a query timeout. Twice
 * that, at least five minutes.
 */
export function orphanUploadAgeMs(timeouts: NetworkTimeouts, idleMs: number): number {
  const beginAtWorst = timeouts.dbConnectMs + timeouts.dbQueryMs;
  return Math.min(idleMs, Math.max(5 * 60_000, 2 * beginAtWorst));
}

/**
 * Deletes uploads nobody touched for `idleMs`: the row and its temp file. An agent that comes
 * back later is told "call begin again" and starts that upload from byte 0; its buffer still
 * holds the drop, so nothing is lost. A row being moved by a chunk at that moment is skipped
 * (SKIP LOCKED); a chunk whose bytes are being written while its row is swept finds the row
 * gone when it moves it and is told the same (ingest-service.ts holds no lock across a write).
 */
export async function sweepAbandonedUploads(
  pool: pg.Pool,
  blobs: BlobStore,
  { idleMs, orphanMs }: SweepLimits,
  log: Logger,
): Promise<SweepResult> {
  const r = await pool.query<{ id: string; park_id: string; temp_path: string }>(
    `DELETE FROM uploads WHERE id IN (
       SELECT id FROM uploads WHERE updated_at < now() - $1::float8 * interval '1 millisecond'
          FOR UPDATE SKIP LOCKED)
     RETURNING id, park_id, temp_path`,
    [idleMs],
  );
  for (const row of r.rows) {
    await blobs.uploads.remove(row.temp_path);
    log.info({ uploadId: row.id, park: row.park_id }, 'abandoned upload removed');
  }

  // Bytes first, rows second: no row can appear for a file this old (orphanUploadAgeMs).
  const cutoff = Date.now() - orphanMs;
  let orphanFiles = 0;
  for await (const upload of blobs.uploads.list()) {
    if (upload.modifiedMs >= cutoff) continue;
    const row = await pool.query('SELECT 1 FROM uploads WHERE id = $1', [upload.uploadId]);
    if (row.rowCount !== 0) continue;
    await blobs.uploads.remove(upload.ref);
    orphanFiles++;
    log.info({ upload: upload.ref }, 'orphaned upload removed');
  }
  return { uploads: r.rows.length, orphanFiles };
}

/** A running sweep loop. */
export interface UploadSweeper {
  stop(): Promise<void>;
}

/** Sweeps at start-up and then every `intervalMs`; a failed sweep is logged and retried later. */
export function startUploadSweeper(options: {
  pool: pg.Pool;
  blobs: BlobStore;
  limits: SweepLimits;
  intervalMs: number;
  log: Logger;
}): UploadSweeper {
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await sweepAbandonedUploads(options.pool, options.blobs, options.limits, options.log);
      } catch (err) {
        options.log.warn({ err }, 'upload sweep failed (database down?); trying again later');
      }
      await sleep(options.intervalMs, stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
    },
  };
}
