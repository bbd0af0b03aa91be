import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from './agent.ts';
import { parseAgentConfig, type RideConfig } from './config.ts';
import { silentLogger } from './logger.ts';
import { putOnGateway, rideOnGateway } from './testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../scripts/harness/sftp-gateway.ts';
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

async function agentFor(rides: RideConfig[], pollSeconds = 60): Promise<Agent> {
  const data = await tempDir('agent');
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      // Central stays out of these tests: uploads fail and drops stay buffered.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      rides,
      pollSeconds,
      minAgeSeconds: 0,
    }),
    { log },
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
    expect(r2?.lastSuccessAt).toBeNull();
    expect(r1).toMatchObject({ lastError: null, hostKeyChanged: null });
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

  it('pulls again every pollSeconds after start(), until stop()', async () => {
    const agent = await agentFor([rideOnGateway(gw, 'r1', 'agent-loop')], 0.2);
    agent.start();
    expect(agent.status().running).toBe(true);
    const drop = buildTestDrop({ sequence: 7 });
    await putOnGateway(gw, 'agent-loop', drop.fileName, drop.zip);

    await expect.poll(() => agent.status().drops.buffered, { timeout: 10_000 }).toBe(1);
    await agent.stop();
    expect(agent.status().running).toBe(false);
  });
});
