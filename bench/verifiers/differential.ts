// The differential test of the two drop verifiers at a larger scale than the suite's: many
// seeds of seeded mutations of every valid test vector go through TypeScript's verifyDrop and
// the Rust crate (one `drop-check --verify-many` process per seed), which must reach the same
// verdict and code. Prints, per seed, how many drops got each code, and every disagreement
// with its seed, index and mutation.
//
//   npx tsx bench/verifiers/differential.ts [--seeds 20] [--from-seed 1] [--count 5000]
//   npx tsx bench/verifiers/differential.ts --seed 20261203 --index 117 --keep /tmp/m
//
// The second form reproduces one mutation (the suite's seed is 20261203): it writes the
// mutated zip and its request line to --keep and prints both verdicts.
// Needs rust/target/release/drop-check (`cargo build --release --manifest-path rust/Cargo.toml`).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { verifyDrop } from '@zra/shared';
import { buildTestVectors } from '../../shared/src/test-vectors/build-test-vectors.ts';
import { compareVerdicts } from '../../shared/src/test-vectors/compare-verdicts.ts';
import {
  mutateDrop,
  mutationBases,
  mutationSchedule,
  type MutatedDrop,
} from '../../shared/src/test-vectors/drop-mutations.ts';
import {
  rustVerifyMany,
  type DropCheckRequest,
} from '../../shared/src/test-vectors/rust-drop-check.ts';
import { verifyOptionsOf } from '../../shared/src/test-vectors/write-test-vectors.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    'from-seed': { type: 'string', default: '1' },
    count: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    index: { type: 'string' },
    keep: { type: 'string' },
  },
});
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const schedule = mutationSchedule(mutationBases(buildTestVectors()));

function mutation(seed: number, index: number): MutatedDrop {
  const base = schedule[index % schedule.length];
  if (!base) throw new Error('no mutation base');
  return mutateDrop(base, seed, index);
}

function request(drop: MutatedDrop, file: string): DropCheckRequest {
  return {
    path: file,
    fileName: drop.fileName,
    ...(drop.receivedAt ? { receivedAt: drop.receivedAt } : {}),
    ...(drop.limits ? { limits: drop.limits } : {}),
  };
}

async function reproduce(seed: number, index: number, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const drop = mutation(seed, index);
  const file = path.join(dir, `seed-${seed}-index-${index}.zip`);
  writeFileSync(file, drop.zip);
  writeFileSync(`${file}.request.json`, `${JSON.stringify(request(drop, file))}\n`);
  const ts = verifyDrop(drop.zip, verifyOptionsOf(drop));
  const [rust] = await rustVerifyMany([request(drop, file)]);
  out(`mutation: ${drop.about}`);
  out(`wrote ${file} (and .request.json, for drop-check --verify-many)`);
  out(`TypeScript: ${ts.ok ? `valid, contentId ${ts.contentId}` : `${ts.code}: ${ts.reason}`}`);
  out(`Rust:       ${JSON.stringify(rust)}`);
  out(compareVerdicts(ts, rust) === null ? 'they agree' : 'they DISAGREE');
}

async function runSeed(seed: number, count: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'zra-differential-'));
  try {
    const drops = Array.from({ length: count }, (_, index) => {
      const drop = mutation(seed, index);
      const file = path.join(dir, `${index}.zip`);
      writeFileSync(file, drop.zip);
      return { index, drop, file, ts: verifyDrop(drop.zip, verifyOptionsOf(drop)) };
    });
    const rust = await rustVerifyMany(drops.map(({ drop, file }) => request(drop, file)));
    const codes = new Map<string, number>();
    let disagreements = 0;
    for (const { index, drop, ts } of drops) {
      const key = ts.ok ? 'valid' : ts.code;
      codes.set(key, (codes.get(key) ?? 0) + 1);
      const problem = compareVerdicts(ts, rust[index]);
      if (problem) {
        disagreements++;
        out(`seed ${seed} index ${index}: ${drop.about}\n  ${problem}`);
      }
    }
    const summary = [...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
    out(`seed ${seed}: ${count} drops, ${disagreements} disagreements (${summary.join(', ')})`);
    return disagreements;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.seed !== undefined || values.index !== undefined) {
  if (values.seed === undefined || values.index === undefined || values.keep === undefined) {
    throw new Error('reproducing one mutation needs --seed, --index and --keep');
  }
  await reproduce(Number(values.seed), Number(values.index), values.keep);
} else {
  const first = Number(values['from-seed']);
  let total = 0;
  const started = performance.now();
  for (let seed = first; seed < first + Number(values.seeds); seed++) {
    total += await runSeed(seed, Number(values.count));
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  out(`${values.seeds} seeds × ${values.count} drops in ${seconds} s: ${total} disagreements`);
  process.exitCode = total === 0 ? 0 : 1;
}
