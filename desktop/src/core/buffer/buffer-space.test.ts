import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { DropBuffer } from './drop-buffer.ts';
import { bufferSpace, formatBytes, makeRoom } from './buffer-space.ts';
import { silentLogger } from '../logger.ts';
import { openBufferSqlite } from '../testing/buffer-sqlite.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, corruptZip, type TestDrop } from '../testing/test-drop.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Sets a column of one drop directly, as the passing of time or a crash would leave it. */
function setColumn(dir: string, sha256: string, column: string, value: string): void {
  const db = openBufferSqlite(dir);
  try {
    db.prepare(`UPDATE drops SET ${column} = ? WHERE sha256 = ?`).run(value, sha256);
  } finally {
    db.close();
  }
}

async function openBuffer(dir?: string): Promise<{ buffer: DropBuffer; dir: string }> {
  let where = dir;
  if (!where) {
    const t = await tempDir('space');
    cleanups.push(t.remove);
    where = t.dir;
  }
  const buffer = await DropBuffer.open(where, log);
  cleanups.push(() => buffer.close());
  return { buffer, dir: where };
}

async function record(
  buffer: DropBuffer,
  drop: TestDrop,
  state: 'buffered' | 'quarantined' = 'buffered',
): Promise<void> {
  const tmp = buffer.blobs.tmpPath(drop.fileName);
  await writeFile(tmp, drop.zip);
  await buffer.recordPulledFile(
    tmp,
    { ride: 'r1', name: drop.fileName, size: drop.zip.length, mtimeMs: 1000 },
    {
      sha256: drop.sha256,
      contentId: state === 'buffered' ? drop.contentId : null,
      ride: 'r1',
      fileName: drop.fileName,
      sequence: null,
      windowStart: null,
      windowEnd: null,
      bytes: drop.zip.length,
      state,
      reasonCode: state === 'quarantined' ? 'zip_corrupt' : null,
      reason: state === 'quarantined' ? 'damaged' : null,
    },
  );
}

function acknowledge(
  { buffer, dir }: { buffer: DropBuffer; dir: string },
  drop: TestDrop,
  hoursAgo: number,
): void {
  buffer.markAcknowledged(drop.sha256, { batchId: `batch-${drop.sha256}`, status: 'stored' });
  setColumn(
    dir,
    drop.sha256,
    'acknowledged_at',
    new Date(Date.now() - hoursAgo * 3_600_000).toISOString(),
  );
}

const drops = [1, 2, 3, 4].map((sequence) => buildTestDrop({ sequence }));
const [a, b, c, d] = drops as [TestDrop, TestDrop, TestDrop, TestDrop];
const total = (...ds: TestDrop[]) => ds.reduce((n, x) => n + x.zip.length, 0);

describe('buffer size cap and retention', () => {
  it('deletes blobs acknowledged longer ago than the retention, keeps their rows, and frees their bytes', async () => {
    const opened = await openBuffer();
    const { buffer } = opened;
    for (const x of [a, b, c]) await record(buffer, x);
    acknowledge(opened, a, 48);
    acknowledge(opened, b, 1);

    const room = await makeRoom(buffer, { maxBytes: 10_000_000, retainAcknowledgedHours: 24 }, log);

    expect(room).toBe(true);
    expect(existsSync(buffer.blobs.blobPath(a.sha256))).toBe(false);
    expect(buffer.get(a.sha256)).toMatchObject({ state: 'acknowledged' });
    expect(buffer.get(a.sha256)?.blobEvictedAt).not.toBeNull();
    // Its remote file stays known, so the gateway copy is not pulled again.
    expect(
      buffer.isKnownRemoteFile({ ride: 'r1', name: a.fileName, size: a.zip.length, mtimeMs: 1000 }),
    ).toBe(true);
    for (const kept of [b, c]) expect(existsSync(buffer.blobs.blobPath(kept.sha256))).toBe(true);
    expect(buffer.storedBytes()).toBe(total(b, c));
  });

  it('never deletes drops central has not acknowledged nor quarantined ones, and pauses pulling with the reason', async () => {
    const { buffer } = await openBuffer();
    await record(buffer, a);
    await record(buffer, b);
    const broken = buildTestDrop({ sequence: 9 });
    await record(
      buffer,
      { ...broken, zip: corruptZip(broken), sha256: 'f'.repeat(64) },
      'quarantined',
    );
    const config = { maxBytes: total(a), retainAcknowledgedHours: 0 };

    const room = await makeRoom(buffer, config, log);

    expect(room).toBe(false);
    for (const sha of [a.sha256, b.sha256, 'f'.repeat(64)]) {
      expect(existsSync(buffer.blobs.blobPath(sha))).toBe(true);
    }
    const space = bufferSpace(buffer, config);
    expect(space).toMatchObject({ waitingBytes: total(a, b), acknowledgedBytes: 0 });
    expect(space.pullPausedReason).toBe(
      `buffer full: ${formatBytes(total(a, b))} of ${formatBytes(total(a))} waiting for central; ` +
        `pulling resumes when uploads free space; ${formatBytes(space.keptBytes)} held by quarantined or rejected drops`,
    );
  });

  it('makes room under the cap from the oldest acknowledged blobs before their retention ends', async () => {
    const opened = await openBuffer();
    const { buffer } = opened;
    for (const x of [a, b, c, d]) await record(buffer, x);
    acknowledge(opened, a, 3);
    acknowledge(opened, b, 2);
    acknowledge(opened, c, 1);
    // Room for three blobs: only the oldest acknowledgement has to go.
    const config = { maxBytes: total(b, c, d) + 1, retainAcknowledgedHours: 168 };

    expect(await makeRoom(buffer, config, log)).toBe(true);

    expect(
      buffer
        .list()
        .filter((x) => x.blobEvictedAt !== null)
        .map((x) => x.sha256),
    ).toEqual([a.sha256]);
    expect(bufferSpace(buffer, config).pullPausedReason).toBeNull();
  });

  it('evicts each blob once when pulls and the upload loop make room at the same time', async () => {
    const opened = await openBuffer();
    const { buffer } = opened;
    for (const x of [a, b, c]) await record(buffer, x);
    acknowledge(opened, a, 48);
    acknowledge(opened, b, 47);
    const config = { maxBytes: 10_000_000, retainAcknowledgedHours: 24 };

    const rooms = await Promise.all([
      makeRoom(buffer, config, log),
      makeRoom(buffer, config, log),
      makeRoom(buffer, config, log),
    ]);

    expect(rooms).toEqual([true, true, true]);
    expect(buffer.list().filter((x) => x.blobEvictedAt !== null)).toHaveLength(2);
    expect(buffer.storedBytes()).toBe(total(c));
  });

  it('removes at start-up a blob whose eviction a crash interrupted', async () => {
    const first = await openBuffer();
    await record(first.buffer, a);
    acknowledge(first, a, 1);
    // The row says evicted, the file is still there: the crash came between the two steps.
    setColumn(first.dir, a.sha256, 'blob_evicted_at', new Date().toISOString());
    first.buffer.close();

    const { buffer } = await openBuffer(first.dir);

    expect(existsSync(buffer.blobs.blobPath(a.sha256))).toBe(false);
    expect(buffer.get(a.sha256)?.state).toBe('acknowledged');
    expect(buffer.storedBytes()).toBe(0);
  });

  it('prints sizes as people read them', () => {
    expect([950, 1_200_000, 1_900_000_000, 2_000_000_000].map(formatBytes)).toEqual([
      '950 B',
      '1.2 MB',
      '1.9 GB',
      '2 GB',
    ]);
  });
});
