import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSmallDrop, verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { connectGateway } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide } from '../pull/pull.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { buildTestDrop } from '../testing/test-drop.ts';

const run = promisify(execFile);
const log = silentLogger();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let gw: SftpGateway;
let mountPoint: string;

beforeAll(async () => {
  gw = await startSftpGateway();
  // A small file system of its own for the agent's data directory (the tests run as root).
  mountPoint = await mkdtemp(path.join(os.tmpdir(), 'zra-disk-full-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
});
afterAll(async () => {
  await gw?.stop();
  if (mountPoint) {
    await run('umount', [mountPoint]).catch(() => undefined);
    await rmdir(mountPoint).catch(() => undefined);
  }
});

describe('the agent disk fills up while downloading', () => {
  it('fails the file with a clear error, records no partial blob, loses nothing on the gateway, and pulls it once space is freed', async () => {
    const dataDir = path.join(mountPoint, 'agent');
    const buffer = await DropBuffer.open(dataDir, log);
    try {
      const small = buildTestDrop({ sequence: 1 });
      const big = generateSmallDrop({ park: 'gardaland', ride: 'r1', rateHz: 50, hour: 16 });
      await putOnGateway(gw, 'full', small.fileName, small.zip, 120);
      await putOnGateway(gw, 'full', big.fileName, big.zip, 60);
      const after = buildTestDrop({ sequence: 2 });
      await putOnGateway(gw, 'full', after.fileName, after.zip, 30);
      // Something else filled the disk: about half of the big drop still fits.
      const { bavail, bsize } = await statfs(mountPoint);
      const filler = path.join(mountPoint, 'filler');
      await writeFile(filler, Buffer.alloc(Math.max(0, bavail * bsize - big.zip.length / 2)));
      const ride = rideOnGateway(gw, 'r1', 'full');
      const pull = () =>
        pullRide(ride, {
          park: 'gardaland',
          buffer,
          connect: (r) => connectGateway(r.connection, log),
          verify: verifyDrop,
          log,
          minAgeMs: 0,
        });

      const full = await pull();

      expect(full).toMatchObject({ buffered: 1, quarantined: 0 });
      expect(full.failed).toEqual([
        {
          name: big.fileName,
          error: `the agent's disk is full (no space left in ${path.join(dataDir, 'tmp')}): free space there; the file stays on the gateway and the next pull tries again`,
        },
      ]);
      expect(buffer.list().map((d) => d.sha256)).toEqual([small.sha256]);
      expect(buffer.remoteFileDropState('r1', big.fileName)).toBeUndefined();
      // The pull stopped at the full disk: the next file was not even tried.
      expect(buffer.remoteFileDropState('r1', after.fileName)).toBeUndefined();
      expect(await readdir(path.join(dataDir, 'tmp'))).toEqual([]);
      expect(await readFile(path.join(gw.root, 'full', big.fileName))).toEqual(big.zip);
      expect(await readFile(path.join(gw.root, 'full', small.fileName))).toEqual(small.zip);

      await rm(filler);
      const freed = await pull();

      expect(freed).toMatchObject({ buffered: 2, known: 1, failed: [] });
      const bigSha = sha256(big.zip);
      expect(buffer.get(bigSha)).toMatchObject({ state: 'buffered', bytes: big.zip.length });
      expect(sha256(await readFile(buffer.blobs.blobPath(bigSha)))).toBe(bigSha);
      expect(await readdir(path.join(dataDir, 'tmp'))).toEqual([]);
    } finally {
      buffer.close();
    }
  });
});
