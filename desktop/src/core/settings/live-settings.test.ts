import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, type AgentOptions } from '../agent.ts';
import { parseAgentConfig, type AgentConfigInput, type RideConfig } from './config.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import type { AgentSettingsPatch } from '../store/settings-store.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { wallClock } from '../testing/wall-clock.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { waitFor } from '../../../../scripts/harness/wait-for.ts';

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

/** A ride the tests never reach over the network: its pulls go through `connect`. */
function offlineRide(id: string, schedule = ['*/15 * * * *']): RideConfig {
  return {
    id,
    remoteDir: '.',
    afterBuffer: 'keep',
    schedule,
    connection: {
      type: 'sftp',
      host: '127.0.0.1',
      port: 9,
      username: 'plc',
      password: 'unused',
    },
  };
}

/** A real agent on its own buffer, and its status router as the UI calls it. */
async function open(
  config: Partial<AgentConfigInput> = {},
  options: AgentOptions = {},
  dir?: string,
) {
  let dataDir = dir;
  if (!dataDir) {
    const d = await tempDir('live-settings');
    cleanups.push(d.remove);
    dataDir = d.dir;
  }
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir,
      // Central stays out: nothing is buffered, so upload rounds never talk to it.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      timezone: 'Europe/Rome',
      minAgeSeconds: 0,
      ...config,
    }),
    { log, ...options },
  );
  cleanups.push(() => agent.close());
  return { agent, dataDir, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

describe('settings applied while the agent runs', () => {
  it('keeps the four new settings across a restart and logs them in words', async () => {
    const first = await open();
    const view = await first.api.settings.update({
      timeZone: 'asia/tokyo',
      maxConcurrentPulls: 3,
      minAgeSeconds: 30,
      uploadIntervalSeconds: 120,
    });
    // The name is kept as the time zone database spells it.
    expect(view).toMatchObject({
      timeZone: 'Asia/Tokyo',
      maxConcurrentPulls: 3,
      minAgeSeconds: 30,
      uploadIntervalSeconds: 120,
    });
    const { events } = await first.api.activity.list();
    expect(events.find((e) => e.kind === 'settings')?.message).toBe(
      'settings changed: time zone of the pull rules (now Asia/Tokyo), rides pulled at once (now at most 3), minimum file age before a pull (now 30 s), upload interval (now every 2 min)',
    );
    await first.agent.close();

    const second = await open({}, {}, first.dataDir);
    expect(await second.api.settings.get()).toMatchObject({
      timeZone: 'Asia/Tokyo',
      maxConcurrentPulls: 3,
      minAgeSeconds: 30,
      uploadIntervalSeconds: 120,
    });
  });

  it('refuses invalid values with a message naming the fix, and changes nothing', async () => {
    const { api } = await open({ maxConcurrentPulls: 2 });
    const before = await api.settings.get();
    const refused: [AgentSettingsPatch, RegExp][] = [
      [
        { timeZone: 'Mars/Olympus_Mons' },
        /^timeZone: "Mars\/Olympus_Mons" is not an IANA time zone/,
      ],
      [{ timeZone: '+01:00' }, /not an IANA time zone; give one like "Europe\/Rome"/],
      [{ maxConcurrentPulls: 0 }, /1 to 16/],
      [{ maxConcurrentPulls: 17 }, /1 to 16/],
      [{ maxConcurrentPulls: 1.5 }, /1 to 16/],
      [{ minAgeSeconds: -1 }, /0 to 3600/],
      [{ minAgeSeconds: 3601 }, /0 to 3600/],
      [{ uploadIntervalSeconds: 0 }, /1 to 86400/],
      [{ uploadIntervalSeconds: 86_401 }, /1 to 86400/],
      // One bad field refuses the whole change.
      [{ maxConcurrentPulls: 4, minAgeSeconds: 99_999 }, /0 to 3600/],
    ];
    for (const [patch, message] of refused) {
      // The refusal is the issue list the UI's forms read, each problem beside its field.
      const refusal = await api.settings.update(patch).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
      const issues = JSON.parse(refusal) as { path: string[]; message: string }[];
      const said = issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      expect(said, JSON.stringify(patch)).toMatch(message);
    }
    expect(await api.settings.get()).toEqual(before);
    const { events } = await api.activity.list();
    expect(events.filter((e) => e.kind === 'settings')).toEqual([]);
  });

  it('moves the rules to the new time zone at once', async () => {
    const { agent, api } = await open(
      { rides: [offlineRide('r1', ['0 12 * * *'])] },
      {
        connect: () => Promise.reject(new Error('gateway away (test)')),
      },
    );
    agent.start();
    const nextAt = () => agent.status().rides[0]?.nextPullAt ?? '';
    const inRome = nextAt();
    expect(wallClock(inRome, 'Europe/Rome')).toBe('12:00');

    await api.settings.update({ timeZone: 'Asia/Tokyo' });
    const inTokyo = nextAt();
    expect(wallClock(inTokyo, 'Asia/Tokyo')).toBe('12:00');
    // Noon in Tokyo is 7 or 8 hours before noon in Rome: a different moment.
    expect(wallClock(inTokyo, 'Europe/Rome')).not.toBe('12:00');
  });

  it('pulls at most the new number of rides at once; pulls in flight finish', async () => {
    const open_ = new Set<string>();
    const started: string[] = [];
    const release = new Map<string, () => void>();
    // Each pull holds its gateway connection until the test releases that ride.
    const connect = async (ride: RideConfig): Promise<never> => {
      open_.add(ride.id);
      started.push(ride.id);
      try {
        await new Promise<void>((resolve) => release.set(ride.id, resolve));
        throw new Error('gateway away (test)');
      } finally {
        open_.delete(ride.id);
      }
    };
    const { agent, api } = await open(
      { rides: ['r1', 'r2', 'r3', 'r4'].map((id) => offlineRide(id)), maxConcurrentPulls: 2 },
      { connect },
    );

    const pulling = (id: string) => agent.status().rides.find((r) => r.id === id)?.pulling;
    const all = agent.pullNow();
    await waitFor('two pulls connected', () => Promise.resolve(release.size === 2));
    await api.settings.update({ maxConcurrentPulls: 1 });
    // Both pulls in flight go on; finishing one leaves one running, the limit: r3 waits.
    expect([...open_]).toEqual(['r1', 'r2']);
    release.get('r1')?.();
    // A slot is handed on the moment a pull ends: once r1 is idle, r3 has been started or
    // left waiting, and with the limit at 1 (r2 still running) it must still wait.
    await waitFor('r1 finished', () => Promise.resolve(pulling('r1') === 'idle'));
    expect(pulling('r3')).toBe('waiting');
    expect(started).toEqual(['r1', 'r2']);
    release.get('r2')?.();
    await waitFor('r3 starts once r2 is done', () => Promise.resolve(release.has('r3')));
    expect([...open_]).toEqual(['r3']);

    // Raising the limit starts a waiting pull at once.
    await api.settings.update({ maxConcurrentPulls: 2 });
    await waitFor('r4 starts beside r3', () => Promise.resolve(release.has('r4')));
    expect([...open_]).toEqual(['r3', 'r4']);
    release.get('r3')?.();
    release.get('r4')?.();
    const results = await all;
    expect(results.map((r) => r.error)).toEqual(Array(4).fill('gateway away (test)'));
    expect(started).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it('judges a file by the new minimum age from the next listing', async () => {
    const drop = buildTestDrop({ ride: 'young', sequence: 1 });
    // Written 30 seconds ago, as the gateway lists it.
    await putOnGateway(gw, 'live-min-age', drop.fileName, drop.zip, 30);
    const { agent, api } = await open({ rides: [rideOnGateway(gw, 'young', 'live-min-age')] });

    await api.settings.update({ minAgeSeconds: 300 });
    const [tooYoung] = await agent.pullNow('young');
    expect(tooYoung?.result).toMatchObject({ listed: 1, young: 1, buffered: 0 });

    await api.settings.update({ minAgeSeconds: 10 });
    const [settled] = await agent.pullNow('young');
    expect(settled?.result).toMatchObject({ listed: 1, young: 0, buffered: 1 });
  });

  it('waits the new upload interval from the next wait on', async () => {
    const rounds: number[] = [];
    const { agent, api } = await open(
      // A round an hour away, and a backoff as long, so only the new interval explains a round.
      { upload: { intervalSeconds: 3600, retryBaseSeconds: 3600, retryMaxSeconds: 3600 } },
      { observer: { pulled: () => undefined, uploaded: () => rounds.push(Date.now()) } },
    );
    agent.start();
    await waitFor('the first upload round', () => Promise.resolve(rounds.length >= 1));

    await api.settings.update({ uploadIntervalSeconds: 1 });
    await waitFor('two more rounds a second apart', () => Promise.resolve(rounds.length >= 3), {
      timeoutMs: 10_000,
    });
    const gap = (rounds[2] ?? 0) - (rounds[1] ?? 0);
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(5000);
  });
});
