import type pg from 'pg';
import type { ParkQuota } from '../config.ts';
import type { ParkIdentity } from '../server/park-identity.ts';
import { RateLimitedError } from './rate-limiter.ts';

/** An over-quota park waits this long before trying again (the agent keeps its drops). */
const QUOTA_RETRY_MS = 10 * 60_000;
/** Too much in flight clears as uploads finish or are swept: try again sooner. */
const IN_FLIGHT_RETRY_MS = 60_000;

/** A begin refused because the park holds too many bytes at central; the drop stays at the park. */
export class ParkQuotaError extends RateLimitedError {
  override name = 'ParkQuotaError';
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;

/**
 * What the park holds at central, and whether this drop is one it already has. Stored bytes are
 * those of drops whose files central still keeps: blob retention (retention-sweeper.ts) removes
 * the files of drops received before its cursor but quarantined ones, and keeps their rows, so
 * counting every row would refuse a park for files long gone. Each part is a range of an index
 * (the kept drops by time of receipt, quarantined ones by the partial index of their bytes'
 * hash), not a walk of the park's history or of the whole table.
 */
const QUOTA_SQL = `
  WITH swept AS (
    SELECT coalesce(max(cursor_at), '-infinity') AS at,
           coalesce(max(cursor_id::text), '00000000-0000-0000-0000-000000000000')::uuid AS id
      FROM retention_state WHERE what = 'blobs')
  SELECT ((SELECT coalesce(sum(b.bytes), 0) FROM batches b, swept s
            WHERE b.park_id = $1 AND (b.received_at, b.id) > (s.at, s.id))
          + (SELECT coalesce(sum(b.bytes), 0) FROM batches b, swept s
              WHERE b.park_id = $1 AND b.content_id IS NULL
                AND (b.received_at, b.id) <= (s.at, s.id)))::text AS stored,
         (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE park_id = $1 AND sha256 <> $2)::text
           AS in_flight,
         -- The same content (a valid drop's content id), or the same bad bytes (a quarantined
         -- drop has no content id), or the park's own upload of these bytes.
         EXISTS (SELECT 1 FROM batches WHERE park_id = $1 AND content_id = $3)
           OR EXISTS (SELECT 1 FROM batches
                       WHERE park_id = $1 AND content_id IS NULL AND sha256 = $2)
           OR EXISTS (SELECT 1 FROM uploads WHERE park_id = $1 AND sha256 = $2) AS known`;

/**
 * Refuses a new upload (TOO_MANY_REQUESTS with a wait) when the park — or whoever holds its
 * token — would pass its quota: the bytes of its stored drops plus its unfinished uploads plus
 * this drop over `storedBytes`, or its unfinished uploads plus this drop over `inFlightBytes`.
 * So one park cannot fill central's disk. A drop central already has (a duplicate) and the
 * resumption of the park's own upload of the same bytes pass: they store nothing new. Checked
 * at begin, so uploads begun at the same moment may pass it by at most their own sizes.
 */
export async function checkParkQuota(
  pool: pg.Pool,
  park: ParkIdentity,
  drop: { sha256: string; contentId: string; bytes: number },
  quota: ParkQuota,
): Promise<void> {
  const r = await pool.query<{ stored: string; in_flight: string; known: boolean }>(QUOTA_SQL, [
    park.id,
    drop.sha256,
    drop.contentId,
  ]);
  const row = r.rows[0];
  if (!row || row.known) return;
  const stored = Number(row.stored);
  const inFlight = Number(row.in_flight);
  if (inFlight + drop.bytes > quota.inFlightBytes) {
    throw new ParkQuotaError(
      IN_FLIGHT_RETRY_MS,
      `park ${park.id} has ${mb(inFlight)} of unfinished uploads at central, and this drop would pass its limit of ${mb(quota.inFlightBytes)}: finish or wait for the uploads in progress (unfinished ones are deleted after ABANDONED_UPLOAD_H), then send it again`,
    );
  }
  if (stored + inFlight + drop.bytes > quota.storedBytes) {
    throw new ParkQuotaError(
      QUOTA_RETRY_MS,
      `park ${park.id} has used its storage quota at central (${gb(stored + inFlight)} of ${gb(quota.storedBytes)}): the drop stays at the park; ask Zamperla to raise PARK_STORED_QUOTA_GB`,
    );
  }
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

function gb(bytes: number): string {
  return `${(bytes / GB).toFixed(2)} GB`;
}
