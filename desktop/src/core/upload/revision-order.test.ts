import { utimes } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAgent } from '../agent.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { silentLogger } from '../logger.ts';
import { openBufferSqlite } from '../testing/buffer-sqlite.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';

// Rule R2: a later drop of the same ride-window is a revision, and central keeps the newest
// commit. So the agent must commit a ride-window's drops in the order it recorded them, the
// newest last, whatever the wall clock did and whatever failed in between.

let gw: SftpGateway;
let central: TestCentral;
let folders = 0;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_revision_order', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openAgent(dataDir?: string) {
  const where = dataDir ?? (await tempDir('revisions'));
  const dir = typeof where === 'string' ? where : where.dir;
  if (typeof where !== 'string') cleanups.push(where.remove);
  const remoteDir = `revisions-${++folders}`;
  const agent = await createAgent(
    parseAgentConfig({
      park: 'gardaland',
      dataDir: dir,
      central: { url: central.url, token: central.token },
      rides: [rideOnGateway(gw, 'r1', remoteDir)],
      minAgeSeconds: 0,
    }),
    { log: silentLogger() },
  );
  cleanups.push(() => agent.close());
  return {
    agent,
    dir,
    put: (d: TestDrop, ageSeconds: number) =>
      putOnGateway(gw, remoteDir, d.fileName, d.zip, ageSeconds),
  };
}

/** The file names central committed for a ride-window, in commit order. */
async function committed(windowStart: string, names: string[]): Promise<string[]> {
  const rows = await central.query<{ file_name: string }>(
    `SELECT file_name FROM batches
      WHERE park_id = 'gardaland' AND ride_id = 'r1' AND window_start = $1 AND file_name = ANY($2)
      ORDER BY received_at, id`,
    [windowStart, names],
  );
  return rows.map((r) => r.file_name);
}

describe('revisions of one ride-window reach central in the order the agent recorded them', () => {
  it('keeps the order when the clock is set back between two pulls', async () => {
    const windowStart = '2026-07-01T10:00:00Z';
    const first = buildTestDrop({ windowStart, sequence: 5, riders: 11 });
    const revision = buildTestDrop({ windowStart, sequence: 2, riders: 22 });
    const { agent, put } = await openAgent();
    await put(first, 120);
    const [a] = await agent.pullNow();
    expect(a?.result).toMatchObject({ buffered: 1 });

    // The access node's clock is corrected an hour back (NTP after a drift, a technician)
    // before the PLC's revision of the same hour is pulled.
    await put(revision, 60);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() - 3_600_000);
    const [b] = await agent.pullNow();
    expect(b?.result).toMatchObject({ buffered: 1 });
    vi.useRealTimers();

    const run = await agent.runOnce();

    expect(run.upload).toMatchObject({ acknowledged: 2, failed: 0 });
    expect(await committed(windowStart, [first.fileName, revision.fileName])).toEqual([
      first.fileName,
      revision.fileName,
    ]);
  });

  it('holds a revision back while the earlier one fails, across rounds and a restart', async () => {
    const windowStart = '2026-07-01T11:00:00Z';
    const first = buildTestDrop({ windowStart, sequence: 1, riders: 13 });
    const revision = buildTestDrop({ windowStart, sequence: 2, riders: 26 });
    const other = buildTestDrop({ windowStart: '2026-07-01T12:00:00Z', sequence: 1 });
    const opened = await openAgent();
    await opened.put(first, 180);
    await opened.put(revision, 120);
    await opened.put(other, 60);
    await opened.agent.pullNow();
    // The earlier revision's upload fails on its own (its record claims one byte more than its
    // blob holds, as a bad sector would leave it): a failure of that drop, not of central.
    const db = openBufferSqlite(opened.dir);
    db.prepare('UPDATE drops SET bytes = bytes + 1 WHERE sha256 = ?').run(first.sha256);

    const failing = await opened.agent.runOnce();

    expect(failing.upload).toMatchObject({ acknowledged: 1, failed: 1, heldBack: 1 });
    expect(await committed(windowStart, [first.fileName, revision.fileName])).toEqual([]);

    // The agent restarts; the record is whole again. The earlier revision goes first.
    await opened.agent.close();
    db.prepare('UPDATE drops SET bytes = bytes - 1 WHERE sha256 = ?').run(first.sha256);
    db.close();
    const again = await openAgent(opened.dir);
    const run = await again.agent.runOnce();

    expect(run.upload).toMatchObject({ acknowledged: 2, failed: 0, heldBack: 0 });
    expect(await committed(windowStart, [first.fileName, revision.fileName])).toEqual([
      first.fileName,
      revision.fileName,
    ]);
  });

  it('pulls the revisions of one pull in the order they appeared, sequence 10 after 9 in the same second', async () => {
    const windowStart = '2026-07-01T13:00:00Z';
    const ninth = buildTestDrop({ windowStart, sequence: 9, riders: 9 });
    const tenth = buildTestDrop({ windowStart, sequence: 10, riders: 10 });
    const { agent, put } = await openAgent();
    // SFTP lists whole seconds: both files carry the same modification time.
    const second = Math.floor(Date.now() / 1000) - 60;
    for (const d of [tenth, ninth]) {
      const file = await put(d, 60);
      await utimes(file, second, second);
    }

    const run = await agent.runOnce();

    expect(run.upload).toMatchObject({ acknowledged: 2 });
    expect(await committed(windowStart, [ninth.fileName, tenth.fileName])).toEqual([
      ninth.fileName,
      tenth.fileName,
    ]);
  });
});
