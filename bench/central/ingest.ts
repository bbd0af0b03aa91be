/**
 * Ingest benchmark: simulated parks upload generated drops to one central API process (real
 * PostgreSQL and RabbitMQ, `serve` and `worker` as child processes, the way they run in
 * production). Two scenarios:
 *
 *   node_modules/.bin/tsx bench/central/ingest.ts [wire] [--parks 8] [--drops 6] [--rounds 1]
 *     [--workers 2] [--rate-hz 50] [--chunk-kib 4096] [--blob-store filesystem|s3]
 *     [--keep-logs DIR] [--cpu-prof DIR] [--pin]
 *
 * `wire` (the default): the same drops, at the same concurrency, first through a bare Node
 * HTTP sink that only writes, fsyncs and hashes the bytes (bare-sink.ts: the wire's speed on
 * this machine), then through central with no worker running (the API alone); prints MB/s of
 * both, their ratio, the commit latencies and the machine's CPU a drop (every process: the
 * servers, PostgreSQL, the broker, the simulated parks). Then W workers post-process what was stored.
 * A sink phase first warms the machine up and is not counted (the first phase of a run was
 * slower than the rest, whichever server took it).
 * `--rounds N`: that N times, each server fresh each time, alternating which goes first; prints
 * the median MB/s and ratio (the sink's own speed varies by a third between runs, so one
 * round decides little; workers run after the last round only), and the median CPU a drop.
 * `--blob-store s3`: central keeps its blobs in a private Garage (scripts/harness/garage.ts,
 * built by bootstrap) instead of BLOB_DIR, as the prod overlay does; the sink still writes to
 * the local disk, so the ratio then also measures the object store.
 * `--pin`: each server alone on CPU 0, as the API runs in its pod (a limit of one CPU), and the
 * parks, PostgreSQL and RabbitMQ (on other machines in production) on CPU 1
 * (bench/lib/cpu-pinning.ts; the machine's services get their CPUs back at the end). Unpinned,
 * everything shares both cores and central's figure includes the database's work.
 *
 *   node_modules/.bin/tsx bench/central/ingest.ts catch-up [--live-parks 16] [--live-drops 6]
 *     [--live-interval-ms 8000] [--backlog 150] [--held 0] [--workers 2] [--rate-hz 50]
 *
 * `catch-up`: live parks each send a drop every interval (open loop, phases spread over the
 * interval) while W workers run; once without and once with one more park sending a week's
 * backlog as fast as it can (an agent back online). Prints the live parks' commit→processed
 * p50/p99 of both runs and their ratio (fairness: the target is ≤ 2×), and what the backlog
 * park got meanwhile. `--held N`: in both runs one more park has N drops committed earlier
 * and waiting in the outbox behind its share (synthetic rows, synthetic-batches.ts): what a
 * park back from a long outage leaves there while its agent's uploads are processed.
 *
 * `--keep-logs DIR` keeps the JSON logs of the API and the workers; with `BENCH_LOG_LEVEL=debug`
 * they hold every request's route, status and server-side milliseconds ("request finished").
 *
 * Every run gets a fresh database, queue prefix and blob folder, removed after. SHA-256 and
 * content id are computed before the clock starts (the agent has them from pull time); one
 * warm-up drop per park is not counted. Commit→processed comes from PostgreSQL's own
 * timestamps (`received_at` → `processed_at`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { createPark, createPool, runMigrations, createLogger } from '@zra/central';
import { createParkClient } from '@zra/central/testing';
import { generateDrops, verifyDrop } from '@zra/shared';
import { setHeapGrowth } from '../../central/src/server/heap-growth.ts';
import { createTestDatabase } from '../../scripts/harness/postgres.ts';
import {
  AMQP_URL,
  CENTRAL_QUEUES,
  deleteQueues,
  uniqueQueuePrefix,
} from '../../scripts/harness/rabbitmq.ts';
import { startGarage, type GarageServer } from '../../scripts/harness/garage.ts';
import { waitFor, waitForReady } from '../../scripts/harness/wait-for.ts';
import { onServerCpu, OTHERS_CPU, pinForServerAlone, SERVER_CPU } from '../lib/cpu-pinning.ts';
import {
  commandCpuSeconds,
  describeCpuUse,
  machineCpu,
  type MachineCpu,
  processCpuSeconds,
  untilQuiet,
} from '../lib/machine-cpu.ts';
import { bodyAsIsFetch } from '../lib/body-as-is-fetch.ts';
import { cachedDrops, type CachedDrop } from '../lib/drop-cache.ts';
import { latencyTail, megabytesPerSecond, median, percentile } from '../lib/stats.ts';
import { COMMIT_TARGET_MS, rateLimitedSoFar, uploadToCentral, type Upload } from './park-upload.ts';
import { holdRows } from './synthetic-batches.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const cli = join(repoRoot, 'central/src/cli.ts');
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    parks: { type: 'string', default: '8' },
    drops: { type: 'string', default: '6' },
    workers: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    'rate-hz': { type: 'string', default: '50' },
    'chunk-kib': { type: 'string', default: '4096' },
    'live-parks': { type: 'string', default: '16' },
    'live-drops': { type: 'string', default: '6' },
    'live-interval-ms': { type: 'string', default: '8000' },
    backlog: { type: 'string', default: '150' },
    held: { type: 'string', default: '0' },
    'blob-store': { type: 'string', default: 'filesystem' },
    /** A folder for the JSON logs of the API and the workers (one file each). */
    'keep-logs': { type: 'string' },
    /** A folder for a V8 CPU profile of the API process (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
    /** wire: each server alone on CPU 0, the parks, PostgreSQL and RabbitMQ on CPU 1. */
    pin: { type: 'boolean', default: false },
  },
});
const SCENARIO = positionals[0] ?? 'wire';
const num = (name: keyof typeof flags): number => {
  const v = Number(flags[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a number ≥ 0`);
  return v;
};
const PARKS = num('parks');
const DROPS = num('drops');
const WORKERS = num('workers');
const ROUNDS = Math.max(1, num('rounds'));
const RATE_HZ = num('rate-hz');
const CHUNK = num('chunk-kib') * 1024;
const LIVE_PARKS = num('live-parks');
const LIVE_DROPS = num('live-drops');
const LIVE_INTERVAL_MS = num('live-interval-ms');
const BACKLOG = num('backlog');
const HELD = num('held');
if (!['wire', 'catch-up'].includes(SCENARIO)) throw new Error('scenario: wire or catch-up');
const BLOB_STORE = flags['blob-store'];
const PIN = flags.pin;
if (PIN && SCENARIO !== 'wire') throw new Error('--pin is for the wire scenario');
if (BLOB_STORE !== 'filesystem' && BLOB_STORE !== 's3') {
  throw new Error('--blob-store must be filesystem or s3');
}

const ms = (v: number) => `${Math.round(v)} ms`;
const p50p99 = (values: number[]) =>
  values.length === 0 ? 'none' : `p50 ${ms(median(values))}, p99 ${ms(percentile(values, 0.99))}`;

// --- child processes ------------------------------------------------------------------------

const children: ChildProcess[] = [];
let stopping = false;

function startChild(name: string, command: string[], env: NodeJS.ProcessEnv = {}) {
  const [script, ...args] = command;
  const prof = name === 'central API' && flags['cpu-prof'];
  const node: [string, string[]] = [
    process.execPath,
    [
      ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
      '--import',
      'tsx',
      script ?? '',
      ...args,
    ],
  ];
  const [file, argv] = PIN ? onServerCpu(...node) : node;
  const child = spawn(file, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  let listening: string | null = null;
  const keep = flags['keep-logs']
    ? createWriteStream(join(flags['keep-logs'], `${name.replaceAll(' ', '-')}.log`), {
        flags: 'a',
      })
    : null;
  const read = (text: string) => {
    keep?.write(text);
    tail = (tail + text).slice(-4000);
    // serve logs its URL once it listens (PORT=0 lets the OS pick the port); so does the sink.
    const m =
      /"url":"(http:[^"]+)","msg":"central API listening"/.exec(tail) ??
      /listening on (http:\S+)/.exec(tail);
    if (m?.[1]) listening = m[1];
  };
  child.stdout?.setEncoding('utf8').on('data', read);
  child.stderr?.setEncoding('utf8').on('data', read);
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}) during the benchmark:\n${tail}\n`);
      process.exitCode = 1;
    }
  });
  children.push(child);
  return { child, url: () => listening };
}

async function stopChildren(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
  stopping = false;
}

// --- drops ----------------------------------------------------------------------------------

type BenchDrop = CachedDrop;

/**
 * `count` drops of one park: a ride per 12 drops (a day has ~14 powered hours). Kept between
 * runs (bench/lib/drop-cache.ts): a long catch-up run generates 1,000 drops.
 */
function generate(park: string, seed: number, count: number): BenchDrop[] {
  return cachedDrops(`ingest-${park}-${seed}-${count}-${RATE_HZ}hz`, () =>
    generateAfresh(park, seed, count),
  );
}

function generateAfresh(park: string, seed: number, count: number): BenchDrop[] {
  const rides = Math.ceil(count / 12);
  const drops = generateDrops({
    park,
    rides: Array.from({ length: rides }, (_, i) => ({
      id: `ride-${i + 1}`,
      model: 'discovery-revolution',
    })),
    from: '2026-06-06',
    hours: 24,
    seed,
    rateHz: RATE_HZ,
  });
  if (drops.length < count) throw new Error(`only ${drops.length} drops for ${park}`);
  // What the agent knows before it uploads (it hashes at pull time), computed off the clock.
  return drops.slice(0, count).map((drop) => {
    const verdict = verifyDrop(drop.zip);
    if (!verdict.ok) throw new Error(`generated drop ${drop.fileName} is invalid`);
    const sha256 = createHash('sha256').update(drop.zip).digest('hex');
    return { zip: drop.zip, fileName: drop.fileName, sha256, contentId: verdict.contentId };
  });
}

const bytesOf = (drops: BenchDrop[]) => drops.reduce((n, d) => n + d.zip.length, 0);

/** Uploads one drop to the bare sink, with the same chunks, as raw HTTP bodies. */
async function uploadToSink(url: string, park: string, drop: BenchDrop): Promise<Upload> {
  const post = async (path: string, body: string | Uint8Array) => {
    const r = await bodyAsIsFetch(`${url}${path}`, { method: 'POST', body });
    if (!r.ok) throw new Error(`sink ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  if (drop.zip.length <= CHUNK) {
    const started = performance.now();
    await post(`/put?sha256=${drop.sha256}`, drop.zip);
    return {
      park,
      bytes: drop.zip.length,
      sendMs: 0,
      commitMs: performance.now() - started,
      batchId: '',
    };
  }
  const sendStarted = performance.now();
  const { id } = await post(
    '/begin',
    JSON.stringify({ sha256: drop.sha256, bytes: drop.zip.length }),
  );
  for (let offset = 0; offset < drop.zip.length; offset += CHUNK) {
    await post(
      `/chunk?id=${String(id)}&offset=${offset}`,
      drop.zip.subarray(offset, offset + CHUNK),
    );
  }
  const sendMs = performance.now() - sendStarted;
  const started = performance.now();
  await post(`/commit?id=${String(id)}`, '');
  return {
    park,
    bytes: drop.zip.length,
    sendMs,
    commitMs: performance.now() - started,
    batchId: '',
  };
}

// --- central runs ---------------------------------------------------------------------------

interface Central {
  api: ChildProcess;
  pool: pg.Pool;
  url: string;
  env: NodeJS.ProcessEnv;
  tokens: Map<string, string>;
  close(): Promise<void>;
}

/**
 * The wire phase's parks send their drops back to back, where a real park sends one a minute or
 * so: at the ingest limit's default burst a run of more than about 30 drops a park waited for
 * refusals' `retry-after` instead of measuring ingest. The catch-up keeps the default: a park
 * catching up meets it in production too.
 */
const UNLIMITED_INGEST = { INGEST_RATE_PER_S: '10000', INGEST_BURST: '10000' };

/** A fresh database, queue prefix and blob folder; the API (and `workers` workers) started. */
async function startCentral(
  parks: string[],
  workers: number,
  extraEnv: Record<string, string> = {},
): Promise<Central> {
  const db = await createTestDatabase('bench_ingest');
  const queuePrefix = uniqueQueuePrefix('bench');
  const blobDir = mkdtempSync(join(tmpdir(), 'zra-bench-ingest-'));
  // Silent: dropping the database at the end ends this pool's last sockets, which is expected.
  const pool = createPool(db.url, createLogger('silent'));
  await runMigrations(db.url, createLogger('warn'));
  const tokens = new Map<string, string>();
  for (const park of parks) {
    const { token } = await createPark(pool, { id: park, name: park, timezone: 'Europe/Rome' });
    tokens.set(park, token);
  }
  const garage = BLOB_STORE === 's3' ? await startGarage('bench-ingest') : null;
  const env = {
    DATABASE_URL: db.url,
    AMQP_URL,
    QUEUE_PREFIX: queuePrefix,
    BLOB_DIR: blobDir,
    PORT: '0',
    // debug: every request's server-side time in the kept logs (`--keep-logs`).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    ...(garage ? objectStoreEnv(garage) : {}),
    ...extraEnv,
  };
  const api = startChild('central API', [cli, 'serve'], env);
  const started = [api.child];
  for (let w = 1; w <= workers; w++) {
    started.push(startChild(`worker ${w}`, [cli, 'worker'], env).child);
  }
  const url = await waitFor('the API to listen', async () => api.url(), { timeoutMs: 60_000 });
  await waitForReady(url, 60_000);
  // Ready is not done starting: the API's verifier threads load their modules for a second or
  // two more, 1.2 CPU-s on this machine, which a wire phase begun at once charged to its puts.
  await untilQuiet(started.map((c) => c.pid ?? 0));
  return {
    pool,
    url,
    env,
    tokens,
    api: api.child,
    async close() {
      await stopChildren();
      await pool.end();
      await db.drop();
      await deleteQueues(queuePrefix, CENTRAL_QUEUES);
      rmSync(blobDir, { recursive: true, force: true });
      await garage?.destroy();
    },
  };
}

/** BLOB_STORE and S3_* as an operator sets them (the prod overlay's ConfigMap and Secret). */
function objectStoreEnv(garage: GarageServer): NodeJS.ProcessEnv {
  return {
    BLOB_STORE: 's3',
    S3_ENDPOINT: garage.endpoint,
    S3_REGION: garage.region,
    S3_BUCKET: garage.bucket,
    S3_ACCESS_KEY_ID: garage.accessKeyId,
    S3_SECRET_ACCESS_KEY: garage.secretAccessKey,
  };
}

interface BatchRow {
  id: string;
  park_id: string;
  state: string;
  /** processed_at − received_at: both PostgreSQL's clock, from the commit's transaction on. */
  to_processed_ms: number | null;
  /** Where that time went: committed → published (queued_at), published → a job started, job. */
  to_queued_ms: number | null;
  queue_wait_ms: number | null;
  job_ms: number | null;
}

/** Polls until every batch is processed or failed. */
async function waitForProcessed(
  pool: pg.Pool,
  ids: string[],
  timeoutMs = 900_000,
): Promise<BatchRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await pool.query<BatchRow>(
      `SELECT b.id, b.park_id, b.state,
              (extract(epoch FROM b.processed_at - b.received_at) * 1000)::float8 AS to_processed_ms,
              (extract(epoch FROM b.queued_at - b.received_at) * 1000)::float8 AS to_queued_ms,
              (extract(epoch FROM j.started_at - b.queued_at) * 1000)::float8 AS queue_wait_ms,
              (extract(epoch FROM b.processed_at - j.started_at) * 1000)::float8 AS job_ms
         FROM batches b
         LEFT JOIN LATERAL (
           SELECT max(started_at) AS started_at FROM job_runs
            WHERE type = 'postprocess' AND subject = b.id) j ON true
        WHERE b.id = ANY($1::uuid[])`,
      [ids],
    );
    if (
      r.rows.length === ids.length &&
      r.rows.every((b) => ['processed', 'failed', 'quarantined'].includes(b.state))
    ) {
      return r.rows;
    }
    if (Date.now() > deadline) throw new Error('batches still unprocessed after the time limit');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- scenario: wire -------------------------------------------------------------------------

async function wire(): Promise<void> {
  say(`Generating ${PARKS} parks × ${DROPS} drops at ${RATE_HZ} Hz…`);
  const parks = Array.from({ length: PARKS }, (_, i) => `bench-park-${i + 1}`);
  // One more than measured: the first warms up the server (JIT, connections).
  const drops = new Map(parks.map((p, i) => [p, generate(p, 1000 + i, DROPS + 1)]));
  const measured = [...drops.values()].flatMap((d) => d.slice(1));
  const totalBytes = bytesOf(measured);
  say(
    `  ${measured.length} drops measured (+1 warm-up per park), ${(totalBytes / 1e6).toFixed(1)} MB of zips, chunks of ${CHUNK / 1024} KiB`,
  );

  /** Every park uploads its drops one after another, all parks at once. */
  const run = async (
    upload: (park: string, drop: BenchDrop) => Promise<Upload>,
    server: ChildProcess,
  ) => {
    await Promise.all(parks.map((p) => upload(p, (drops.get(p) ?? [])[0] as BenchDrop)));
    const cpu = machineCpu();
    const serverCore = machineCpu(SERVER_CPU);
    const otherCore = machineCpu(OTHERS_CPU);
    const own = process.cpuUsage();
    const serverCpu = processCpuSeconds(server.pid ?? 0);
    const postgresCpu = commandCpuSeconds('postgres');
    const garageCpu = commandCpuSeconds('garage');
    const brokerCpu = commandCpuSeconds('beam.smp');
    const started = performance.now();
    const perPark = await Promise.all(
      parks.map(async (p) => {
        const out: Upload[] = [];
        for (const drop of (drops.get(p) ?? []).slice(1)) out.push(await upload(p, drop));
        return out;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(own);
    const split = [
      `server ${(processCpuSeconds(server.pid ?? 0) - serverCpu).toFixed(1)}`,
      `PostgreSQL ${(commandCpuSeconds('postgres') - postgresCpu).toFixed(1)}`,
      `RabbitMQ ${(commandCpuSeconds('beam.smp') - brokerCpu).toFixed(1)}`,
      ...(BLOB_STORE === 's3'
        ? [`Garage ${(commandCpuSeconds('garage') - garageCpu).toFixed(1)}`]
        : []),
      `clients ${((used.user + used.system) / 1e6).toFixed(1)}`,
    ].join(', ');
    const after = machineCpu();
    const busyOf = (before: MachineCpu, now: MachineCpu) => (now.busy - before.busy).toFixed(1);
    // Pinned, whether the server's own CPU is what ran out (docs/performance.md).
    const cores = PIN
      ? `; CPU ${SERVER_CPU} (the server) busy ${busyOf(serverCore, machineCpu(SERVER_CPU))}, CPU ${OTHERS_CPU} (the rest) ${busyOf(otherCore, machineCpu(OTHERS_CPU))} CPU-s`
      : '';
    const machine = describeCpuUse(cpu, after) + cores;
    return {
      uploads: perPark.flat(),
      seconds,
      busySeconds: after.busy - cpu.busy,
      cpu: `${machine}; ${split} CPU-s`,
    };
  };
  /** What a phase gave: its MB/s, and the machine's CPU (every process) a drop. */
  interface Phase {
    mbs: number;
    cpuMs: number;
  }
  const report = (label: string, r: Awaited<ReturnType<typeof run>>): Phase => {
    const mbs = megabytesPerSecond(totalBytes, r.seconds);
    const cpuMs = (r.busySeconds * 1000) / r.uploads.length;
    say(
      `${label}: ${r.seconds.toFixed(2)} s, ${(r.uploads.length / r.seconds).toFixed(1)} drops/s, ${mbs} MB/s (${r.cpu})`,
    );
    say(`  begin + chunks per drop: ${p50p99(r.uploads.map((u) => u.sendMs))}`);
    say(`  commit: ${p50p99(r.uploads.map((u) => u.commitMs))}`);
    say(`  machine CPU a drop: ${cpuMs.toFixed(2)} ms`);
    return { mbs, cpuMs };
  };

  /** The bare sink, fresh, takes every park's drops: its MB/s. */
  const sinkPhase = async (): Promise<Phase> => {
    const sinkDir = mkdtempSync(join(tmpdir(), 'zra-bench-sink-'));
    try {
      const sink = startChild('bare sink', [join(repoRoot, 'bench/central/bare-sink.ts'), sinkDir]);
      const url = await waitFor('the sink to listen', async () => sink.url(), {
        timeoutMs: 60_000,
      });
      await untilQuiet([sink.child.pid ?? 0]);
      return report(
        'bare sink (write, fsync, hash)',
        await run((p, d) => uploadToSink(url, p, d), sink.child),
      );
    } finally {
      await stopChildren();
      rmSync(sinkDir, { recursive: true, force: true });
    }
  };

  /** A fresh central takes the same drops: its MB/s; then `workers` process them. */
  const centralPhase = async (workers: number): Promise<Phase> => {
    const central = await startCentral(parks, 0, UNLIMITED_INGEST);
    try {
      const clients = new Map(
        parks.map((p) => [
          p,
          createParkClient(central.url, central.tokens.get(p) ?? '', { fetch: bodyAsIsFetch }),
        ]),
      );
      const result = await run(
        (p, d) =>
          uploadToCentral(clients.get(p) as ReturnType<typeof createParkClient>, p, d, CHUNK),
        central.api,
      );
      const phase = report(
        `central (API alone, no worker running${BLOB_STORE === 's3' ? ', blobs in Garage' : ''})`,
        result,
      );
      if (workers > 0) await postprocess(central, workers, result.uploads);
      return phase;
    } finally {
      await central.close();
    }
  };

  // The first phase of a run was slower than the rest whichever server took it: at 16 parks ×
  // 72 drops the sink took 6.7 s and 9.1 CPU-s first, 4.1–4.7 s and 5.2–6.1 CPU-s in later
  // rounds of the same run (docs/performance.md, "The wire phase at 72 drops a park"). A sink
  // phase nobody counts takes that first.
  say('');
  say('warm-up (not counted):');
  await sinkPhase();
  // Rounds alternate which server goes first, so that a machine getting busier or quieter
  // during the run weighs on both; the ratio is each round's, and their median.
  const rounds: { sink: Phase; central: Phase }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    say('');
    if (ROUNDS > 1) say(`round ${round} of ${ROUNDS}`);
    const workers = round === ROUNDS ? WORKERS : 0;
    // A literal's properties are evaluated in the order written: the first named runs first.
    const { sink, central } =
      round % 2 === 1
        ? { sink: await sinkPhase(), central: await centralPhase(workers) }
        : { central: await centralPhase(workers), sink: await sinkPhase() };
    rounds.push({ sink, central });
    say(
      `ratio central ÷ sink: ${(central.mbs / sink.mbs).toFixed(2)}× (target ≥ 0.7×); machine CPU a drop, sink ÷ central: ${(sink.cpuMs / central.cpuMs).toFixed(2)}×`,
    );
  }
  if (ROUNDS > 1) {
    const ratios = rounds.map((r) => r.central.mbs / r.sink.mbs);
    // Where everything shares the machine's cores, the MB/s follow the machine's CPU a drop
    // (docs/performance.md, "What limits the wire phase on this machine"): how far central is
    // from the sink in it says how much less work a drop needs to reach the target.
    const cpuRatios = rounds.map((r) => r.sink.cpuMs / r.central.cpuMs);
    const medianOf = (pick: (r: (typeof rounds)[number]) => number) =>
      median(rounds.map(pick)).toFixed(2);
    say('');
    say(
      `median of ${ROUNDS} rounds: sink ${median(rounds.map((r) => r.sink.mbs)).toFixed(1)} MB/s, central ${median(rounds.map((r) => r.central.mbs)).toFixed(1)} MB/s, ratio ${median(ratios).toFixed(2)}× (target ≥ 0.7×; rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    say(
      `  machine CPU a drop: sink ${medianOf((r) => r.sink.cpuMs)} ms, central ${medianOf((r) => r.central.cpuMs)} ms, sink ÷ central ${median(cpuRatios).toFixed(2)}× (rounds ${cpuRatios.map((r) => r.toFixed(2)).join(', ')})`,
    );
  }
}

/** Starts `workers` workers on what central stored and waits until each batch is settled. */
async function postprocess(central: Central, workers: number, uploads: Upload[]): Promise<void> {
  for (let w = 1; w <= workers; w++) startChild(`worker ${w}`, [cli, 'worker'], central.env);
  const started = performance.now();
  const rows = await waitForProcessed(
    central.pool,
    uploads.map((u) => u.batchId),
  );
  const seconds = (performance.now() - started) / 1000;
  const failed = rows.filter((b) => b.state !== 'processed').length;
  say(
    `then ${workers} workers post-processed them in ${seconds.toFixed(2)} s (${(rows.length / seconds).toFixed(1)} drops/s); not processed: ${failed}`,
  );
  if (failed > 0) process.exitCode = 1;
}

// --- scenario: catch-up ---------------------------------------------------------------------

/** The park of `--held`: it never uploads, its rows only wait. */
const HELD_PARK = 'held-park';

async function catchUp(): Promise<void> {
  const live = Array.from({ length: LIVE_PARKS }, (_, i) => `live-park-${i + 1}`);
  const behind = 'backlog-park';
  say(
    `Generating ${LIVE_PARKS} live parks × ${LIVE_DROPS} drops and a backlog of ${BACKLOG} drops at ${RATE_HZ} Hz…`,
  );
  const drops = new Map(live.map((p, i) => [p, generate(p, 2000 + i, LIVE_DROPS + 1)]));
  const backlog = generate(behind, 3000, BACKLOG + 1);
  const liveRate = (LIVE_PARKS * 1000) / LIVE_INTERVAL_MS;
  say(
    `  live: a drop every ${LIVE_INTERVAL_MS} ms per park (${liveRate.toFixed(1)} drops/s together), ${WORKERS} workers`,
  );
  if (HELD > 0) say(`  in both runs ${HELD_PARK} has ${HELD} drops waiting behind its share`);

  const runOnce = async (withBacklog: boolean) => {
    const central = await startCentral([...live, behind], WORKERS);
    try {
      if (HELD > 0) {
        await createPark(central.pool, { id: HELD_PARK, name: HELD_PARK, timezone: 'Europe/Rome' });
        await holdRows(central.pool, HELD_PARK, HELD);
      }
      const client = (p: string) =>
        createParkClient(central.url, central.tokens.get(p) ?? '', { fetch: bodyAsIsFetch });
      // Warm-up: one drop per park, processed before the clock starts.
      const warm = await Promise.all(
        [...live, behind].map((p) =>
          uploadToCentral(
            client(p),
            p,
            (p === behind ? backlog : (drops.get(p) ?? []))[0] as BenchDrop,
            CHUNK,
          ),
        ),
      );
      await waitForProcessed(
        central.pool,
        warm.map((u) => u.batchId),
      );
      const cpu = machineCpu();
      const started = performance.now();
      let liveDone = false;
      const backlogRun = withBacklog
        ? (async () => {
            const c = client(behind);
            const out: Upload[] = [];
            for (const drop of backlog.slice(1)) {
              out.push(await uploadToCentral(c, behind, drop, CHUNK));
              if (liveDone) break;
            }
            return out;
          })()
        : Promise.resolve([]);
      const liveRun = Promise.all(
        live.map(async (p, i) => {
          const c = client(p);
          const out: Upload[] = [];
          for (const [k, drop] of (drops.get(p) ?? []).slice(1).entries()) {
            // Open loop: each drop at its time, phases spread over the interval.
            const due = started + (i / LIVE_PARKS + k) * LIVE_INTERVAL_MS;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            out.push(await uploadToCentral(c, p, drop, CHUNK));
          }
          return out;
        }),
      ).then((r) => r.flat());
      const liveUploads = await liveRun;
      const liveRows = await waitForProcessed(
        central.pool,
        liveUploads.map((u) => u.batchId),
      );
      const liveSeconds = (performance.now() - started) / 1000;
      liveDone = true;
      const backlogUploads = await backlogRun;
      const backlogProcessed = await central.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM batches WHERE park_id = $1 AND state = 'processed' AND received_at > now() - $2::float8 * interval '1 second'",
        [behind, liveSeconds + 60],
      );
      const depth = await central.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM batches
          WHERE state IN ('stored', 'queued', 'processing') AND park_id <> $1`,
        [HELD_PARK],
      );
      return {
        liveUploads,
        liveRows,
        liveSeconds,
        backlogUploads,
        backlogProcessed: backlogProcessed.rows[0]?.n ?? 0,
        waiting: depth.rows[0]?.n ?? 0,
        cpu: describeCpuUse(cpu, machineCpu()),
      };
    } finally {
      await central.close();
    }
  };

  const show = (label: string, r: Awaited<ReturnType<typeof runOnce>>) => {
    const toProcessed = r.liveRows
      .map((b) => b.to_processed_ms)
      .filter((v): v is number => v !== null);
    say('');
    say(`${label}: live phase ${r.liveSeconds.toFixed(1)} s (${r.cpu})`);
    say(
      `  live commit: ${latencyTail(
        r.liveUploads.map((u) => u.commitMs),
        COMMIT_TARGET_MS,
      )}`,
    );
    say(`  live commit → processed: ${p50p99(toProcessed)} (${toProcessed.length} drops)`);
    // Which stage the tail is in: the outbox, the queue (FIFO behind other parks' jobs) or the job.
    const stage = (key: 'to_queued_ms' | 'queue_wait_ms' | 'job_ms') =>
      p50p99(r.liveRows.map((b) => b[key]).filter((v): v is number => v !== null));
    say(
      `    of which committed → published ${stage('to_queued_ms')}; published → job started ${stage('queue_wait_ms')}; job ${stage('job_ms')}`,
    );
    const ms = (v: number | null) => (v === null ? '?' : Math.round(v).toString());
    const worst = [...r.liveRows]
      .sort((a, b) => (b.to_processed_ms ?? 0) - (a.to_processed_ms ?? 0))
      .slice(0, 4)
      .map(
        (b) =>
          `${ms(b.to_processed_ms)} (${ms(b.to_queued_ms)}/${ms(b.queue_wait_ms)}/${ms(b.job_ms)})`,
      );
    say(`    worst four, ms (committed → published / → job started / job): ${worst.join(', ')}`);
    if (r.backlogUploads.length > 0) {
      const mb = bytesOf(backlog.slice(1, r.backlogUploads.length + 1));
      say(
        `  backlog park meanwhile: ${r.backlogUploads.length} drops committed (${megabytesPerSecond(mb, r.liveSeconds)} MB/s), ${r.backlogProcessed} processed, commit ${p50p99(r.backlogUploads.map((u) => u.commitMs))}; ${r.waiting} batches still waiting at the end`,
      );
    }
    return percentile(toProcessed, 0.99);
  };
  const quiet = show('live parks alone', await runOnce(false));
  const waitsBefore = rateLimitedSoFar();
  const busy = show('live parks + one park catching up', await runOnce(true));
  say(`  429 answers waited out (central's per-park limit): ${rateLimitedSoFar() - waitsBefore}`);
  say('');
  say(
    `live commit → processed p99 with the catch-up ÷ without: ${(busy / quiet).toFixed(2)}× (target ≤ 2×)`,
  );
}

async function main(): Promise<void> {
  // The simulated parks are this process: their collector must not take the API's cores.
  setHeapGrowth();
  if (flags['keep-logs']) mkdirSync(flags['keep-logs'], { recursive: true });
  if (SCENARIO !== 'wire') return catchUp();
  const pinning = PIN ? pinForServerAlone() : null;
  if (pinning) {
    say(
      `pinned: each server alone on CPU ${SERVER_CPU}; the parks, PostgreSQL and RabbitMQ on CPU ${OTHERS_CPU}`,
    );
  }
  try {
    await wire();
  } finally {
    pinning?.restore();
  }
}

// A rejection nobody awaited yet (one park's upload while the others still run) ends the
// process without reaching main's catch: the API and workers must not outlive it.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

main().catch(async (err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopChildren();
  process.exitCode = 1;
});
