/**
 * The short run of the system-wide fault campaign (bench/chaos, issue 15): one minute of
 * seeded faults on every part while drops are written, a bounded drain, then the invariants,
 * and the self-check that plants damage of each kind and expects every check to name it.
 * The long run (`npx tsx bench/chaos/run.ts --seed N --minutes 25`) is reported in
 * docs/performance.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const SEED = process.env.ZRA_CHAOS_SEED ?? '15';
const RUN = fileURLToPath(new URL('../../bench/chaos/run.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The parts of the campaign's JSON result this test reads. */
const resultSchema = z.object({
  faults: z.array(z.object({ kind: z.string(), target: z.string() })),
  faultsByKind: z.record(z.string(), z.number()),
  distinctDrops: z.number(),
  violations: z.array(z.object({ check: z.string(), detail: z.string() })),
  selfCheckMissed: z.array(z.string()).nullable(),
  drainedAfterMs: z.number().nullable(),
});

const dir = mkdtempSync(path.join(tmpdir(), 'zra-chaos-short-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the campaign CLI as the docs say, and answers its exit code, output and JSON result. */
function runCampaign(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN, ...args], { cwd: REPO });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe(`the short chaos campaign (seed ${SEED})`, () => {
  it(
    'keeps every guarantee through a minute of faults on every part, and its checks find planted damage',
    async () => {
      const json = path.join(dir, 'result.json');
      const { code, output } = await runCampaign([
        '--seed',
        SEED,
        '--minutes',
        '1',
        '--faults-per-minute',
        '40',
        '--drops-per-minute',
        '30',
        '--drain-minutes',
        '1.5',
        '--self-check',
        '--json',
        json,
      ]);
      // No result file: the campaign could not run; its output says why.
      expect(existsSync(json), output).toBe(true);
      const result = resultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
      // A campaign that injected little or wrote little proves nothing.
      expect(result.faults.length, output).toBeGreaterThanOrEqual(20);
      expect(
        Object.values(result.faultsByKind).filter((n) => n > 0).length,
        output,
      ).toBeGreaterThanOrEqual(6);
      expect(result.distinctDrops, output).toBeGreaterThanOrEqual(12);
      // Checks that cannot fail would make the rest a green screen.
      expect(result.selfCheckMissed, output).toEqual([]);
      expect(result.violations, output).toEqual([]);
      expect(code, output).toBe(0);
    },
    8 * 60_000,
  );
});
