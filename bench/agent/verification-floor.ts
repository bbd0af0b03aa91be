// What verification must cost whoever does it, measured on the benchmark's own drops: drop
// format v1 requires every entry's CRC-32 and SHA-256 (docs/drop-format.md), so a verifying
// client inflates and hashes every byte however fast its transport is. Timing only that (no
// JSON checks, no transport, no disk) on one thread gives a floor; spread over every core it
// bounds the pull throughput any verifying client can reach on this machine.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { verifyDrop } from '@zra/shared';
import type { BenchDrops } from './bench-drops.ts';

/** CPU seconds (user + system) of this process spent in `work`. */
async function cpuSeconds(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/** CPU seconds to inflate, CRC-32 and SHA-256 every entry of every drop (the floor). */
export function inflateAndHashCpu(drops: BenchDrops): Promise<number> {
  return cpuSeconds(async () => {
    for (const name of drops.files) {
      for (const entry of new AdmZip(await readFile(path.join(drops.dir, name))).getEntries()) {
        const size = Math.max(entry.header.size, 64);
        const data = inflateRawSync(entry.getCompressedData(), { chunkSize: size });
        if (crc32(data) >>> 0 !== entry.header.crc >>> 0) throw new Error(`${name}: bad CRC`);
        createHash('sha256').update(data).digest();
      }
    }
  });
}

/** CPU seconds of the agent's full `verifyDrop` over every drop, on one thread. */
export function verifyDropCpu(drops: BenchDrops): Promise<number> {
  return cpuSeconds(async () => {
    for (const name of drops.files) {
      const verdict = verifyDrop(await readFile(path.join(drops.dir, name)), { fileName: name });
      if (!verdict.ok) throw new Error(`${name}: ${verdict.reason}`);
    }
  });
}
