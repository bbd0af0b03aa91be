import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rmdir, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { verifyDrop } from '@zra/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { connectGateway } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide } from '../pull/pull.ts';
import { rideOnGateway } from '../testing/gateway-files.ts';
import { manyDrops } from './many-drops.ts';

const run = promisify(execFile);
const log = silentLogger();
const FILES = Number(process.env.ZRA_LARGE_FOLDER_FILES ?? 10_000);

let gw: SftpGateway;
let mountPoint: string;

beforeAll(async () => {
  gw = await startSftpGateway();
  // The data directory on tmpfs: fsync costs are the disk's, not the folder size's, and
  // 10,000 of them on a shared virtual disk would make this test about the disk.
  mountPoint = await mkdtemp(path.join(os.tmpdir(), 'zra-large-folder-'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'tmpfs', mountPoint]);
});
afterAll(async () => {
  await gw?.stop();
  if (mountPoint) {
    await run('umount', [mountPoint]).catch(() => undefined);
    await rmdir(mountPoint).catch(() => undefined);
  }
});

describe(`${FILES} files in one gateway folder`, () => {
  it('pulls every valid drop exactly once with bounded memory, and the next pull downloads nothing', async () => {
    const drops = manyDrops(FILES);
    const dir = path.join(gw.root, 'large');
    await mkdir(dir);
    const t = (Date.now() - 600_000) / 1000;
    for (const d of drops) {
      const file = path.join(dir, d.fileName);
      await writeFile(file, d.zip);
      await utimes(file, t, t);
    }
    // Non-drop files a gateway folder also collects: listed, never downloaded.
    for (let i = 0; i < 50; i++) await writeFile(path.join(dir, `export-${i}.log`), 'log line\n');

    const dataDir = path.join(mountPoint, 'agent');
    const buffer = await DropBuffer.open(dataDir, log);
    try {
      const ride = rideOnGateway(gw, 'r1', 'large');
      const pull = () =>
        pullRide(ride, {
          park: 'gardaland',
          buffer,
          connect: (r) => connectGateway(r.connection, log),
          verify: verifyDrop,
          log,
          minAgeMs: 2000,
        });
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => {
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      }, 50);

      let first;
      try {
        first = await pull();
      } finally {
        clearInterval(sampler);
      }

      expect(first).toMatchObject({
        listed: FILES + 50,
        buffered: FILES,
        duplicates: 0,
        quarantined: 0,
        failed: [],
      });
      // Generous: the drops are 1.5 KB each, so anything near this means per-file memory
      // that is never released (the listing itself is a few MB).
      expect(rssPeak - rssBefore).toBeLessThan(256 * 1024 * 1024);
      const recorded = buffer.list();
      expect(recorded).toHaveLength(FILES);
      expect(new Set(recorded.map((d) => d.sha256))).toEqual(new Set(drops.map((d) => d.sha256)));
      expect(await readdir(path.join(dataDir, 'tmp'))).toEqual([]);

      const second = await pull();

      expect(second).toMatchObject({ known: FILES, buffered: 0, duplicates: 0, bytes: 0 });
      expect(buffer.list()).toHaveLength(FILES);
    } finally {
      buffer.close();
    }
  }, 180_000); // 10,000 files over real SFTP: well over a minute on a loaded 2-core machine
});
