/**
 * Fleet benchmark: a thousand parks × 20 rides with a year of data in PostgreSQL, then what
 * people and agents wait for at that size.
 *
 *   node_modules/.bin/tsx bench/central/fleet.ts [--parks 1000] [--rides 20] [--full-parks 20]
 *     [--days 365] [--recent-days 2] [--samples 20] [--report-runs 3] [--workers 2]
 *     [--live-agents 200] [--live-rate 5.6] [--live-minutes 3] [--live-rate-hz 50] [--live-viewers 5]
 *     [--skip-live] [--skip-dashboard] [--retention-days 0] [--keep] [--reuse] [--keep-logs DIR]
 *
 * 1. Seeds database `zra_fleet_bench` with central/src/testing/fleet-seed.ts (INSERT … SELECT
 *    generate_series, in time order; indexes built after the load). Parks 1..full-parks get
 *    `--days` of history, every other park `--recent-days` (so the fleet's today is complete),
 *    the last `--live-agents` parks none in the last 24 h (room for the live phase). A year of
 *    every park does not fit on this machine: see "Fleet scale" in docs/performance.md for how
 *    the figures scale. `--reuse` keeps a database seeded by an earlier `--keep` run.
 * 2. Sizes per table and PostgreSQL bytes per ride-year.
 * 3. Query plans at this size: every dashboard, park-API and report read EXPLAINed with its own
 *    parameters; sequential scans of large tables are listed.
 * 4. The real API and workers (child processes): every dashboard read over HTTP as a viewer
 *    (p50 / p95 / max), a park-month and a ride-year report end to end.
 * 5. Live ingest: `--live-agents` agents upload generated 50 Hz drops on an open-loop schedule
 *    adding up to `--live-rate` drops/s (5.6/s = 1,000 parks × 20 rides, one drop per ride-hour)
 *    for `--live-minutes`, sent as the agent sends them (bench/central/park-upload.ts), while
 *    `--live-viewers` people keep the fleet page open (polled every 5 s); put and
 *    commit→processed latencies, queue depths, the fleet page's time, drain time.
 *
 * `--keep-logs DIR` keeps the JSON logs of the API and the workers; with `BENCH_LOG_LEVEL=debug`
 * they hold each request's own time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadRideModels } from '@zra/shared';
import { createLogger, createPool, createUser, runMigrations } from '@zra/central';
import { createBrokerProbe } from '../../central/src/queue/broker-probe.ts';
import { setHeapGrowth } from '../../central/src/server/heap-growth.ts';
import { everyRead } from '../../central/src/testing/dashboard-reads.ts';
import {
  LARGE_TABLES,
  fleetParkId,
  fleetParkToken,
  fleetRideId,
  seedFleet,
  seedTimings,
} from '../../central/src/testing/fleet-seed.ts';
import {
  findSeqScans,
  recordingPool,
  type RecordedQuery,
} from '../../central/src/testing/query-plans.ts';
import {
  AMQP_URL,
  CENTRAL_QUEUES,
  deleteQueues,
  uniqueQueuePrefix,
} from '../../scripts/harness/rabbitmq.ts';
import { describeCpuUse, machineCpu } from '../lib/machine-cpu.ts';
import { latencyTail, median, percentile } from '../lib/stats.ts';
import {
  BENCH_DATABASE,
  createDatabase,
  databaseExists,
  databaseUrl,
  dropDatabase,
  freeBytesUnderPostgres,
  tableSizes,
} from './fleet/bench-database.ts';
import { startCentral } from './fleet/central-processes.ts';
import { timeDashboard, type Target } from './fleet/dashboard-timings.ts';
import { generateLiveDrops, runLiveIngest, WARM_S, type LiveAgent } from './fleet/live-ingest.ts';
import { COMMIT_TARGET_MS } from './park-upload.ts';
import { measureRetention } from './fleet/retention-cost.ts';
import { timeReports } from './fleet/report-timings.ts';

const say = (line: string): boolean => process.stdout.write(`${line}\n`);
const GB = 1e9;
/** Measured on this seed: PostgreSQL bytes per ride-year with indexes (docs/performance.md). */
const ESTIMATED_BYTES_PER_RIDE_YEAR = 65e6;
/** Room left on the disk after the load, for everyone else on the machine. */
const KEEP_FREE_BYTES = 20 * GB;

const { values: flags } = parseArgs({
  options: {
    parks: { type: 'string', default: '1000' },
    rides: { type: 'string', default: '20' },
    'full-parks': { type: 'string', default: '20' },
    days: { type: 'string', default: '365' },
    'recent-days': { type: 'string', default: '2' },
    samples: { type: 'string', default: '20' },
    'report-runs': { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
    'live-agents': { type: 'string', default: '200' },
    'live-rate': { type: 'string', default: '5.6' },
    'live-minutes': { type: 'string', default: '3' },
    'live-rate-hz': { type: 'string', default: '50' },
    'live-viewers': { type: 'string', default: '5' },
    'skip-live': { type: 'boolean', default: false },
    'skip-dashboard': { type: 'boolean', default: false },
    'retention-days': { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'keep-logs': { type: 'string' },
  },
});
const num = (name: keyof typeof flags): number => {
  const v = Number(flags[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return v;
};
const PARKS = num('parks');
const RIDES = num('rides');
const FULL = Math.min(num('full-parks'), PARKS);
const DAYS = num('days');
const RECENT = num('recent-days');
const SAMPLES = Math.max(1, num('samples'));
const REPORT_RUNS = Math.max(1, num('report-runs'));
const WORKERS = Math.max(1, num('workers'));
const LIVE_AGENTS = Math.min(num('live-agents'), PARKS - FULL);
const LIVE_RATE = num('live-rate');
const LIVE_SECONDS = num('live-minutes') * 60;
const LIVE_HZ = num('live-rate-hz');
const LIVE_VIEWERS = num('live-viewers');
const LIVE_GAP_H = 24;
const rideYears = (PARKS * RIDES * RECENT + FULL * RIDES * (DAYS - RECENT)) / 365;

const ms = (v: number) => `${Math.round(v)} ms`;
const mb = (v: number) => `${(v / 1e6).toFixed(1)} MB`;

/** Runs one maintenance statement on its own connection, without the pool's statement timeout. */
async function unlimited(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const cpuAtStart = machineCpu();
  say(
    `Fleet: ${PARKS} parks × ${RIDES} rides; ${FULL} parks with ${DAYS} days, the rest ${RECENT} days`,
  );
  say(
    `  ${rideYears.toFixed(1)} ride-years of data (a year of the whole fleet is ${PARKS * RIDES})`,
  );
  const url = databaseUrl(BENCH_DATABASE);
  const exists = await databaseExists(BENCH_DATABASE);
  if (!flags.reuse || !exists) {
    if (exists) await dropDatabase(BENCH_DATABASE);
    const need = rideYears * ESTIMATED_BYTES_PER_RIDE_YEAR;
    const disk = await freeBytesUnderPostgres();
    say(
      `  disk: ${(disk.free / GB).toFixed(1)} GB free under ${disk.path}; the load needs ≈ ${(need / GB).toFixed(1)} GB`,
    );
    if (disk.free - need < KEEP_FREE_BYTES) {
      throw new Error(
        `not enough disk: ${(disk.free / GB).toFixed(1)} GB free, the load needs ≈ ${(need / GB).toFixed(1)} GB and ${KEEP_FREE_BYTES / GB} GB must stay free; pass fewer --full-parks or --days`,
      );
    }
    await createDatabase(BENCH_DATABASE);
  }
  const pool = createPool(url, createLogger('silent'));
  const queuePrefix = uniqueQueuePrefix('fleet');
  const blobDir = mkdtempSync(join(tmpdir(), 'zra-fleet-bench-'));
  let stopCentral: (() => Promise<void>) | null = null;
  try {
    await runMigrations(url, createLogger('warn'));
    const seeded = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM parks');
    if ((seeded.rows[0]?.n ?? 0) === 0) {
      say('Seeding (time order, indexes built after the load)…');
      const t = performance.now();
      // Its own pool without the client's read timeout: a round of a thousand parks outlasts
      // it on a busy machine (the seed sets the server's statement timeout to 0 itself).
      const bulkPool = new pg.Pool({ connectionString: url, max: 1 });
      const summary = await seedFleet(bulkPool, {
        parks: PARKS,
        ridesPerPark: RIDES,
        fullParks: FULL,
        historyDays: DAYS,
        recentDays: RECENT,
        liveParks: LIVE_AGENTS,
        liveGapHours: LIVE_GAP_H,
        now: new Date(),
        bulk: true,
        daysPerRound: 7,
        progress: (line) => say(`  ${line}`),
      }).finally(() => bulkPool.end());
      const load = (performance.now() - t) / 1000;
      const v = performance.now();
      await unlimited(url, 'VACUUM ANALYZE');
      say(
        `  seeded in ${load.toFixed(0)} s (+ VACUUM ANALYZE ${((performance.now() - v) / 1000).toFixed(0)} s): ${summary.batches} batches, ${summary.cycles} cycles, ${summary.alarms} alarm rows, ${summary.rideDays} ride-days with data`,
      );
      const slow = [...seedTimings].sort((a, b) => b[1] - a[1]).slice(0, 5);
      say(
        `  slowest steps: ${slow.map(([k, s]) => `${k.split(' ').slice(0, 3).join(' ')} ${s.toFixed(0)} s`).join('; ')}`,
      );
    } else {
      say(
        `Reusing the seeded ${BENCH_DATABASE} (${seeded.rows[0]?.n} parks); migrations applied, ANALYZE…`,
      );
      await unlimited(url, 'ANALYZE');
    }

    // --- Sizes -------------------------------------------------------------------------
    const sizes = await tableSizes(pool);
    const total = sizes.reduce((s, t) => s + t.bytes, 0);
    say('');
    say(`Sizes (${(total / GB).toFixed(2)} GB in all; ${rideYears.toFixed(1)} ride-years):`);
    say('| table | rows | bytes (with indexes) | of which indexes | per ride-year |');
    say('| --- | ---: | ---: | ---: | ---: |');
    for (const s of sizes.filter((x) => x.bytes > 1e6)) {
      say(
        `| ${s.table} | ${s.rows} | ${mb(s.bytes)} | ${mb(s.indexBytes)} | ${mb(s.bytes / rideYears)} |`,
      );
    }
    say(`| **all** | | ${mb(total)} | | **${mb(total / rideYears)}** |`);

    // --- Targets: parks with a year of data ----------------------------------------------
    const targets: Target[] = [];
    for (let i = 1; i <= FULL; i++) {
      const park = fleetParkId(i);
      const b = await pool.query<{ id: string }>(
        `SELECT id FROM batches WHERE park_id = $1 AND state = 'processed' AND superseded_by IS NULL
          ORDER BY received_at DESC LIMIT 1`,
        [park],
      );
      if (b.rows[0]) {
        targets.push({
          park,
          ride: fleetRideId(1 + (i % RIDES)),
          batchId: b.rows[0].id,
          token: fleetParkToken(i),
        });
      }
    }
    const first = targets[0];
    if (!first) throw new Error('no park with data: seed with --full-parks ≥ 1');
    const parkRow = await pool.query<{ timezone: string }>(
      'SELECT timezone FROM parks WHERE id = $1',
      [first.park],
    );
    const tz = parkRow.rows[0]?.timezone ?? 'UTC';
    const busiest = await pool.query<{ m: Date; next: Date }>(
      `SELECT date_trunc('month', window_start AT TIME ZONE $2) AT TIME ZONE $2 AS m,
              (date_trunc('month', window_start AT TIME ZONE $2) + interval '1 month') AT TIME ZONE $2 AS next
         FROM batches WHERE park_id = $1 AND window_start < date_trunc('month', now())
        GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`,
      [first.park, tz],
    );
    const month = busiest.rows[0];
    if (!month) throw new Error(`park ${first.park} has no complete month of data`);

    // --- Query plans at this size ------------------------------------------------------
    say('');
    say('Query plans at this size (every read EXPLAINed with its own parameters):');
    const broker = createBrokerProbe(AMQP_URL, queuePrefix, createLogger('silent'));
    const nowMs = Date.now();
    const reads = everyRead({
      park: { id: first.park, name: first.park, timezone: tz, language: 'en' },
      ride: first.ride,
      batchId: first.batchId,
      month: { start: month.m, end: month.next },
      year: { start: new Date(nowMs - 365 * 86_400_000), end: new Date(nowMs) },
      nowMs,
      broker,
      queuePrefix,
    });
    const inProcess: string[] = [];
    let scans = 0;
    for (const read of reads) {
      const sent: RecordedQuery[] = [];
      const t = performance.now();
      await read.run(recordingPool(pool, () => read.name, sent));
      const took = performance.now() - t;
      const found = await findSeqScans(pool, sent, LARGE_TABLES);
      scans += found.length;
      inProcess.push(`${read.name} ${ms(took)}`);
      for (const f of found) {
        say(`  SEQ SCAN on ${f.tables.join(', ')} in ${read.name} (plan ${f.kind}):\n${f.plan}\n`);
      }
    }
    await broker.close();
    say(
      `  ${scans === 0 ? 'no' : scans} statement${scans === 1 ? '' : 's'} with a sequential scan of a large table`,
    );
    say(`  in-process, one run each (cold): ${inProcess.join('; ')}`);

    // --- Central -----------------------------------------------------------------------
    const login = { username: 'fleet-bench', password: 'fleet-bench-password-1' };
    await pool.query('DELETE FROM users WHERE username = $1', [login.username]);
    await createUser(pool, { ...login, role: 'viewer' });
    const central = await startCentral(
      {
        DATABASE_URL: url,
        AMQP_URL,
        QUEUE_PREFIX: queuePrefix,
        BLOB_DIR: blobDir,
        PORT: '0',
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        SESSION_COOKIE_SECURE: 'false',
        INGEST_RATE_PER_S: '1000',
        INGEST_BURST: '10000',
        REPORT_CATCHUP_D: '1',
        // The timings below choose which rides have days kept; computing other rides' years
        // in the background (4 a minute by default) would run beside them.
        RIDE_DAYS_PER_MIN: '0',
      },
      WORKERS,
      flags['keep-logs'],
    );
    stopCentral = central.stop;
    say('');
    say(`Central API on ${central.url}, ${WORKERS} worker processes`);

    if (!flags['skip-dashboard']) await dashboardAndReports(first, month);
    // The dashboard reads over HTTP, then a park-month and a ride-year report end to end.
    async function dashboardAndReports(
      first: Target,
      month: { m: Date; next: Date },
    ): Promise<void> {
      const cpuBefore = machineCpu();
      const dash = await timeDashboard(central.url, pool, login, targets, SAMPLES);
      say('');
      say(
        `Dashboard over HTTP (${SAMPLES} samples each over ${targets.length} parks with ${DAYS} days; ${describeCpuUse(cpuBefore, machineCpu())}):`,
      );
      say('| read | p50 | p95 | max |');
      say('| --- | ---: | ---: | ---: |');
      for (const d of dash) say(`| ${d.name} | ${ms(d.p50)} | ${ms(d.p95)} | ${ms(d.max)} |`);

      const yesterday = new Date(nowMs - 86_400_000);
      const yearAgo = new Date(nowMs - 365 * 86_400_000);
      const day = (d: Date) => {
        const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(d);
        return p;
      };
      const monthFirst = day(month.m);
      const monthLast = day(new Date(month.next.getTime() - 3_600_000));
      const reports = await timeReports(
        central.url,
        pool,
        login,
        [
          {
            name: `park-month (${first.park}, ${monthFirst}…${monthLast})`,
            park: first.park,
            firstDay: monthFirst,
            lastDay: monthLast,
          },
          {
            name: `ride-year (${first.park}/${first.ride}, ${day(yearAgo)}…${day(yesterday)})`,
            park: first.park,
            ride: first.ride,
            firstDay: day(yearAgo),
            lastDay: day(yesterday),
          },
        ],
        REPORT_RUNS,
      );
      say('');
      say(`Reports end to end (median of ${REPORT_RUNS}):`);
      say(
        '| report | request → ready | requested_at → finished_at | input SQL alone | hours | alarms |',
      );
      say('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const r of reports) {
        say(
          `| ${r.name} | ${ms(r.endToEndMs)} | ${ms(r.databaseMs)} | ${ms(r.inputMs)} | ${r.hours} | ${r.alarms} |`,
        );
      }
    }

    // --- Live ingest -------------------------------------------------------------------
    if (!flags['skip-live'] && LIVE_AGENTS > 0 && LIVE_SECONDS > 0) {
      const models = loadRideModels();
      const agents: LiveAgent[] = [];
      for (let i = PARKS - LIVE_AGENTS + 1; i <= PARKS; i++) {
        const park = fleetParkId(i);
        const p = await pool.query<{ timezone: string }>(
          'SELECT timezone FROM parks WHERE id = $1',
          [park],
        );
        const rides = await pool.query<{ id: string; model: string }>(
          'SELECT id, model FROM rides WHERE park_id = $1 ORDER BY id',
          [park],
        );
        agents.push({
          park,
          token: fleetParkToken(i),
          timezone: p.rows[0]?.timezone ?? 'UTC',
          rides: rides.rows,
        });
      }
      // A database kept by an earlier run (`--reuse`) may hold that run's live drops, which the
      // same hours' drops would now duplicate: the live parks' drops received in the last day
      // go (with the few late arrivals the seed gave them), and drops they replaced become
      // current again.
      const earlier = await pool.query(
        `WITH gone AS (SELECT id FROM batches
                        WHERE park_id = ANY ($1) AND received_at > now() - interval '1 day'),
              back AS (UPDATE batches SET superseded_by = NULL
                        WHERE superseded_by IN (SELECT id FROM gone))
         DELETE FROM batches WHERE id IN (SELECT id FROM gone)`,
        [agents.map((a) => a.park)],
      );
      if (earlier.rowCount) {
        say(`  removed ${earlier.rowCount} drops the live parks received in the last day`);
      }
      const perAgent = Math.max(1, Math.ceil((LIVE_RATE * LIVE_SECONDS) / LIVE_AGENTS));
      say('');
      say(
        `Live ingest: generating ${perAgent} drop(s) at ${LIVE_HZ} Hz for each of ${LIVE_AGENTS} agents…`,
      );
      const dropDir = join(blobDir, 'live-drops');
      const drops = await generateLiveDrops(agents, perAgent, LIVE_HZ, dropDir, models, (l) =>
        say(l),
      );
      // The simulated agents are this process: their collector must not take the API's cores.
      setHeapGrowth();
      const cpuLive = machineCpu();
      const live = await runLiveIngest(
        central.url,
        pool,
        login,
        agents,
        drops,
        LIVE_RATE,
        LIVE_VIEWERS,
        (l) => say(l),
      );
      rmSync(dropDir, { recursive: true, force: true });
      const depths = live.queueSamples.map((s) => s.postprocess);
      say(`  ${describeCpuUse(cpuLive, machineCpu())}`);
      say('| what | figure |');
      say('| --- | --- |');
      say(
        `| agents, offered | ${live.agents} agents, ${live.offeredPerS} drops/s for ${live.seconds.toFixed(0)} s |`,
      );
      say(
        `| committed | ${live.committed} drops, ${live.committedPerS.toFixed(2)} drops/s, ${live.megabytesPerS.toFixed(1)} MB/s |`,
      );
      say(
        `| processed while sending | ${live.processedPerS.toFixed(2)} drops/s; the rest ${live.drainS.toFixed(0)} s after the last commit; failed ${live.failed} |`,
      );
      say(`| put (or commit) | ${latencyTail(live.commits, COMMIT_TARGET_MS)} |`);
      say(
        `| put, after the first ${WARM_S} s | ${latencyTail(live.commitsWarm, COMMIT_TARGET_MS)} |`,
      );
      if (live.sends.length > 0) {
        say(
          `| begin + chunks p50 / p99 (${live.sends.length} drops over 4 MiB) | ${ms(median(live.sends))} / ${ms(percentile(live.sends, 0.99))} |`,
        );
      }
      say(
        `| commit → processed p50 / p99 | ${ms(live.toProcessedP50)} / ${ms(live.toProcessedP99)} |`,
      );
      say(`| agents behind schedule p99 | ${ms(live.lateP99)} |`);
      say(
        `| postprocess queue (ready) | max ${Math.max(0, ...depths)}, median ${depths.length ? median(depths) : 0}; outbox max ${Math.max(0, ...live.queueSamples.map((s) => s.outbox))} |`,
      );
      const qms = live.queueSamples.map((s) => s.ms);
      if (qms.length > 0) {
        say(
          `| dashboard.queues during ingest | p50 ${ms(median(qms))}, p95 ${ms(percentile(qms, 0.95))} |`,
        );
      }
      if (live.fleetCalls.length > 0) {
        say(
          `| dashboard.fleet during ingest (${LIVE_VIEWERS} viewers, ${live.fleetCalls.length} calls) | p50 ${ms(median(live.fleetCalls))}, p95 ${ms(percentile(live.fleetCalls, 0.95))} |`,
        );
      }
    }
    // --- Retention (destructive: the oldest days' per-cycle rows go) --------------------
    const retentionDays = num('retention-days');
    if (retentionDays > 0) {
      const r = await measureRetention(pool, url, blobDir, retentionDays);
      const fleetDay = (r.sweepS / Math.max(1, r.rideDays)) * PARKS * RIDES;
      say('');
      say(
        `Retention of the oldest ${r.days} days (${r.rideDays} ride-days, ${r.batches} batches, ${r.cycleRows} cycle rows):`,
      );
      say(
        `  sweeper (chunked DELETE): ${r.sweepS.toFixed(1)} s, ${Math.round(r.cycleRows / r.sweepS)} cycle rows/s;`,
      );
      say(`  ≈ ${fleetDay.toFixed(0)} s per day of the whole fleet (${PARKS * RIDES} ride-days)`);
      say(
        `  DROP TABLE of the same rows (a partition's cost): ${(r.dropTableS * 1000).toFixed(0)} ms`,
      );
    }
    say('');
    say(`Whole run: ${describeCpuUse(cpuAtStart, machineCpu())}`);
  } finally {
    await stopCentral?.();
    await pool.end();
    await deleteQueues(queuePrefix, CENTRAL_QUEUES);
    rmSync(blobDir, { recursive: true, force: true });
    if (!flags.keep) await dropDatabase(BENCH_DATABASE);
    else
      say(
        `Kept database ${BENCH_DATABASE} (drop it with: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE ${BENCH_DATABASE}')`,
      );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
