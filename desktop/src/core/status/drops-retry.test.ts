import { writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../agent.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  central = await startTestCentral('agent_drops_retry', 'gardaland');
});
afterAll(async () => {
  await central?.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('drops.retry and the activity log against a real central', () => {
  it('uploads a drop central had rejected once a person retries it, and the Drops list and activity log show it', async () => {
    const data = await tempDir('drops-retry');
    cleanups.push(data.remove);
    const drop = buildTestDrop({ sequence: 901 });
    // A drop central refused as bad input too often (say, before central was fixed).
    const before = await DropBuffer.open(data.dir, log);
    const tmp = before.blobs.tmpPath(drop.fileName);
    await writeFile(tmp, drop.zip);
    await before.recordPulledFile(
      tmp,
      { ride: 'r1', name: drop.fileName, size: drop.zip.length, mtimeMs: 0 },
      {
        sha256: drop.sha256,
        contentId: drop.contentId,
        ride: 'r1',
        fileName: drop.fileName,
        sequence: null,
        windowStart: null,
        windowEnd: null,
        bytes: drop.zip.length,
        state: 'buffered',
        reasonCode: null,
        reason: null,
      },
    );
    expect(before.markUploadRejected(drop.sha256, 'central refused the manifest', 1)).toBe(true);
    before.close();

    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: central.url, token: central.token },
      }),
      { log },
    );
    cleanups.push(() => agent.close());

    // Rejected drops are never sent on their own.
    expect((await agent.runOnce()).upload).toMatchObject({ acknowledged: 0, remaining: 0 });
    expect(agent.drops.list({ state: 'rejected' }).drops.map((d) => d.sha256)).toEqual([
      drop.sha256,
    ]);
    expect(() => agent.drops.retry('f'.repeat(64))).toThrow(/no drop/);

    expect(agent.drops.retry(drop.sha256)).toEqual({ sha256: drop.sha256, state: 'buffered' });
    const round = await agent.runOnce();

    expect(round.upload).toMatchObject({ acknowledged: 1, failed: 0, rejected: 0 });
    const rows = await central.query<{ state: string }>(
      'SELECT state FROM batches WHERE sha256 = $1',
      [drop.sha256],
    );
    expect(rows.map((r) => r.state)).toEqual(['stored']);
    await agent.refreshGlobalView();
    const listed = agent.drops.list();
    expect(listed.drops).toHaveLength(1);
    expect(listed.drops[0]).toMatchObject({
      sha256: drop.sha256,
      state: 'acknowledged',
      central: { state: 'stored' },
    });
    expect(listed.centralFetchedAt).not.toBeNull();
    // Without a zone in the file, the agent also logged taking central's (a settings event).
    const messages = agent.drops
      .activity()
      .events.filter((e) => e.kind !== 'settings')
      .map((e) => e.message);
    expect(messages[0]).toMatch(/^upload round: 1 acknowledged by central/);
    expect(messages[1]).toMatch(/upload retried by a person \(was rejected\)/);
  });
});
