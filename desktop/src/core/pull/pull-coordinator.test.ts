import { verifyDrop } from '@zra/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import type { RideConfig } from '../settings/config.ts';
import { RideRegistry } from '../settings/ride-registry.ts';
import { openAgentData } from '../store/open-agent-data.ts';
import { RideStore } from '../store/ride-store.ts';
import { ManualClock } from '../testing/manual-clock.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { PullCoordinator, type PullCoordinatorDeps } from './pull-coordinator.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A ride whose gateway the test's `connect` stands for (nothing listens at port 9). */
function ride(id: string, schedule = ['*/15 * * * *']): RideConfig {
  return {
    id,
    remoteDir: '.',
    afterBuffer: 'keep',
    schedule,
    connection: { type: 'sftp', host: '127.0.0.1', port: 9, username: 'plc', password: 'x' },
  };
}

/**
 * Gateways that hold each connection until the test lets that ride go, then refuse it: the
 * pull ends as a failure, which is all these tests need of it.
 */
function heldGateways() {
  const waiting = new Map<string, () => void>();
  const connects: string[] = [];
  let open = 0;
  let mostOpen = 0;
  return {
    connects,
    mostOpen: () => mostOpen,
    isHeld: (id: string) => waiting.has(id),
    release(id: string) {
      const go = waiting.get(id);
      waiting.delete(id);
      go?.();
    },
    connect: async (r: RideConfig): Promise<never> => {
      connects.push(r.id);
      mostOpen = Math.max(mostOpen, ++open);
      try {
        await new Promise<void>((resolve) => waiting.set(r.id, resolve));
        throw new Error(`gateway of ${r.id} away (test)`);
      } finally {
        open--;
      }
    },
  };
}

/** A coordinator over a real buffer and ride registry in a temp data directory. */
async function setup(
  rides: RideConfig[],
  overrides: Partial<PullCoordinatorDeps> & { connect: PullCoordinatorDeps['connect'] },
) {
  const dir = await tempDir('pull-coordinator');
  const data = await openAgentData(dir.dir, undefined, log);
  cleanups.push(dir.remove, () => data.buffer.close());
  const registry = new RideRegistry({
    store: new RideStore(data.db, data.secrets, rides),
    connect: overrides.connect,
    log,
    changed: () => undefined,
  });
  const outcomes: string[] = [];
  const pulls = new PullCoordinator({
    park: 'gardaland',
    buffer: data.buffer,
    registry,
    verify: verifyDrop,
    log,
    activity: data.activity,
    room: () => Promise.resolve(true),
    pausedReason: () => 'buffer full (test)',
    buffered: () => undefined,
    pulled: (id, outcome) => outcomes.push(`${id} ${outcome}`),
    maxConcurrentPulls: 2,
    minAgeSeconds: 0,
    timeZone: 'Europe/Rome',
    ...overrides,
  });
  cleanups.push(() => pulls.stop());
  return { pulls, registry, outcomes, activity: data.activity };
}

/** Lets the pulls started so far reach their gateway (or their end). */
const turnsUntil = async (until: () => boolean) => {
  for (let i = 0; i < 1000 && !until(); i++) await new Promise((r) => setImmediate(r));
  if (!until()) throw new Error('the pulls never got there');
};

describe('pull coordinator', () => {
  it('skips a rule firing while its ride still pulls, and pulls again at the next firing', async () => {
    const gw = heldGateways();
    const clock = new ManualClock('2026-06-01T10:01:00Z');
    const { pulls } = await setup([ride('r1', ['*/5 * * * *'])], {
      connect: gw.connect,
      ruleClock: clock,
    });

    pulls.start();
    // The catch-up pull at start holds the gateway.
    await turnsUntil(() => gw.isHeld('r1'));
    expect(pulls.nextPullAt('r1')).toBe('2026-06-01T10:05:00.000Z');
    clock.advanceTo('2026-06-01T10:12:00Z');
    // 10:05 and 10:10 fired while r1 pulled: skipped, not stacked.
    expect(pulls.state('r1')).toBe('running');
    gw.release('r1');
    await turnsUntil(() => pulls.state('r1') === 'idle');
    expect(gw.connects).toEqual(['r1']);

    clock.advanceTo('2026-06-01T10:15:00Z');
    await turnsUntil(() => gw.isHeld('r1'));
    expect(gw.connects).toEqual(['r1', 'r1']);
    expect(gw.mostOpen()).toBe(1);
    gw.release('r1');
  });

  it('joins a demand to the pull of that ride already running, and says the failure in words', async () => {
    const gw = heldGateways();
    const { pulls, registry, outcomes } = await setup([ride('r1')], { connect: gw.connect });

    const first = pulls.pullNow('r1');
    await turnsUntil(() => gw.isHeld('r1'));
    const second = pulls.pullNow('r1');
    gw.release('r1');
    const [a, b] = await Promise.all([first, second]);

    expect(gw.connects).toEqual(['r1']);
    expect(a).toEqual(b);
    expect(a).toEqual([
      { id: 'r1', result: null, error: 'gateway of r1 away (test)', paused: null },
    ]);
    expect(registry.status('r1')).toMatchObject({ lastError: 'gateway of r1 away (test)' });
    expect(outcomes).toEqual(['r1 failed']);
  });

  it('reports a ride removed while its pull waited for a slot as removed, not as failed', async () => {
    const gw = heldGateways();
    const { pulls, registry } = await setup([ride('r1'), ride('r2')], {
      connect: gw.connect,
      maxConcurrentPulls: 1,
    });

    const all = pulls.pullNow();
    await turnsUntil(() => gw.isHeld('r1'));
    expect(pulls.state('r2')).toBe('waiting');
    registry.remove('r2');
    gw.release('r1');

    expect(await all).toEqual([
      { id: 'r1', result: null, error: 'gateway of r1 away (test)', paused: null },
      {
        id: 'r2',
        result: null,
        error: 'ride "r2" was removed before its pull started',
        paused: null,
      },
    ]);
    expect(gw.connects).toEqual(['r1']);
  });

  it('pauses a ride before it connects while the buffer is full, and pulls once there is room', async () => {
    const gw = heldGateways();
    let full = true;
    const { pulls, registry, outcomes } = await setup([ride('r1')], {
      connect: gw.connect,
      room: () => Promise.resolve(!full),
    });

    expect(await pulls.pullNow('r1')).toEqual([
      { id: 'r1', result: null, error: null, paused: 'buffer full (test)' },
    ]);
    expect(gw.connects).toEqual([]);
    expect(registry.status('r1')?.pausedReason).toBe('buffer full (test)');

    full = false;
    const again = pulls.pullNow('r1');
    await turnsUntil(() => gw.isHeld('r1'));
    expect(registry.status('r1')?.pausedReason).toBeNull();
    gw.release('r1');
    await again;
    expect(outcomes).toEqual(['r1 paused', 'r1 failed']);
  });

  it('starts a waiting pull at once when the limit is raised', async () => {
    const gw = heldGateways();
    const { pulls } = await setup([ride('r1'), ride('r2')], {
      connect: gw.connect,
      maxConcurrentPulls: 1,
    });

    const all = pulls.pullNow();
    await turnsUntil(() => gw.isHeld('r1'));
    expect(pulls.state('r2')).toBe('waiting');
    pulls.setMaxConcurrent(2);
    await turnsUntil(() => gw.isHeld('r2'));
    expect(gw.mostOpen()).toBe(2);
    gw.release('r1');
    gw.release('r2');
    await all;
  });
});
