import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../blob/blob-store.ts';
import { createPool, withTransaction } from '../db/pool.ts';
import { refuseStoredDrop } from '../ingest/commit-drop.ts';
import { createLogger } from '../logger.ts';
import { alarmOccurrences } from '../reports/figures/alarm-occurrences.ts';
import { channelPeaks } from '../reports/figures/channel-peaks.ts';
import { rideHours } from '../reports/figures/ride-hours.ts';
import { sweepRetention } from '../retention/retention-sweeper.ts';
import { fleetParkId, fleetRideId, SEEDED_NOW, seedOnePark } from '../testing/fleet-seed.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import type { PostprocessResult } from '../worker/postprocess-result.ts';
import { writeBatchResults } from '../worker/write-batch-results.ts';
import type { RideDetail } from './dashboard-schemas.ts';
import { availabilityOf } from './park-detail.ts';
import { parkLocalDays } from './park-local-days.ts';
import { rideDays } from './ride-day-store.ts';
import { rideDetail, topAlarms } from './ride-detail.ts';

/*
 * The ride page adds its figures up from days kept in ride_day_figures. Checked here against
 * the figure queries run over the whole period at once (as the page computed them before it
 * kept days; the queries themselves are checked against an independent model in
 * reports/counting-rule.test.ts), on a seeded park with 45 days of data, and after changes
 * that reach days other than their own: a cycle id taken up again weeks later, an alarm a
 * later drop raises to critical, a drop refused late, and retention.
 */

let env: TestEnvironment;
const NOW = SEEDED_NOW;
const DAY = 86_400_000;
const PARK = fleetParkId(1);
const RIDE = fleetRideId(1);
const log = createLogger('silent');
let timezone = '';

beforeAll(async () => {
  env = await createTestEnvironment('ride_day_store');
  timezone = await seedOnePark(env.pool, NOW);
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
});

/** The page's figures; a channel's unit and threshold come from the model, not the data. */
interface Figures extends Pick<RideDetail, 'days' | 'topAlarms'> {
  channels: { channel: string; cycles: number; p95Peak: number }[];
}

/** The page's figures by the figure queries over the whole period at once. */
async function direct(pool: pg.Pool, ride: string, count: number): Promise<Figures> {
  const days = parkLocalDays(timezone, count, NOW);
  const span = {
    park: PARK,
    start: days[0]?.start ?? new Date(),
    end: days.at(-1)?.end ?? new Date(),
  };
  const [hours, occurrences, channels] = await Promise.all([
    rideHours(pool, { buckets: days.map((d) => ({ park: PARK, ...d })), ride }),
    alarmOccurrences(pool, { buckets: [span], ride }),
    channelPeaks(pool, { buckets: [span], ride }, null),
  ]);
  return {
    days: days.map((d, i) => {
      const own = hours.filter((h) => h.bucket === i);
      return {
        date: d.date,
        cycles: own.reduce((s, h) => s + h.cycles, 0),
        riders: own.reduce((s, h) => s + h.riders, 0),
        availability: availabilityOf(own),
        faultMinutes: own.reduce((s, h) => s + h.faultMinutes, 0),
        hoursWithData: own.length,
      };
    }),
    topAlarms: topAlarms(occurrences),
    channels: channels.map((c) => ({ channel: c.channel, cycles: c.cycles, p95Peak: c.p95Peak })),
  };
}

/** The page as a process that never showed it answers (its own pool: no figures in memory). */
async function page(ride: string, count: number): Promise<Figures> {
  const pool = createPool(env.config.databaseUrl, log, 4);
  try {
    const d = await rideDetail(pool, { park: PARK, ride, days: count }, NOW);
    return {
      days: d.days,
      topAlarms: d.topAlarms,
      channels: d.channels.map((c) => ({
        channel: c.channel,
        cycles: c.cycles,
        p95Peak: c.p95Peak,
      })),
    };
  } finally {
    await pool.end();
  }
}

async function expectPageAsDirect(ride: string, count: number): Promise<Figures> {
  const got = await page(ride, count);
  expect(got, `${ride}, ${String(count)} days`).toEqual(await direct(env.pool, ride, count));
  return got;
}

/** The dates the store computes again for the ride's last 45 days (then all are kept). */
async function recomputed(): Promise<string[]> {
  const days = parkLocalDays(timezone, 45, NOW);
  return (await rideDays(env.pool, { park: PARK, ride: RIDE, timezone }, days)).computed;
}

const iso = (ms: number) => new Date(ms).toISOString();
const dateOf = (ms: number) => parkLocalDays(timezone, 1, ms)[0]?.date ?? '';

/** A processed batch of RIDE with a one-hour window from `start`, as the worker writes it. */
async function processedBatch(
  start: number,
  content: Pick<PostprocessResult, 'cycles' | 'alarms'>,
): Promise<string> {
  const id = randomUUID();
  const contentId = id.replace(/-/g, '').padEnd(64, '0');
  await withTransaction(env.pool, async (c) => {
    await c.query(
      `INSERT INTO batches (id, park_id, ride_id, sequence, window_start, window_end, sha256,
                            content_id, bytes, file_name, blob_path, state, processed_at)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $6, 1, 'x.zip', '/x', 'processed', now())`,
      [id, PARK, RIDE, iso(start), iso(start + 3_600_000), contentId],
    );
    await writeBatchResults(
      c,
      { batchId: id, parkId: PARK, rideId: RIDE },
      {
        format: 'zamperla.postprocess/v1',
        drop: {
          park: PARK,
          ride: RIDE,
          model: 'discovery-revolution',
          sequence: 1,
          timezone,
          window: { start: iso(start), end: iso(start + 3_600_000) },
          contentId,
        },
        breaches: [],
        hourly: [],
        quality: [],
        ...content,
      },
    );
  });
  return id;
}

describe('the ride page adds up kept days', () => {
  it('gives what the figure queries give over the whole period, and keeps the days it computed', async () => {
    for (const ride of [RIDE, fleetRideId(2)]) {
      for (const count of [366, 45, 30, 7, 1]) await expectPageAsDirect(ride, count);
    }
    expect(await recomputed()).toEqual([]);
  });

  it('computes again the days a change reaches, also far from its own, and no other', async () => {
    await expectPageAsDirect(RIDE, 45);
    expect(await recomputed()).toEqual([]);

    // A cycle id of 20 days ago that only one row holds, taken up again in a drop of 3 days
    // ago (a PLC counter reset): the newer version counts, on its own day, and the old one
    // no longer counts on its day.
    const old = await env.pool.query<{ cycle_id: string; start_at: Date }>(
      `SELECT c.cycle_id, c.start_at FROM cycles c JOIN batches b ON b.id = c.batch_id
        WHERE c.park_id = $1 AND c.ride_id = $2 AND b.superseded_by IS NULL
          AND c.start_at >= b.window_start AND c.start_at < b.window_end
          AND c.start_at BETWEEN $3 AND $4
          AND (SELECT count(*) FROM cycles o
                WHERE o.park_id = c.park_id AND o.ride_id = c.ride_id AND o.cycle_id = c.cycle_id) = 1
        LIMIT 1`,
      [PARK, RIDE, new Date(NOW - 20 * DAY), new Date(NOW - 19 * DAY)],
    );
    const reused = old.rows[0];
    if (!reused) throw new Error('the seed has no cycle 20 days ago');
    const before = await page(RIDE, 45);
    const at = Math.floor((NOW - 3 * DAY) / 3_600_000) * 3_600_000 + 7 * 60_000;
    await processedBatch(at, {
      cycles: [
        {
          id: reused.cycle_id,
          start: iso(at + 60_000),
          end: iso(at + 240_000),
          mode: 'auto',
          outcome: 'completed',
          riders: 12,
          durationS: 180,
          channels: { 'main_motor.current': { peak: 1e6, mean: 1, rms: 1, samples: 5 } },
        },
      ],
      alarms: [],
    });
    const oldDay = dateOf(reused.start_at.getTime());
    expect((await recomputed()).sort()).toEqual([oldDay, dateOf(at)].sort());
    const after = await expectPageAsDirect(RIDE, 45);
    const cyclesOn = (f: Figures, date: string) => f.days.find((d) => d.date === date)?.cycles;
    expect(cyclesOn(after, oldDay)).toBe((cyclesOn(before, oldDay) ?? 0) - 1);

    // An occurrence raised 10 days ago as it was stored then, repeated still active by a drop
    // of 2 days ago as critical: its newest row gives its severity on every day it is active.
    const raised = await env.pool.query<{
      code: string;
      raised_at: Date;
      exact: string;
      text: string;
    }>(
      `SELECT a.code, a.raised_at, a.text,
              to_char(a.raised_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS exact
         FROM alarms a
        WHERE a.park_id = $1 AND a.ride_id = $2 AND a.severity IN ('warning', 'info')
          AND a.raised_at BETWEEN $3 AND $4 LIMIT 1`,
      [PARK, RIDE, new Date(NOW - 10 * DAY), new Date(NOW - 9 * DAY)],
    );
    const occurrence = raised.rows[0];
    if (!occurrence) throw new Error('the seed has no warning 10 days ago');
    const later = Math.floor((NOW - 2 * DAY) / 3_600_000) * 3_600_000 + 13 * 60_000;
    const beforeRaise = await page(RIDE, 45);
    await processedBatch(later, {
      cycles: [],
      alarms: [
        {
          code: occurrence.code,
          severity: 'critical',
          text: occurrence.text,
          component: 'main_motor',
          raisedAt: occurrence.exact,
          clearedAt: null,
          durationS: 3600,
          cycleId: null,
        },
      ],
    });
    const computedNow = await recomputed();
    expect(computedNow).toContain(dateOf(later));
    expect(computedNow).toContain(dateOf(occurrence.raised_at.getTime()));
    const raisedPage = await expectPageAsDirect(RIDE, 45);
    const downtimeOf = (f: Figures) =>
      f.topAlarms.find((t) => t.code === occurrence.code)?.downtimeS;
    expect(downtimeOf(raisedPage)).toBeGreaterThan(downtimeOf(beforeRaise) ?? 0);

    // The postprocess job refuses a stored drop of 5 days ago: that day computes again.
    const refused = await env.pool.query<{ id: string; window_start: Date }>(
      `SELECT b.id, b.window_start FROM batches b
        WHERE b.park_id = $1 AND b.ride_id = $2 AND b.superseded_by IS NULL
          AND b.processed_at IS NOT NULL AND b.window_start BETWEEN $3 AND $4
          AND EXISTS (SELECT 1 FROM cycles c WHERE c.batch_id = b.id) LIMIT 1`,
      [PARK, RIDE, new Date(NOW - 5 * DAY), new Date(NOW - 5 * DAY + 6 * 3_600_000)],
    );
    const drop = refused.rows[0];
    if (!drop) throw new Error('the seed has no drop 5 days ago');
    await refuseStoredDrop(env.pool, drop.id, { code: 'zip_corrupt', reason: 'test' });
    expect(await recomputed()).toContain(dateOf(drop.window_start.getTime()));
    await expectPageAsDirect(RIDE, 45);
  });

  it('removes kept days no page reaches and days of a zone the park left, as it writes', async () => {
    const kept = async () =>
      (
        await env.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ride_day_figures
            WHERE park_id = $1 AND ride_id = $2 AND (timezone <> $3 OR day < '2025-07-01')`,
          [PARK, RIDE, timezone],
        )
      ).rows[0]?.n;
    await env.pool.query(
      `INSERT INTO ride_day_figures (park_id, ride_id, timezone, day, deps, figures, peaks)
       VALUES ($1, $2, $3, '2025-06-30', 'x', '{}', ''), ($1, $2, 'Pacific/Auckland', '2026-07-10', 'x', '{}', '')`,
      [PARK, RIDE, timezone],
    );
    expect(await kept()).toBe(2);
    // A change to the ride's newest drop makes the next page compute (and write) its day.
    await env.pool.query(
      `UPDATE batches SET updated_at = now()
        WHERE id = (SELECT id FROM batches WHERE park_id = $1 AND ride_id = $2
                     ORDER BY window_start DESC LIMIT 1)`,
      [PARK, RIDE],
    );
    await expectPageAsDirect(RIDE, 7);
    expect(await kept()).toBe(0);
  });

  it('computes again a kept day that is not what it wrote, and shows the right figures', async () => {
    await expectPageAsDirect(RIDE, 45);
    const [broken, cut] = parkLocalDays(timezone, 45, NOW)
      .slice(10, 12)
      .map((d) => d.date);
    await env.pool.query(
      `UPDATE ride_day_figures SET figures = '{"hours": 1}' WHERE park_id = $1 AND ride_id = $2 AND day = $3`,
      [PARK, RIDE, broken],
    );
    await env.pool.query(
      `UPDATE ride_day_figures SET peaks = substring(peaks FROM 1 FOR 5)
        WHERE park_id = $1 AND ride_id = $2 AND day = $3`,
      [PARK, RIDE, cut],
    );
    expect((await recomputed()).sort()).toEqual([broken, cut]);
    await expectPageAsDirect(RIDE, 45);
  });

  it('rests on a premise the code keeps: only the postprocess job and the retention sweeper write cycles and alarms', async () => {
    // The fingerprint sees cycles and alarms only through their batch row (the job writes
    // them in the transaction that marks the batch processed) and the sweeper's cursor. A new
    // writer of either table must give the kept days a way to see it, then be listed here.
    const root = join(import.meta.dirname, '..', '..');
    const writers: string[] = [];
    const direct =
      /\b(INSERT\s+INTO|DELETE\s+FROM|UPDATE|TRUNCATE(\s+TABLE)?)\s+(cycles|alarms)\b/i;
    const listed = /\[[^\]]*'(cycles|alarms)'[^\]]*\]/;
    const byName = /(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+\$\{table\}/;
    for (const dir of ['src', 'migrations']) {
      for (const name of await readdir(join(root, dir), { recursive: true })) {
        if (!/\.(ts|sql)$/.test(name) || /\.test\.ts$|^testing\//.test(name)) continue;
        const text = await readFile(join(root, dir, name), 'utf8');
        if (direct.test(text) || (listed.test(text) && byName.test(text))) {
          writers.push(relative(root, join(root, dir, name)));
        }
      }
    }
    expect(writers.sort()).toEqual([
      'src/retention/retention-sweeper.ts',
      'src/worker/write-batch-results.ts',
    ]);
  });

  it('computes again the days retention removed cycles from', async () => {
    await expectPageAsDirect(RIDE, 45);
    const blobs = new BlobStore(env.config.blobDir);
    await blobs.init();
    const swept = await sweepRetention(
      env.pool,
      blobs,
      { cyclesMs: 30 * DAY, blobsMs: null },
      log,
      NOW,
    );
    expect(swept.cycles).toBeGreaterThan(0);
    const after = await expectPageAsDirect(RIDE, 45);
    expect(after.days[0]?.cycles).toBe(0);
    expect(after.days.at(-1)?.cycles).toBeGreaterThan(0);
  });
});
