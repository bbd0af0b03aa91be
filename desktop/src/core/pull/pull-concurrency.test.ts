import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig, type RideConfig } from '../settings/config.ts';
import { connectGateway, type GatewayClient } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
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

describe('pulls of several rides, against a real OpenSSH gateway', () => {
  it('runs different rides side by side up to maxConcurrentPulls and never two pulls of one ride', async () => {
    const ids = ['r1', 'r2', 'r3'];
    for (const [i, id] of ids.entries()) {
      const d = buildTestDrop({ ride: id, sequence: i + 1 });
      await putOnGateway(gw, `conc-${id}`, d.fileName, d.zip);
    }
    // Each pull holds its connection until the test releases that ride.
    const open = new Set<string>();
    let mostOpen = 0;
    const connects: string[] = [];
    const release = new Map<string, () => void>();
    const connect = async (ride: RideConfig): Promise<GatewayClient> => {
      if (open.has(ride.id)) throw new Error(`two pulls of ${ride.id} at once`);
      open.add(ride.id);
      connects.push(ride.id);
      mostOpen = Math.max(mostOpen, open.size);
      await new Promise<void>((resolve) => release.set(ride.id, resolve));
      const client = await connectGateway(ride.connection, log);
      return {
        list: (dir) => client.list(dir),
        download: (dir, name, to) => client.download(dir, name, to),
        remove: (dir, name) => client.remove(dir, name),
        move: (dir, name, to) => client.move(dir, name, to),
        exists: (dir) => client.exists(dir),
        close: async () => {
          await client.close();
          open.delete(ride.id);
        },
      };
    };
    const data = await tempDir('concurrency');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
        rides: ids.map((id) => rideOnGateway(gw, id, `conc-${id}`)),
        maxConcurrentPulls: 2,
        minAgeSeconds: 0,
      }),
      { log, connect },
    );
    cleanups.push(() => agent.close());

    const all = agent.pullNow();
    const again = agent.pullNow('r1');
    await waitFor('two pulls connected', () => Promise.resolve(release.size === 2), {
      timeoutMs: 20_000,
    });
    const pulling = () => agent.status().rides.map((r) => [r.id, r.pulling]);
    expect(pulling()).toEqual([
      ['r1', 'running'],
      ['r2', 'running'],
      ['r3', 'waiting'],
    ]);
    release.get('r1')?.();
    await waitFor('r3 starts once r1 is done', () => Promise.resolve(release.has('r3')), {
      timeoutMs: 20_000,
    });
    release.get('r2')?.();
    release.get('r3')?.();
    const results = await all;
    await again;

    expect(results.map((r) => [r.id, r.result?.buffered])).toEqual([
      ['r1', 1],
      ['r2', 1],
      ['r3', 1],
    ]);
    expect(connects).toEqual(['r1', 'r2', 'r3']);
    expect(mostOpen).toBe(2);
  });
});
