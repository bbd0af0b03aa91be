import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../agent.ts';
import { parseAgentConfig, type RideConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_heartbeat', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function agentFor(
  ride: RideConfig | RideConfig[],
  url: string,
  token: string,
): Promise<Agent> {
  const data = await tempDir('heartbeat');
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: data.dir,
      central: { url, token },
      rides: Array.isArray(ride) ? ride : [ride],
      minAgeSeconds: 0,
      buffer: { maxBytes: 50_000_000 },
    }),
    { log },
  );
  cleanups.push(data.remove, () => agent.close());
  return agent;
}

interface HeartbeatRow extends Record<string, unknown> {
  version: string;
  buffer_drops: number;
  buffer_bytes: string;
  buffer_cap_bytes: string;
  backlog_drops: number;
  backlog_bytes: string;
  backlog_oldest_pulled_at: Date | null;
  offline_since: Date | null;
  recent_backlog_drops: number[];
  rides: unknown;
  quarantined_drops: number | null;
  quarantine_latest_at: Date | null;
}

async function heartbeatRow(): Promise<HeartbeatRow | undefined> {
  const rows = await central.query<HeartbeatRow>(
    "SELECT * FROM agent_heartbeats WHERE park_id = 'gardaland'",
  );
  return rows[0];
}

describe('heartbeat', () => {
  it("tells central the agent's version, buffer and backlog, before and after a round", async () => {
    const drop = buildTestDrop({ sequence: 21 });
    await putOnGateway(gw, 'heartbeat-ok', drop.fileName, drop.zip);
    const agent = await agentFor(
      rideOnGateway(gw, 'r1', 'heartbeat-ok'),
      central.url,
      central.token,
    );

    // Pulled, not uploaded: the backlog central sees is this drop.
    await agent.pullNow('r1');
    expect(await agent.sendHeartbeat()).toBe(true);
    const before = await heartbeatRow();
    expect(before).toMatchObject({
      version: '0.1.0',
      buffer_drops: 1,
      buffer_bytes: String(drop.zip.length),
      buffer_cap_bytes: '50000000',
      backlog_drops: 1,
      backlog_bytes: String(drop.zip.length),
      offline_since: null,
    });
    expect(before?.backlog_oldest_pulled_at?.toISOString()).toBe(
      agent.status().backlog.oldestPulledAt,
    );

    // A round uploads the drop and then reports the emptied backlog.
    const run = await agent.runOnce();
    expect(run.upload.acknowledged).toBe(1);
    expect(await heartbeatRow()).toMatchObject({
      backlog_drops: 0,
      backlog_bytes: '0',
      backlog_oldest_pulled_at: null,
      recent_backlog_drops: [1, 0],
    });
    expect(agent.status().heartbeat.lastError).toBeNull();
    expect(agent.status().heartbeat.lastSentAt).not.toBeNull();
  });

  it('marks central offline when the heartbeat fails, and the round still pulls', async () => {
    const drop = buildTestDrop({ sequence: 22 });
    await putOnGateway(gw, 'heartbeat-down', drop.fileName, drop.zip);
    const agent = await agentFor(
      rideOnGateway(gw, 'r1', 'heartbeat-down'),
      'http://127.0.0.1:9',
      central.token,
    );

    const run = await agent.runOnce();

    expect(run.rides[0]?.result?.buffered).toBe(1);
    const status = agent.status();
    expect(status.central.state).toBe('offline');
    expect(status.central.offlineSince).not.toBeNull();
    expect(status.heartbeat.lastError).toMatch(/^heartbeat to central failed: /);
    expect(await agent.sendHeartbeat()).toBe(false);
  });

  it('refuses a heartbeat with a wrong park token, leaving central untouched for that park', async () => {
    const agent = await agentFor(
      rideOnGateway(gw, 'r1', 'heartbeat-token'),
      central.url,
      'wrong-park-token-0123456789',
    );
    const rowBefore = await heartbeatRow();

    expect(await agent.sendHeartbeat()).toBe(false);

    expect(agent.status().central.state).toBe('offline');
    expect(await heartbeatRow()).toEqual(rowBefore);
  });

  it("sends each ride's failures and the quarantine, as the park's status shows them", async () => {
    // r1 reads a drop of another park (quarantined); r2's gateway does not answer.
    const foreign = buildTestDrop({ park: 'mirabilandia', sequence: 23 });
    await putOnGateway(gw, 'heartbeat-rides', foreign.fileName, foreign.zip);
    const down = rideOnGateway(gw, 'r2', 'heartbeat-rides');
    const agent = await agentFor(
      [
        rideOnGateway(gw, 'r1', 'heartbeat-rides'),
        { ...down, connection: { ...down.connection, port: 9 } },
      ],
      central.url,
      central.token,
    );
    await agent.pullNow();
    const status = agent.status();
    const r2 = status.rides.find((r) => r.id === 'r2');
    expect(r2?.lastError).toBeTruthy();
    expect(status.quarantined).toHaveLength(1);

    expect(await agent.sendHeartbeat()).toBe(true);
    const row = await heartbeatRow();
    expect(row?.quarantined_drops).toBe(1);
    expect(row?.quarantine_latest_at?.toISOString()).toBe(status.quarantined[0]?.updatedAt);
    // Central trims and keeps the texts as one line; the agent's sentence is one line already.
    const rides = row?.rides as Record<string, unknown>[];
    expect(rides.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
    expect(rides.find((r) => r.id === 'r2')).toEqual({
      id: 'r2',
      lastPullAt: r2?.lastPullAt,
      lastSuccessAt: null,
      lastError: r2?.lastError,
      pausedReason: null,
      hostKeyChanged: false,
    });
    expect(rides.find((r) => r.id === 'r1')).toMatchObject({ lastError: null });
  });
});
