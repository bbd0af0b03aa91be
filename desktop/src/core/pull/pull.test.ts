import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyDrop } from '@zra/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import type { AfterBuffer } from '../settings/config.ts';
import { connectGateway, SettleTracker } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide, type PullDeps } from './pull.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop, corruptZip } from '../testing/test-drop.ts';

const log = silentLogger();
let gw: SftpGateway;
const cleanups: (() => Promise<void> | void)[] = [];
let dirCounter = 0;

beforeAll(async () => {
  gw = await startSftpGateway();
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Zip names in a gateway folder (empty when the folder does not exist). */
async function gatewayZips(dir: string): Promise<string[]> {
  const names = await readdir(path.join(gw.root, dir)).catch(() => []);
  return names.filter((n) => n.endsWith('.zip')).sort();
}

/** A fresh buffer and a ride reading its own gateway directory. */
async function setup(overrides: Partial<PullDeps> = {}, afterBuffer: AfterBuffer = 'keep') {
  const data = await tempDir('pull');
  const buffer = await DropBuffer.open(data.dir, log);
  cleanups.push(data.remove, () => buffer.close());
  const remoteDir = `ride-${++dirCounter}`;
  const ride = rideOnGateway(gw, 'r1', remoteDir, afterBuffer);
  const deps: PullDeps = {
    park: 'gardaland',
    buffer,
    connect: (r) => connectGateway(r.connection, log),
    verify: verifyDrop,
    log,
    minAgeMs: 2000,
    ...overrides,
  };
  return {
    buffer,
    ride,
    remoteDir,
    deps,
    pull: () => pullRide(ride, deps),
    onGateway: (sub = remoteDir) => gatewayZips(sub),
    put: (name: string, bytes: Buffer, ageSeconds?: number) =>
      putOnGateway(gw, remoteDir, name, bytes, ageSeconds),
  };
}

describe('pullRide against a real OpenSSH gateway', () => {
  it('buffers a valid drop with a blob on disk whose sha256 matches the zip', async () => {
    const { buffer, pull, put } = await setup();
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);

    const result = await pull();

    expect(result).toMatchObject({ listed: 1, buffered: 1, quarantined: 0, failed: [] });
    const [recorded] = buffer.list();
    expect(recorded).toMatchObject({
      sha256: drop.sha256,
      contentId: drop.contentId,
      ride: 'r1',
      fileName: drop.fileName,
      sequence: 1,
      windowStart: '2026-06-01T10:00:00Z',
      bytes: drop.zip.length,
      state: 'buffered',
    });
    const blob = await readFile(buffer.blobs.blobPath(drop.sha256));
    expect(createHash('sha256').update(blob).digest('hex')).toBe(drop.sha256);
  });

  it('records a drop once when the gateway is pulled twice', async () => {
    const { buffer, pull, put } = await setup();
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);

    await pull();
    const second = await pull();

    expect(second).toMatchObject({ buffered: 0, known: 1 });
    expect(buffer.list()).toHaveLength(1);
  });

  it('quarantines each copy under a name the verifier refuses on its own, and buffers the valid drop once', async () => {
    const { buffer, pull, put } = await setup();
    const drop = buildTestDrop();
    const rezipped = buildTestDrop({ stored: true });
    expect(rezipped.sha256).not.toBe(drop.sha256);
    await put(drop.fileName, drop.zip, 120);
    // Same bytes under another name, and the same content zipped again under a name that
    // is not the canonical one: a verdict belongs to the name and the bytes together (R1).
    await put('copy-of-drop.zip', drop.zip, 90);
    await put(drop.fileName.replace(/_1\.zip$/, '_01.zip'), rezipped.zip, 60);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 1, duplicates: 0, quarantined: 2 });
    expect(buffer.uploadQueue()).toMatchObject([
      { sha256: drop.sha256, contentId: drop.contentId, fileName: drop.fileName },
    ]);
    expect(
      buffer.list({ state: 'quarantined' }).map((d) => [d.fileName, d.reasonCode, d.contentId]),
    ).toEqual([
      ['copy-of-drop.zip', 'name_mismatch', null],
      [drop.fileName.replace(/_1\.zip$/, '_01.zip'), 'name_mismatch', null],
    ]);
    // Every name is remembered, so none is downloaded again.
    expect(await pull()).toMatchObject({ known: 3, duplicates: 0, quarantined: 0 });
  });

  it('quarantines a corrupt zip and a zip with an invalid manifest, with reasons, never queued', async () => {
    const { buffer, pull, put } = await setup();
    const corrupt = buildTestDrop({ sequence: 1 });
    const badManifest = buildTestDrop({ sequence: 2, manifestPatch: { timezone: 'Mars/Base' } });
    await put(corrupt.fileName, corruptZip(corrupt));
    await put(badManifest.fileName, badManifest.zip);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 0, quarantined: 2 });
    const bySeq = new Map(buffer.list().map((d) => [d.sequence, d]));
    expect(bySeq.get(1)).toMatchObject({ state: 'quarantined', reasonCode: 'zip_corrupt' });
    expect(bySeq.get(1)?.reason).toMatch(/damaged/);
    expect(bySeq.get(2)).toMatchObject({ state: 'quarantined', reasonCode: 'manifest_invalid' });
    expect(bySeq.get(2)?.reason).toMatch(/timezone/);
    expect(buffer.uploadQueue()).toEqual([]);
    // The blob is kept so a person can inspect what the gateway served.
    await expect(readFile(buffer.blobs.blobPath(bySeq.get(1)?.sha256 ?? ''))).resolves.toEqual(
      corruptZip(corrupt),
    );
    // Pulling again changes nothing.
    expect(await pull()).toMatchObject({ quarantined: 0, known: 2 });
  });

  it('fails the ride with the host-key message when the gateway key changed, buffering nothing', async () => {
    const { buffer, ride, put } = await setup();
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);
    const pinned = 'SHA256:' + 'A'.repeat(43);
    const changed = { ...ride, connection: { ...ride.connection, hostKeySha256: pinned } };

    await expect(
      pullRide(changed, {
        park: 'gardaland',
        buffer,
        connect: (r) => connectGateway(r.connection, log),
        verify: verifyDrop,
        log,
        minAgeMs: 0,
      }),
    ).rejects.toThrow(
      `the gateway's host key changed (expected ${pinned}, got ${gw.hostKeySha256}): ` +
        'the ride is stopped until a technician confirms the new key',
    );
    expect(buffer.list()).toEqual([]);
  });

  it('leaves files younger than the minimum age for a later pull', async () => {
    const { buffer, pull, put } = await setup();
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip, 0);

    expect(await pull()).toMatchObject({ young: 1, buffered: 0 });
    expect(buffer.list()).toEqual([]);

    await put(drop.fileName, drop.zip, 5);
    expect(await pull()).toMatchObject({ young: 0, buffered: 1 });
  });

  it('pulls a file stamped in the future (gateway clock ahead) once two listings agree', async () => {
    const settle = new SettleTracker(300);
    // The agent's clock, moved by the test: the second listing is 400 ms after the first.
    let now = Date.now();
    const { buffer, pull, put } = await setup({ minAgeMs: 300, settle, now: () => now });
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip, -3600);

    expect(await pull()).toMatchObject({ young: 1, buffered: 0 });
    now += 200;
    expect(await pull()).toMatchObject({ young: 1, buffered: 0 });
    now += 200;
    expect(await pull()).toMatchObject({ young: 0, buffered: 1 });
    expect(buffer.list()).toHaveLength(1);
  });

  it('stops pulling mid-ride when the buffer is full, leaving the rest on the gateway unrecorded', async () => {
    let roomFor = 1;
    const { buffer, pull, put } = await setup({
      minAgeMs: 0,
      room: () => Promise.resolve(roomFor-- > 0),
    });
    const first = buildTestDrop({ sequence: 1 });
    const second = buildTestDrop({ sequence: 2 });
    await put(first.fileName, first.zip, 120);
    await put(second.fileName, second.zip, 60);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 1, pausedForSpace: true });
    expect(buffer.list().map((d) => d.sha256)).toEqual([first.sha256]);
    expect(buffer.remoteFileDropState('r1', second.fileName)).toBeUndefined();
  });

  it('quarantines a window that starts over 15 minutes after the pull, by the agent clock', async () => {
    // The agent's clock reads 09:44 UTC: the 10:00 window starts 16 minutes later, the 09:00
    // one is under way.
    const { buffer, pull, put } = await setup({
      minAgeMs: 0,
      now: () => Date.parse('2026-06-01T09:44:00Z'),
    });
    const ahead = buildTestDrop({ windowStart: '2026-06-01T10:00:00Z' });
    const edge = buildTestDrop({ windowStart: '2026-06-01T09:00:00Z', sequence: 2 });
    await put(ahead.fileName, ahead.zip, 120);
    await put(edge.fileName, edge.zip, 60);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 1, quarantined: 1 });
    expect(result.quarantinedFiles).toEqual([
      {
        name: ahead.fileName,
        code: 'window_in_future',
        reason: expect.stringContaining('set the PLC clock to UTC'),
      },
    ]);
    expect(buffer.uploadQueue().map((d) => d.fileName)).toEqual([edge.fileName]);
  });

  it('ignores files that are not zips', async () => {
    const { buffer, pull, put } = await setup();
    await put('notes.txt', Buffer.from('not a drop'));
    await put('partial.zip.part', Buffer.from('half'));

    expect(await pull()).toMatchObject({ listed: 2, buffered: 0, quarantined: 0 });
    expect(buffer.list()).toEqual([]);
  });

  it('quarantines a valid drop of another ride or park once, saying what to change, and never uploads it', async () => {
    const { buffer, pull, put, remoteDir } = await setup();
    const otherRide = buildTestDrop({ ride: 'r2', sequence: 1 });
    const otherPark = buildTestDrop({ park: 'mirabilandia', sequence: 2 });
    await put(otherRide.fileName, otherRide.zip, 120);
    await put(otherPark.fileName, otherPark.zip, 60);

    const result = await pull();

    expect(result).toMatchObject({ buffered: 0, quarantined: 2, failed: [] });
    expect(result.quarantinedFiles).toEqual([
      {
        name: otherRide.fileName,
        code: 'ride_mismatch',
        reason: `The drop is of ride "r2", but it lies in the folder "${remoteDir}" of ride "r1": fix the ride id in the PLC export, or point this ride at its own folder (a ride's id must be the id its PLC writes).`,
      },
      {
        name: otherPark.fileName,
        code: 'park_mismatch',
        reason: expect.stringMatching(
          /^The drop is of park "mirabilandia", but this agent serves park "gardaland": fix the park id in the PLC export/,
        ),
      },
    ]);
    expect(buffer.list()).toMatchObject([
      { ride: 'r1', fileName: otherRide.fileName, state: 'quarantined', contentId: null },
      { ride: 'r1', fileName: otherPark.fileName, state: 'quarantined', contentId: null },
    ]);
    expect(buffer.uploadQueue()).toEqual([]);
    // A verdict, not a failure: the next pull knows both files and says nothing again.
    expect(await pull()).toMatchObject({ known: 2, quarantined: 0, failed: [] });
  });
});

describe('remote handling after buffering, against a real OpenSSH gateway', () => {
  it('deletes a drop from the gateway only once it is recorded with its blob, and keeps quarantined files there', async () => {
    const { buffer, deps, ride, put, onGateway } = await setup({ minAgeMs: 0 }, 'delete');
    const good = buildTestDrop({ sequence: 1 });
    const broken = buildTestDrop({ sequence: 2 });
    await put(good.fileName, good.zip);
    await put(broken.fileName, corruptZip(broken));
    // What the buffer held at the moment the agent asked the gateway to delete each file.
    const seenAtDelete: { name: string; recorded: boolean; blob: boolean }[] = [];
    const connect: PullDeps['connect'] = async (r) => {
      const client = await connectGateway(r.connection, log);
      return {
        list: (dir) => client.list(dir),
        download: (dir, name, to) => client.download(dir, name, to),
        move: (dir, name, to) => client.move(dir, name, to),
        exists: (dir) => client.exists(dir),
        close: () => client.close(),
        remove: async (dir, name) => {
          const drop = buffer.list().find((d) => d.fileName === name);
          seenAtDelete.push({
            name,
            recorded: drop !== undefined,
            blob: drop !== undefined && existsSync(buffer.blobs.blobPath(drop.sha256)),
          });
          await client.remove(dir, name);
        },
      };
    };

    const result = await pullRide(ride, { ...deps, connect });

    expect(result).toMatchObject({ buffered: 1, quarantined: 1, cleanedUp: 1, cleanupFailed: [] });
    expect(seenAtDelete).toEqual([{ name: good.fileName, recorded: true, blob: true }]);
    expect(await onGateway()).toEqual([broken.fileName]);
    expect(buffer.get(good.sha256)?.state).toBe('buffered');
  });

  it('moves a drop, and a re-export of it, into the done folder, leaving nothing to pull again', async () => {
    const done = 'done-moved';
    const { buffer, pull, put, onGateway } = await setup({ minAgeMs: 0 }, { moveTo: done });
    const drop = buildTestDrop();
    const rezipped = buildTestDrop({ stored: true });
    await put(drop.fileName, drop.zip, 120);

    const first = await pull();

    expect(first).toMatchObject({ buffered: 1, duplicates: 0, cleanedUp: 1, cleanupFailed: [] });
    expect(await onGateway()).toEqual([]);
    expect(await onGateway(done)).toEqual([drop.fileName]);
    expect(await readFile(path.join(gw.root, done, drop.fileName))).toEqual(drop.zip);

    // The PLC exports the window again: same content, other zip bytes, same name.
    await put(drop.fileName, rezipped.zip, 60);
    expect(await pull()).toMatchObject({ duplicates: 1, cleanedUp: 1, cleanupFailed: [] });
    expect(await onGateway()).toEqual([]);
    expect(await readFile(path.join(gw.root, done, drop.fileName))).toEqual(rezipped.zip);
    expect(await pull()).toMatchObject({ listed: 0, buffered: 0, cleanedUp: 0 });
    expect(buffer.list()).toHaveLength(1);
  });

  it('keeps gateway files by default', async () => {
    const { pull, put, onGateway } = await setup({ minAgeMs: 0 });
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);

    expect(await pull()).toMatchObject({ buffered: 1, cleanedUp: 0 });
    expect(await onGateway()).toEqual([drop.fileName]);
  });

  it('finishes the deletion on the next pull when the agent stopped between recording and deleting', async () => {
    const { buffer, deps, ride, put, onGateway } = await setup({ minAgeMs: 0 }, 'delete');
    const drop = buildTestDrop();
    await put(drop.fileName, drop.zip);
    // The first pull records the drop but its deletion never happens (as if killed there).
    await pullRide({ ...ride, afterBuffer: 'keep' }, deps);
    expect(await onGateway()).toEqual([drop.fileName]);

    const next = await pullRide(ride, deps);

    expect(next).toMatchObject({ known: 1, buffered: 0, cleanedUp: 1 });
    expect(await onGateway()).toEqual([]);
    expect(buffer.list()).toHaveLength(1);
  });
});
