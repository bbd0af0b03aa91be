import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { UploadThrottle, type ThrottleClock } from './upload-throttle.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

/** A clock that moves only when the throttle sleeps: elapsed time is exactly what it waited. */
function virtualClock(): ThrottleClock & { elapsedMs(): number } {
  let t = 1_000_000;
  const start = t;
  return {
    now: () => t,
    sleep: (ms) => {
      t += ms;
      return Promise.resolve();
    },
    elapsedMs: () => t - start,
  };
}

describe('upload throttle (token bucket)', () => {
  it('never lets N bytes through faster than N / limit, whatever the chunk sizes', async () => {
    for (const chunks of [[65_536], [1000, 1000, 1000, 500_000], [300_000, 1, 300_000]]) {
      const clock = virtualClock();
      const throttle = new UploadThrottle(() => 50_000, clock);
      for (const c of chunks) await throttle.take(c);
      const total = chunks.reduce((a, b) => a + b, 0);
      expect(clock.elapsedMs()).toBeGreaterThanOrEqual((total / 50_000) * 1000);
    }
  });

  it('does not wait without a limit, and follows a limit changed mid-way', async () => {
    const clock = virtualClock();
    let limit: number | null = null;
    const throttle = new UploadThrottle(() => limit, clock);
    await throttle.take(10_000_000);
    expect(clock.elapsedMs()).toBe(0);
    limit = 10_000;
    await throttle.take(20_000);
    expect(clock.elapsedMs()).toBeGreaterThanOrEqual(2000);
  });
});

describe('bandwidth-limited upload to a real central', () => {
  let gw: SftpGateway;
  let central: TestCentral;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    [gw, central] = await Promise.all([
      startSftpGateway(),
      startTestCentral('agent_throttle', 'gardaland'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gw?.stop(), central?.close()]);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('uploads every drop, having waited at least bytes / limit on the throttle clock', async () => {
    const drops = [1, 2, 3].map((sequence) => buildTestDrop({ sequence, riders: sequence }));
    for (const d of drops) await putOnGateway(gw, 'throttled', d.fileName, d.zip);
    const data = await tempDir('throttle');
    cleanups.push(data.remove);
    const clock = virtualClock();
    const limit = 2048;
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: central.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', 'throttled')],
        upload: { bytesPerSecond: limit },
        minAgeSeconds: 0,
      }),
      { log: silentLogger(), throttleClock: clock },
    );
    cleanups.push(() => agent.close());

    const run = await agent.runOnce();

    expect(run.upload).toMatchObject({ acknowledged: 3, failed: 0 });
    const bytes = drops.reduce((sum, d) => sum + d.zip.length, 0);
    expect(clock.elapsedMs()).toBeGreaterThanOrEqual((bytes / limit) * 1000);
    const stored = await central.query<{ sha256: string }>('SELECT sha256 FROM batches');
    expect(stored.map((b) => b.sha256).sort()).toEqual(drops.map((d) => d.sha256).sort());
  });
});
