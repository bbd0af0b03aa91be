import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import Database from 'better-sqlite3';
import pg from 'pg';
import { figureParams } from '../../central/src/reports/figures/figure-scope.ts';
import { LIVE_BATCHES, LIVE_CYCLES } from '../../central/src/reports/figures/live-content.ts';
import type { ChaosRide, WrittenFile } from './drop-writer.ts';

/** One broken guarantee, with what a person needs to find its cause. */
export interface Violation {
  check: string;
  detail: string;
  /** When the thing went wrong, if known (epoch ms): the summary lists the faults around it. */
  at?: number;
}

/** Where to look; all direct (no fault proxy), read after the faults stopped. */
export interface CheckTargets {
  databaseUrl: string;
  amqpUrl: string;
  agentDataDir: string;
  blobDir: string;
  gatewayRoot: string;
  park: string;
  rides: readonly ChaosRide[];
  written: readonly WrittenFile[];
}

const QUEUES = ['postprocess', 'report', 'postprocess.dlq', 'report.dlq'];
const FINAL_BATCH_STATES = new Set(['processed']);

interface BatchRow {
  id: string;
  ride_id: string | null;
  content_id: string | null;
  sha256: string;
  file_name: string;
  state: string;
  error: string | null;
  window_start: Date | null;
  superseded_by: string | null;
  received_at: Date;
  /** Commit order of the ride's drops (R2: the newest commit is the live one). */
  commit_seq: string | null;
}

/** What the system holds now, read once, for the checks and for the drain's progress. */
export interface Snapshot {
  batches: BatchRow[];
  outboxUnpublished: number;
  openJobRuns: { id: string; type: string; subject: string; started_at: Date }[];
  uploads: {
    id: string;
    file_name: string;
    received_bytes: string;
    bytes: string;
    updated_at: Date;
  }[];
  agentDrops: {
    sha256: string;
    content_id: string | null;
    file_name: string;
    state: string;
    reason: string | null;
    last_upload_error: string | null;
  }[];
  queues: { name: string; messages: number }[];
}

/** Reads the state of central, the broker and the agent; parts that cannot be read say so. */
export async function takeSnapshot(t: CheckTargets): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: t.databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const batches = await client.query<BatchRow>(
      `SELECT id, ride_id, content_id, sha256, file_name, state, error, window_start,
              superseded_by, received_at, commit_seq FROM batches`,
    );
    const outbox = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    const jobs = await client.query<Snapshot['openJobRuns'][number]>(
      'SELECT id, type, subject, started_at FROM job_runs WHERE ended_at IS NULL',
    );
    const uploads = await client.query<Snapshot['uploads'][number]>(
      'SELECT id, file_name, received_bytes, bytes, updated_at FROM uploads',
    );
    return {
      batches: batches.rows,
      outboxUnpublished: Number(outbox.rows[0]?.n ?? 0),
      openJobRuns: jobs.rows,
      uploads: uploads.rows,
      agentDrops: readAgentDrops(t.agentDataDir),
      queues: await queueDepths(t.amqpUrl),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function readAgentDrops(dataDir: string): Snapshot['agentDrops'] {
  const file = path.join(dataDir, 'buffer.sqlite');
  if (!existsSync(file)) return [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db
      .prepare('SELECT sha256, content_id, file_name, state, reason, last_upload_error FROM drops')
      .all() as Snapshot['agentDrops'];
  } finally {
    db.close();
  }
}

async function queueDepths(url: string): Promise<Snapshot['queues']> {
  const connection = await amqp.connect(url, { timeout: 5000 });
  connection.on('error', () => undefined);
  const out: Snapshot['queues'] = [];
  try {
    for (const name of QUEUES) {
      // A channel per queue: checking a missing queue closes the channel.
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        const q = await channel.checkQueue(name);
        out.push({ name, messages: q.messageCount });
        await channel.close();
      } catch {
        // Not declared (e.g. no report was ever asked for): empty by definition.
      }
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
  return out;
}

/** What still keeps the system from being drained; empty when it is. */
export function pending(s: Snapshot, written: readonly WrittenFile[]): string[] {
  const processed = new Set(
    s.batches.filter((b) => b.state === 'processed').map((b) => b.content_id),
  );
  const notProcessed = new Set(
    written.filter((w) => !processed.has(w.contentId)).map((w) => w.contentId),
  );
  const inFlight = s.batches.filter((b) => ['stored', 'queued', 'processing'].includes(b.state));
  const agentBusy = s.agentDrops.filter((d) => d.state === 'buffered' || d.state === 'uploading');
  const queued = s.queues.filter((q) => q.messages > 0);
  return [
    notProcessed.size ? `${notProcessed.size} drops not processed at central` : '',
    inFlight.length ? `${inFlight.length} batches stored/queued/processing` : '',
    s.outboxUnpublished ? `${s.outboxUnpublished} outbox rows unpublished` : '',
    s.openJobRuns.length ? `${s.openJobRuns.length} job runs without an end` : '',
    s.uploads.length ? `${s.uploads.length} uploads open` : '',
    agentBusy.length ? `${agentBusy.length} agent drops buffered/uploading` : '',
    queued.length ? `messages in ${queued.map((q) => `${q.name} (${q.messages})`).join(', ')}` : '',
  ].filter(Boolean);
}

/** Every invariant of the campaign, on a snapshot taken after the drain. */
export async function checkInvariants(t: CheckTargets, s: Snapshot): Promise<Violation[]> {
  const v: Violation[] = [];
  const add = (check: string, detail: string, at?: Date | number) =>
    v.push({ check, detail, ...(at === undefined ? {} : { at: Number(at) }) });
  const byContent = new Map<string, BatchRow>();
  for (const b of s.batches) if (b.content_id) byContent.set(b.content_id, b);
  const written = new Map<string, WrittenFile>();
  for (const w of t.written) if (!written.has(w.contentId)) written.set(w.contentId, w);

  // 1. The set of drops on the gateway equals the set processed at central.
  for (const [contentId, w] of written) {
    const b = byContent.get(contentId);
    if (!b)
      add(
        'lost',
        `${w.ride}/${w.fileName} (${w.kind}, content ${short(contentId)}) has no batch at central`,
        w.startedAt,
      );
    else if (b.state !== 'processed') {
      add(
        'not-processed',
        `${w.ride}/${w.fileName}: batch ${b.id} is ${b.state}${b.error ? `: ${b.error}` : ''}`,
        b.received_at,
      );
    }
  }
  for (const b of s.batches) {
    if (!b.content_id) {
      add(
        'quarantined-at-central',
        `batch ${b.id} (${b.file_name}) quarantined: ${b.error ?? '?'}`,
      );
    } else if (!written.has(b.content_id)) {
      add('unexpected-batch', `batch ${b.id} (${b.file_name}) holds content nobody wrote`);
    }
    if (!FINAL_BATCH_STATES.has(b.state)) {
      add(
        'batch-not-final',
        `batch ${b.id} (${b.file_name}) is ${b.state}${b.error ? `: ${b.error}` : ''}`,
        b.received_at,
      );
    }
  }

  // 2. One live batch per ride-window, the newest committed; no cycle counted twice.
  const windows = new Map<string, BatchRow[]>();
  for (const b of s.batches) {
    if (!b.content_id || !b.window_start) continue;
    const key = `${b.ride_id}@${b.window_start.toISOString()}`;
    windows.set(key, [...(windows.get(key) ?? []), b]);
  }
  const liveIds: string[] = [];
  for (const [key, rows] of windows) {
    const live = rows.filter((b) => b.superseded_by === null);
    const newest = rows.reduce((a, b) => (commitOrder(b) > commitOrder(a) ? b : a));
    if (live.length !== 1) {
      add(
        'window-live-count',
        `${key}: ${live.length} live batches (${live.map((b) => b.file_name).join(', ') || 'none'}) of ${rows.length}`,
      );
    } else if (live[0]?.id !== newest.id) {
      add(
        'window-not-newest',
        `${key}: live ${live[0]?.file_name}, newest committed ${newest.file_name}`,
      );
    }
    liveIds.push(...live.map((b) => b.id));
  }
  await checkFigures(t, s, liveIds, windows, add);

  // 3. Nothing left in a non-final state.
  if (s.outboxUnpublished > 0)
    add('outbox-unpublished', `${s.outboxUnpublished} outbox rows never published`);
  for (const j of s.openJobRuns) {
    add(
      'job-run-open',
      `${j.type} job run ${j.id} for ${j.subject} started ${j.started_at.toISOString()} never ended`,
      j.started_at,
    );
  }
  for (const u of s.uploads) {
    add(
      'upload-open',
      `upload ${u.id} (${u.file_name}) left at ${u.received_bytes}/${u.bytes} bytes`,
      u.updated_at,
    );
  }
  for (const q of s.queues)
    if (q.messages > 0) add('queue-not-empty', `${q.name} holds ${q.messages} messages`);
  const agentContent = new Set<string>();
  for (const d of s.agentDrops) {
    if (d.content_id) agentContent.add(d.content_id);
    if (d.state !== 'acknowledged') {
      add(
        'agent-drop-not-final',
        `agent drop ${d.file_name} (${short(d.sha256)}) is ${d.state}: ${d.reason ?? d.last_upload_error ?? ''}`,
      );
    }
  }
  for (const [contentId, w] of written) {
    if (!agentContent.has(contentId))
      add(
        'agent-missing',
        `the agent never recorded ${w.ride}/${w.fileName} (${w.kind})`,
        w.startedAt,
      );
  }
  checkGateway(t, add);

  // 4. No temp files.
  for (const f of [
    ...files(path.join(t.agentDataDir, 'tmp')),
    ...files(path.join(t.blobDir, 'uploads')),
    ...files(path.join(t.blobDir, 'tmp')),
    ...files(path.join(t.blobDir, 'blobs')).filter((f) => !f.endsWith('.zip')),
  ]) {
    add('temp-file', f);
  }

  // 5. Integrity of both databases.
  checkSqlite(t.agentDataDir, add);
  await checkPostgres(t.databaseUrl, add);
  return v;
}

/**
 * Figures against an independent count. Hourly: each live batch's hourly rows count as many
 * cycles as distinct ids started in its window, counted from its zip. Counting rule (R4):
 * central's own figure SQL (reports/figures/live-content.ts, what reports and the dashboard
 * count) yields each (ride, cycle id) once, and exactly the ids of the newest committed
 * content of every ride-window, counted from the zips.
 */
async function checkFigures(
  t: CheckTargets,
  s: Snapshot,
  liveIds: string[],
  windows: Map<string, BatchRow[]>,
  add: (check: string, detail: string, at?: Date | number) => void,
): Promise<void> {
  const content = new Map<string, WrittenFile>();
  for (const w of t.written) if (!content.has(w.contentId)) content.set(w.contentId, w);
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    const hourly = await client.query<{ batch_id: string; cycles: string }>(
      `SELECT batch_id, sum(cycles) AS cycles FROM hourly_aggregates
        WHERE batch_id = ANY($1::uuid[]) GROUP BY batch_id`,
      [liveIds],
    );
    const counted = new Map(hourly.rows.map((r) => [r.batch_id, Number(r.cycles)]));
    const byId = new Map(s.batches.map((b) => [b.id, b]));
    for (const id of liveIds) {
      const b = byId.get(id);
      const w = b?.content_id ? content.get(b.content_id) : undefined;
      if (!b || !w || b.state !== 'processed') continue;
      const got = counted.get(id) ?? 0;
      if (got !== w.cycleIds.length) {
        add(
          'hourly-cycles',
          `${b.file_name}: hourly figures count ${got} cycles, the zip holds ${w.cycleIds.length}`,
        );
      }
    }

    // Expected: the ids of the newest committed content of each ride-window, once per ride.
    const expected = new Map<string, Set<string>>();
    let from = Infinity;
    let to = -Infinity;
    for (const rows of windows.values()) {
      const newest = rows.reduce((a, b) => (commitOrder(b) > commitOrder(a) ? b : a));
      const w = newest.content_id ? content.get(newest.content_id) : undefined;
      if (!w || !newest.ride_id || !newest.window_start) continue;
      const ids = expected.get(newest.ride_id) ?? new Set<string>();
      for (const id of w.cycleIds) ids.add(id);
      expected.set(newest.ride_id, ids);
      from = Math.min(from, newest.window_start.getTime());
      to = Math.max(to, newest.window_start.getTime() + 3_600_000);
    }
    if (!Number.isFinite(from)) return;
    const figures = await client.query<{ ride_id: string; cycle_id: string; n: string }>(
      `WITH ${LIVE_BATCHES}, ${LIVE_CYCLES}
       SELECT ride_id, cycle_id, count(*) AS n FROM cycle GROUP BY ride_id, cycle_id`,
      figureParams({
        buckets: [{ park: t.park, start: new Date(from), end: new Date(to) }],
        ride: null,
      }),
    );
    const got = new Map<string, Set<string>>();
    for (const r of figures.rows) {
      if (Number(r.n) > 1) {
        add(
          'cycle-counted-twice',
          `${r.ride_id} cycle ${r.cycle_id} counted ${r.n} times by central's figures`,
        );
      }
      const ids = got.get(r.ride_id) ?? new Set<string>();
      ids.add(r.cycle_id);
      got.set(r.ride_id, ids);
    }
    for (const ride of new Set([...expected.keys(), ...got.keys()])) {
      const want = expected.get(ride) ?? new Set<string>();
      const have = got.get(ride) ?? new Set<string>();
      const missing = [...want].filter((id) => !have.has(id));
      const extra = [...have].filter((id) => !want.has(id));
      if (missing.length || extra.length) {
        add(
          'cycles-figure',
          `${ride}: central counts ${have.size} cycles, the newest content of each window holds ${want.size}` +
            `${missing.length ? `; not counted: ${missing.slice(0, 5).join(', ')}` : ''}` +
            `${extra.length ? `; counted but in no live content: ${extra.slice(0, 5).join(', ')}` : ''}`,
        );
      }
    }
  } finally {
    await client.end();
  }
}

/** The order central committed batches in (commit_seq; the receive time where absent). */
function commitOrder(b: BatchRow): number {
  return b.commit_seq !== null ? Number(b.commit_seq) : b.received_at.getTime() / 1000;
}

function checkGateway(t: CheckTargets, add: (check: string, detail: string) => void): void {
  for (const ride of t.rides) {
    const dir = path.join(t.gatewayRoot, ride.dir);
    const left = files(dir).map((f) => path.basename(f));
    const partial = left.filter((f) => !f.endsWith('.zip'));
    for (const f of partial) add('gateway-partial-file', `${ride.dir}/${f}`);
    if (ride.mode !== 'keep') {
      for (const f of left.filter((n) => n.endsWith('.zip'))) {
        add(
          'gateway-file-left',
          `${ride.dir}/${f} was never ${ride.mode === 'delete' ? 'deleted' : 'moved'} by the agent`,
        );
      }
    }
  }
}

function checkSqlite(dataDir: string, add: (check: string, detail: string) => void): void {
  const db = new Database(path.join(dataDir, 'buffer.sqlite'), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const result = db.pragma('integrity_check') as { integrity_check: string }[];
    const lines = result.map((r) => r.integrity_check);
    if (lines.join() !== 'ok') add('sqlite-integrity', lines.slice(0, 10).join('; '));
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length > 0) add('sqlite-foreign-keys', JSON.stringify(fk.slice(0, 5)));
  } finally {
    db.close();
  }
}

async function checkPostgres(
  url: string,
  add: (check: string, detail: string, at?: Date | number) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
    const indexes = await client.query<{ name: string; oid: number }>(
      `SELECT c.relname AS name, c.oid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'btree' AND c.relpersistence <> 't' AND i.indisvalid`,
    );
    for (const idx of indexes.rows) {
      try {
        await client.query('SELECT bt_index_check($1::regclass, true)', [idx.oid]);
      } catch (err) {
        add('postgres-index', `${idx.name}: ${(err as Error).message}`);
      }
    }
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = 'public'`,
    );
    for (const table of tables.rows) {
      const bad = await client.query<{ blkno: string; msg: string }>(
        'SELECT blkno, msg FROM verify_heapam($1::regclass)',
        [table.name],
      );
      for (const r of bad.rows.slice(0, 5))
        add('postgres-heap', `${table.name} block ${r.blkno}: ${r.msg}`);
    }
    // Rows that only a half-applied transaction could leave.
    const orphans = await client.query<{ what: string; n: string }>(
      `SELECT 'results of a batch not processed' AS what, count(*) AS n FROM cycles c
         JOIN batches b ON b.id = c.batch_id WHERE b.state <> 'processed'
       UNION ALL
       SELECT 'processed batch without hourly figures', count(*) FROM batches b
        WHERE b.state = 'processed'
          AND NOT EXISTS (SELECT 1 FROM hourly_aggregates h WHERE h.batch_id = b.id)
       UNION ALL
       SELECT 'batch superseded by another ride-window', count(*) FROM batches b
         JOIN batches n ON n.id = b.superseded_by
        WHERE n.ride_id IS DISTINCT FROM b.ride_id OR n.window_start IS DISTINCT FROM b.window_start
       UNION ALL
       SELECT 'batch without its outbox row', count(*) FROM batches b
        WHERE b.content_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = b.id::text)`,
    );
    for (const r of orphans.rows)
      if (Number(r.n) > 0) add('postgres-consistency', `${r.n} × ${r.what}`);
  } finally {
    await client.end();
  }
}

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

const short = (sha: string) => sha.slice(0, 12);
