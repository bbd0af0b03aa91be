import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { loadConfig } from '../config.ts';
import { createPark } from '../parks/park-store.ts';
import { createDashboardClient, type DashboardSession } from '../testing/dashboard-client.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-central.ts';
import { createUser } from '../users/user-store.ts';

let env: TestEnvironment;
const running: RunningCentral[] = [];

async function viewerOf(fleetSnapshotMs: number): Promise<DashboardSession> {
  const central = await startCentral(
    { ...env.config, fleetSnapshotMs },
    { scheduler: false, uploadSweeper: false, publisher: false },
  );
  running.push(central);
  const session = createDashboardClient(central.url);
  await session.login('view', 'viewer password 1');
  return session;
}

beforeAll(async () => {
  env = await createTestEnvironment('fleet-snapshot');
  await createUser(env.pool, { username: 'view', password: 'viewer password 1', role: 'viewer' });
  await createPark(env.pool, { id: 'alpha', name: 'Alpha', timezone: 'Europe/Rome' });
});

afterAll(async () => {
  for (const c of running) await c.close();
  await env?.cleanup();
});

describe('the shared fleet page (FLEET_SNAPSHOT_S)', () => {
  it('defaults to 10 s, takes 0, and refuses more than five minutes', () => {
    const base = { DATABASE_URL: 'postgres://x@h/db', AMQP_URL: 'amqp://h', BLOB_DIR: '/b' };
    expect(loadConfig(base).fleetSnapshotMs).toBe(10_000);
    expect(loadConfig({ ...base, FLEET_SNAPSHOT_S: '0' }).fleetSnapshotMs).toBe(0);
    expect(() => loadConfig({ ...base, FLEET_SNAPSHOT_S: '301' })).toThrow(/FLEET_SNAPSHOT_S/);
  });

  it('answers everyone from one costly computed page within its age (its time included); at 0 every request computes', async () => {
    const shared = await viewerOf(60_000);
    const perRequest = await viewerOf(0);
    // A page is shared for at most ten times what it took to compute: a test fleet's takes
    // milliseconds, so the parks table is held locked for a second to make this one costly.
    const lock = await env.pool.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE parks IN ACCESS EXCLUSIVE MODE');
    const asked = shared.client.dashboard.fleet.query();
    await new Promise((r) => setTimeout(r, 1_000));
    await lock.query('COMMIT');
    lock.release();
    const first = await asked;
    expect(first.parks.map((p) => p.id)).toEqual(['alpha']);

    await createPark(env.pool, { id: 'bravo', name: 'Bravo', timezone: 'Europe/Rome' });
    // Within its age the shared page is the same answer, time included …
    const again = await shared.client.dashboard.fleet.query();
    expect(again.generatedAt).toBe(first.generatedAt);
    expect(again.parks.map((p) => p.id)).toEqual(['alpha']);
    // … while a replica computing per request sees the new park at once.
    const fresh = await perRequest.client.dashboard.fleet.query();
    expect(fresh.parks.map((p) => p.id)).toEqual(['alpha', 'bravo']);
    expect(Date.parse(fresh.generatedAt)).toBeGreaterThan(Date.parse(first.generatedAt));
    // Counted with the page (FLEET_AVAILABILITY_S 0 here), availability says so.
    expect(fresh.availabilityCountedAt).toBe(fresh.generatedAt);
  });
});
