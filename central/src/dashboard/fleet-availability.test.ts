import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config.ts';
import { createPark } from '../parks/park-store.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { keepAvailability } from './fleet-availability.ts';
import { parkLocalDays, type LocalDay } from './park-local-days.ts';

let env: TestEnvironment;
const DAY = 86_400_000;

beforeAll(async () => {
  env = await createTestEnvironment('fleet-availability');
  await createPark(env.pool, { id: 'alpha', name: 'Alpha', timezone: 'Europe/Rome' });
});

afterAll(async () => {
  await env?.cleanup();
});

function todayAt(nowMs: number): Map<string, LocalDay> {
  const day = parkLocalDays('Europe/Rome', 1, nowMs)[0];
  if (!day) throw new Error('parkLocalDays gave no day');
  return new Map([['alpha', day]]);
}

/** Counts with the batches table locked for a second: a count as costly as a big fleet's. */
async function costly<T>(count: () => Promise<T>): Promise<T> {
  const lock = await env.pool.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE batches IN ACCESS EXCLUSIVE MODE');
  const counted = count();
  await new Promise((r) => setTimeout(r, 1_000));
  await lock.query('COMMIT');
  lock.release();
  return counted;
}

describe("the fleet page's availability today (FLEET_AVAILABILITY_S)", () => {
  it('defaults to a minute, takes 0, and refuses more than ten minutes', () => {
    const base = { DATABASE_URL: 'postgres://x@h/db', AMQP_URL: 'amqp://h', BLOB_DIR: '/b' };
    expect(loadConfig(base).fleetAvailabilityMs).toBe(60_000);
    expect(loadConfig({ ...base, FLEET_AVAILABILITY_S: '0' }).fleetAvailabilityMs).toBe(0);
    expect(() => loadConfig({ ...base, FLEET_AVAILABILITY_S: '601' })).toThrow(
      /FLEET_AVAILABILITY_S/,
    );
  });

  it('keeps a costly count for its time, counts again after it without a wait, and at once on a new day', async () => {
    const keeper = keepAvailability(60_000);
    const t0 = Date.now();
    // One day map throughout, whatever the clock: only the calls' times move.
    const day = todayAt(t0);
    const first = await costly(() => keeper.today(env.pool, day, t0));
    expect(first.countedAt.getTime()).toBe(t0);
    // Half a minute later, the same day: the count is kept, and says when it was made.
    const kept = await keeper.today(env.pool, day, t0 + 30_000);
    expect(kept.countedAt.getTime()).toBe(t0);
    // Past its time: still answered, without waiting, while it is counted again behind it.
    const lock = await env.pool.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE batches IN ACCESS EXCLUSIVE MODE');
      const stale = await keeper.today(env.pool, day, t0 + 61_000);
      expect(stale.countedAt.getTime()).toBe(t0);
      await lock.query('COMMIT');
    } finally {
      lock.release();
    }
    // Asked at the time that count started: a later time could start yet another count in the
    // background, which the costly call below would then join.
    await vi.waitFor(async () => {
      const next = await keeper.today(env.pool, day, t0 + 61_000);
      expect(next.countedAt.getTime()).toBe(t0 + 61_000);
    });
    // Twice its time past, a count is never answered: the request waits for a new one.
    const again = await costly(() => keeper.today(env.pool, day, t0 + 200_000));
    expect(again.countedAt.getTime()).toBe(t0 + 200_000);
    const old = await keeper.today(env.pool, day, t0 + 321_000);
    expect(old.countedAt.getTime()).toBe(t0 + 321_000);
    // Another park-local day is never answered from the day before, however recent the count.
    const recent = await costly(() => keeper.today(env.pool, day, t0 + 400_000));
    expect(recent.countedAt.getTime()).toBe(t0 + 400_000);
    const tomorrow = await keeper.today(env.pool, todayAt(t0 + DAY), t0 + 401_000);
    expect(tomorrow.countedAt.getTime()).toBe(t0 + 401_000);
  });

  it('counts with every page at 0', async () => {
    const keeper = keepAvailability(0);
    const t0 = Date.now();
    await costly(() => keeper.today(env.pool, todayAt(t0), t0));
    const next = await keeper.today(env.pool, todayAt(t0 + 1), t0 + 1);
    expect(next.countedAt.getTime()).toBe(t0 + 1);
  });
});
