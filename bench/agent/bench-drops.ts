import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { iterateDrops } from '@zra/shared';

/** The park and ride every agent benchmark's drops belong to. */
export const BENCH_PARK = 'benchpark';
export const BENCH_RIDE = 'coaster';

/** A folder of generated drops and what it holds. */
export interface BenchDrops {
  dir: string;
  files: string[];
  bytes: number;
}

/**
 * At least `megabytes` MB of realistic drops (shared's generator, one ride, 50 Hz telemetry,
 * about 1.6 MB each), generated once into a cache folder under the temp dir and reused by
 * later runs (generating 1 GB takes a couple of minutes).
 */
export async function benchDrops(
  megabytes: number,
  log: (line: string) => void,
): Promise<BenchDrops> {
  const dir = path.join(os.tmpdir(), `zra-bench-drops-${megabytes}MB`);
  const marker = path.join(dir, '.complete');
  if (!existsSync(marker)) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    log(`generating ${megabytes} MB of drops into ${dir} (once; later runs reuse them)`);
    let bytes = 0;
    for (const drop of iterateDrops({
      park: BENCH_PARK,
      rides: [{ id: BENCH_RIDE, model: 'disko-coaster' }],
      from: '2026-06-01',
      hours: 24 * 400,
      rateHz: 50,
      seed: 7,
    })) {
      await writeFile(path.join(dir, drop.fileName), drop.zip);
      bytes += drop.zip.length;
      if (bytes >= megabytes * 1e6) break;
    }
    await writeFile(marker, '');
  }
  const files = (await readdir(dir)).filter((n) => n.endsWith('.zip')).sort();
  let bytes = 0;
  for (const f of files) bytes += (await stat(path.join(dir, f))).size;
  return { dir, files, bytes };
}
