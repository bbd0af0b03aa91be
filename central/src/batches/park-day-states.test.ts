import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPark } from '../parks/park-store.ts';
import { findSeqScans, recordingPool, type RecordedQuery } from '../testing/query-plans.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { foldParkDayStates, parkDayStates } from './park-day-states.ts';

let env: TestEnvironment;

/** Zones whose midnights and DST days are awkward: quarter-hour offsets, a half-hour DST. */
const ZONES = [
  'Europe/Rome',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Kiritimati',
  'America/Los_Angeles',
] as const;
const PARKS = ['pds-a', 'pds-b', 'pds-c'] as const;

beforeAll(async () => {
  env = await createTestEnvironment('park_day_states');
  for (const [i, id] of PARKS.entries()) {
    await createPark(env.pool, { id, name: `Park ${id}`, timezone: ZONES[i] ?? 'UTC' });
  }
});

afterAll(async () => {
  await env?.cleanup();
});

type Db = { query: TestEnvironment['pool']['query'] };

/** Inserts one batch per `(park, receivedAt, state)` in one statement; returns their ids. */
async function insertBatches(
  db: Db,
  rows: readonly { park: string; receivedAt: Date; state: string }[],
): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  await db.query(
    `INSERT INTO batches (id, park_id, sha256, content_id, bytes, file_name, blob_path, state,
                          received_at)
     SELECT id, park, md5(id::text) || md5(id::text),
            CASE WHEN state = 'quarantined' THEN NULL ELSE md5(id::text) END,
            1000, id || '.zip', 'blobs/' || id, state, at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS r(id, park, state, at)`,
    [ids, rows.map((r) => r.park), rows.map((r) => r.state), rows.map((r) => r.receivedAt)],
  );
  return ids;
}

/** A calendar date in a zone, by the platform's Intl (not PostgreSQL's zone rules). */
function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' }).format(at);
}

/**
 * The counts the slow way, independently: every batch read back and its day taken in its
 * park's zone by Intl, a replaced drop left out. Keyed `park day state`.
 */
async function counted(): Promise<Map<string, number>> {
  const r = await env.pool.query<{ park: string; at: Date; state: string; tz: string }>(
    `SELECT b.park_id AS park, b.received_at AS at, b.state, p.timezone AS tz
       FROM batches b JOIN parks p ON p.id = b.park_id WHERE b.superseded_by IS NULL`,
  );
  const out = new Map<string, number>();
  for (const b of r.rows) {
    const key = `${b.park} ${localDate(b.at, b.tz)} ${b.state}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/** What `parkDayStates` says for every park and every date the batches fall on. */
async function kept(): Promise<Map<string, number>> {
  const dates = await env.pool.query<{ d: string }>(
    `SELECT DISTINCT to_char(received_at::date + o, 'YYYY-MM-DD') AS d
       FROM batches, generate_series(-1, 1) AS o`,
  );
  const days = PARKS.flatMap((park) => dates.rows.map((r) => ({ park, date: r.d })));
  const out = new Map<string, number>();
  // One day per park and call, as the fleet page asks.
  for (const date of new Set(days.map((d) => d.date))) {
    for (const s of await parkDayStates(
      env.pool,
      PARKS.map((park) => ({ park, date })),
    )) {
      out.set(`${s.park} ${date} ${s.state}`, s.n);
    }
  }
  return out;
}

const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('park_day_states (kept by triggers)', () => {
  it('matches a count by Intl after random inserts, state changes, revisions, deletes, zone moves and folds', async () => {
    const next = random(20261206);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    // Around the local midnights of these zones, and over Lord Howe's and Los Angeles' DST days.
    const instants = [
      Date.UTC(2026, 9, 3, 13, 0),
      Date.UTC(2026, 9, 3, 13, 40),
      Date.UTC(2026, 10, 1, 7, 30),
      Date.UTC(2026, 10, 1, 8, 15),
      Date.UTC(2026, 11, 5, 18, 14),
      Date.UTC(2026, 11, 5, 18, 16),
      Date.UTC(2026, 11, 6, 2, 59),
      Date.UTC(2026, 11, 6, 3, 31),
      Date.UTC(2026, 11, 6, 10, 0),
    ];
    const live: string[] = [];
    for (let step = 0; step < 60; step += 1) {
      const roll = next();
      if (roll < 0.35 || live.length < 4) {
        const rows = Array.from({ length: 1 + Math.floor(next() * 6) }, () => ({
          park: pick(PARKS),
          receivedAt: new Date(pick(instants) + Math.floor(next() * 120_000)),
          state: pick(['stored', 'queued', 'quarantined']),
        }));
        live.push(...(await insertBatches(env.pool, rows)));
      } else if (roll < 0.6) {
        const ids = live.filter(() => next() < 0.3);
        await env.pool.query(
          `UPDATE batches SET state = $2 WHERE id = ANY ($1::uuid[]) AND state <> 'quarantined'`,
          [ids, pick(['processing', 'processed', 'failed'])],
        );
      } else if (roll < 0.7) {
        // A revision: one drop replaced by another of the same park.
        const old = pick(live);
        const r = await env.pool.query<{ park_id: string; received_at: Date }>(
          'SELECT park_id, received_at FROM batches WHERE id = $1',
          [old],
        );
        const row = r.rows[0];
        if (row) {
          const [fresh] = await insertBatches(env.pool, [
            { park: row.park_id, receivedAt: new Date(pick(instants)), state: 'stored' },
          ]);
          await env.pool.query('UPDATE batches SET superseded_by = $2 WHERE id = $1', [old, fresh]);
          if (fresh) live.push(fresh);
        }
      } else if (roll < 0.78) {
        // Removed as retention would remove a day of them (nothing points at them).
        const gone = await env.pool.query<{ id: string }>(
          `DELETE FROM batches b WHERE b.id = ANY ($1::uuid[])
              AND NOT EXISTS (SELECT 1 FROM batches o WHERE o.superseded_by = b.id)
            RETURNING b.id`,
          [live.filter(() => next() < 0.15)],
        );
        const removed = new Set(gone.rows.map((g) => g.id));
        live.splice(0, live.length, ...live.filter((id) => !removed.has(id)));
      } else if (roll < 0.88) {
        await env.pool.query('UPDATE parks SET timezone = $2 WHERE id = $1', [
          pick(PARKS),
          pick(ZONES),
        ]);
      } else {
        await foldParkDayStates(env.pool);
      }
      expect(sorted(await kept()), `after step ${step}`).toEqual(sorted(await counted()));
    }
    expect(live.length).toBeGreaterThan(20);
  });

  it('folds its rows into one per park, day and state, and keeps no count at zero', async () => {
    await foldParkDayStates(env.pool);
    const before = sorted(await kept());
    const [a] = await insertBatches(env.pool, [
      { park: 'pds-a', receivedAt: new Date(Date.UTC(2026, 0, 15, 12)), state: 'stored' },
    ]);
    await env.pool.query(`UPDATE batches SET state = 'processed' WHERE id = $1`, [a]);
    expect(await foldParkDayStates(env.pool)).toBeGreaterThanOrEqual(2);
    await env.pool.query('DELETE FROM batches WHERE id = $1', [a]);
    await foldParkDayStates(env.pool);
    const rows = await env.pool.query<{ changes: number; zero: number; dup: number }>(
      `SELECT (SELECT count(*)::int FROM park_day_state_changes) AS changes,
              (SELECT count(*)::int FROM park_day_states WHERE n = 0) AS zero,
              (SELECT count(*)::int FROM park_day_states WHERE day = '2026-01-15') AS dup`,
    );
    expect(rows.rows[0]).toEqual({ changes: 0, zero: 0, dup: 0 });
    expect(sorted(await kept())).toEqual(before);
  });

  it('keys no drop by the old zone when a zone moves while drops are being written', async () => {
    // 23:30 UTC: 5 December in Los Angeles, 6 December in Kathmandu. Both orders of a zone
    // move and an insert in flight (each transaction open when the other starts).
    const at = new Date(Date.UTC(2026, 11, 5, 23, 30));
    await env.pool.query(`UPDATE parks SET timezone = 'America/Los_Angeles' WHERE id = 'pds-b'`);
    for (const [zoneFirst, zone] of [
      [false, 'Asia/Kathmandu'],
      [true, 'America/Los_Angeles'],
    ] as const) {
      const writer = await env.pool.connect();
      const mover = await env.pool.connect();
      const move = () =>
        mover.query('UPDATE parks SET timezone = $1 WHERE id = $2', [zone, 'pds-b']);
      const insert = () =>
        insertBatches(writer, [{ park: 'pds-b', receivedAt: at, state: 'stored' }]);
      try {
        await writer.query('BEGIN');
        await mover.query('BEGIN');
        // The second statement waits for the first's transaction; 200 ms lets it start waiting.
        const [first, firstTx, second, secondTx] = zoneFirst
          ? [move, mover, insert, writer]
          : [insert, writer, move, mover];
        await first();
        const waiting = second();
        await new Promise((r) => setTimeout(r, 200));
        await firstTx.query('COMMIT');
        await waiting;
        await secondTx.query('COMMIT');
      } finally {
        writer.release();
        mover.release();
      }
      expect(sorted(await kept()), `zone moved first: ${zoneFirst}`).toEqual(
        sorted(await counted()),
      );
    }
  });

  it('reads a day of a year of a thousand parks by its index, not by a scan', async () => {
    // The seeds leave this table small (only their few full parks have history), where a scan
    // is the right plan; at a year of a thousand parks it holds about a million rows.
    await env.pool.query(
      `INSERT INTO park_day_states (day, park_id, state, n)
       SELECT DATE '2026-12-06' - d, 'p' || p, s, 40
         FROM generate_series(1, 365) AS d, generate_series(1, 1000) AS p,
              unnest(ARRAY['processed', 'failed', 'quarantined']) AS s`,
    );
    await env.pool.query('ANALYZE park_day_states');
    const sent: RecordedQuery[] = [];
    const days = Array.from({ length: 1000 }, (_, p) => ({
      park: `p${p + 1}`,
      date: '2026-12-05',
    }));
    const states = await parkDayStates(
      recordingPool(env.pool, () => 'fleet today', sent),
      days,
    );
    expect(states).toHaveLength(3000);
    // park_day_state_changes holds a minute's rows between folds: a scan of it is fine.
    const scans = await findSeqScans(env.pool, sent, ['park_day_states']);
    expect(scans.map((s) => s.plan)).toEqual([]);
    await env.pool.query(`DELETE FROM park_day_states WHERE park_id LIKE 'p%'`);
  });
});
