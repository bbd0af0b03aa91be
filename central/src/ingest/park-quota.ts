import type pg from 'pg';
import type { ParkQuota } from '../config.ts';
import { parkOfTokenRow, parkOfTokenSql, type ParkOfTokenRow } from '../parks/park-store.ts';
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

/** A batch of the park with a drop's content id, as begin, put and commit compare it. */
export interface KnownBatch {
  id: string;
  sha256: string;
  state: string;
  blob_path: string;
  file_name: string;
}

/**
 * What central already holds of a drop about to be uploaded, found by the quota's statement so
 * that begin and put need not ask again: the park's batch of the declared content id (at most
 * one, `UNIQUE (park_id, content_id)`) and its quarantined batch of these very bytes.
 */
export interface KnownContent {
  /** The content id the drop declared (its manifest may say otherwise; commit checks). */
  contentId: string;
  sameContent: KnownBatch | null;
  refusedCopy: string | null;
}

/**
 * The batch central answers `duplicate` with before any byte is taken: the same bytes (the same
 * verdict), or the same content in a batch whose entries passed the full check (processed).
 * Other bytes claiming the content of a batch not yet checked in full are uploaded and proven
 * at commit.
 */
export function provenDuplicate(known: KnownContent, sha256: string): string | null {
  const same = known.sameContent;
  if (same?.sha256 === sha256) return same.id;
  if (known.refusedCopy) return known.refusedCopy;
  return same?.state === 'processed' ? same.id : null;
}

/**
 * What the park holds at central, and what it already has of this drop. Stored bytes are
 * those of drops whose files central still keeps: blob retention (retention-sweeper.ts) removes
 * the files of drops received before its cursor but quarantined ones, and keeps their rows, so
 * counting every row would refuse a park for files long gone. They are kept per park by the
 * database (migration `park-kept-bytes`), a handful of rows whatever the park's age: summed
 * from the park's batches they cost 3–16 ms at every put of a park with a year of drops. The
 * rest is an index probe each (quarantined drops by the partial index of their bytes' hash,
 * the same content by its unique key).
 */
// `parkId` is SQL text written in this file (a parameter or a column), never a value.
function quotaSql(parkId: '$1' | 'park.id'): string {
  return `
  WITH same AS (
    SELECT id, sha256, state, blob_path, file_name FROM batches
     WHERE park_id = ${parkId} AND content_id = $3)
  SELECT (SELECT coalesce(sum(bytes), 0) FROM park_kept_bytes WHERE park_id = ${parkId})::text
           AS stored,
         (SELECT coalesce(sum(bytes), 0) FROM uploads WHERE park_id = ${parkId} AND sha256 <> $2)::text
           AS in_flight,
         same.id AS same_id, same.sha256 AS same_sha256, same.state AS same_state,
         same.blob_path AS same_blob_path, same.file_name AS same_file_name,
         (SELECT id FROM batches WHERE park_id = ${parkId} AND content_id IS NULL AND sha256 = $2)
           AS refused_copy,
         EXISTS (SELECT 1 FROM uploads WHERE park_id = ${parkId} AND sha256 = $2) AS own_upload
    FROM (SELECT) one LEFT JOIN same ON true`;
}

/**
 * The quota's statement for a park by its id ($1). Named, as the next one: a connection then
 * parses it once and PostgreSQL may keep one plan for it. Planning it took PostgreSQL 1.2 ms
 * at every put, more than ten times what running it took (docs/performance.md); the plan it
 * keeps is checked for sequential scans like the one for the values at hand
 * (reports/query-plans.test.ts).
 */
const QUOTA_STATEMENT = { name: 'park-quota', text: quotaSql('$1') };

/**
 * The same for the park a token's hash ($1) speaks for, with the park's row
 * (`parkOfTokenSql`): no row when the token is not recognised. The put route's first
 * statement, so that a drop sent whole costs one statement before its body is read.
 */
const QUOTA_OF_TOKEN_STATEMENT = {
  name: 'park-quota-of-token',
  text: `
  WITH park AS (${parkOfTokenSql('$1')})
  SELECT park.*, quota.* FROM park CROSS JOIN LATERAL (${quotaSql('park.id')}) quota`,
};

interface QuotaRow {
  stored: string;
  in_flight: string;
  same_id: string | null;
  same_sha256: string;
  same_state: string;
  same_blob_path: string;
  same_file_name: string;
  refused_copy: string | null;
  own_upload: boolean;
}

/** A drop's size and identity as begin and put declare them. */
type DeclaredDrop = { sha256: string; contentId: string; bytes: number };

/**
 * Refuses a new upload (TOO_MANY_REQUESTS with a wait) when the park — or whoever holds its
 * token — would pass its quota: the bytes of its stored drops plus its unfinished uploads plus
 * this drop over `storedBytes`, or its unfinished uploads plus this drop over `inFlightBytes`.
 * So one park cannot fill central's disk. A drop central already has (a duplicate) and the
 * resumption of the park's own upload of the same bytes pass: they store nothing new. Checked
 * at begin and put, so uploads begun at the same moment may pass it by at most their own
 * sizes. Answers what the same statement found of the drop ({@link KnownContent}).
 */
export async function checkParkQuota(
  pool: pg.Pool,
  park: ParkIdentity,
  drop: DeclaredDrop,
  quota: ParkQuota,
): Promise<KnownContent> {
  const r = await pool.query<QuotaRow>({
    ...QUOTA_STATEMENT,
    values: [park.id, drop.sha256, drop.contentId],
  });
  const row = r.rows[0];
  if (!row) throw new Error('the park quota query gave no row');
  return judgeQuota(row, park, drop, quota);
}

/** A park found by its token together with what it holds: {@link judgeQuota} says the rest. */
export interface ParkHoldings {
  park: ParkIdentity;
  holdings: QuotaRow;
}

/**
 * The park a token's hash speaks for and what it holds at central, in one statement: null when
 * the token is unknown or revoked or its park disabled. Stamps the token's use when due.
 */
export async function parkHoldingsOfToken(
  pool: pg.Pool,
  tokenHash: string,
  drop: DeclaredDrop,
): Promise<ParkHoldings | null> {
  const r = await pool.query<ParkOfTokenRow & QuotaRow>({
    ...QUOTA_OF_TOKEN_STATEMENT,
    values: [tokenHash, drop.sha256, drop.contentId],
  });
  const row = r.rows[0];
  return row ? { park: await parkOfTokenRow(pool, row), holdings: row } : null;
}

/** The quota's verdict on what a park holds ({@link checkParkQuota}). */
export function judgeQuota(
  row: QuotaRow,
  park: ParkIdentity,
  drop: DeclaredDrop,
  quota: ParkQuota,
): KnownContent {
  const known: KnownContent = {
    contentId: drop.contentId,
    sameContent: row.same_id
      ? {
          id: row.same_id,
          sha256: row.same_sha256,
          state: row.same_state,
          blob_path: row.same_blob_path,
          file_name: row.same_file_name,
        }
      : null,
    refusedCopy: row.refused_copy,
  };
  // A duplicate, or the park's own upload of these bytes resumed: nothing new is stored.
  if (known.sameContent || known.refusedCopy || row.own_upload) return known;
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
  return known;
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

function gb(bytes: number): string {
  return `${(bytes / GB).toFixed(2)} GB`;
}
