import { createHash } from 'node:crypto';
import { appendFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyDrop } from '@zra/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSftpGateway, type SftpGateway } from '../../../../scripts/harness/sftp-gateway.ts';
import { createAgent } from '../agent.ts';
import { DropBuffer } from '../buffer/drop-buffer.ts';
import { parseAgentConfig } from '../settings/config.ts';
import { connectGateway, SettleTracker } from '@zra/gateway';
import { silentLogger } from '../logger.ts';
import { pullRide, type RidePullResult } from '../pull/pull.ts';
import { putOnGateway, rideOnGateway } from '../testing/gateway-files.ts';
import { startTestCentral, type TestCentral } from '../testing/test-central.ts';
import { tempDir } from '../testing/temp-dir.ts';
import { buildTestDrop } from '../testing/test-drop.ts';
import {
  byteOrderMark,
  hashMismatch,
  lyingZipBomb,
  notAZip,
  zeroByteZip,
  zipBomb,
  zipSlip,
  type BadDrop,
} from './bad-drops.ts';

const log = silentLogger();
let gw: SftpGateway;
let central: TestCentral;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  [gw, central] = await Promise.all([
    startSftpGateway(),
    startTestCentral('agent_faults_input', 'gardaland'),
  ]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), central?.close()]);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('bad files on the gateway', () => {
  it('quarantines each bad file with its reason, never uploads it, and pulls and uploads the good drops around them', async () => {
    const good = [buildTestDrop({ sequence: 1 }), buildTestDrop({ sequence: 9 })];
    const bad: { name: string; drop: BadDrop; code: string; reason: RegExp }[] = [
      {
        name: 'zero-byte zip',
        drop: zeroByteZip(2),
        code: 'zip_corrupt',
        // The verifier's own sentence reaches the technician, not a generic one.
        reason: /^The file is empty \(0 bytes\)/,
      },
      { name: 'non-zip file', drop: notAZip(3), code: 'zip_corrupt', reason: /not a readable zip/ },
      {
        name: 'zip-slip entry',
        drop: zipSlip(4),
        code: 'unsafe_entry_name',
        reason: /"\.\.\/x".*escape/,
      },
      { name: 'zip bomb', drop: zipBomb(5), code: 'zip_bomb', reason: /48\.0 MiB.*zip bomb/ },
      {
        name: 'zip bomb with lying headers',
        drop: lyingZipBomb(6),
        code: 'zip_corrupt',
        reason: /inflates to more than the 1000 bytes/,
      },
      {
        name: 'byte-order mark',
        drop: byteOrderMark(8),
        code: 'entry_invalid',
        reason: /^cycles\.json starts with a byte-order mark: save as UTF-8 without BOM/,
      },
      {
        name: 'manifest hash mismatch',
        drop: hashMismatch(7),
        code: 'hash_mismatch',
        reason: /cycles\.json does not match the SHA-256/,
      },
    ];
    // The good drops come first and last in gateway order (oldest first), the bad ones between.
    const files = [
      { fileName: good[0]?.fileName ?? '', bytes: good[0]?.zip ?? Buffer.alloc(0) },
      ...bad.map((b) => b.drop),
      { fileName: good[1]?.fileName ?? '', bytes: good[1]?.zip ?? Buffer.alloc(0) },
    ];
    const remoteDir = 'bad-input';
    for (const [i, f] of files.entries()) {
      await putOnGateway(gw, remoteDir, f.fileName, f.bytes, 600 - i * 10);
    }
    const data = await tempDir('faults-input');
    cleanups.push(data.remove);
    const agent = await createAgent(
      parseAgentConfig({
        park: 'gardaland',
        dataDir: data.dir,
        central: { url: central.url, token: central.token },
        rides: [rideOnGateway(gw, 'r1', remoteDir)],
      }),
      { log },
    );
    let closed = false;
    cleanups.push(() => (closed ? undefined : agent.close()));

    const run = await agent.runOnce();
    const again = await agent.runOnce();
    await agent.close();
    closed = true;

    expect(run.rides[0]?.result).toMatchObject({
      listed: files.length,
      buffered: 2,
      quarantined: bad.length,
      failed: [],
    });
    expect(run.upload).toMatchObject({ acknowledged: 2, failed: 0, remaining: 0 });
    // Quarantine is final: nothing is downloaded or uploaded again.
    expect(again.rides[0]?.result).toMatchObject({ known: files.length, quarantined: 0 });
    expect(again.upload.acknowledged).toBe(0);

    const buffer = await DropBuffer.open(data.dir, log);
    try {
      for (const b of bad) {
        const recorded = buffer.list().find((d) => d.fileName === b.drop.fileName);
        expect(recorded, b.name).toMatchObject({
          state: 'quarantined',
          sha256: sha256(b.drop.bytes),
          reasonCode: b.code,
        });
        expect(recorded?.reason, b.name).toMatch(b.reason);
      }
      expect(buffer.uploadQueue()).toEqual([]);
      expect(buffer.counts()).toMatchObject({ acknowledged: 2, quarantined: bad.length });
    } finally {
      buffer.close();
    }
    const atCentral = await central.query<{ sha256: string }>(
      'SELECT sha256 FROM batches WHERE sha256 = ANY($1)',
      [files.map((f) => sha256(f.bytes))],
    );
    expect(atCentral.map((b) => b.sha256).sort()).toEqual(good.map((d) => d.sha256).sort());
  });
});

describe('a file that grows while the agent lists the folder', () => {
  for (const [clock, offsetMs] of [
    ['the gateway clock agrees', 0],
    ['the gateway clock runs an hour ahead', 3_600_000],
  ] as const) {
    it(`leaves it for later and pulls it complete once it is stable (${clock})`, async () => {
      const data = await tempDir('faults-grow');
      const buffer = await DropBuffer.open(data.dir, log);
      cleanups.push(data.remove, () => buffer.close());
      const remoteDir = `grow-${offsetMs}`;
      const ride = rideOnGateway(gw, 'r1', remoteDir);
      const minAgeMs = 2000;
      const settle = new SettleTracker(minAgeMs);
      // The agent's clock, moved by the test; the gateway stamps each write with it (plus its
      // offset), so a pull can come between any two writes without waiting for real time.
      let now = Date.now();
      const pull = async () => {
        const r = await pullRide(ride, {
          park: 'gardaland',
          buffer,
          connect: (c) => connectGateway(c.connection, log),
          verify: verifyDrop,
          log,
          minAgeMs,
          settle,
          now: () => now,
        });
        results.push(r);
        return r;
      };
      const drop = buildTestDrop({ sequence: 3, riders: 17 });
      const results: RidePullResult[] = [];
      const dir = path.join(gw.root, remoteDir);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, drop.fileName);
      await writeFile(file, Buffer.alloc(0));

      // A PLC export writes in small appends, 100 ms apart; the agent lists after each one.
      const pieces = 12;
      const step = Math.ceil(drop.zip.length / pieces);
      for (let at = 0; at < drop.zip.length; at += step) {
        await appendFile(file, drop.zip.subarray(at, at + step));
        const t = (now + offsetMs) / 1000;
        await utimes(file, t, t);
        const r = await pull();
        expect(r.buffered + r.quarantined).toBe(0);
        expect(r.young).toBe(1);
        now += 100;
      }
      const lastWriteAt = now - 100;
      // Written out: the agent's clock moves on until a pull takes the file.
      let taken: RidePullResult | undefined;
      while (!taken && now - lastWriteAt < 60_000) {
        now += 250;
        const r = await pull();
        if (r.buffered > 0) taken = r;
      }

      expect(taken).toMatchObject({ buffered: 1, young: 0 });
      // Settled by the min age (plus the second SFTP cuts off mtimes), not much later.
      expect(now - lastWriteAt).toBeGreaterThanOrEqual(minAgeMs);
      expect(now - lastWriteAt).toBeLessThanOrEqual(minAgeMs + 1250);
      expect(results.reduce((n, r) => n + r.quarantined + r.failed.length, 0)).toBe(0);
      expect(buffer.list()).toMatchObject([
        { sha256: drop.sha256, contentId: drop.contentId, state: 'buffered' },
      ]);
    });
  }
});
