import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parkHoldingsOfToken } from '../ingest/park-quota.ts';
import { createLogger } from '../logger.ts';
import { createParkToken } from '../parks/park-store.ts';
import { hashParkToken } from '../parks/park-tokens.ts';
import { heldByAnother } from '../pull/pulled-quarantine.ts';
import { createBrokerProbe, type BrokerProbe } from '../queue/broker-probe.ts';
import { quarantinedBytes } from '../retention/retention-sweeper.ts';
import { everyRead, type ReadTargets } from '../testing/dashboard-reads.ts';
import {
  LARGE_TABLES,
  SEEDED_NOW,
  fleetParkId,
  fleetRideId,
  seedFleet,
} from '../testing/fleet-seed.ts';
import { findSeqScans, recordingPool, type RecordedQuery } from '../testing/query-plans.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';

/*
 * Every dashboard, park-API and report read, EXPLAINed with its own parameters against a
 * seeded fleet (a few hundred thousand rows, statistics up to date): none may read a large
 * table with a sequential scan. At a thousand parks and a year of data such a scan reads
 * gigabytes per page view (bench/central/fleet.ts measures it). The seed keeps the proportions
 * that decide a plan — a park is a small share of the fleet, today a small share of the
 * history — so the planner chooses here what it chooses at full size. The statements are the
 * ones the code sends today (recorded through the pool), not copies.
 */

let env: TestEnvironment;
let broker: BrokerProbe;
let targets: ReadTargets;

// Fixed, so the seed's volume does not follow the season of the day the test runs.
const NOW = SEEDED_NOW;
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createTestEnvironment('query_plans');
  await seedFleet(env.pool, {
    parks: 24,
    ridesPerPark: 3,
    fullParks: 24,
    historyDays: 120,
    recentDays: 120,
    cycleScale: 0.25,
    daysPerRound: 30,
    now: new Date(NOW),
  });
  await env.pool.query('VACUUM ANALYZE');
  broker = createBrokerProbe(env.config.amqpUrl, env.config.queuePrefix, createLogger('silent'));
  const park = fleetParkId(3);
  const parkRow = await env.pool.query<{ timezone: string }>(
    'SELECT timezone FROM parks WHERE id = $1',
    [park],
  );
  const batch = await env.pool.query<{ id: string }>(
    `SELECT id FROM batches WHERE park_id = $1 AND state = 'processed' AND superseded_by IS NULL
      ORDER BY received_at DESC LIMIT 1`,
    [park],
  );
  targets = {
    park: { id: park, name: park, timezone: parkRow.rows[0]?.timezone ?? 'UTC', language: 'en' },
    ride: fleetRideId(2),
    batchId: batch.rows[0]?.id ?? '',
    month: { start: new Date(NOW - 60 * DAY), end: new Date(NOW - 30 * DAY) },
    year: { start: new Date(NOW - 365 * DAY), end: new Date(NOW) },
    nowMs: NOW,
    broker,
    queuePrefix: env.config.queuePrefix,
  };
}, 600_000);

afterAll(async () => {
  await broker?.close();
  await env?.cleanup();
});

// The names only: the targets exist once the fleet is seeded.
const names = everyRead({} as ReadTargets).map((r) => r.name);

describe('query plans on a seeded fleet', () => {
  it('the seed has the shape the plans are judged on', async () => {
    const r = await env.pool.query<{ batches: number; cycles: number; today: number }>(
      `SELECT (SELECT count(*)::int FROM batches) AS batches,
              (SELECT count(*)::int FROM cycles) AS cycles,
              (SELECT count(*)::int FROM batches
                WHERE received_at > $1::timestamptz - interval '1 day') AS today`,
      [new Date(NOW)],
    );
    const row = r.rows[0];
    expect(row?.batches).toBeGreaterThan(20_000);
    expect(row?.cycles).toBeGreaterThan(50_000);
    // Today is a sliver of the history, as in a fleet with a year of data.
    expect(row?.today).toBeLessThan((row?.batches ?? 0) / 30);
    expect(targets.batchId).not.toBe('');
  });

  it.each(names)('%s reads no large table with a sequential scan', async (name) => {
    const read = everyRead(targets).find((r) => r.name === name);
    if (!read) throw new Error(`no read named ${name}`);
    const sent: RecordedQuery[] = [];
    await read.run(recordingPool(env.pool, () => name, sent));
    expect(sent.length).toBeGreaterThan(0);
    const scans = await findSeqScans(env.pool, sent, LARGE_TABLES);
    const explained = scans
      .map(
        (s) =>
          `Seq Scan on ${s.tables.join(', ')} in:\n${s.query.text}\n\nplan (${s.kind}):\n${s.plan}`,
      )
      .join('\n\n----\n\n');
    expect(scans.length, explained).toBe(0);
  });

  it("a put's statement of its park token and quota reads no large table with a sequential scan", async () => {
    // Begin's quota statement is one of everyRead's; a put's finds the park by its token too.
    const { token } = await createParkToken(env.pool, targets.park.id, 'query plans');
    const drop = { sha256: 'a'.repeat(64), contentId: 'b'.repeat(64), bytes: 1000 };
    const sent: RecordedQuery[] = [];

    const found = await parkHoldingsOfToken(
      recordingPool(env.pool, () => 'put quota', sent),
      hashParkToken(token),
      drop,
    );

    expect(found?.park.id).toBe(targets.park.id);
    const scans = await findSeqScans(env.pool, sent, LARGE_TABLES);
    expect(scans.map((s) => `${s.tables.join(', ')}, plan ${s.kind}:\n${s.plan}`)).toEqual([]);
  });

  it("the blob sweep's look for quarantined copies of a chunk's files reads no large table with a sequential scan", async () => {
    // A chunk of the sweep: the 500 oldest drops' files, one of them held by a quarantined drop.
    const chunk = await env.pool.query<{ sha256: string }>(
      `(SELECT sha256 FROM batches ORDER BY received_at, id LIMIT 499)
       UNION ALL (SELECT sha256 FROM batches WHERE content_id IS NULL LIMIT 1)`,
    );
    const held = chunk.rows.at(-1)?.sha256;
    const sent: RecordedQuery[] = [];

    const kept = await quarantinedBytes(
      recordingPool(env.pool, () => 'blob sweep', sent),
      chunk.rows.map((r) => r.sha256),
    );

    expect(held && kept.has(held)).toBe(true);
    const scans = await findSeqScans(env.pool, sent, LARGE_TABLES);
    expect(scans.map((s) => `${s.tables.join(', ')}, plan ${s.kind}:\n${s.plan}`)).toEqual([]);
  });

  it('deleting a pulled drop looks for other holders of its file without a sequential scan', async () => {
    const b = await env.pool.query<{ park_id: string; sha256: string; content_id: string }>(
      `SELECT park_id, sha256, content_id FROM batches WHERE content_id IS NOT NULL
        ORDER BY received_at DESC LIMIT 1`,
    );
    const batch = b.rows[0];
    if (!batch) throw new Error('the seed has no stored batch');
    const sent: RecordedQuery[] = [];
    const db = recordingPool(env.pool, () => 'pulled drop delete', sent);

    expect(
      await heldByAnother(db, batch.sha256, batch.park_id, {
        park: batch.park_id,
        contentId: batch.content_id,
      }),
    ).toBe(true);
    expect(await heldByAnother(db, 'f'.repeat(64), batch.park_id, null)).toBe(false);
    const scans = await findSeqScans(env.pool, sent, LARGE_TABLES);
    expect(scans.map((s) => `${s.tables.join(', ')}, plan ${s.kind}:\n${s.plan}`)).toEqual([]);
  });
});
