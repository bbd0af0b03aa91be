import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from './agent.ts';
import { parseAgentConfig, type RideConfig } from './settings/config.ts';
import { silentLogger } from './logger.ts';
import { putOnGateway, rideOnGateway } from './testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
import { ManualClock } from './testing/manual-clock.ts';
import { tempDir } from './testing/temp-dir.ts';
import { buildTestDrop } from './testing/test-drop.ts';

const log = silentLogger();
let gw: SftpGateway;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentFor(
  rides: RideConfig[],
  maxConcurrentPulls = 2,
  ruleClock?: ManualClock,
): Promise<Agent> {
  const data = await tempDir('agent');
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      // Central stays out of these tests: uploads fail and drops stay buffered.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      rides,
      maxConcurrentPulls,
      minAgeSeconds: 0,
      timezone: 'Europe/Rome',
    }),
    { log, ...(ruleClock ? { ruleClock } : {}) },
  );
  cleanups.push(data.remove, () => agent.close());
  return agent;
}

describe('agent', () => {
  it('pulls the other rides when one gateway refuses, and shows the changed host key on that ride', async () => {
    const good = rideOnGateway(gw, 'r1', 'agent-good');
    const base = rideOnGateway(gw, 'r2', 'agent-bad');
    const wrongPin = 'SHA256:' + 'C'.repeat(43);
    const bad: RideConfig = {
      ...base,
      connection: { ...base.connection, hostKeySha256: wrongPin },
    };
    const drop = buildTestDrop();
    await putOnGateway(gw, 'agent-good', drop.fileName, drop.zip);
    const agent = await agentFor([bad, good]);

    const run = await agent.runOnce();

    expect(run.rides.map((r) => [r.id, r.result?.buffered ?? null])).toEqual([
      ['r2', null],
      ['r1', 1],
    ]);
    const [r2, r1] = agent.status().rides;
    expect(r2?.lastError).toMatch(/the gateway's host key changed/);
    expect(r2?.hostKeyChanged).toEqual({ expected: wrongPin, got: gw.hostKeySha256 });
    expect(r2?.hostKey).toEqual({
      state: 'changed',
      pinned: wrongPin,
      presented: gw.hostKeySha256,
    });
    expect(r2?.lastSuccessAt).toBeNull();
    expect(r1).toMatchObject({
      lastError: null,
      hostKeyChanged: null,
      hostKey: { state: 'pinned', pinned: gw.hostKeySha256 },
    });
    expect(r1?.lastSuccessAt).not.toBeNull();
    expect(agent.status().drops.buffered).toBe(1);
    expect(agent.status().backlog).toMatchObject({ drops: 1, bytes: drop.zip.length });
  });

  it('joins a round already running instead of starting a second one', async () => {
    const agent = await agentFor([rideOnGateway(gw, 'r1', 'agent-join')]);
    const [a, b] = [agent.runOnce(), agent.runOnce()];
    expect(a).toBe(b);
    await a;
  });

  it("pulls a ride on its cron rule after start() and shows the rule's next firing, until stop()", async () => {
    // The rules' clock moves when the test says: a firing comes without waiting for it.
    const clock = new ManualClock('2026-06-01T10:01:00Z');
    const ride = { ...rideOnGateway(gw, 'r1', 'agent-loop'), schedule: ['*/15 7-23 * * *'] };
    const agent = await agentFor([ride], 2, clock);
    const first = buildTestDrop({ sequence: 7 });
    await putOnGateway(gw, 'agent-loop', first.fileName, first.zip);
    agent.start();
    expect(agent.status().rides[0]).toMatchObject({
      schedule: ['*/15 7-23 * * *'],
      scheduleInWords: ['every 15 minutes from 07:00 to 23:59, every day'],
      // 12:15 in Rome (CEST).
      nextPullAt: '2026-06-01T10:15:00.000Z',
    });
    // The start-up pull.
    await expect.poll(() => agent.status().drops.buffered, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => agent.status().rides[0]?.pulling).toBe('idle');

    // Only the rule can fetch this one.
    const second = buildTestDrop({ sequence: 9 });
    await putOnGateway(gw, 'agent-loop', second.fileName, second.zip);
    clock.advanceTo('2026-06-01T10:14:59Z');
    expect(agent.status().rides[0]?.pulling).toBe('idle');
    clock.advanceTo('2026-06-01T10:15:00Z');
    expect(agent.status().rides[0]?.pulling).not.toBe('idle');
    await expect.poll(() => agent.status().drops.buffered, { timeout: 10_000 }).toBe(2);
    expect(agent.status().rides[0]?.nextPullAt).toBe('2026-06-01T10:30:00.000Z');
    await agent.stop();
    expect(agent.status().running).toBe(false);
    expect(agent.status().rides[0]?.nextPullAt).toBeNull();
  });

  it('pulls one ride on demand and refuses a ride that is not configured', async () => {
    const drop = buildTestDrop({ sequence: 8 });
    await putOnGateway(gw, 'agent-now', drop.fileName, drop.zip);
    const agent = await agentFor([
      rideOnGateway(gw, 'r1', 'agent-now'),
      rideOnGateway(gw, 'r2', 'agent-now-other'),
    ]);

    const pulled = await agent.pullNow('r1');

    expect(pulled.map((r) => [r.id, r.result?.buffered])).toEqual([['r1', 1]]);
    expect(agent.status().rides.map((r) => r.lastPullAt !== null)).toEqual([true, false]);
    await expect(agent.pullNow('r9')).rejects.toThrow(
      'no ride "r9" in the config; configured rides: r1, r2',
    );
  });
});
