import { open as openFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, type TestDrop } from '../testing/test-drop.ts';
import { DropBuffer } from './drop-buffer.ts';
import { scrubWaitingBlobs } from './scrub-blobs.ts';

const log = silentLogger();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bufferWith(drops: TestDrop[]): Promise<DropBuffer> {
  const t = await tempDir('scrub');
  cleanups.push(t.remove);
  const buffer = await DropBuffer.open(t.dir, log);
  cleanups.push(() => buffer.close());
  for (const [i, drop] of drops.entries()) {
    const tmp = buffer.blobs.tmpPath(drop.fileName);
    await writeFile(tmp, drop.zip);
    await buffer.recordPulledFile(
      tmp,
      { ride: 'r1', name: drop.fileName, size: drop.zip.length, mtimeMs: 1000 },
      {
        sha256: drop.sha256,
        contentId: drop.contentId,
        ride: 'r1',
        fileName: drop.fileName,
        sequence: i + 1,
        windowStart: '2026-06-01T10:00:00Z',
        windowEnd: '2026-06-01T11:00:00Z',
        bytes: drop.zip.length,
        state: 'buffered',
        reasonCode: null,
        reason: null,
      },
    );
  }
  return buffer;
}

/** Flips one bit in the middle of a file, in place: same size, other bytes (disk damage). */
async function flipBit(file: string): Promise<void> {
  const middle = Math.floor((await readFile(file)).length / 2);
  const handle = await openFile(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, middle);
    byte[0] = (byte[0] ?? 0) ^ 0x10;
    await handle.write(byte, 0, 1, middle);
  } finally {
    await handle.close();
  }
}

describe('scrubWaitingBlobs', () => {
  it('forgets a waiting drop whose blob has a flipped bit, so it is pulled again, and keeps the rest', async () => {
    const [a, b, c] = [1, 2, 3].map((sequence) => buildTestDrop({ sequence })) as [
      TestDrop,
      TestDrop,
      TestDrop,
    ];
    const buffer = await bufferWith([a, b, c]);
    await flipBit(buffer.blobs.blobPath(b.sha256));

    expect(await scrubWaitingBlobs(buffer, log)).toEqual({ checked: 3, damaged: 1 });
    expect(buffer.uploadQueueShas().sort()).toEqual([a.sha256, c.sha256].sort());
    expect(buffer.get(b.sha256)).toBeUndefined();
    // Its gateway file no longer counts as pulled: the next pull fetches a good copy.
    const remote = { ride: 'r1', name: b.fileName, size: b.zip.length, mtimeMs: 1000 };
    expect(buffer.isKnownRemoteFile(remote)).toBe(false);
    expect(buffer.isKnownRemoteFile({ ...remote, name: a.fileName, size: a.zip.length })).toBe(
      true,
    );
    // A second pass finds nothing more.
    expect(await scrubWaitingBlobs(buffer, log)).toEqual({ checked: 2, damaged: 0 });
  });

  it('leaves acknowledged drops alone and stops when asked', async () => {
    const [a, b] = [1, 2].map((sequence) => buildTestDrop({ sequence })) as [TestDrop, TestDrop];
    const buffer = await bufferWith([a, b]);
    buffer.markUploading(a.sha256);
    buffer.markAcknowledged(a.sha256, {
      batchId: '00000000-0000-4000-8000-000000000001',
      status: 'stored',
    });
    // Central has it: a damaged local copy no longer matters to the upload.
    await flipBit(buffer.blobs.blobPath(a.sha256));
    expect(await scrubWaitingBlobs(buffer, log)).toEqual({ checked: 1, damaged: 0 });
    expect(buffer.get(a.sha256)?.state).toBe('acknowledged');

    await flipBit(buffer.blobs.blobPath(b.sha256));
    const stop = new AbortController();
    stop.abort();
    expect(await scrubWaitingBlobs(buffer, log, stop.signal)).toEqual({ checked: 0, damaged: 0 });
    expect(buffer.get(b.sha256)?.state).toBe('buffered');
  });
});
