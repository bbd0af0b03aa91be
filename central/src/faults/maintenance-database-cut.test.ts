import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { DEFAULT_TIMEOUTS } from '../config.ts';
import { keepDaysOfUnviewedRides } from '../dashboard/ride-day-backfill.ts';
import { createPool } from '../db/pool.ts';
import { createLogger } from '../logger.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import { SEEDED_NOW, seedOnePark } from '../testing/fleet-seed.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import {
  startTcpProxy,
  targetOfUrl,
  throughProxy,
  type TcpProxy,
} from '../../../scripts/harness/tcp-proxy.ts';
import { tearDownFaultTest } from './fault-teardown.ts';

// The maintenance loop of every `serve` holds a connection of its own through a retention
// sweep and a round of keeping ride days (their session locks: one replica at a time). A
// database restart or a cut link while it is held must fail that round — the loop logs it and
// tries again — not end the API: a checked-out connection that drops emits an 'error' event,
// which with nobody listening is an uncaught exception (vitest reports it and fails the run).

let env: TestEnvironment;
let proxy: TcpProxy;
let pool: pg.Pool;
let blobs: BlobStore;

const DAY = 86_400_000;
const NOW = SEEDED_NOW;
const RETENTION = { cyclesMs: 20 * DAY, blobsMs: 30 * DAY };
const log = createLogger('silent');

/** A statement whose text holds this is the moment every connection through the proxy is cut. */
let cutAt: string | null = null;

beforeAll(async () => {
  env = await createTestEnvironment('fault-maintenance-cut');
  await seedOnePark(env.pool, NOW);
  blobs = new BlobStore(env.config.blobDir);
  await blobs.init();
  const rows = await env.pool.query<{ sha256: string }>('SELECT sha256 FROM batches');
  for (const { sha256 } of rows.rows) {
    await mkdir(dirname(blobs.blobPath(sha256)), { recursive: true });
    await writeFile(blobs.blobPath(sha256), 'zip');
  }
  proxy = await startTcpProxy({
    ...targetOfUrl(env.config.databaseUrl),
    onData: (direction, chunk) => {
      if (cutAt !== null && direction === 'to-target' && chunk.includes(cutAt)) {
        cutAt = null;
        proxy.cut();
      }
    },
  });
  // The maintenance loop's pool, as serve makes it, through the proxy.
  pool = createPool(throughProxy(env.config.databaseUrl, proxy.port), log, 4, {
    timeouts: { ...DEFAULT_TIMEOUTS, dbConnectMs: 1000 },
  });
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await tearDownFaultTest({ env, proxy });
});

const oldCycles = async () =>
  (
    await env.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM cycles c JOIN batches b ON b.id = c.batch_id
        WHERE b.received_at < $1`,
      [new Date(NOW - RETENTION.cyclesMs - 3_600_000)],
    )
  ).rows[0]?.n;

describe("the maintenance loop's database link cut while it holds its lock's connection", () => {
  it('fails the retention sweep in the middle of a chunk; the next sweep removes everything due', async () => {
    const before = await oldCycles();
    expect(before).toBeGreaterThan(100);
    // The chunk's transaction is deleting cycles, the lock's connection waits idle.
    cutAt = 'DELETE FROM cycles';
    await expect(sweepRetention(pool, blobs, RETENTION, log, NOW)).rejects.toThrow();
    expect(cutAt).toBeNull();
    // The chunk rolled back with its connection: nothing of it is gone.
    expect(await oldCycles()).toBe(before);

    proxy.restore();
    const swept = await sweepRetention(pool, blobs, RETENTION, log, NOW);
    expect(swept.cycles).toBeGreaterThan(0);
    expect(await oldCycles()).toBe(0);
    const old = await env.pool.query<{ sha256: string }>(
      `SELECT sha256 FROM batches WHERE received_at < $1 AND state <> 'quarantined' LIMIT 5`,
      [new Date(NOW - RETENTION.blobsMs)],
    );
    expect(old.rows.length).toBeGreaterThan(0);
    for (const { sha256 } of old.rows) expect(existsSync(blobs.blobPath(sha256))).toBe(false);
  });

  it("fails a round of keeping ride days; the next round keeps them (the lost session's lock is gone)", async () => {
    await env.pool.query('DELETE FROM ride_day_figures');
    // The round's first statement after taking its lock: the lock's connection waits idle.
    cutAt = 'ride_year_kept';
    await expect(keepDaysOfUnviewedRides(pool, 1, NOW)).rejects.toThrow();
    expect(cutAt).toBeNull();

    proxy.restore();
    expect(await keepDaysOfUnviewedRides(pool, 1, NOW)).toBe(1);
    const kept = await env.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ride_day_figures',
    );
    expect(kept.rows[0]?.n).toBe(366);
  });
});
