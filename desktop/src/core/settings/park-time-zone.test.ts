/**
 * The agent's clock is the park's: with no zone chosen it takes the one central has for the
 * park (and keeps it offline and across restarts); a zone that differs from central's is said
 * in the header's reasons. Real central (PostgreSQL) and the agent's own SQLite.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { worstState } from '../../common/worst-state.ts';
import { createAgent } from '../agent.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { wallClock } from '../testing/wall-clock.ts';
import { MACHINE_TIME_ZONE, parseAgentConfig, type AgentConfigInput } from './config.ts';

const PARK = 'gardaland';
// Far from any machine's own zone, with a half-hour DST change.
const CENTRAL_ZONE = 'Australia/Lord_Howe';

let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  central = await startTestCentral('agent_park_zone', PARK);
  await central.query('UPDATE parks SET timezone = $2 WHERE id = $1', [PARK, CENTRAL_ZONE]);
});
afterAll(async () => {
  await central?.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(dataDir: string, config: Partial<AgentConfigInput> = {}) {
  const agent = await createAgent(
    parseAgentConfig({
      park: PARK,
      dataDir,
      central: { url: central.url, token: central.token, timeoutSeconds: 5 },
      rides: [
        {
          id: 'r1',
          remoteDir: '.',
          afterBuffer: 'keep',
          schedule: ['0 12 * * *'],
          connection: { type: 'sftp', host: '127.0.0.1', port: 9, username: 'plc', password: 'x' },
        },
      ],
      minAgeSeconds: 0,
      upload: { intervalSeconds: 3600, retryBaseSeconds: 600, retryMaxSeconds: 900 },
      ...config,
    }),
    { log: silentLogger(), connect: () => Promise.reject(new Error('gateway away (test)')) },
  );
  return { agent, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

const zoneReason = (reasons: string[]) => reasons.filter((r) => r.includes('time zone'));

describe("the agent's time zone is the park's", () => {
  it("takes central's zone when nobody chose one, moves the pull rules to it, and keeps it", async () => {
    const data = await tempDir('park-zone');
    cleanups.push(data.remove);
    const first = await open(data.dir);
    first.agent.start();
    expect(first.agent.status().timeZone).toBe(MACHINE_TIME_ZONE);

    await first.agent.refreshGlobalView();
    const status = first.agent.status();
    expect(status.timeZone).toBe(CENTRAL_ZONE);
    expect(wallClock(status.rides[0]?.nextPullAt ?? '', CENTRAL_ZONE)).toBe('12:00');
    expect(zoneReason(worstState(status).reasons)).toEqual([]);
    const { events } = await first.api.activity.list();
    expect(events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(
        /^time zone taken from central: the park is in Australia\/Lord_Howe, so the rides' pull times are now read in Australia\/Lord_Howe/,
      ),
    );
    await first.agent.close();

    // Central's zone is corrected later: the agent's rules do not move by themselves (a
    // person sees the difference and decides), and the zone held offline across the restart.
    await central.query('UPDATE parks SET timezone = $2 WHERE id = $1', [PARK, 'Asia/Kolkata']);
    const second = await open(data.dir);
    cleanups.push(() => second.agent.close());
    expect(second.agent.status().timeZone).toBe(CENTRAL_ZONE);
    await second.agent.refreshGlobalView();
    expect(second.agent.status().timeZone).toBe(CENTRAL_ZONE);
    expect(zoneReason(worstState(second.agent.status()).reasons)).toEqual([
      "time zone Australia/Lord_Howe is not the park's (Asia/Kolkata)",
    ]);
    await second.api.settings.update({ timeZone: 'Asia/Kolkata' });
    expect(zoneReason(worstState(second.agent.status()).reasons)).toEqual([]);
    await central.query('UPDATE parks SET timezone = $2 WHERE id = $1', [PARK, CENTRAL_ZONE]);
  });

  it('keeps a zone the config file gives, and says when it is not the park’s', async () => {
    const data = await tempDir('park-zone-set');
    cleanups.push(data.remove);
    const { agent } = await open(data.dir, { timezone: 'Asia/Tokyo' });
    cleanups.push(() => agent.close());
    await agent.refreshGlobalView();
    const status = agent.status();
    expect(status.timeZone).toBe('Asia/Tokyo');
    expect(worstState(status)).toMatchObject({ tone: 'attention' });
    expect(zoneReason(worstState(status).reasons)).toEqual([
      `time zone Asia/Tokyo is not the park's (${CENTRAL_ZONE})`,
    ]);
  });
});
