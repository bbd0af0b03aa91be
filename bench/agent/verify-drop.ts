// CPU of the agent's drop verifier (shared's verifyDrop) on one thread, per drop, against the
// floor any verifier pays (inflate + CRC-32 + SHA-256 of every entry).
//
//   npx tsx bench/agent/verify-drop.ts [--megabytes 200] [--passes 3]
//
// The drops are read into memory first, so only verification is timed.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verifyDrop } from '@zra/shared';
import { median } from '../lib/stats.ts';
import { benchDrops } from './bench-drops.ts';
import { inflateAndHashCpu } from './verification-floor.ts';

const { values } = parseArgs({
  options: {
    megabytes: { type: 'string', default: '200' },
    passes: { type: 'string', default: '3' },
  },
});
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const drops = await benchDrops(Number(values.megabytes), out);
const zips = await Promise.all(
  drops.files.map(async (name) => ({ name, zip: await readFile(path.join(drops.dir, name)) })),
);
const perDrop: number[] = [];
for (let pass = 1; pass <= Number(values.passes); pass++) {
  const before = process.cpuUsage();
  for (const { name, zip } of zips) {
    const verdict = verifyDrop(zip, { fileName: name });
    if (!verdict.ok) throw new Error(`${name}: ${verdict.reason}`);
  }
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000 / zips.length;
  perDrop.push(ms);
  out(`pass ${pass}: ${ms.toFixed(1)} ms of CPU per drop`);
}
const floor = ((await inflateAndHashCpu(drops)) * 1000) / drops.files.length;
out(`${drops.files.length} drops, ${(drops.bytes / 1e6).toFixed(0)} MB`);
out(`verifyDrop: median ${median(perDrop).toFixed(1)} ms of CPU per drop`);
out(
  `floor (inflate + CRC-32 + SHA-256, read from disk): ${floor.toFixed(1)} ms per drop, ${((floor / median(perDrop)) * 100).toFixed(0)} % of verifyDrop`,
);
