import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCentral, type RunningCentral } from '../central.ts';
import { createPark } from '../parks/park-store.ts';
import {
  createParkClient,
  createTestEnvironment,
  type TestEnvironment,
} from '../testing/test-central.ts';
import type { AppRouter } from '../server/router.ts';
import type { HeartbeatInput, RideReport } from './heartbeat-schemas.ts';
import { rideAtPark, rideCountsOf } from '../dashboard/agent-view.ts';
import { fleetAgentHealth, isGrowing, parkAgentHealth } from './heartbeat-store.ts';

let env: TestEnvironment;
let central: RunningCentral;
const tokens: Record<string, string> = {};
const TEN_MINUTES = 10 * 60_000;

beforeAll(async () => {
  env = await createTestEnvironment('heartbeat');
  central = await startCentral(env.config, { publisher: false });
  for (const id of ['alpha', 'beta', 'gamma', 'delta']) {
    ({ token: tokens[id] as string } = await createPark(env.pool, {
      id,
      name: id,
      timezone: 'Europe/Rome',
    }));
  }
});

afterAll(async () => {
  await central?.close();
  await env?.cleanup();
});

function heartbeat(backlogDrops: number, version = '1.0.0'): HeartbeatInput {
  return {
    version,
    buffer: { drops: 7, bytes: 7_000_000, capBytes: 1_000_000_000 },
    backlog: {
      drops: backlogDrops,
      bytes: backlogDrops * 1000,
      oldestPulledAt: backlogDrops ? '2026-06-01T10:00:00+02:00' : null,
    },
    offlineSince: null,
  };
}

const send = (park: string, hb: HeartbeatInput, token = tokens[park] ?? '') =>
  createParkClient(central.url, token).agent.heartbeat.mutate(hb);

async function health(park: string, silentAfterMs = TEN_MINUTES) {
  const all = await parkAgentHealth(env.pool, silentAfterMs);
  const found = all.find((h) => h.park === park);
  if (!found) throw new Error(`no health row for ${park}`);
  return found;
}

describe('agent heartbeat', () => {
  it("keeps only the latest heartbeat per park, stamped with central's clock", async () => {
    await send('alpha', heartbeat(1, '1.0.0'));
    const before = Date.now();
    const answer = await send('alpha', heartbeat(4, '1.1.0'));
    expect(Date.parse(answer.receivedAt)).toBeGreaterThanOrEqual(before - 1000);
    const rows = await env.pool.query('SELECT park_id, version FROM agent_heartbeats');
    expect(rows.rows).toEqual([{ park_id: 'alpha', version: '1.1.0' }]);
    expect(await health('alpha')).toMatchObject({
      version: '1.1.0',
      backlogDrops: 4,
      backlogBytes: 4000,
      backlogOldestPulledAt: '2026-06-01T08:00:00.000Z',
      bufferBytes: 7_000_000,
      bufferCapBytes: 1_000_000_000,
      lastHeartbeatAt: answer.receivedAt,
      silent: false,
    });
  });

  it("reads one park's health alone, the same as in the fleet's list", async () => {
    await send('alpha', heartbeat(2, '1.2.0'));
    const all = await parkAgentHealth(env.pool, TEN_MINUTES);
    expect(all.length).toBeGreaterThan(1);
    const one = await parkAgentHealth(env.pool, TEN_MINUTES, 'alpha');
    expect(one).toEqual(all.filter((h) => h.park === 'alpha'));
    expect(one[0]).toMatchObject({ park: 'alpha', version: '1.2.0', backlogDrops: 2 });
    expect(await parkAgentHealth(env.pool, TEN_MINUTES, 'nowhere')).toEqual([]);
  });

  it('refuses a heartbeat without a valid park token and records nothing', async () => {
    const err = await send('beta', heartbeat(1), 'zra_wrong').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
    expect((await health('beta')).lastHeartbeatAt).toBeNull();
  });

  it('refuses a malformed heartbeat with BAD_REQUEST naming the field', async () => {
    const bad = { ...heartbeat(1), backlog: { drops: -1, bytes: 0, oldestPulledAt: null } };
    const err = await send('beta', bad).catch((e: unknown) => e);
    expect((err as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');
    expect((err as Error).message).toContain('drops');
  });

  it('flags a park silent when its last heartbeat is older than the threshold, or it never sent one', async () => {
    await send('gamma', heartbeat(0));
    expect((await health('gamma')).silent).toBe(false);
    await env.pool.query(
      "UPDATE agent_heartbeats SET received_at = now() - interval '11 minutes' WHERE park_id = 'gamma'",
    );
    expect((await health('gamma')).silent).toBe(true);
    expect((await health('gamma', 15 * 60_000)).silent).toBe(false);
    expect((await health('delta')).silent).toBe(true);
  });

  it('flags a backlog that rose at each of the last three heartbeats, and clears when it falls', async () => {
    for (const n of [5, 1, 2]) await send('delta', heartbeat(n));
    expect((await health('delta')).backlogGrowing).toBe(false);
    await send('delta', heartbeat(3));
    expect((await health('delta')).backlogGrowing).toBe(true);
    await send('delta', heartbeat(2));
    expect((await health('delta')).backlogGrowing).toBe(false);
    const stored = await env.pool.query<{ recent_backlog_drops: number[] }>(
      "SELECT recent_backlog_drops FROM agent_heartbeats WHERE park_id = 'delta'",
    );
    expect(stored.rows[0]?.recent_backlog_drops).toEqual([2, 3, 2]);
  });

  it('needs three rising heartbeats, not two, to call a backlog growing', () => {
    expect(isGrowing([1, 2])).toBe(false);
    expect(isGrowing([1, 2, 2])).toBe(false);
    expect(isGrowing([1, 2, 3])).toBe(true);
  });

  it('exports the silent and backlog-growing flags per park on /metrics', async () => {
    for (const n of [1, 2, 3]) await send('beta', heartbeat(n));
    const text = await (await fetch(`${central.metricsUrl}/metrics`)).text();
    expect(text).toContain('zra_park_silent{park="beta"} 0');
    expect(text).toContain('zra_park_silent{park="gamma"} 1');
    expect(text).toContain('zra_park_backlog_growing{park="beta"} 1');
    expect(text).toContain('zra_park_backlog_drops{park="beta"} 3');
    expect(text).toMatch(/zra_park_backlog_oldest_seconds\{park="beta"\} [1-9]/);
  });

  it("counts each park's rides in PostgreSQL as the dashboard's rule counts the list", async () => {
    const ride = (id: string, r: Partial<RideReport>): RideReport => ({
      id,
      lastPullAt: '2026-12-02T10:00:00Z',
      lastSuccessAt: '2026-12-02T10:00:00Z',
      lastError: null,
      pausedReason: null,
      hostKeyChanged: false,
      ...r,
    });
    await send('alpha', {
      ...heartbeat(0),
      rides: [
        ride('ok-1', {}),
        ride('never-1', { lastPullAt: null, lastSuccessAt: null }),
        ride('error-1', { lastError: 'the gateway does not answer' }),
        ride('key-1', { hostKeyChanged: true, pausedReason: 'the buffer is full' }),
        ride('paused-1', { pausedReason: 'the buffer is full' }),
        ride('paused-2', { pausedReason: 'the buffer is full' }),
        ride('both-1', { lastError: 'login refused', pausedReason: 'the buffer is full' }),
        // A blank sentence is no sentence (the schema trims it to nothing).
        ride('blank-1', { lastError: '  ', pausedReason: ' ' }),
      ],
    });
    const listed = await parkAgentHealth(env.pool, TEN_MINUTES);
    const counted = await fleetAgentHealth(env.pool, TEN_MINUTES);
    expect(counted.map((h) => h.park)).toEqual(listed.map((h) => h.park));
    for (const [i, h] of listed.entries()) {
      const { rides, ...figures } = h;
      const { rideCounts, ...same } = counted[i] ?? { rideCounts: undefined };
      expect(same).toEqual(figures);
      expect(rideCounts).toEqual(rideCountsOf(rides ? rides.map(rideAtPark) : null));
    }
    expect(counted.find((h) => h.park === 'alpha')?.rideCounts).toEqual({
      total: 8,
      failing: 3,
      paused: 2,
    });
    // An agent that does not report its rides: not reported, never "none failing".
    expect(counted.find((h) => h.park === 'beta')?.rideCounts).toBeNull();
  });
});
