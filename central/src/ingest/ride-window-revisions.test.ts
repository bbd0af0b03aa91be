import { createHash } from 'node:crypto';
import { MAX_WINDOW_START_AFTER_RECEIVED_MS, verifyDrop, type WrittenDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import type { AppRouter } from '../server/router.ts';
import {
  createParkClient,
  createTestEnvironment,
  createTestPark,
  sendChunk,
  uploadDrop,
  type TestEnvironment,
} from '../testing/test-central.ts';
import { rideHourDrop } from '../testing/ride-hour-drop.ts';
import { waitFor } from '../../../scripts/harness/wait-for.ts';
import type { TRPCClient } from '@trpc/client';

let env: TestEnvironment;
let central: RunningCentral;
let client: TRPCClient<AppRouter>;
/** Central's clock as the ingest checks see it; a test moves it. */
let clockMs = Date.parse('2026-11-01T00:00:00Z');

beforeAll(async () => {
  env = await createTestEnvironment('ride_window');
  // No publisher: the outbox stays as commit left it (the concurrency test locks it).
  central = await startCentral(env.config, {
    publisher: false,
    scheduler: false,
    uploadSweeper: false,
    stuckJobSweeper: false,
    now: () => clockMs,
  });
  const token = await createTestPark(env.pool);
  client = createParkClient(central.url, token);
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

let serial = 0;
/** A valid drop of `ride` for the hour at `start`; each call is other content. */
function drop(ride: string, start: string, sequence: number): WrittenDrop {
  serial += 1;
  return rideHourDrop({
    park: 'test-park',
    ride,
    sequence,
    start,
    serial: `PLC-${serial}`,
    cycles: [{ id: `c${serial}`, at: 5, minutes: 3, riders: 10, peak: 300 }],
    alarms: [],
  });
}

async function store(d: WrittenDrop): Promise<string> {
  const r = await uploadDrop(client, d.zip, d.fileName);
  expect(r.status).toBe('stored');
  return r.batchId;
}

interface Row {
  id: string;
  superseded_by: string | null;
  state: string;
}

async function rideWindow(ride: string, start: string): Promise<Row[]> {
  const r = await env.pool.query<Row>(
    `SELECT id, superseded_by, state FROM batches
      WHERE park_id = 'test-park' AND ride_id = $1 AND window_start = $2
      ORDER BY received_at, id`,
    [ride, start],
  );
  return r.rows;
}

const live = (rows: Row[]) => rows.filter((r) => r.superseded_by === null).map((r) => r.id);

/** Begin and send every byte, without committing: returns the upload id. */
async function stage(d: WrittenDrop): Promise<string> {
  const verdict = verifyDrop(d.zip);
  if (!verdict.ok) throw new Error(verdict.reason);
  const begun = await client.ingest.begin.mutate({
    sha256: createHash('sha256').update(d.zip).digest('hex'),
    contentId: verdict.contentId,
    bytes: d.zip.length,
    fileName: d.fileName,
  });
  if (begun.status !== 'upload') throw new Error('expected a new upload');
  await sendChunk(client, begun.uploadId, 0, d.zip);
  return begun.uploadId;
}

/** Waits until `n` sessions of the test database wait for a lock (the commits held inside). */
async function waitForLockWaiters(what: string, n: number): Promise<void> {
  await waitFor(
    what,
    async () => {
      const r = await env.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return (r.rows[0]?.n ?? 0) >= n;
    },
    { timeoutMs: 30_000, intervalMs: 20 },
  );
}

describe('ride-window revisions at commit', () => {
  it('a later drop of the same ride-window replaces the earlier one whatever its sequence; the newest commit wins', async () => {
    const start = '2026-06-01T10:00:00Z';
    const first = drop('rev-a', start, 1);
    const a = await store(first);
    // A PLC re-export: a higher sequence, then a lower one committed last.
    const b = await store(drop('rev-a', start, 7));
    const c = await store(drop('rev-a', start, 3));
    const neighbour = await store(drop('rev-a', '2026-06-01T11:00:00Z', 8));

    expect(await rideWindow('rev-a', start)).toEqual([
      { id: a, superseded_by: b, state: 'stored' },
      { id: b, superseded_by: c, state: 'stored' },
      { id: c, superseded_by: null, state: 'stored' },
    ]);
    // The next hour is another ride-window: untouched.
    expect(live(await rideWindow('rev-a', '2026-06-01T11:00:00Z'))).toEqual([neighbour]);

    // An exact re-send of the first content is a duplicate of it and changes nothing.
    const batches = (await env.pool.query('SELECT id FROM batches')).rowCount;
    expect(await uploadDrop(client, first.zip, first.fileName)).toEqual({
      status: 'duplicate',
      batchId: a,
    });
    expect(live(await rideWindow('rev-a', start))).toEqual([c]);
    expect((await env.pool.query('SELECT id FROM batches')).rowCount).toBe(batches);
  });

  it('a quarantined drop of the same ride-window replaces nothing', async () => {
    const start = '2026-06-02T10:00:00Z';
    const good = await store(drop('rev-b', start, 1));
    // Same ride-window and file name, but a byte of an entry was damaged on the way.
    const bad = drop('rev-b', start, 2);
    const r = await uploadDrop(client, corruptEntry(bad.zip), bad.fileName);
    expect(r.status).toBe('quarantined');
    expect(live(await rideWindow('rev-b', start))).toEqual([good]);
  });

  it('refuses a window that starts more than 15 minutes after central received the drop, and it replaces nothing', async () => {
    const start = '2026-06-03T10:00:00Z';
    const startMs = Date.parse(start);
    clockMs = startMs - MAX_WINDOW_START_AFTER_RECEIVED_MS;
    const onTime = await store(drop('rev-c', start, 1));

    clockMs = startMs - MAX_WINDOW_START_AFTER_RECEIVED_MS - 1000;
    const early = drop('rev-c', start, 2);
    const r = await uploadDrop(client, early.zip, early.fileName);
    expect(r).toMatchObject({ status: 'quarantined', code: 'window_in_future' });
    expect(r.status === 'quarantined' && r.reason).toMatch(
      /the window starts in the future: set the PLC clock to UTC \(window\.start is 2026-06-03T10:00:00Z, the drop was received at 2026-06-03T09:44:59Z; at most 15 minutes ahead are accepted\)\.$/,
    );
    const q = await env.pool.query<{ state: string; error_code: string }>(
      'SELECT state, error_code FROM batches WHERE id = $1',
      [r.batchId],
    );
    expect(q.rows[0]).toEqual({ state: 'quarantined', error_code: 'window_in_future' });
    expect(live(await rideWindow('rev-c', start))).toEqual([onTime]);
    clockMs = Date.parse('2026-11-01T00:00:00Z');
  });

  it('of revisions committed at the same moment exactly one stays live, the last to commit', async () => {
    const start = '2026-06-04T10:00:00Z';
    const original = await store(drop('rev-d', start, 1));
    const uploads = await Promise.all([2, 3, 4].map((seq) => stage(drop('rev-d', start, seq))));

    // Hold every commit inside its transaction: the outbox insert waits for this lock, so the
    // commits overlap for as long as the test likes, whatever the machine's speed.
    const locker = await env.pool.connect();
    let commits: Promise<unknown>[] = [];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE outbox IN EXCLUSIVE MODE');
      commits = uploads.map((uploadId) => client.ingest.commit.mutate({ uploadId }));
      await waitForLockWaiters(
        'all three commits to wait inside their transactions',
        uploads.length,
      );
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    const results = (await Promise.all(commits)) as { status: string; batchId: string }[];
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);

    const rows = await rideWindow('rev-d', start);
    expect(rows).toHaveLength(4);
    // One live batch, and every other one leads to it through the batches that replaced it.
    const [winner, ...more] = live(rows);
    expect(more).toEqual([]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const row of rows) {
      let at: Row | undefined = row;
      for (let hops = 0; at?.superseded_by && hops < rows.length; hops += 1) {
        at = byId.get(at.superseded_by);
      }
      expect(at?.id).toBe(winner);
    }
    expect(byId.get(original)?.superseded_by).not.toBeNull();
  });

  it('a revision committed while a job updates the batch it replaces: both commit, no deadlock, the revision is live', async () => {
    const start = '2026-06-05T10:00:00Z';
    const original = await store(drop('rev-e', start, 1));
    const uploadId = await stage(drop('rev-e', start, 2));

    // A job's transaction holds the live batch (as the worker's state updates do) while the
    // revision's commit runs into it, and writes its update only after that commit got as
    // far as it could: the interleaving CI once met as a deadlock, made certain here.
    const job = await env.pool.connect();
    try {
      await job.query('BEGIN');
      await job.query('SELECT id FROM batches WHERE id = $1 FOR UPDATE', [original]);
      const commit = client.ingest.commit.mutate({ uploadId });
      await waitForLockWaiters("the commit to wait for the job's transaction", 1);
      await job.query("UPDATE batches SET state = 'processing', updated_at = now() WHERE id = $1", [
        original,
      ]);
      await job.query('COMMIT');
      const result = await commit;
      expect(result.status).toBe('stored');
      const rows = await rideWindow('rev-e', start);
      expect(rows).toEqual([
        { id: original, superseded_by: result.batchId, state: 'processing' },
        { id: result.batchId, superseded_by: null, state: 'stored' },
      ]);
    } finally {
      await job.query('ROLLBACK').catch(() => undefined);
      job.release();
    }
  });
});

/** Flips one byte inside the last entry's data, so its CRC (and SHA-256) no longer match. */
function corruptEntry(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const cd = out.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const at = Math.max(0, cd - 8);
  out[at] = (out[at] ?? 0) ^ 0xff;
  return out;
}
