import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRetryError, retryBatch } from '../batches/batch-retry.ts';
import { BlobStore } from '../blob/blob-store.ts';
import { ADVISORY_LOCK } from '../db/advisory-locks.ts';
import { createLogger } from '../logger.ts';
import { buildReportInput } from '../reports/report-input.ts';
import { ReportRequestError, requestReport } from '../reports/report-store.ts';
import { fleetParkId, SEEDED_NOW, oneParkSeed, seedFleet } from '../testing/fleet-seed.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import { startMaintenance } from './maintenance.ts';
import { retentionProgress } from './retention-state.ts';
import { sweepRetention } from './retention-sweeper.ts';

let env: TestEnvironment;
let blobs: BlobStore;

const DAY = 86_400_000;
const NOW = SEEDED_NOW;
const CYCLES_MS = 20 * DAY;
const BLOBS_MS = 30 * DAY;
/** The sweeper's own bound: a drop received an hour before the horizon has its window before it. */
const CYCLES_HORIZON = new Date(NOW - CYCLES_MS - 3_600_000);
const BLOBS_HORIZON = new Date(NOW - BLOBS_MS);
const log = createLogger('silent');

interface Counts {
  oldCycles: number;
  newCycles: number;
  oldBreaches: number;
  oldFindings: number;
  newFindings: number;
  alarms: number;
  hourly: number;
}

async function counts(): Promise<Counts> {
  const r = await env.pool.query<Counts>(
    `SELECT
       (SELECT count(*)::int FROM cycles c JOIN batches b ON b.id = c.batch_id
         WHERE b.received_at < $1) AS "oldCycles",
       (SELECT count(*)::int FROM cycles c JOIN batches b ON b.id = c.batch_id
         WHERE b.received_at >= $1) AS "newCycles",
       (SELECT count(*)::int FROM breaches x JOIN batches b ON b.id = x.batch_id
         WHERE b.received_at < $1) AS "oldBreaches",
       (SELECT count(*)::int FROM quality_findings x JOIN batches b ON b.id = x.batch_id
         WHERE b.received_at < $1) AS "oldFindings",
       (SELECT count(*)::int FROM quality_findings x JOIN batches b ON b.id = x.batch_id
         WHERE b.received_at >= $1) AS "newFindings",
       (SELECT count(*)::int FROM alarms) AS alarms,
       (SELECT count(*)::int FROM hourly_aggregates) AS hourly`,
    [CYCLES_HORIZON],
  );
  const row = r.rows[0];
  if (!row) throw new Error('no counts');
  return row;
}

/** The report input of the park's last ten days: after the horizon, so retention must not touch it. */
const recentReport = () =>
  buildReportInput(env.pool, {
    parkId: fleetParkId(1),
    rideId: null,
    start: new Date(NOW - 10 * DAY),
    end: new Date(NOW),
    language: 'en',
  });

/** One sweep with this file's horizons, as the maintenance loop runs it. */
const sweepWithHorizons = () =>
  sweepRetention(env.pool, blobs, { cyclesMs: CYCLES_MS, blobsMs: BLOBS_MS }, log, NOW);
type Swept = Awaited<ReturnType<typeof sweepWithHorizons>>;

let before: Counts;
let recentBefore: Awaited<ReturnType<typeof recentReport>>;

beforeAll(async () => {
  env = await createTestEnvironment('retention');
  blobs = new BlobStore(env.config.blobDir);
  await blobs.init();
  // One park, 45 days: both horizons inside.
  await seedFleet(env.pool, oneParkSeed(new Date(NOW)));
  await quarantineCopiesInAnotherPark();
  // Every drop's zip file, where the ingest path puts it.
  const rows = await env.pool.query<{ sha256: string }>('SELECT sha256 FROM batches');
  for (const { sha256 } of rows.rows) {
    const path = blobs.blobPath(sha256);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, 'zip');
  }
  before = await counts();
  recentBefore = await recentReport();
}, 120_000);

/**
 * Another park's gateway held copies of two of the park's old drops: quarantined there
 * (`park_mismatch`), one received long ago, one yesterday. Same bytes, so the same file.
 */
async function quarantineCopiesInAnotherPark(): Promise<void> {
  await env.pool.query(
    `INSERT INTO parks (id, name, timezone) VALUES ('other-park', 'Other park', 'Europe/Rome')`,
  );
  await env.pool.query(
    `INSERT INTO batches (id, park_id, sha256, bytes, file_name, blob_path, state, error_code,
                          error, received_at)
     SELECT gen_random_uuid(), 'other-park', sha256, bytes, file_name, blob_path, 'quarantined',
            'park_mismatch', 'the drop belongs to another park',
            CASE WHEN n = 1 THEN $2::timestamptz ELSE received_at END
       FROM (SELECT b.*, row_number() OVER (ORDER BY received_at DESC) AS n
               FROM batches b WHERE received_at < $1 AND state = 'processed') old
      WHERE n <= 2`,
    [BLOBS_HORIZON, new Date(NOW - DAY)],
  );
}

afterAll(async () => {
  await env?.cleanup();
});

describe('retention sweep', () => {
  it('the seed has data on both sides of the horizons', () => {
    expect(before.oldCycles).toBeGreaterThan(100);
    expect(before.newCycles).toBeGreaterThan(100);
    expect(before.oldFindings).toBeGreaterThan(0);
  });

  it('leaves the round to the replica that holds the sweep lock', async () => {
    const other = await env.pool.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1, $2)', [...ADVISORY_LOCK.retentionSweep]);
      const swept = await sweepWithHorizons();
      expect(swept).toEqual({ cycles: 0, blobs: 0 });
      expect(await counts()).toEqual(before);
      await other.query('SELECT pg_advisory_unlock($1, $2)', [...ADVISORY_LOCK.retentionSweep]);
    } finally {
      other.release();
    }
  });

  it('removes per-cycle rows of drops received before the horizon, and nothing else', async () => {
    // A download holding the lock of a ride whose id hashes to 1 (the sweep's key once shared
    // that class) does not keep the sweep from running.
    const download = await env.pool.connect();
    let swept: Swept | undefined;
    try {
      await download.query('SELECT pg_advisory_lock($1, 1)', [ADVISORY_LOCK.rideDownload]);
      swept = await sweepWithHorizons();
      await download.query('SELECT pg_advisory_unlock($1, 1)', [ADVISORY_LOCK.rideDownload]);
    } finally {
      download.release();
    }
    expect(swept?.cycles).toBeGreaterThan(0);
    const after = await counts();
    expect(after).toEqual({
      ...before,
      oldCycles: 0,
      oldBreaches: 0,
      oldFindings: 0,
    });
    // Figures of a period after the horizon are the same as before the sweep.
    expect(await recentReport()).toEqual(recentBefore);
  });

  it('records up to when figures are incomplete, and refuses reports that start before it', async () => {
    const progress = await retentionProgress(env.pool, 'cycles');
    const removed = await env.pool.query<{ w: Date }>(
      `SELECT max(window_end) AS w FROM batches WHERE received_at < $1`,
      [CYCLES_HORIZON],
    );
    expect(progress?.removedBefore).toEqual(removed.rows[0]?.w);
    const from = progress?.removedBefore ?? new Date(NOW);
    const early = requestReport(env.pool, {
      park: fleetParkId(1),
      from: new Date(from.getTime() - DAY).toISOString(),
      to: new Date(from.getTime() + DAY).toISOString(),
    });
    await expect(early).rejects.toThrow(ReportRequestError);
    await expect(early).rejects.toThrow(/removed by retention.*ask for a period from/);
    await expect(
      requestReport(env.pool, {
        park: fleetParkId(1),
        from: from.toISOString(),
        to: new Date(from.getTime() + DAY).toISOString(),
      }),
    ).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it('removes the zip files of drops received before the blob horizon, except those a quarantined drop holds', async () => {
    const rows = await env.pool.query<{ sha256: string; state: string; old: boolean }>(
      'SELECT sha256, state, received_at < $1 AS old FROM batches',
      [BLOBS_HORIZON],
    );
    // A file stays while any drop holding it is kept: received after the horizon, or quarantined.
    const keptFiles = new Set(
      rows.rows.filter((r) => !r.old || r.state === 'quarantined').map((r) => r.sha256),
    );
    const swept = rows.rows.filter((r) => r.old && r.state !== 'quarantined');
    expect(swept.length).toBeGreaterThan(0);
    // The other park's two copies keep two of the swept drops' files.
    expect(swept.filter((r) => keptFiles.has(r.sha256))).toHaveLength(2);
    for (const r of rows.rows) {
      expect(existsSync(blobs.blobPath(r.sha256)), `${r.state} old=${r.old}`).toBe(
        keptFiles.has(r.sha256),
      );
    }
  });

  it('refuses to retry a failed drop whose file is gone, saying the park must send it again', async () => {
    const old = await env.pool.query<{ id: string }>(
      `UPDATE batches SET state = 'failed', processed_at = NULL
        WHERE id = (SELECT id FROM batches WHERE received_at < $1 AND state = 'processed'
                     ORDER BY received_at LIMIT 1)
       RETURNING id`,
      [BLOBS_HORIZON],
    );
    const id = old.rows[0]?.id ?? '';
    await expect(retryBatch(env.pool, id)).rejects.toThrow(BatchRetryError);
    await expect(retryBatch(env.pool, id)).rejects.toThrow(
      /removed by retention.*send the drop again/,
    );
  });

  it('a second sweep finds nothing more to remove', async () => {
    const again = await sweepWithHorizons();
    expect(again).toEqual({ cycles: 0, blobs: 0 });
  });

  it('runs in the maintenance loop, which also folds the batch counts and removes old published outbox rows', async () => {
    // The seed's statements left one count row per statement and state; the loop folds them.
    await env.pool.query(
      `INSERT INTO batch_state_counts (state, n) VALUES ('stored', 1), ('stored', -1)`,
    );
    await env.pool.query(
      `INSERT INTO outbox (queue, message, message_id, created_at, published_at) VALUES
         ('report', '{}', 'published a month ago', now() - interval '30 days', now() - interval '30 days'),
         ('report', '{}', 'published today', now() - interval '1 hour', now() - interval '1 hour')`,
    );
    const loop = startMaintenance({
      pool: env.pool,
      blobs,
      retention: { cyclesMs: CYCLES_MS, blobsMs: BLOBS_MS },
      log,
      foldEveryMs: 20,
      retentionEveryMs: 20,
    });
    try {
      await waitFor('the batch counts to be folded', async () => {
        const r = await env.pool.query<{ rows: number; states: number }>(
          `SELECT (SELECT count(*)::int FROM batch_state_counts) AS rows,
                  (SELECT count(DISTINCT state)::int FROM batches) AS states`,
        );
        return r.rows[0]?.rows === r.rows[0]?.states;
      });
      await waitFor('the month-old outbox row removed', async () => {
        const r = await env.pool.query(
          "SELECT 1 FROM outbox WHERE message_id = 'published a month ago'",
        );
        return r.rowCount === 0;
      });
      const kept = await env.pool.query(
        "SELECT 1 FROM outbox WHERE message_id = 'published today'",
      );
      expect(kept.rowCount).toBe(1);
    } finally {
      await loop.stop();
    }
  });
});
