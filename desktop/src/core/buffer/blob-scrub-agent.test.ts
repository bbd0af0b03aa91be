import { open as openFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { DropBuffer } from './drop-buffer.ts';
import { sha256File } from '@zra/gateway';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { createStatusRouter } from '../status/status-router.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

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

async function openAgent(dataDir: string) {
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir,
      // Central is away: the drop waits in the buffer, as in a park offline for days.
      central: { url: 'http://127.0.0.1:9', token: 'park-token-0123456789' },
      timezone: 'Europe/Rome',
      minAgeSeconds: 0,
      rides: [rideOnGateway(gw, 'r1', 'scrub')],
    }),
    { log },
  );
  return { agent, api: createStatusRouter(agent).createCaller({ authorized: true }) };
}

/** Flips one bit in the middle of a file, in place: same size, other bytes. */
async function flipBit(file: string): Promise<void> {
  const handle = await openFile(file, 'r+');
  try {
    const { size } = await handle.stat();
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.floor(size / 2));
    byte[0] = (byte[0] ?? 0) ^ 0x10;
    await handle.write(byte, 0, 1, Math.floor(size / 2));
  } finally {
    await handle.close();
  }
}

describe('the agent after a start with a damaged blob on disk', () => {
  it('finds the damage in the background, says so, and pulls a good copy again', async () => {
    const d = await tempDir('blob-scrub');
    cleanups.push(d.remove);
    const drop = buildTestDrop();
    await putOnGateway(gw, 'scrub', drop.fileName, drop.zip);

    const first = await openAgent(d.dir);
    const [pulled] = await first.agent.pullNow();
    expect([pulled?.error, pulled?.result?.buffered]).toEqual([null, 1]);
    await first.agent.close();

    // While the agent is off, the disk flips a bit: the blob keeps its size.
    const buffer = await DropBuffer.open(d.dir, log);
    const blob = buffer.blobs.blobPath(drop.sha256);
    buffer.close();
    await flipBit(blob);

    const second = await openAgent(d.dir);
    cleanups.push(() => second.agent.close());
    second.agent.start();
    // The pass start() began, awaited: no wall-clock wait. (Central is away, so no upload
    // round hashes the blob first; uploads check a blob only when central wants its bytes.)
    expect(await second.agent.backgroundCheck()).toEqual({ checked: 1, damaged: 1 });
    expect((await second.api.activity.list()).events.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^1 buffered drop\(s\) were damaged on disk/),
    );
    // The gateway still has the file: the next pull fetches it again, intact. The catch-up pull
    // start() began may have passed the file over (still buffered then) and be running yet;
    // a demand joins a running pull (pull-coordinator.ts), so the second one surely starts
    // after the drop was forgotten.
    await second.agent.pullNow();
    await second.agent.pullNow();
    expect(second.agent.status().drops.buffered).toBe(1);
    expect(await sha256File(blob)).toBe(drop.sha256);
  });
});
