import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDrop } from '../drop/verify-drop.ts';
import { DROP_REJECTION_CODES } from '../drop/verify-result.ts';
import { buildTestVectors } from './build-test-vectors.ts';
import { mutateDrop, mutationBases, mutationSchedule } from './drop-mutations.ts';
import { compareVerdicts } from './compare-verdicts.ts';
import { rustVerifyMany } from './rust-drop-check.ts';
import { verifyOptionsOf } from './write-test-vectors.ts';

// Fixed, so a failure reproduces: `npx tsx bench/verifiers/differential.ts --seed 20261203
// --index N --keep DIR` writes mutation N and both verdicts. More seeds run in that bench.
const SEED = 20261203;
const COUNT = 2400;

describe('the TypeScript and Rust verifiers', () => {
  it(`reach the same verdict and code on ${COUNT} seeded mutations of every valid vector`, async () => {
    const bases = mutationBases(buildTestVectors());
    expect(bases.length).toBeGreaterThanOrEqual(5);
    const schedule = mutationSchedule(bases);
    const dir = mkdtempSync(join(tmpdir(), 'zra-verifiers-'));
    try {
      const drops = Array.from({ length: COUNT }, (_, index) => {
        const base = schedule[index % schedule.length];
        if (!base) throw new Error('no base');
        const drop = mutateDrop(base, SEED, index);
        const path = join(dir, `${index}.zip`);
        writeFileSync(path, drop.zip);
        return { index, drop, path, ts: verifyDrop(drop.zip, verifyOptionsOf(drop)) };
      });
      const rust = await rustVerifyMany(
        drops.map(({ drop, path }) => ({
          path,
          fileName: drop.fileName,
          ...(drop.receivedAt ? { receivedAt: drop.receivedAt } : {}),
          ...(drop.limits ? { limits: drop.limits } : {}),
        })),
      );
      const disagreements = drops.flatMap(({ index, drop, ts }) => {
        const problem = compareVerdicts(ts, rust[index]);
        return problem ? [`seed ${SEED} index ${index}: ${drop.about}\n  ${problem}`] : [];
      });
      expect(disagreements.slice(0, 25).join('\n\n')).toBe('');
      // The mutations must reach every code (and valid drops), or agreement proves little.
      const seen = new Set(drops.map(({ ts }) => (ts.ok ? 'valid' : ts.code)));
      for (const code of ['valid', ...DROP_REJECTION_CODES]) expect(seen, code).toContain(code);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Bounded by its work (a few CPU seconds); the margin is for a machine shared by many.
  }, 180_000);

  it('refuse an emptied entry whose header claims bytes (mutations that could not be built once)', async () => {
    // Found by the differential bench (seeds 5011 and 5015): "wrong size" made such an
    // entry's size -1, which no zip can hold, and the bench stopped there.
    const schedule = mutationSchedule(mutationBases(buildTestVectors()));
    const dir = mkdtempSync(join(tmpdir(), 'zra-verifiers-'));
    try {
      for (const [seed, index] of [
        [5011, 1613],
        [5015, 3606],
      ] as const) {
        const base = schedule[index % schedule.length];
        if (!base) throw new Error('no base');
        const drop = mutateDrop(base, seed, index);
        expect(drop.about).toContain('wrong size');
        const path = join(dir, `${seed}-${index}.zip`);
        writeFileSync(path, drop.zip);
        const ts = verifyDrop(drop.zip, verifyOptionsOf(drop));
        expect(ts.ok).toBe(false);
        const [rust] = await rustVerifyMany([
          {
            path,
            fileName: drop.fileName,
            ...(drop.receivedAt ? { receivedAt: drop.receivedAt } : {}),
            ...(drop.limits ? { limits: drop.limits } : {}),
          },
        ]);
        expect(compareVerdicts(ts, rust)).toBeNull();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
