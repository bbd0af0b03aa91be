/**
 * Issue 14's proof: for several seeds, a model of a park's gateway (every sending pattern:
 * re-sends, re-zips, revisions with a new or the same sequence, older versions again, bad
 * names then good ones, misaligned and future windows, quarantine deletes and re-checks,
 * alarms across windows and midnight, cycles on hour boundaries) is played through the real
 * OpenSSH gateway, agent, central, worker and Rust jobs; every report's figures are compared
 * with an independent oracle computed from the raw drop JSON (oracle*.ts).
 *
 * A failure names the seed, the report or ride-window, expected against got, the rule of
 * issue 14 it breaks, and the sending history of the ride-windows involved. The longer run
 * with many seeds is bench/figures/run.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnvironment, type FiguresEnvironment } from './environment.ts';
import { formatFindings } from './format-findings.ts';
import { generateScenario } from './scenario.ts';
import { runScenario } from './run-scenario.ts';

const SEEDS = [1, 2, 3, 4];

let env: FiguresEnvironment;

beforeAll(async () => {
  env = await startEnvironment('figures-model');
});

afterAll(async () => {
  await env?.close();
});

describe('figures equal an independent oracle, whatever the gateway sends', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, { timeout: 150_000 }, async () => {
      const scenario = generateScenario(seed);
      const result = await runScenario(env, scenario);
      // The scenario really exercised the system: drops went through and reports were compared.
      expect(result.batches).toBeGreaterThan(20);
      expect(result.reports).toBeGreaterThanOrEqual(5);
      expect(result.figures).toBeGreaterThan(100);
      expect(result.findings.length, formatFindings(result.findings)).toBe(0);
    });
  }
});
