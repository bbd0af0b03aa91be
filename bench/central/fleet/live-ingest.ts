import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { localParts, verifyDrop, writeDrops, type RideModels } from '@zra/shared';
import type pg from 'pg';
import { createDashboardClient } from '../../../central/src/testing/dashboard-client.ts';
import { createParkClient } from '../../../central/src/testing/test-central.ts';
import { bodyAsIsFetch } from '../../lib/body-as-is-fetch.ts';
import { median, percentile } from '../../lib/stats.ts';
import { uploadToCentral } from '../park-upload.ts';

const HOUR = 3_600_000;
// The agent's default chunk size: a drop up to this size is sent whole, in one request.
const CHUNK = 4 * 1024 * 1024;
/** The phase's first seconds, which the puts' figures are also given without. */
export const WARM_S = 5;
/** How often the dashboard polls a page (central/dashboard/src/app.tsx). */
const POLL_MS = 5000;

/** One simulated park agent: its park, token and time zone, and the rides it sends. */
export interface LiveAgent {
  park: string;
  token: string;
  timezone: string;
  rides: { id: string; model: string }[];
}

interface Drop {
  path: string;
  fileName: string;
  sha256: string;
  contentId: string;
  bytes: number;
}

/**
 * Writes `perAgent` drops for each agent with the project's generator: consecutive hours in
 * the park's afternoon (while its rides are powered), the latest such block that ended before
 * now, so the windows fall in the gap the seed left for live parks. SHA-256 and content id are
 * computed here, as the agent has them from pull time.
 */
export async function generateLiveDrops(
  agents: LiveAgent[],
  perAgent: number,
  rateHz: number,
  dir: string,
  models: RideModels,
  say: (line: string) => void,
): Promise<Map<string, Drop[]>> {
  const out = new Map<string, Drop[]>();
  const hoursPerRide = Math.min(11, perAgent);
  const ridesNeeded = Math.ceil(perAgent / hoursPerRide);
  const nowMs = Date.now();
  for (const [i, a] of agents.entries()) {
    // The latest block of `hoursPerRide` UTC hours whose local hours lie in 10:00–21:00.
    let end = Math.floor(nowMs / HOUR) * HOUR;
    const inDay = (t: number) => {
      const h = localParts(t, a.timezone).hour;
      return h >= 10 && h < 21;
    };
    for (;;) {
      let ok = true;
      for (let k = 1; k <= hoursPerRide; k++) ok &&= inDay(end - k * HOUR);
      if (ok) break;
      end -= HOUR;
    }
    const start = localParts(end - hoursPerRide * HOUR, a.timezone);
    const folder = join(dir, a.park);
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    await writeDrops(
      {
        park: a.park,
        rides: a.rides.slice(0, ridesNeeded),
        from: `${start.year}-${String(start.month).padStart(2, '0')}-${String(start.day).padStart(2, '0')}`,
        fromHour: start.hour,
        hours: hoursPerRide,
        seed: 7000 + i,
        timezone: a.timezone,
        rateHz,
      },
      folder,
      models,
    );
    const drops = readdirSync(folder)
      .filter((f) => f.endsWith('.zip'))
      .sort()
      .slice(0, perAgent)
      .map((fileName) => {
        const path = join(folder, fileName);
        const zip = readFileSync(path);
        const verdict = verifyDrop(zip);
        if (!verdict.ok) throw new Error(`generated drop ${fileName} is invalid`);
        return {
          path,
          fileName,
          sha256: createHash('sha256').update(zip).digest('hex'),
          contentId: verdict.contentId,
          bytes: zip.length,
        };
      });
    if (drops.length < perAgent) {
      throw new Error(`only ${drops.length} drops generated for ${a.park}; ask for fewer`);
    }
    out.set(a.park, drops);
    if ((i + 1) % 25 === 0) say(`  generated drops for ${i + 1} of ${agents.length} agents`);
  }
  return out;
}

/** What the live phase measured. */
export interface LiveResult {
  agents: number;
  offeredPerS: number;
  seconds: number;
  committed: number;
  committedPerS: number;
  processedInWindow: number;
  processedPerS: number;
  drainS: number;
  megabytesPerS: number;
  /** Each drop's put (its one request) or, for one sent in chunks, its commit, in ms. */
  commits: number[];
  /**
   * The same, of the drops sent after the phase's first WARM_S: the first puts reach an API
   * that has just started (its database connections not yet open, its code not yet compiled
   * by V8), which a running central does not.
   */
  commitsWarm: number[];
  /** Begin + chunks of each drop sent in chunks (over 4 MiB), in ms; empty when none was. */
  sends: number[];
  toProcessedP50: number;
  toProcessedP99: number;
  /** How late agents started a drop behind their schedule (their previous upload still ran). */
  lateP99: number;
  queueSamples: { atS: number; postprocess: number; outbox: number; running: number; ms: number }[];
  /** Each `dashboard.fleet` call of the simulated viewers, in ms. */
  fleetCalls: number[];
  failed: number;
}

/**
 * Open loop: every agent sends its drops one after another on a schedule that adds up to
 * `ratePerS` for the whole fleet (agent j's m-th drop at (m + j / agents) × agents / rate
 * seconds), as the agent sends them (whole in one request up to 4 MiB, as 50 Hz drops are;
 * larger ones as begin, chunks and commit); an agent still busy with its previous drop
 * starts late (counted). Queue depths and the outbox are read through the dashboard every
 * 5 s, and `viewers` signed-in people keep the fleet page open (`dashboard.fleet` every 5 s
 * each, as the dashboard polls, their phases spread). After the last commit it waits until
 * every drop is processed.
 */
export async function runLiveIngest(
  url: string,
  pool: pg.Pool,
  login: { username: string; password: string },
  agents: LiveAgent[],
  drops: Map<string, Drop[]>,
  ratePerS: number,
  viewers: number,
  say: (line: string) => void,
): Promise<LiveResult> {
  const perAgent = Math.min(...agents.map((a) => drops.get(a.park)?.length ?? 0));
  const period = (agents.length / ratePerS) * 1000;
  const session = createDashboardClient(url);
  await session.login(login.username, login.password);
  const started = performance.now();
  const startedAt = new Date();
  const samples: LiveResult['queueSamples'] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = performance.now();
      const q = await session.client.dashboard.queues.query();
      samples.push({
        atS: (t - started) / 1000,
        postprocess:
          q.queues.find((x) => x.queue === 'postprocess' && !x.deadLetter)?.messages ?? 0,
        outbox: q.outbox.unpublished,
        running: q.running.postprocess,
        ms: performance.now() - t,
      });
      await new Promise((r) => setTimeout(r, 5000));
    }
  })();
  const fleetCalls: number[] = [];
  const watchers: ReturnType<typeof createDashboardClient>[] = [];
  // One after another: central hashes one password at a time and refuses a crowd of sign-ins.
  for (let v = 0; v < viewers; v++) {
    const viewer = createDashboardClient(url);
    await viewer.login(login.username, login.password);
    watchers.push(viewer);
  }
  const watching = watchers.map(async (viewer, v) => {
    await new Promise((r) => setTimeout(r, (v * POLL_MS) / viewers));
    while (sampling) {
      const t = performance.now();
      await viewer.client.dashboard.fleet.query();
      fleetCalls.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });
  const commits: number[] = [];
  const commitsWarm: number[] = [];
  const sends: number[] = [];
  const late: number[] = [];
  const ids: string[] = [];
  let bytes = 0;
  // The parks' drops are read into buffers used again and again: the simulated parks run on
  // the cores of the system they measure, and a new buffer per drop cost a full collection of
  // their heap every few seconds (bodyAsIsFetch says more).
  const buffers = reusedBuffers();
  await Promise.all(
    agents.map(async (a, j) => {
      const client = createParkClient(url, a.token, { fetch: bodyAsIsFetch });
      for (const [m, d] of (drops.get(a.park) ?? []).slice(0, perAgent).entries()) {
        const due = started + (m + j / agents.length) * period;
        const wait = due - performance.now();
        late.push(Math.max(0, -wait));
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sentAt = performance.now();
        const sent = await buffers.using(d.bytes, (into) => {
          const zip = readWhole(d.path, into);
          return uploadToCentral(client, a.park, { ...d, zip }, CHUNK);
        });
        commits.push(sent.commitMs);
        if (sentAt - started >= WARM_S * 1000) commitsWarm.push(sent.commitMs);
        if (sent.sendMs > 0) sends.push(sent.sendMs);
        ids.push(sent.batchId);
        bytes += d.bytes;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const endedAt = new Date();
  say(`  ${ids.length} drops committed in ${seconds.toFixed(1)} s; waiting for processing…`);
  let rows: { state: string; to_processed_ms: number | null; processed_at: Date | null }[] = [];
  for (;;) {
    const r = await pool.query<{
      state: string;
      to_processed_ms: number | null;
      processed_at: Date | null;
    }>(
      `SELECT state, processed_at,
              (extract(epoch FROM processed_at - received_at) * 1000)::float8 AS to_processed_ms
         FROM batches WHERE id = ANY ($1::uuid[])`,
      [ids],
    );
    rows = r.rows;
    if (rows.every((b) => b.state === 'processed' || b.state === 'failed')) break;
    if ((performance.now() - started) / 1000 > seconds + 1800) {
      throw new Error('drops still unprocessed 30 min after the last commit');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  sampling = false;
  await sampler;
  await Promise.all(watching);
  const drainS = (performance.now() - started) / 1000 - seconds;
  const toProcessed = rows.map((b) => b.to_processed_ms).filter((v): v is number => v !== null);
  const inWindow = rows.filter(
    (b) => b.processed_at && b.processed_at >= startedAt && b.processed_at <= endedAt,
  ).length;
  return {
    agents: agents.length,
    offeredPerS: ratePerS,
    seconds,
    committed: ids.length,
    committedPerS: ids.length / seconds,
    processedInWindow: inWindow,
    processedPerS: inWindow / seconds,
    drainS,
    megabytesPerS: bytes / 1e6 / seconds,
    commits,
    commitsWarm,
    sends,
    toProcessedP50: median(toProcessed),
    toProcessedP99: percentile(toProcessed, 0.99),
    lateP99: percentile(late, 0.99),
    queueSamples: samples,
    fleetCalls,
    failed: rows.filter((b) => b.state === 'failed').length,
  };
}

/** Buffers lent to one use at a time and kept for the next: at most as many as ever in use. */
function reusedBuffers() {
  const free: Buffer[] = [];
  return {
    async using<T>(bytes: number, use: (buffer: Buffer) => Promise<T>): Promise<T> {
      const i = free.findIndex((b) => b.length >= bytes);
      const buffer = i >= 0 ? (free.splice(i, 1)[0] as Buffer) : Buffer.allocUnsafeSlow(bytes);
      try {
        return await use(buffer);
      } finally {
        free.push(buffer);
      }
    },
  };
}

/** The whole file at `path`, read into the start of `into`, which must be large enough. */
function readWhole(path: string, into: Buffer): Buffer {
  const fd = openSync(path, 'r');
  try {
    let at = 0;
    for (;;) {
      const n = readSync(fd, into, at, into.length - at, at);
      if (n === 0) break;
      at += n;
      if (at === into.length) {
        if (readSync(fd, Buffer.alloc(1), 0, 1, at) !== 0) throw new Error(`${path} grew`);
        break;
      }
    }
    return into.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}
