/**
 * Ingest benchmark: N simulated parks upload generated drops at once to one central API
 * process (real PostgreSQL and RabbitMQ), with W worker processes post-processing them.
 * Prints drops/s and MB/s ingested, commit latency and the time from commit to `processed`.
 *
 *   node_modules/.bin/tsx bench/central/ingest.ts [--parks 8] [--drops 6] [--workers 2]
 *     [--rate-hz 50] [--chunk-kib 1024]
 *
 * Central runs as child processes, the way `serve` and `worker` run in production (and in the
 * demo). Each run uses a fresh database, queue prefix and blob folder, and removes them after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { createPark, createPool, runMigrations, createLogger } from '@zra/central';
import { createParkClient, sendChunk } from '@zra/central/testing';
import { generateDrops, verifyDrop } from '@zra/shared';
import { createTestDatabase } from '../../scripts/harness/postgres.ts';
import { AMQP_URL, deleteQueues, uniqueQueuePrefix } from '../../scripts/harness/rabbitmq.ts';
import { waitFor } from '../../scripts/harness/wait-for.ts';
import { megabytesPerSecond, median, percentile } from '../lib/stats.ts';

const repoRoot = new URL('../..', import.meta.url).pathname;
const cli = join(repoRoot, 'central/src/cli.ts');
const say = (line: string): boolean => process.stdout.write(`${line}\n`);

const { values: flags } = parseArgs({
  options: {
    parks: { type: 'string', default: '8' },
    drops: { type: 'string', default: '6' },
    workers: { type: 'string', default: '2' },
    'rate-hz': { type: 'string', default: '50' },
    'chunk-kib': { type: 'string', default: '1024' },
  },
});
const PARKS = Number(flags.parks);
const DROPS = Number(flags.drops);
const WORKERS = Number(flags.workers);
const RATE_HZ = Number(flags['rate-hz']);
const CHUNK = Number(flags['chunk-kib']) * 1024;
for (const [name, v] of Object.entries({ PARKS, DROPS, WORKERS, RATE_HZ, CHUNK })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name.toLowerCase()} must be positive`);
}

interface Upload {
  park: string;
  bytes: number;
  /** begin and every chunk of the drop. */
  sendMs: number;
  commitMs: number;
  batchId: string;
}

const children: ChildProcess[] = [];

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv) {
  // node itself with the tsx loader, so SIGTERM reaches the process that handles it.
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  let listening: string | null = null;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    tail = (tail + text).slice(-4000);
    // serve logs its URL once it listens (PORT=0 lets the OS pick the port).
    const m = /"url":"(http:[^"]+)","msg":"central API listening"/.exec(tail);
    if (m?.[1]) listening = m[1];
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}) during the benchmark:\n${tail}\n`);
      process.exitCode = 1;
    }
  });
  children.push(child);
  return { child, url: () => listening };
}

let stopping = false;
async function stopChildren(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
}

/** Each park's drops: a ride per 12 drops (a day has ~14 powered hours), a seed per park. */
function generate(park: string, index: number): BenchDrop[] {
  const rides = Math.ceil((DROPS + 1) / 12);
  const drops = generateDrops({
    park,
    rides: Array.from({ length: rides }, (_, i) => ({
      id: `ride-${i + 1}`,
      model: 'discovery-revolution',
    })),
    from: '2026-06-06',
    hours: 24,
    seed: 1000 + index,
    rateHz: RATE_HZ,
  });
  // One more than measured: the first warms up the API (JIT, verifier threads, connections).
  if (drops.length < DROPS + 1) {
    throw new Error(`only ${drops.length} drops generated for ${park}; ask for fewer`);
  }
  // What the agent knows before it uploads (it hashes at pull time), computed outside the clock.
  return drops.slice(0, DROPS + 1).map((drop) => {
    const verdict = verifyDrop(drop.zip);
    if (!verdict.ok) throw new Error(`generated drop ${drop.fileName} is invalid`);
    const sha256 = createHash('sha256').update(drop.zip).digest('hex');
    return { zip: drop.zip, fileName: drop.fileName, sha256, contentId: verdict.contentId };
  });
}

interface BenchDrop {
  zip: Buffer;
  fileName: string;
  sha256: string;
  contentId: string;
}

/** One park agent: its drops one after another (begin, chunks, commit), timing the commit. */
async function uploadPark(
  url: string,
  park: string,
  token: string,
  drops: BenchDrop[],
): Promise<Upload[]> {
  const client = createParkClient(url, token);
  const out: Upload[] = [];
  for (const drop of drops) {
    const sendStarted = performance.now();
    const begun = await client.ingest.begin.mutate({
      sha256: drop.sha256,
      contentId: drop.contentId,
      bytes: drop.zip.length,
      fileName: drop.fileName,
    });
    if (begun.status !== 'upload') throw new Error(`${drop.fileName}: ${begun.status}`);
    let offset = begun.offset;
    while (offset < drop.zip.length) {
      const next = await sendChunk(
        client,
        begun.uploadId,
        offset,
        drop.zip.subarray(offset, offset + CHUNK),
      );
      offset = next.offset;
    }
    const sendMs = performance.now() - sendStarted;
    const started = performance.now();
    const committed = await client.ingest.commit.mutate({ uploadId: begun.uploadId });
    const commitMs = performance.now() - started;
    if (committed.status !== 'stored') throw new Error(`${drop.fileName}: ${committed.status}`);
    out.push({
      park,
      bytes: drop.zip.length,
      sendMs,
      commitMs,
      batchId: committed.batchId,
    });
  }
  return out;
}

interface BatchRow {
  id: string;
  state: string;
  /** processed_at − received_at: both PostgreSQL's clock, from the commit's transaction on. */
  to_processed_ms: number | null;
}

/** Polls until every batch is processed or failed; processed_at is PostgreSQL's clock. */
async function waitForProcessed(pool: pg.Pool, ids: string[]): Promise<BatchRow[]> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const r = await pool.query<BatchRow>(
      `SELECT id, state,
              (extract(epoch FROM processed_at - received_at) * 1000)::float8 AS to_processed_ms
         FROM batches WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (
      r.rows.length === ids.length &&
      r.rows.every((b) => ['processed', 'failed'].includes(b.state))
    ) {
      return r.rows;
    }
    if (Date.now() > deadline) throw new Error('batches still unprocessed after 10 min');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  say(`Generating ${PARKS} parks × ${DROPS} drops at ${RATE_HZ} Hz…`);
  const parks = Array.from({ length: PARKS }, (_, i) => `bench-park-${i + 1}`);
  const drops = new Map(parks.map((p, i) => [p, generate(p, i)]));
  const totalBytes = [...drops.values()]
    .flatMap((d) => d.slice(1))
    .reduce((n, d) => n + d.zip.length, 0);
  say(
    `  ${PARKS * DROPS} drops measured (+1 warm-up per park), ${(totalBytes / 1e6).toFixed(1)} MB of zips`,
  );

  const db = await createTestDatabase('bench_ingest');
  const queuePrefix = uniqueQueuePrefix('bench');
  const blobDir = mkdtempSync(join(tmpdir(), 'zra-bench-ingest-'));
  // Silent: dropping the database at the end ends this pool's last sockets, which is expected.
  const pool = createPool(db.url, createLogger('silent'));
  try {
    await runMigrations(db.url, createLogger('warn'));
    const tokens = new Map<string, string>();
    for (const park of parks) {
      const { token } = await createPark(pool, { id: park, name: park, timezone: 'Europe/Rome' });
      tokens.set(park, token);
    }
    const env = {
      DATABASE_URL: db.url,
      AMQP_URL,
      QUEUE_PREFIX: queuePrefix,
      BLOB_DIR: blobDir,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const api = startChild('central API', ['serve'], env);
    for (let w = 1; w <= WORKERS; w++) startChild(`worker ${w}`, ['worker'], env);
    const url = await waitFor('the API to listen', async () => api.url(), { timeoutMs: 60_000 });
    await waitFor(
      'the API to be ready',
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 60_000 },
    );
    say(`Central API on ${url}, ${WORKERS} worker processes; uploading…`);

    const warmUp = await Promise.all(
      parks.map((p) => uploadPark(url, p, tokens.get(p) ?? '', (drops.get(p) ?? []).slice(0, 1))),
    );
    await waitForProcessed(
      pool,
      warmUp.flat().map((u) => u.batchId),
    );

    const started = performance.now();
    const perPark = await Promise.all(
      parks.map((p) => uploadPark(url, p, tokens.get(p) ?? '', (drops.get(p) ?? []).slice(1))),
    );
    const uploadS = (performance.now() - started) / 1000;
    const uploads = perPark.flat();

    const ids = uploads.map((u) => u.batchId);
    const rows = await waitForProcessed(pool, ids);
    const totalS = (performance.now() - started) / 1000;
    const failed = rows.filter((b) => b.state === 'failed').length;
    // From the commit transaction (received_at) to the worker's result transaction: the
    // client's clock would add the time the commit answer waits on a busy API.
    const toProcessed = rows.map((b) => b.to_processed_ms).filter((v): v is number => v !== null);
    const commits = uploads.map((u) => u.commitMs);
    const sends = uploads.map((u) => u.sendMs);
    const ms = (v: number) => `${Math.round(v)} ms`;

    say('');
    say(
      `parks ${PARKS}, drops ${uploads.length}, ${(totalBytes / 1e6).toFixed(1)} MB, workers ${WORKERS}, chunk ${CHUNK / 1024} KiB`,
    );
    say(`ingest (first begin → last commit): ${uploadS.toFixed(2)} s`);
    say(
      `  ${(uploads.length / uploadS).toFixed(1)} drops/s, ${megabytesPerSecond(totalBytes, uploadS)} MB/s`,
    );
    say(`  begin + chunks per drop: p50 ${ms(median(sends))}, p99 ${ms(percentile(sends, 0.99))}`);
    say(`  commit latency: p50 ${ms(median(commits))}, p99 ${ms(percentile(commits, 0.99))}`);
    say(
      `commit → processed: p50 ${ms(median(toProcessed))}, p99 ${ms(percentile(toProcessed, 0.99))}`,
    );
    say(
      `all processed after ${totalS.toFixed(2)} s (${(uploads.length / totalS).toFixed(1)} drops/s end to end); failed: ${failed}`,
    );
    if (failed > 0) process.exitCode = 1;
  } finally {
    await stopChildren();
    await pool.end();
    await db.drop();
    await deleteQueues(queuePrefix, ['postprocess', 'postprocess.dlq', 'report', 'report.dlq']);
    rmSync(blobDir, { recursive: true, force: true });
  }
}

main().catch(async (err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopChildren();
  process.exitCode = 1;
});
